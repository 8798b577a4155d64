"""The client factory without Flask: refresh once (through the API's one retry loop), a new
Salesforce object, invalid_grant."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceExpiredSession

from flask_sfsync.salesforce import (
    ConnectionTokens,
    OAuthSettings,
    ReconnectNeeded,
    SalesforceApi,
    SalesforceClient,
    SessionExpired,
)


class MemoryStore:
    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []
        self.lost: list[str] = []

    def save_refreshed(self, access_token: str, instance_url: str) -> None:
        self.saved.append((access_token, instance_url))

    def mark_reconnect_needed(self, error: str) -> None:
        self.lost.append(error)


def _client(org: Any, store: MemoryStore) -> SalesforceClient:
    token = org.issue_token()
    tokens = ConnectionTokens(
        login_url=org.login_url,
        instance_url=token["instance_url"],
        access_token=token["access_token"],
        refresh_token=token["refresh_token"],
    )
    settings = OAuthSettings(org.client_id, org.client_secret, verify=org.ca_bundle, timeout=10)
    return SalesforceClient(tokens, settings, store, api_version="60.0")


def test_expired_session_refreshes_once_with_a_new_salesforce_object(local_org: Any) -> None:
    store = MemoryStore()
    client = _client(local_org, store)
    first = client.sf
    local_org.faults.expire_all_tokens()

    result = SalesforceApi(client).call(lambda sf: sf.limits())

    assert "DailyApiRequests" in result
    assert client.sf is not first
    assert len(store.saved) == 1
    assert store.saved[0][1] == local_org.instance_url
    assert store.lost == []


def test_a_second_expiry_after_refresh_is_not_retried_again(local_org: Any) -> None:
    store = MemoryStore()
    client = _client(local_org, store)
    local_org.faults.expire_all_tokens()

    def always_expired(sf: Any) -> Any:
        local_org.faults.expire_all_tokens()
        return sf.limits()

    # The API raises its tree's exception, from simple-salesforce's.
    with pytest.raises(SessionExpired) as raised:
        SalesforceApi(client).call(always_expired)
    assert isinstance(raised.value.__cause__, SalesforceExpiredSession)
    assert len(store.saved) == 1


def test_invalid_grant_raises_reconnect_needed_and_tells_the_store(local_org: Any) -> None:
    store = MemoryStore()
    client = _client(local_org, store)
    requests.post(
        f"{local_org.login_url}/services/oauth2/revoke",
        data={"token": client._tokens.refresh_token},
        timeout=10,
    )
    local_org.faults.expire_all_tokens()

    with pytest.raises(ReconnectNeeded):
        SalesforceApi(client).call(lambda sf: sf.limits())
    assert len(store.lost) == 1
    assert store.saved == []


def test_reprs_do_not_show_tokens(local_org: Any) -> None:
    client = _client(local_org, MemoryStore())
    token = client._tokens.access_token
    assert token not in repr(client)
    assert token not in repr(client._tokens)
    assert local_org.client_secret not in repr(client._oauth)
