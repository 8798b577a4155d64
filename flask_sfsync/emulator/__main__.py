"""``python -m flask_sfsync.emulator``: run a local Salesforce org in the foreground.

The first line on stdout is one JSON object (login_url, instance_url, ca_bundle, client_id,
client_secret, username, password, ...), flushed at once so a parent process can read it.
Runs until Ctrl-C or SIGTERM; with ``--data FILE`` the org is saved there on exit.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from flask_sfsync.emulator.handle import DEFAULT_DAILY_API_LIMIT, DEFAULT_TOKEN_LIFETIME, LocalOrg


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flask_sfsync.emulator",
        description="Run a local Salesforce org (login host over HTTP, instance over HTTPS).",
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
    parser.add_argument("--client-id", help="the connected app's consumer key (default: generated)")
    parser.add_argument("--client-secret", help="its consumer secret (default: generated)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
            client_id=args.client_id, client_secret=args.client_secret,
        ).start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        sys.stdout.write(json.dumps(org.info()) + "\n")
        sys.stdout.flush()
        print(
            f"Local Salesforce org: login {org.login_url}  instance {org.instance_url}\n"
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
