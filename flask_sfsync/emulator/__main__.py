"""``python -m flask_sfsync.emulator``: run a local Salesforce org in the foreground.

The first line on stdout is one JSON object (login_url, instance_url, ca_bundle, client_id,
client_secret, app_name, username, password, org_id, org_name, ...; every path in it
absolute), flushed at once so a parent process can read it. Runs until Ctrl-C or SIGTERM; with
``--data FILE`` the org is saved there on exit. The connected app's credentials come from
``--client-id`` or the environment (``SFSYNC_EMULATOR_CLIENT_ID``,
``SFSYNC_EMULATOR_CLIENT_SECRET``), else are generated; a secret on the command line works but
is visible to every user of the machine (``ps``), so it warns.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType

from flask_sfsync.emulator.handle import (
    DEFAULT_APP_NAME,
    DEFAULT_DAILY_API_LIMIT,
    DEFAULT_TOKEN_LIFETIME,
    LocalOrg,
)

CLIENT_ID_ENV = "SFSYNC_EMULATOR_CLIENT_ID"
CLIENT_SECRET_ENV = "SFSYNC_EMULATOR_CLIENT_SECRET"
SECRET_ON_COMMAND_LINE = (
    "warning: --client-secret is visible to other users of this machine (ps, /proc/PID/cmdline); "
    f"set {CLIENT_SECRET_ENV} in the environment instead"
)

_EPILOG = f"""\
environment:
  {CLIENT_ID_ENV}      the connected app's consumer key (--client-id wins)
  {CLIENT_SECRET_ENV}  its consumer secret (--client-secret wins); unlike the command
                                 line, a process's environment is readable only by its user
  Without either, the credentials saved next to --data FILE are used, else new ones generated.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flask_sfsync.emulator",
        description="Run a local Salesforce org (login host over HTTP, instance over HTTPS).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0,
        help="login host port (0 = a free port); the instance uses PORT+1, or a free port for 0",
    )
    parser.add_argument("--seed", choices=("empty", "demo"), default="empty",
                        help="data of a new org (ignored when --data FILE exists)")
    parser.add_argument("--data", metavar="FILE",
                        help="load the org from FILE and save it there on exit")
    parser.add_argument("--token-lifetime", type=float, default=DEFAULT_TOKEN_LIFETIME,
                        metavar="SECONDS", help="access token lifetime (default 7200)")
    parser.add_argument("--daily-api-limit", type=int, default=DEFAULT_DAILY_API_LIMIT,
                        metavar="N", help="API requests allowed (default 100000)")
    parser.add_argument("--sandbox", action="store_true", help="the org is a sandbox")
    parser.add_argument("--callback-url", action="append", metavar="URL", dest="callback_urls",
                        help="allowed OAuth callback URL (repeatable; default: any loopback URL)")
    parser.add_argument("--app-name", default=DEFAULT_APP_NAME, metavar="NAME",
                        help="the connected app's name, shown on the OAuth Allow/Deny page "
                             f"(default {DEFAULT_APP_NAME})")
    parser.add_argument("--org-name", metavar="NAME",
                        help="the org's name (its Organization record's Name; default "
                             "'Local Org', 'Example Inc.' for --seed demo; an existing --data "
                             "FILE keeps its own unless given)")
    parser.add_argument("--client-id",
                        help=f"the connected app's consumer key (default: ${CLIENT_ID_ENV}, "
                             "else generated)")
    parser.add_argument("--client-secret",
                        help=f"its consumer secret; visible to other users, prefer "
                             f"${CLIENT_SECRET_ENV} (default: that, else generated)")
    return parser


def credentials(args: argparse.Namespace, environ: Mapping[str, str]
                ) -> tuple[str | None, str | None]:
    """The connected app's (client id, secret): the command line, else the environment, else
    None (saved or generated ones). An empty variable counts as unset."""
    client_id = args.client_id or environ.get(CLIENT_ID_ENV) or None
    client_secret = args.client_secret or environ.get(CLIENT_SECRET_ENV) or None
    return client_id, client_secret


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.client_secret:
        print(SECRET_ON_COMMAND_LINE, file=sys.stderr, flush=True)
    client_id, client_secret = credentials(args, os.environ)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        org = LocalOrg(
            args.seed, host=args.host, port=args.port, data_file=args.data,
            token_lifetime=args.token_lifetime, daily_api_limit=args.daily_api_limit,
            sandbox=args.sandbox, callback_urls=args.callback_urls,
            client_id=client_id, client_secret=client_secret, app_name=args.app_name,
            org_name=args.org_name,
        ).start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        sys.stdout.write(json.dumps(org.info()) + "\n")
        sys.stdout.flush()
        print(
            f"Local Salesforce org \"{org.org_name}\": login {org.login_url}  "
            f"instance {org.instance_url}\n"
            f"Records: {org.login_url}/records/Contact  (sign in as a user above to make "
            "changes; Ctrl-C to stop)",
            file=sys.stderr, flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        org.stop()  # saves --data
    return 0


if __name__ == "__main__":
    sys.exit(main())
