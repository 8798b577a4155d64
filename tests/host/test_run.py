"""``python -m host_demo.run``: the demo starts everything, serves, and stops with nothing left."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from host_demo.processes import port_is_free
from host_demo.run import banner, host_env, load_secrets

REPO = Path(__file__).resolve().parents[2]
ORG = {"client_id": "3MVG9abc", "client_secret": "s3cret", "ca_bundle": "/tmp/ca.pem",
       "login_url": "http://127.0.0.1:4100", "username": "admin@org.example",
       "password": "pw", "records_url": "http://127.0.0.1:4100/records/Contact"}


def test_secrets_are_made_once_and_kept_private(tmp_path: Path) -> None:
    first = load_secrets(tmp_path)
    assert set(first) == {"secret_key", "encryption_key", "org_client_id", "org_client_secret"}
    assert first["org_client_id"].startswith("3MVG9")
    assert load_secrets(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_the_host_is_pointed_at_the_org(tmp_path: Path) -> None:
    stored = load_secrets(tmp_path)
    env = host_env({"PATH": "/bin"}, ORG, "redis://127.0.0.1:6400/0", stored, "sqlite:///x.db")
    assert env["SFSYNC_LOGIN_URL_PRODUCTION"] == env["SFSYNC_LOGIN_URL_SANDBOX"] == ORG["login_url"]
    assert (env["SFSYNC_CLIENT_ID"], env["SFSYNC_CLIENT_SECRET"]) == ("3MVG9abc", "s3cret")
    assert env["SFSYNC_CA_BUNDLE"] == "/tmp/ca.pem"
    assert env["SFSYNC_ALLOW_HTTP_LOGIN_HOSTS"] == "true"
    assert env["SFSYNC_REDIS_URL"] == "redis://127.0.0.1:6400/0"
    assert env["SFSYNC_ENCRYPTION_KEY"] == stored["encryption_key"]
    assert env["DATABASE_URL"] == "sqlite:///x.db" and env["PATH"] == "/bin"


def test_the_banner_has_every_login(tmp_path: Path) -> None:
    text = banner("http://127.0.0.1:5000", ORG, "redis://127.0.0.1:6400/0", tmp_path)
    for expected in ("http://127.0.0.1:5000", "demo@example.com / demo", "other@example.com",
                     "admin@org.example", "password: pw", ORG["records_url"], "Ctrl-C"):
        assert expected in text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that its parent has not reaped yet is gone for our purposes.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float) -> str:
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"{needle!r} not printed; output so far:\n{''.join(seen)}")


@pytest.mark.slow
def test_the_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("DATABASE_URL", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "host_demo.run", "--port", str(port), "--data-dir",
         str(tmp_path / "demo")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = wait_for_line(demo, "Press Ctrl-C", timeout=120)
        assert f"http://127.0.0.1:{port}" in output and "demo@example.com / demo" in output
        pids = json.loads((tmp_path / "demo" / "pids.json").read_text())
        assert set(pids) == {"Salesforce org", "worker", "host", "redis"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
            assert "Sign in" in response.read().decode()
        records_line = next(line for line in output.splitlines() if "records:" in line)
        with urllib.request.urlopen(records_line.split("records:")[1].strip()) as response:
            assert response.status == 200

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    rest = demo.stdout.read() if demo.stdout else ""
    assert "Stopped." in rest
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert port_is_free("127.0.0.1", port)
    assert (tmp_path / "demo" / "org.pickle").exists()  # the org saved its data on the way out
    assert (tmp_path / "demo" / "host.sqlite3").exists()
