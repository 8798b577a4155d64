"""Expired sessions, the API budget and the org's daily limit, against the local org."""

from __future__ import annotations

import pytest
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.budget import ApiBudget
from flask_sfsync.salesforce.client import SalesforceClient
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.salesforce.errors import (
    BudgetExhausted,
    RequestLimitExceeded,
    SessionExpired,
)
from flask_sfsync.sync.links import MemoryLinkStore
from flask_sfsync.sync.owners import OwnerDirectory
from flask_sfsync.sync.push import push
from flask_sfsync.sync.push.results import OutcomeStatus
from flask_sfsync.sync.push.settings import PushSettings
from flask_sfsync.sync.records import HostContact

from .conftest import FAST_RETRY, client_for


def people(n: int) -> list[HostContact]:
    return [{"id": str(i), "last_name": f"P{i}", "company": "Acme", "email": f"p{i}@x.org"}
            for i in range(n)]


class Factory:
    """A client source as the extension's client factory is: a new client per refresh."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.refreshes = 0
        self._sf = client_for(org)

    @property
    def sf(self) -> Salesforce:
        return self._sf

    def refresh(self, stale: Salesforce | None = None) -> None:
        self.refreshes += 1
        self._sf = client_for(self.org)


def test_expired_session_is_refreshed_once(org: LocalOrg, ready_api: SalesforceApi,
                                           describe: DescribeCache) -> None:
    factory = Factory(org)
    api = SalesforceApi(factory, retry=FAST_RETRY)
    org.faults.expire_all_tokens()
    report = push(api, people(3), PushSettings(), MemoryLinkStore(), describe=describe,
                  owners=OwnerDirectory())
    assert report.counts["pushed"] == 3
    assert factory.refreshes == 1


def test_expired_session_without_a_factory_says_so(org: LocalOrg, api: SalesforceApi) -> None:
    org.faults.expire_all_tokens()
    with pytest.raises(SessionExpired):
        api.rest("GET", "sobjects/Lead/describe")


def test_budget_pauses_the_push_and_it_resumes_where_it_stopped(
    org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    org.faults.set_daily_limit(60)  # our half: 30 calls a day
    store = MemoryLinkStore()
    contacts = people(8000)
    settings = PushSettings(bulk_threshold=100_000)  # Collections: 40 calls would be needed
    budgeted = SalesforceApi(ready_api.client, budget=ApiBudget(0.5), retry=FAST_RETRY)
    stopped = push(budgeted, contacts, settings, store, describe=describe,
                   owners=OwnerDirectory())
    assert isinstance(stopped.stopped, BudgetExhausted)
    assert budgeted.meter.calls == 30
    assert stopped.stopped.resume_at > 0
    assert len(stopped.of(OutcomeStatus.PUSHED)) == len(store.links)
    pushed = len(store.links)
    assert 0 < pushed < 8000
    assert int(ready_api.sf.query("SELECT COUNT() FROM Lead")["totalSize"]) == pushed
    org.faults.set_daily_limit(1000)  # a day later, as far as the budget can tell
    resumed = SalesforceApi(ready_api.client, budget=ApiBudget(0.5), retry=FAST_RETRY)
    report = push(resumed, contacts, settings, store, describe=describe,
                  owners=OwnerDirectory())
    assert report.counts["skipped"] == pushed
    assert report.counts["pushed"] == 8000 - pushed
    assert int(ready_api.sf.query("SELECT COUNT() FROM Lead")["totalSize"]) == 8000


def test_org_limit_reached_pauses(org: LocalOrg, ready_api: SalesforceApi,
                                  describe: DescribeCache) -> None:
    org.faults.set_daily_limit(1)
    report = push(ready_api, people(3), PushSettings(), MemoryLinkStore(), describe=describe,
                  owners=OwnerDirectory())
    assert isinstance(report.stopped, RequestLimitExceeded)
    assert report.stopped.errors[0].status_code == "REQUEST_LIMIT_EXCEEDED"
    assert not report.outcomes


def _client_factory_is_a_client_source(client: SalesforceClient) -> SalesforceApi:
    """Checked by mypy, not run: the extension's client factory plugs in as it is."""
    return SalesforceApi(client)
