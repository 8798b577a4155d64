"""The connected app's name on the Allow/Deny page, and absolute paths, in-process.

``LocalOrg(app_name=...)`` names the app as a Connected App's name does on Salesforce's consent
page (escaped); the control API reads and renames it. ``data_file``, ``ca_bundle`` and the
paths in ``info()`` are absolute whatever the caller passed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from flask_sfsync.emulator import LocalOrg

CALLBACK = "http://127.0.0.1:5000/integrations/salesforce/callback"


def consent_page(local: LocalOrg) -> str:
    """Authorize, log in and follow the redirect, with plain requests as a browser does."""
    browser = requests.Session()
    browser.trust_env = False
    login = browser.get(local.login_url + "/services/oauth2/authorize", params={
        "response_type": "code", "client_id": local.client_id, "redirect_uri": CALLBACK,
        "scope": "api refresh_token", "state": "s1"})
    assert login.status_code == 200 and 'name="password"' in login.text, login.text
    rid = re.search(r'name="rid" value="([^"]*)"', login.text)
    assert rid is not None
    after = browser.post(urljoin(login.url, "/login"), allow_redirects=False, data={
        "rid": rid.group(1), "username": local.username, "password": local.password})
    assert after.status_code == 302, after.text
    consent = browser.get(urljoin(local.login_url, after.headers["Location"]))
    assert consent.status_code == 200 and "Allow Access?" in consent.text
    return consent.text


def test_the_default_name_is_flask_sfsync(local: LocalOrg) -> None:
    assert local.app_name == "flask-sfsync" == local.info()["app_name"]
    assert "<strong>flask-sfsync</strong> is asking to:" in consent_page(local)


def test_the_consent_page_shows_the_app_name_escaped() -> None:
    name = 'Relay CRM <script>alert("x")</script>'
    with LocalOrg(app_name=name) as org:
        page = consent_page(org)
        assert org.info()["app_name"] == name
    assert ("<strong>Relay CRM &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</strong>"
            " is asking to:") in page
    assert "<script>" not in page and "flask-sfsync" not in page


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, "two\nlines"])
def test_a_bad_name_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="app name"):
        LocalOrg(app_name=bad)


def test_the_name_can_change_while_the_org_runs(local: LocalOrg) -> None:
    local.app_name = "Relay CRM"
    assert "<strong>Relay CRM</strong>" in consent_page(local)
    with pytest.raises(ValueError):
        local.app_name = " "
    assert local.app_name == "Relay CRM"


def test_the_control_api_reads_and_renames_the_app(local: LocalOrg) -> None:
    url = local.login_url + "/_emulator/connected-app"
    assert requests.get(url).json() == {
        "name": "flask-sfsync", "client_id": local.client_id, "callback_urls": None}
    renamed = requests.post(url, json={"name": "Acme CRM"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Acme CRM"
    assert local.app_name == "Acme CRM"
    assert requests.get(local.login_url + "/_emulator/info").json()["app_name"] == "Acme CRM"
    assert "<strong>Acme CRM</strong>" in consent_page(local)
    for body in ({"name": ""}, {"name": 5}, {}):
        refused = requests.post(url, json=body)
        assert refused.status_code == 400 and "name" in refused.json()["error"]
    assert requests.delete(url).status_code == 404
    assert local.app_name == "Acme CRM"


def test_a_relative_data_file_is_made_absolute(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path.resolve()  # as os.getcwd() reports it
    monkeypatch.chdir(tmp_path)
    org = LocalOrg(data_file="sub/../org.sfdata")
    assert org.data_file == Path(os.getcwd()) / "org.sfdata"
    with org:
        monkeypatch.chdir("/")  # what it reports does not depend on the cwd any more
        info = org.info()
        assert info["data_file"] == str(tmp_path / "org.sfdata")
        assert os.path.isabs(org.ca_bundle) and Path(org.ca_bundle).is_file()
        assert info["ca_bundle"] == org.ca_bundle == str(
            tmp_path / "org.sfdata.certs" / "ca.pem")
        org.salesforce().query("SELECT Id FROM User")
    assert (tmp_path / "org.sfdata").is_file()


def test_without_a_data_file_the_ca_bundle_is_absolute(local: LocalOrg) -> None:
    assert os.path.isabs(local.ca_bundle) and local.info()["data_file"] is None
