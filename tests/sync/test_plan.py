"""Planning a push from host contacts, links and matches (no server needed)."""

from __future__ import annotations

from flask_sfsync.salesforce.describe import FieldInfo, ObjectInfo
from flask_sfsync.salesforce.errors import RecordError
from flask_sfsync.salesforce.soql import in_chunks, quote
from flask_sfsync.sync.links import Link
from flask_sfsync.sync.push.matching import Match, MatchedBy
from flask_sfsync.sync.push.plan import (
    Action,
    OrgSchema,
    Plan,
    SkipReason,
    draft,
    finalize,
    select,
)
from flask_sfsync.sync.push.settings import PushAs, PushSettings
from flask_sfsync.sync.records import HostContact


def info(name: str, *fields: str) -> ObjectInfo:
    def field(n: str) -> FieldInfo:
        return FieldInfo(n, "string", 80, True, True, True, False, False, False, ())

    return ObjectInfo(name, {f.lower(): field(f) for f in fields})


BASIC = ("FirstName", "LastName", "Email", "Title", "Company", "LeadSource", "OwnerId",
         "AccountId")
WITH_EXT = OrgSchema(info("Lead", *BASIC, "SFSync_Id__c"), info("Contact", *BASIC,
                     "SFSync_Id__c"), "SFSync_Id__c")
NO_EXT = OrgSchema(info("Lead", *BASIC), info("Contact", *BASIC), "SFSync_Id__c")


def contact(host_id: str, **values: str) -> HostContact:
    out: HostContact = {"id": host_id, "last_name": f"Name{host_id}",
                        "email": f"p{host_id}@example.org"}
    out.update(values)  # type: ignore[typeddict-item]
    return out


def test_select_skips_no_email_and_other_stages() -> None:
    contacts = [contact("1"), contact("2", email=""), contact("3", stage="lost")]
    settings = PushSettings(stages=frozenset({None, "new"}))
    keep, skips = select(contacts, settings)
    assert [c["id"] for c in keep] == ["1"]
    assert {(s.host_id, s.reason) for s in skips} == {
        ("2", SkipReason.NO_EMAIL), ("3", SkipReason.STAGE_NOT_PUSHED)}
    keep, skips = select([contact("2", email="")], PushSettings(require_email=False))
    assert len(keep) == 1 and not skips


def plan_for(contacts: list[HostContact], settings: PushSettings, schema: OrgSchema,
             links: dict[str, Link] | None = None, matches: dict[str, Match] | None = None,
             **resolved: dict[str, str]) -> Plan:
    drafts, skips = draft(contacts, settings, schema, links or {}, matches or {})
    plan = finalize(drafts, settings, schema, owner_ids=resolved.get("owners", {}),
                    account_ids=resolved.get("accounts", {}), account_errors={})
    plan.skips = skips
    return plan


def test_actions_by_how_the_record_was_found() -> None:
    settings = PushSettings(lead_source="Host", external_id_prefix="h-")
    links = {"1": Link("1", "Contact", "003LINKED", None)}
    matches = {"2": Match("Lead", "00QEMAIL", MatchedBy.EMAIL),
               "3": Match("Contact", "003EXT", MatchedBy.EXTERNAL_ID)}
    plan = plan_for([contact("1"), contact("2"), contact("3"), contact("4")], settings,
                    WITH_EXT, links, matches)
    writes = {w.host_id: w for w in plan.writes}
    assert (writes["1"].sobject, writes["1"].action) == ("Contact", Action.UPDATE)
    assert writes["1"].fields["Id"] == "003LINKED"
    assert writes["1"].fields["SFSync_Id__c"] == "h-1"  # stamped for later upserts
    assert "LeadSource" not in writes["1"].fields  # not ours to change
    assert (writes["2"].sobject, writes["2"].action) == ("Lead", Action.UPDATE)
    assert (writes["3"].sobject, writes["3"].action) == ("Contact", Action.UPSERT)
    assert "Id" not in writes["3"].fields
    assert (writes["4"].sobject, writes["4"].action) == ("Lead", Action.UPSERT)
    assert writes["4"].fields["LeadSource"] == "Host"
    assert {(k, a) for (k, a) in plan.groups()} == {
        ("Contact", Action.UPDATE), ("Lead", Action.UPDATE), ("Contact", Action.UPSERT),
        ("Lead", Action.UPSERT)}


def test_without_external_id_field_new_records_are_created() -> None:
    plan = plan_for([contact("9")], PushSettings(), NO_EXT)
    assert plan.writes[0].action is Action.CREATE
    assert "SFSync_Id__c" not in plan.writes[0].fields


def test_unchanged_contacts_are_skipped() -> None:
    settings = PushSettings(lead_source="Host")
    first = plan_for([contact("1")], settings, WITH_EXT)
    link = Link("1", "Lead", "00Q1", first.writes[0].fingerprint)
    again = plan_for([contact("1")], settings, WITH_EXT, {"1": link})
    assert not again.writes
    assert again.skips[0].reason is SkipReason.UNCHANGED
    changed = plan_for([contact("1", title="CEO")], settings, WITH_EXT, {"1": link})
    assert changed.writes[0].action is Action.UPDATE


def test_owner_and_account_ids() -> None:
    settings = PushSettings(push_as=PushAs.CONTACT)
    c = contact("5", company="Acme", owner_email="Boss@Example.org")
    plan = plan_for([c], settings, WITH_EXT, owners={"boss@example.org": "005BOSS"},
                    accounts={"acme": "001ACME"})
    fields = plan.writes[0].fields
    assert (fields["OwnerId"], fields["AccountId"]) == ("005BOSS", "001ACME")
    assert "Company" not in fields
    drafts, _ = draft([c], settings, WITH_EXT, {}, {})
    failed = finalize(drafts, settings, WITH_EXT, owner_ids={}, account_ids={},
                      account_errors={"acme": RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                                          "no")})
    assert not failed.writes and failed.failures[0][0] == "5"


def test_soql_quoting_and_chunks() -> None:
    assert quote("O'Brien\\x") == "'O\\'Brien\\\\x'"
    chunks = list(in_chunks((f"user{i}@example.org" for i in range(2500)), max_items=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    small = list(in_chunks(["a" * 50] * 10, max_chars=160))
    assert all(sum(len(quote(v)) + 1 for v in c) <= 160 for c in small)
