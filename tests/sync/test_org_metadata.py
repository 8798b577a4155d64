"""Describe cache, custom field setup and owner lookup against the local org."""

from __future__ import annotations

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.sync.custom_fields import (
    EXTERNAL_ID_FIELD,
    FIELD_SPECS,
    FieldState,
    ensure_fields,
    field_states,
)
from flask_sfsync.sync.owners import OwnerDirectory

from .conftest import FAST_RETRY, client_for


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def api_calls(org: LocalOrg) -> int:
    return len(org.request_log)


def test_describe_is_cached_per_org_and_object(org: LocalOrg, api: SalesforceApi) -> None:
    clock = Clock()
    cache = DescribeCache(ttl=60, clock=clock)
    org.request_log.clear()
    lead = cache.get(api, "Lead")
    assert api_calls(org) == 1
    assert cache.get(api, "lead") is lead and api_calls(org) == 1
    email = lead.field("email")
    assert email is not None and email.type == "email" and email.createable
    status = lead.field("Status")
    assert status is not None and "Open - Not Contacted" in status.picklist_values
    last_name = lead.field("LastName")
    assert last_name is not None and last_name.length == 80 and not last_name.nillable
    cache.prefetch(api, ("Lead", "Contact", "Account"))  # two missing: one Composite call
    assert api_calls(org) == 2
    clock.now = 61
    cache.get(api, "Lead")
    assert api_calls(org) == 3
    cache.invalidate(api.cache_key, "Lead")
    cache.get(api, "Lead")
    assert api_calls(org) == 4


def test_custom_fields_are_created_once(org: LocalOrg, api: SalesforceApi) -> None:
    cache = DescribeCache()
    before = field_states(api, cache=cache)
    assert {s.state for s in before.fields} == {FieldState.MISSING}
    created = ensure_fields(api, cache=cache)
    assert {s.state for s in created.fields} == {FieldState.CREATED}
    assert created.external_id_ready and not created.permission_denied
    assert len(created.fields) == 2 * len(FIELD_SPECS)
    ext = cache.get(api, "Contact").field(EXTERNAL_ID_FIELD)
    assert ext is not None and ext.external_id and ext.unique and ext.length == 64
    notes = cache.get(api, "Lead").field("SFSync_Notes__c")
    assert notes is not None and notes.type == "textarea"
    org.request_log.clear()
    again = ensure_fields(api, cache=cache)
    assert {s.state for s in again.fields} == {FieldState.EXISTS}
    assert not any("tooling" in e.path for e in org.request_log)


def test_without_permission_fields_are_reported_missing(org: LocalOrg) -> None:
    standard = next(u for u in org.org.users if u.is_active and not u.is_admin)
    token = org.issue_token(user=standard)
    sf = client_for(org)
    sf.session_id = token["access_token"]
    sf.headers["Authorization"] = "Bearer " + token["access_token"]
    api = SalesforceApi(sf, retry=FAST_RETRY)
    setup = ensure_fields(api, cache=DescribeCache())
    assert setup.permission_denied
    assert not setup.external_id_ready
    assert "may not create custom fields" in setup.message
    assert all(s.state is FieldState.MISSING for s in setup.fields)


def test_owner_is_the_active_user_with_that_email(org: LocalOrg, api: SalesforceApi) -> None:
    active = next(u for u in org.org.users if u.is_active and not u.is_admin)
    inactive = [u for u in org.org.users if not u.is_active]
    directory = OwnerDirectory()
    org.request_log.clear()
    emails = [active.email.upper(), "nobody@example.org", *(u.email for u in inactive)]
    found = directory.resolve(api, emails)
    assert found[active.email.lower()] == active.id
    assert found["nobody@example.org"] is None
    assert all(found[u.email.lower()] is None for u in inactive)
    assert api_calls(org) == 1
    assert directory.owner_id(api, active.email) == active.id
    assert directory.owner_id(api, None) is None
    assert api_calls(org) == 1  # cached, misses included
