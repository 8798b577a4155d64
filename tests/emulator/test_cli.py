"""``python -m flask_sfsync.emulator`` as a host developer runs it: a foreground process."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

import requests
from simple_salesforce.api import Salesforce, SFType

STARTUP_TIMEOUT = 60


@contextmanager
def running(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
            ) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "flask_sfsync.emulator", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        yield process, json.loads(line)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def _session(info: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    return session


def _token(info: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(info["login_url"] + "/_emulator/token", json={})
    assert answer.status_code == 200
    token: dict[str, Any] = answer.json()
    return token


def _sf(info: dict[str, Any], token: dict[str, Any]) -> Salesforce:
    return Salesforce(instance_url=info["instance_url"], session_id=token["access_token"],
                      session=_session(info))


def test_first_line_is_json_and_sigterm_stops_it() -> None:
    with running() as (process, info):
        assert {"login_url", "instance_url", "ca_bundle", "client_id", "client_secret",
                "username", "password"} <= set(info)
        assert info["login_url"].startswith("http://127.0.0.1:")
        assert info["instance_url"].startswith("https://127.0.0.1:")
        assert Path(info["ca_bundle"]).is_file()
        assert info["sandbox"] is False
        sf = _sf(info, _token(info))
        assert sf.query("SELECT Id FROM User")["totalSize"] >= 1
        assert _stop(process) == 0


def test_demo_seed_token_lifetime_and_ctrl_c() -> None:
    with running("--host", "127.0.0.1", "--seed", "demo", "--token-lifetime", "60") as (
            process, info):
        assert (info["seed"], info["token_lifetime"]) == ("demo", 60)
        sf = _sf(info, _token(info))
        assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=30) == 0


def test_data_file_keeps_the_org_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "org.sfdata"
    with running("--data", str(data)) as (process, info):
        token = _token(info)
        contacts = cast(SFType, _sf(info, token).Contact)
        created = contacts.create({"LastName": "Hopper", "Email": "g@navy.mil"})
        assert _stop(process) == 0
    assert data.is_file()
    with running("--data", str(data)) as (process, again):
        assert again["client_id"] == info["client_id"]
        assert again["client_secret"] == info["client_secret"]
        assert again["ca_bundle"] == info["ca_bundle"]
        # The refresh token issued before the restart still works.
        refreshed = requests.post(again["login_url"] + "/services/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
            "client_id": again["client_id"], "client_secret": again["client_secret"]})
        assert refreshed.status_code == 200
        sf = _sf(again, refreshed.json())
        found = sf.query("SELECT Id, LastName, Email FROM Contact")
        assert [(r["Id"], r["LastName"]) for r in found["records"]] == [
            (created["id"], "Hopper")]
        assert _stop(process) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fixed_port_puts_the_instance_on_the_next_port() -> None:
    port = _free_port()
    with running("--port", str(port), "--sandbox", "--daily-api-limit", "50",
                 "--callback-url", "http://127.0.0.1:9/cb") as (process, info):
        assert info["login_url"] == f"http://127.0.0.1:{port}"
        assert info["instance_url"] == f"https://127.0.0.1:{port + 1}"
        assert info["sandbox"] is True
        sf = _sf(info, _token(info))
        sf.restful("limits")
        assert sf.api_usage["api-usage"].total == 50
        answer = requests.get(info["login_url"] + "/services/oauth2/authorize", params={
            "response_type": "code", "client_id": info["client_id"],
            "redirect_uri": "http://127.0.0.1:5000/cb"})
        assert answer.status_code == 400 and "redirect_uri_mismatch" in answer.text
        assert _stop(process) == 0


def test_bad_arguments_exit_non_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask_sfsync.emulator", "--seed", "nope"],
        capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
    )
    assert result.returncode == 2
    assert "--seed" in result.stderr


def test_a_relative_data_path_gives_absolute_paths(tmp_path: Path) -> None:
    (tmp_path / "parent" / "state").mkdir(parents=True)
    elsewhere = (tmp_path / "parent").resolve()  # as the child's os.getcwd() reports it
    with running("--data", "state/../state/org.sfdata", cwd=elsewhere) as (process, info):
        data = elsewhere / "state" / "org.sfdata"
        assert info["data_file"] == str(data)
        assert info["ca_bundle"] == str(data.with_name("org.sfdata.certs") / "ca.pem")
        assert Path(info["ca_bundle"]).is_file()
        # Every path in the line is absolute: usable from a process with another cwd.
        paths = {k: v for k, v in info.items() if k in ("ca_bundle", "data_file")}
        assert all(os.path.isabs(v) for v in paths.values()), paths
        _sf(info, _token(info)).query("SELECT Id FROM User")  # the CA file, from this cwd
        saved = requests.post(info["login_url"] + "/_emulator/save").json()["saved"]
        assert saved == str(data)
        assert _stop(process) == 0
    assert data.is_file()


def _consent_page(info: dict[str, Any]) -> str:
    """The Allow/Deny page's HTML, reached as a browser does: authorize, log in, redirect."""
    browser = requests.Session()
    browser.trust_env = False
    login = browser.get(info["login_url"] + "/services/oauth2/authorize", params={
        "response_type": "code", "client_id": info["client_id"],
        "redirect_uri": "http://127.0.0.1:5000/callback", "scope": "api refresh_token"})
    assert login.status_code == 200 and 'name="password"' in login.text, login.text
    rid = re.search(r'name="rid" value="([^"]*)"', login.text)
    assert rid is not None
    after = browser.post(urljoin(login.url, "/login"), allow_redirects=False, data={
        "rid": rid.group(1), "username": info["username"], "password": info["password"]})
    assert after.status_code == 302, after.text
    consent = browser.get(urljoin(info["login_url"], after.headers["Location"]))
    assert consent.status_code == 200 and "Allow Access?" in consent.text
    return consent.text


def test_app_name_names_the_app_on_the_consent_page() -> None:
    with running("--app-name", "Acme <CRM> & Co") as (process, info):
        assert info["app_name"] == "Acme <CRM> & Co"
        page = _consent_page(info)
        assert "<strong>Acme &lt;CRM&gt; &amp; Co</strong> is asking to:" in page
        assert "flask-sfsync" not in page and "<CRM>" not in page
        assert _stop(process) == 0


def test_the_consent_page_names_flask_sfsync_by_default() -> None:
    with running() as (process, info):
        assert info["app_name"] == "flask-sfsync"
        assert "<strong>flask-sfsync</strong> is asking to:" in _consent_page(info)
        assert _stop(process) == 0


def test_a_blank_app_name_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask_sfsync.emulator", "--app-name", "  "],
        capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
    )
    assert result.returncode == 1
    assert "app name" in result.stderr


def _refresh(info: dict[str, Any], client_id: str, secret: str) -> requests.Response:
    token = _token(info)
    return requests.post(info["login_url"] + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
        "client_id": client_id, "client_secret": secret})


def test_client_credentials_from_the_environment() -> None:
    env = dict(os.environ, SFSYNC_EMULATOR_CLIENT_ID="3MVG9fromenv",
               SFSYNC_EMULATOR_CLIENT_SECRET="env-secret-1234")
    with running(env=env) as (process, info):
        assert (info["client_id"], info["client_secret"]) == ("3MVG9fromenv", "env-secret-1234")
        assert _refresh(info, "3MVG9fromenv", "env-secret-1234").status_code == 200
        assert _refresh(info, "3MVG9fromenv", "wrong").json()["error"] == "invalid_client"
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert b"env-secret-1234" not in cmdline
        assert _stop(process) == 0
        assert process.stderr is not None
        assert "visible to other users" not in process.stderr.read()


def test_a_secret_on_the_command_line_still_works_but_warns() -> None:
    env = dict(os.environ, SFSYNC_EMULATOR_CLIENT_SECRET="from-env")
    with running("--client-id", "3MVG9cli", "--client-secret", "cli-secret", env=env) as (
            process, info):
        # The command line wins over the environment, as --client-id does.
        assert (info["client_id"], info["client_secret"]) == ("3MVG9cli", "cli-secret")
        assert _refresh(info, "3MVG9cli", "cli-secret").status_code == 200
        assert _stop(process) == 0
        assert process.stderr is not None
        warning = process.stderr.read()
        assert "--client-secret is visible to other users" in warning
        assert "SFSYNC_EMULATOR_CLIENT_SECRET" in warning


def test_help_names_the_environment_variables() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask_sfsync.emulator", "--help"],
        capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
    )
    assert result.returncode == 0
    for expected in ("--app-name", "SFSYNC_EMULATOR_CLIENT_ID", "SFSYNC_EMULATOR_CLIENT_SECRET"):
        assert expected in result.stdout
