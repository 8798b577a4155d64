"""The host merges contacts (``SFSync.contacts_merged``): one link survives, the others are
dropped and never written again, nothing is merged in Salesforce, pulled records follow the
survivor. Real worker processes push, the local org answers over HTTPS, pulls run as the pull
job does."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from flask_sfsync.emulator.store.convert import LeadConvert
from flask_sfsync.services.host_merge import MergeResult
from flask_sfsync.testing import connect_tenant

from .conftest import Env, wait_for
from .pulling import links, pull, pushed


def _merge(env: Env, survivor: int, merged: list[int], **edits: Any) -> MergeResult:
    """As a host's merge view does: edit the survivor, delete the merged contacts, tell the
    sync, commit (one transaction)."""
    m = env.models
    with env.app.app_context():
        try:
            contact = m.db.session.get(m.Contact, survivor)
            for key, value in edits.items():
                setattr(contact, key, value)
            for host_id in merged:
                m.db.session.delete(m.db.session.get(m.Contact, host_id))
            result: MergeResult = env.app.extensions["sfsync"].extension.contacts_merged(
                "acme", survivor, merged)
            m.db.session.commit()
            return result
        finally:
            m.db.session.remove()


def _record(env: Env, sobject: str, sf_id: str) -> dict[str, Any]:
    with env.org.org.lock:
        rows = [dict(r) for r in env.org.org.scan(sobject, True) if r["Id"] == sf_id]
    assert rows, sf_id
    return rows[0]


def _panel(env: Env, contact: int) -> str:
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    return page.split('id="sfsync-contact-panel"', 1)[1].split("</section>", 1)[0]


def _state(env: Env, contact: int) -> str:
    return _panel(env, contact).split('data-sync-state="', 1)[1].split('"', 1)[0]


def _mirror_hosts(env: Env) -> dict[str, str | None]:
    """Salesforce id -> the host contact its pulled record names."""
    with env.app.app_context():
        state = env.app.extensions["sfsync"]
        model = state.models.MirrorRecord
        rows = state.db.session.execute(sa.select(model.sf_id, model.host_id)).all()
        state.db.session.remove()
        return {sf_id: host_id for sf_id, host_id in rows}


def test_a_lead_and_a_contact_merged_keep_the_contact_and_never_write_the_lead(
    env: Env,
) -> None:
    survivor, merged = pushed(env, 2)
    pull(env)
    org = env.org.org
    lead = links(env)[str(survivor)][1]
    converted = org.convert_lead(
        LeadConvert(links(env)[str(merged)][1], create_opportunity=False), org.admin.id)
    pull(env)
    assert links(env)[str(merged)] == ("Contact", converted.contact_id)
    # Auto Sync, and host deletes delete in Salesforce: the merged contact's delete must
    # not reach the record the survivor takes.
    env.save_settings(sync_mode="auto", delete_behaviour="delete")
    env.wait_idle()
    untouched = _record(env, "Lead", lead)["SystemModstamp"]
    counts = (len(env.records("Lead")), len(env.records("Contact")))

    result = _merge(env, survivor, [merged], title="Merged Title", phone="+1 555 0142")
    assert result.kept == ("Contact", converted.contact_id)
    assert result.dropped == ((str(survivor), "Lead", lead),)
    env.wait_idle()

    assert links(env) == {str(survivor): ("Contact", converted.contact_id)}
    contact = _record(env, "Contact", converted.contact_id)
    assert not contact["IsDeleted"]
    # The survivor's merged values went to the record it kept.
    assert (contact["LastName"], contact["Email"], contact["Title"], contact["Phone"]) == (
        "Lovelace0", "ada0@example.com", "Merged Title", "+1 555 0142")
    # An edit and a Sync Now later, the dropped Lead was never written (nor deleted), and
    # no record was made.
    env.edit(survivor, title="Edited after the merge")
    wait_for(lambda: _record(env, "Contact", converted.contact_id)["Title"]
             == "Edited after the merge")
    env.sync_now()
    env.wait_idle()
    dropped = _record(env, "Lead", lead)
    assert dropped["SystemModstamp"] == untouched and not dropped["IsDeleted"]
    assert dropped["Title"] == "Engineer"
    assert (len(env.records("Lead")), len(env.records("Contact"))) == counts
    history = env.page("sfsync.sync_history", host_id=str(survivor))
    assert f"Contact #{merged} was merged into this one" in history
    assert f"Its Lead {lead} is no longer updated" in history


def test_only_the_merged_contact_linked_gives_its_link_to_the_survivor(env: Env) -> None:
    [merged] = pushed(env, 1)
    lead = links(env)[str(merged)][1]
    [survivor] = env.add_contacts([{"first_name": "Augusta", "last_name": "King",
                                    "email": "augusta@example.com", "company": "Engines"}])
    assert str(survivor) not in links(env)  # Manual Sync: not pushed yet

    result = _merge(env, survivor, [merged], title="Countess")
    assert result.kept == ("Lead", lead) and result.dropped == ()
    assert links(env) == {str(survivor): ("Lead", lead)}
    # Manual Sync: nothing waits; the next Sync Now writes the survivor to that record.
    assert env.outbox_size() == 0
    env.sync_now()
    assert env.wait_idle()["run"]["pushed"] == 1
    [record] = env.records("Lead")
    assert record["Id"] == lead
    assert (record["LastName"], record["Email"], record["Title"]) == (
        "King", "augusta@example.com", "Countess")
    assert record["SFSync_Id__c"] == f"acme-{survivor}"
    history = env.page("sfsync.sync_history", host_id=str(survivor))
    assert f"its Lead {lead} is this contact&#39;s record now" in history


def test_another_tenants_contacts_are_refused_or_left_alone(env: Env) -> None:
    [ours, other] = pushed(env, 2)
    [theirs] = env.add_contacts([{"first_name": "Grace", "last_name": "Hopper",
                                  "email": "grace@globex.example"}], team="globex")
    connect_tenant(env.app, env.org, "globex")
    with env.app.app_context():
        sfsync = env.app.extensions["sfsync"].extension
        sfsync.save_settings("globex")
        sfsync.sync_now("globex")
    wait_for(lambda: str(theirs) in links(env), what="globex's push")
    env.wait_idle()
    before = links(env)

    m = env.models
    with env.app.app_context():
        sfsync = env.app.extensions["sfsync"].extension
        # Their contact as our survivor: refused.
        with pytest.raises(LookupError):
            sfsync.contacts_merged("acme", theirs, [other])
        # A merged contact that still exists here: refused (it would be pushed again).
        with pytest.raises(ValueError, match="still exist"):
            sfsync.contacts_merged("acme", ours, [other])
        # Their contact among the merged: refused too, before anything changed.
        m.db.session.delete(m.db.session.get(m.Contact, other))
        with pytest.raises(LookupError, match="not this tenant's"):
            sfsync.contacts_merged("acme", ours, [other, theirs])
        m.db.session.rollback()
        assert m.db.session.get(m.Contact, theirs) is not None
        m.db.session.remove()
    assert links(env) == before
    assert _record(env, "Lead", before[str(theirs)][1])["SFSync_Id__c"] == f"globex-{theirs}"


def test_the_duplicate_badge_follows_the_survivor(env: Env) -> None:
    survivor, merged = pushed(env, 2)
    org = env.org.org
    twin = org.create("Lead", {"LastName": "Lovelace1", "Company": "Analytical Engines",
                               "Email": "ada1@example.com"}, org.admin.id,
                      allow_duplicates=True)
    pull(env)
    assert _state(env, merged) == "duplicate_in_salesforce"
    assert _state(env, survivor) == "in_salesforce"
    records = {links(env)[str(h)][1] for h in (survivor, merged)} | {str(twin)}

    _merge(env, survivor, [merged])
    assert {sf_id for sf_id, host in _mirror_hosts(env).items()
            if host == str(survivor)} == records
    panel = _panel(env, survivor)
    assert 'data-sync-state="duplicate_in_salesforce"' in panel
    assert all(sf_id in panel for sf_id in records)
    # Pulling everything again neither merges nor moves them: still the survivor's duplicates.
    pull(env, full=True)
    assert _state(env, survivor) == "duplicate_in_salesforce"
    assert {sf_id for sf_id, host in _mirror_hosts(env).items()
            if host == str(survivor)} == records
    assert len(env.records("Lead")) == 3


def test_a_record_deleted_in_salesforce_follows_the_survivor(env: Env) -> None:
    [merged] = pushed(env, 1)
    lead = links(env)[str(merged)][1]
    [survivor] = env.add_contacts([{"first_name": "Augusta", "last_name": "King",
                                    "email": "augusta@example.com"}])
    pull(env)
    org = env.org.org
    org.delete(lead, org.admin.id)
    pull(env)
    assert _state(env, merged) == "deleted_in_salesforce"

    result = _merge(env, survivor, [merged])
    assert result.kept is None and result.records_moved == 1
    assert links(env) == {}
    assert _state(env, survivor) == "deleted_in_salesforce"
