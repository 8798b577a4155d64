"""Fixtures for every emulator test: a running local org and a client for its admin.

``local_org`` is an empty org, ``local_org_demo`` one seeded with the demo data set; both are
function-scoped, so each test starts from a fresh org. ``sf`` is a simple-salesforce client
for the admin of ``local_org``, built the way production code builds one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator import LocalOrg


@pytest.fixture
def local_org() -> Iterator[LocalOrg]:
    with LocalOrg(seed="empty") as org:
        yield org


@pytest.fixture
def local_org_demo() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo") as org:
        yield org


@pytest.fixture
def sf(local_org: LocalOrg) -> Salesforce:
    return local_org.salesforce()
