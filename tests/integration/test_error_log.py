"""The error log: Salesforce's own reasons, Retry after a fix, duplicates with their match."""

from __future__ import annotations

import re

from .conftest import Env, wait_for


def _restricted_tier_field(env: Env) -> None:
    """An admin's restricted picklist on Lead, through the org's Tooling API."""
    sf = env.org.salesforce()
    sf.restful(
        "tooling/sobjects/CustomField",
        method="POST",
        json={
            "FullName": "Lead.Tier__c",
            "Metadata": {
                "label": "Tier",
                "type": "Picklist",
                "valueSet": {
                    "restricted": True,
                    "valueSetDefinition": {
                        "value": [{"fullName": "Gold", "label": "Gold"},
                                  {"fullName": "Silver", "label": "Silver"}]
                    },
                },
            },
        },
    )


def _ok(i: int) -> dict[str, object]:
    return {"first_name": "Good", "last_name": f"Record{i}", "email": f"good{i}@example.com",
            "company": "Fine Ltd", "tier": "Gold"}


def test_four_bad_records_four_entries_the_rest_pushed_and_retry_after_fixing(
    make_env: object,
) -> None:
    env: Env = make_env(EXTRA_FIELDS={"Tier__c": "tier"})  # type: ignore[operator]
    _restricted_tier_field(env)
    bad = env.add_contacts([
        {"first_name": "No", "last_name": None, "email": "nolast@example.com", "company": "A"},
        {"first_name": "Long", "last_name": "Title", "email": "long@example.com",
         "title": "T" * 300, "company": "B"},
        {"first_name": "Bad", "last_name": "Email", "email": "not-an-email", "company": "C"},
        {"first_name": "Odd", "last_name": "Tier", "email": "tier@example.com",
         "company": "D", "tier": "Platinum"},
    ])
    env.add_contacts([_ok(i) for i in range(6)])
    env.save_settings()
    env.workers.start()
    env.sync_now()
    status = env.wait_idle()
    assert (status["run"]["pushed"], status["run"]["failed"]) == (6, 4)
    assert status["open_errors"] == 4
    assert len(env.records("Lead")) == 6
    page = env.page("sfsync.sync_errors")
    codes = dict(re.findall(r'data-host-id="(\d+)" data-code="([A-Z_]+)"', page))
    assert codes == {
        str(bad[0]): "REQUIRED_FIELD_MISSING",
        str(bad[1]): "STRING_TOO_LONG",
        str(bad[2]): "INVALID_EMAIL_ADDRESS",
        str(bad[3]): "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }
    assert "Create Lead" in page and "LastName" in page
    # Fix one and retry that entry alone: it is resolved, the others stay open.
    env.edit(bad[0], last_name="Lastname")
    entry = re.search(rf'data-entry-id="(\d+)" data-host-id="{bad[0]}"', page)
    assert entry is not None
    assert env.post("sfsync.sync_retry", entry_id=int(entry.group(1))).status_code == 302
    wait_for(lambda: env.status()["open_errors"] == 3, what="the retried entry to resolve")
    # Fix the rest, Retry all.
    env.edit(bad[1], title="Short")
    env.edit(bad[2], email="bad@example.com")
    env.edit(bad[3], tier="Silver")
    assert env.post("sfsync.sync_retry_all").status_code == 302
    wait_for(lambda: env.status()["open_errors"] == 0, what="every entry to resolve")
    env.wait_idle()
    assert len(env.records("Lead")) == 10
    resolved = env.page("sfsync.sync_errors", show="all")
    assert resolved.count("sfsync-resolved") == 4
    history = env.page("sfsync.sync_history", host_id=str(bad[2]))
    assert "INVALID_EMAIL_ADDRESS" in history and 'data-status="pushed"' in history


def test_duplicate_rule_hit_shows_the_matching_record(env: Env) -> None:
    [first] = env.add_contacts([{"first_name": "Dup", "last_name": "One",
                                 "email": "dup@example.com", "company": "Twins"}])
    env.save_settings()
    env.workers.start()
    env.sync_now()
    env.wait_idle()
    [existing] = env.records("Lead")
    # A second host contact with the same email: the Lead is the first one's (its external
    # ID says so), so a new Lead is created and Salesforce's duplicate rule refuses it.
    [second] = env.add_contacts([{"first_name": "Dup", "last_name": "Two",
                                  "email": "dup@example.com", "company": "Twins"}])
    env.sync_now()
    env.wait_idle()
    page = env.page("sfsync.sync_errors")
    assert f'data-host-id="{second}" data-code="DUPLICATES_DETECTED"' in page
    assert f'class="sfsync-duplicate" href="{env.org.login_url}/records/Lead/{existing["Id"]}"' \
        in page
    assert len(env.records("Lead")) == 1 and first
