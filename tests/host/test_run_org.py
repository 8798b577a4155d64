"""How ``python -m host_demo.run`` starts the local org: no secret on its command line (which
every user of the machine can read in ``ps``), the Connected App named after the host."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

from host_demo.run import DEMO_NAME, Demo, display_name, load_secrets, org_command


def test_the_org_gets_its_credentials_by_environment(tmp_path: Path) -> None:
    stored = load_secrets(tmp_path)
    args, env = org_command(tmp_path, stored, {"PATH": "/bin"})
    assert args[:3] == [sys.executable, "-m", "flask_sfsync.emulator"]
    assert stored["org_client_secret"] not in " ".join(args)
    assert stored["org_client_id"] not in " ".join(args)
    assert "--client-secret" not in args and "--client-id" not in args
    assert env["SFSYNC_EMULATOR_CLIENT_ID"] == stored["org_client_id"]
    assert env["SFSYNC_EMULATOR_CLIENT_SECRET"] == stored["org_client_secret"]
    assert env["PATH"] == "/bin"
    assert args[args.index("--data") + 1] == str(tmp_path / "org.pickle")
    assert args[args.index("--app-name") + 1] == "Relay CRM"


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, DEMO_NAME),
    ({"SFSYNC_APP_NAME": ""}, DEMO_NAME),
    ({"SFSYNC_APP_NAME": "  "}, DEMO_NAME),
    ({"SFSYNC_APP_NAME": "Acme CRM"}, "Acme CRM"),
    ({"SFSYNC_APP_NAME": '"Quoted CRM"'}, "Quoted CRM"),  # read as the host reads it (JSON)
])
def test_the_org_is_named_after_the_host(environ: dict[str, str], expected: str) -> None:
    assert DEMO_NAME == "Relay CRM"
    assert display_name(environ) == expected
    args, _ = org_command(Path("/x"), {"org_client_id": "i", "org_client_secret": "s"}, environ)
    assert args[args.index("--app-name") + 1] == expected


def test_the_started_org_shows_no_secret_and_accepts_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFSYNC_APP_NAME", "Acme CRM")
    monkeypatch.delenv("SFSYNC_EMULATOR_CLIENT_SECRET", raising=False)
    demo = Demo(tmp_path / "demo", "127.0.0.1", 0)
    stored = load_secrets(demo.state_dir)
    try:
        info = demo.start_org(stored)
        (child,) = demo.children
        assert child.pid is not None
        cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes().split(b"\0")
        assert stored["org_client_secret"].encode() not in b" ".join(cmdline)
        assert b"--client-secret" not in cmdline
        assert (info["client_id"], info["client_secret"]) == (
            stored["org_client_id"], stored["org_client_secret"])
        assert info["app_name"] == "Acme CRM"
        token = requests.post(info["login_url"] + "/_emulator/token", json={}, timeout=30).json()
        refreshed = requests.post(info["login_url"] + "/services/oauth2/token", timeout=30, data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
            "client_id": stored["org_client_id"], "client_secret": stored["org_client_secret"]})
        assert refreshed.status_code == 200, refreshed.text
    finally:
        demo.stop()
    assert "visible to other users" not in (demo.logs / "org.log").read_text()
