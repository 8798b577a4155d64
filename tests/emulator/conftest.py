"""Fixtures for every emulator test: a running local org and a client for its admin.

``local`` is an empty org and ``local_demo`` one seeded with the demo data set, both fresh for
each test; ``shared_local`` is one empty org for a whole test module (for read-only tests or
tests that create what they need). ``sf`` is a simple-salesforce client for the admin of
``local``, built the way production code builds one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from flask_sfsync.emulator import LocalOrg


@pytest.fixture
def local() -> Iterator[LocalOrg]:
    with LocalOrg(seed="empty") as org:
        yield org


@pytest.fixture
def local_demo() -> Iterator[LocalOrg]:
    with LocalOrg(seed="demo") as org:
        yield org


@pytest.fixture(scope="module")
def shared_local() -> Iterator[LocalOrg]:
    with LocalOrg(seed="empty") as org:
        yield org


@pytest.fixture
def sf(local: LocalOrg) -> Salesforce:
    return local.salesforce()


@pytest.fixture
def shared_sf(shared_local: LocalOrg) -> Any:
    return shared_local.salesforce()
