"""Fixtures for the sync core's integration tests: a running local org over sockets.

``org`` is a fresh empty local org per test; ``api`` wraps a simple-salesforce client for its
admin, built as production builds one (instance URL, access token, a requests session that
trusts the org's CA), with short backoff so retried faults keep tests quick. ``ready_api`` is
the same after our custom fields were created.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import RetryPolicy, SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.sync.custom_fields import ensure_fields

FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.1)


def client_for(org: LocalOrg) -> Salesforce:
    token = org.issue_token()
    session = requests.Session()
    session.verify = org.ca_bundle
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify= (psf/requests#3829)
    return Salesforce(
        instance_url=org.instance_url, session_id=token["access_token"], session=session
    )


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="empty") as local:
        yield local


@pytest.fixture
def describe() -> DescribeCache:
    return DescribeCache()


@pytest.fixture
def api(org: LocalOrg) -> Iterator[SalesforceApi]:
    admin = org.user(None)  # whose token client_for gets
    with SalesforceApi(client_for(org), retry=FAST_RETRY, cache_key=(org.org_id, admin.id)) as api:
        yield api


@pytest.fixture
def ready_api(api: SalesforceApi, describe: DescribeCache) -> SalesforceApi:
    setup = ensure_fields(api, cache=describe)
    assert setup.external_id_ready, setup
    return api
