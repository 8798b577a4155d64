"""The catalogue of Salesforce error codes: a category, a plain sentence and a fix per code,
the field in the host's words, long values cut (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce import writers
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache, ObjectInfo
from flask_sfsync.sync import failures
from flask_sfsync.sync.failures import (
    CATALOGUE,
    Category,
    category_of,
    codes_in,
    cut,
    duplicate_fix,
    explain,
    field_names,
    split_detail,
)
from flask_sfsync.sync.links import MemoryLinkStore
from flask_sfsync.sync.owners import OwnerDirectory
from flask_sfsync.sync.push import push
from flask_sfsync.sync.push.results import OutcomeStatus, PushReport
from flask_sfsync.sync.push.settings import PushSettings
from flask_sfsync.sync.records import HostContact

C = Category

# (code, Salesforce's message, fields, object, category, words the summary says, words the fix
# says): messages as Salesforce writes them (the local org writes the same).
CASES: list[tuple[str, str, tuple[str, ...], str, Category, str, str]] = [
    ("DUPLICATES_DETECTED", "Use one of these records?", (), "Lead", C.DUPLICATES,
     "duplicate rule", "Push anyway"),
    ("DUPLICATE_VALUE", "duplicate value found: Email__c duplicates value on record with id: "
     "00Q000000000001", ("Email",), "Lead", C.DUPLICATES, "already has this email",
     "Change the email"),
    ("DUPLICATE_EXTERNAL_ID", "SFSync_Id__c: more than one record found for external id field",
     ("SFSync_Id__c",), "Lead", C.DUPLICATES, "sync ID", "Merge the duplicate records"),
    ("STRING_TOO_LONG", "Title: data value too large: " + "T" * 250 + " (max length=128)",
     ("Title",), "Lead", C.FIELD_VALUES, "at most 128 characters",
     "Shorten the title to 128 characters (it has 250)"),
    # Not Salesforce's: the host's refusal of a pulled value, as flask_sfsync.host.writes words
    # it (no full stop; several are joined with "; "): the summary must still be a sentence.
    ("HOST_REFUSED_VALUE", "Title is 161 characters; this app keeps at most 128", ("Title",),
     "Lead", C.FIELD_VALUES, "title pulled from the Salesforce Lead cannot be stored",
     "Shorten or fill in the title in Salesforce"),
    ("INVALID_EMAIL_ADDRESS", "Email: invalid email address: not-an-email", ("Email",), "Lead",
     C.FIELD_VALUES, "email is not a valid email address", "Correct the email"),
    ("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ("LastName",), "Lead",
     C.FIELD_VALUES, "needs a last name on every Lead", "Fill in the last name"),
    ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
     "Lead Status: bad value for restricted picklist field: Dormant", ("Status",), "Lead",
     C.FIELD_VALUES, "stage (Lead Status) is not one of the values",
     "Choose a stage (Lead Status) that Salesforce allows"),
    ("FIELD_INTEGRITY_EXCEPTION", "There's a problem with this country, even though it may "
     "appear correct.", ("Country",), "Contact", C.FIELD_VALUES, "inconsistent",
     "Correct the Country"),
    ("INVALID_TYPE_ON_FIELD_IN_RECORD", "Meeting Date: value not of required type: soon",
     ("SFSync_Meeting_Date__c",), "Lead", C.FIELD_VALUES, "meeting date is not the kind",
     "Correct the meeting date"),
    ("NUMBER_OUTSIDE_VALID_RANGE", "Employees: value outside of valid range on numeric field",
     ("NumberOfEmployees",), "Lead", C.FIELD_VALUES, "outside the range", "Correct the"),
    ("MALFORMED_ID", "Owner ID: id value of incorrect type: 123", ("OwnerId",), "Lead",
     C.FIELD_VALUES, "owner should hold a Salesforce record ID", "Correct the owner"),
    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Leads from partners need a phone number", (), "Lead",
     C.VALIDATION, "\u201cLeads from partners need a phone number\u201d", "meets the rule"),
    ("FIELD_FILTER_VALIDATION_EXCEPTION", "Value does not exist or does not match filter "
     "criteria.", ("AccountId",), "Contact", C.VALIDATION, "lookup filter",
     "Choose a company that the filter allows"),
    ("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", "LeadTrigger: execution of BeforeInsert caused by: "
     "System.NullPointerException", (), "Lead", C.VALIDATION, "automation",
     "Show the details to your Salesforce admin"),
    ("CANNOT_EXECUTE_FLOW_TRIGGER", "We can't save this record because the \u201cLead intake\u201d "
     "process failed.", (), "Lead", C.VALIDATION, "record-triggered flow",
     "the flow's message says what it needs"),
    ("ENTITY_IS_LOCKED", "the entity is locked for editing", (), "Lead", C.VALIDATION,
     "approval process", "Wait for the approval to finish"),
    ("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", (), "Lead",
     C.PERMISSIONS, "may not create or edit this Lead", "edit access to Lead records"),
    ("INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", "insufficient access rights on cross-"
     "reference id", ("OwnerId",), "Lead", C.PERMISSIONS, "may not use a record",
     "share that record with the connected user"),
    ("INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Title. Please check the "
     "security settings of this field and verify that it is read/write for your profile or "
     "permission set.", ("Title",), "Lead", C.PERMISSIONS, "may not write the title",
     "field-level security"),
    ("INVALID_FIELD", "No such column 'Region__c' on sobject of type Lead", ("Region__c",), "Lead",
     C.PERMISSIONS, "does not know a field this app writes (Region__c)", "visible"),
    ("API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner", (), "Lead",
     C.PERMISSIONS, "API access is not enabled", "API Enabled"),
    ("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ("OwnerId",), "Lead",
     C.ASSOCIATIONS, "refers to another Salesforce record (owner)", "Check that the owner"),
    ("ENTITY_IS_DELETED", "entity is deleted", (), "Lead", C.ASSOCIATIONS, "has been deleted",
     "Recycle Bin"),
    ("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", (), "Lead",
     C.ASSOCIATIONS, "was converted", "find the Contact it became"),
    ("INACTIVE_OWNER_OR_USER", "operation performed with inactive user", ("OwnerId",), "Lead",
     C.ASSOCIATIONS, "inactive user", "an owner who is an active Salesforce user"),
    ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", (), "Contact",
     C.CONNECTION, "locked", "almost always temporary"),
    ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", (), "Lead", C.CONNECTION,
     "daily API calls", "resumes by itself"),
    ("SERVER_UNAVAILABLE", "Server unavailable", (), "Lead", C.CONNECTION, "not answering",
     "Retry in a few minutes"),
    ("UNKNOWN_EXCEPTION", "An unexpected error occurred.", (), "Lead", C.CONNECTION,
     "internal error", "Salesforce support"),
    ("INVALID_SESSION_ID", "Session expired or invalid", (), "Lead", C.CONNECTION,
     "session", "reconnect Salesforce"),
    ("invalid_grant", "expired access/refresh token", (), "Lead", C.CONNECTION, "revoked",
     "Reconnect Salesforce on the Integrations page"),
    ("STORAGE_LIMIT_EXCEEDED", "storage limit exceeded", (), "Lead", C.CONNECTION,
     "out of data storage", "free storage"),
]


def test_every_code_of_the_catalogue_has_a_case() -> None:
    assert {case[0] for case in CASES} == set(CATALOGUE)


@pytest.mark.parametrize(
    ("code", "message", "fields", "sobject", "category", "says", "fix"),
    CASES, ids=[case[0] for case in CASES],
)
def test_each_code_has_a_category_a_sentence_and_a_fix(
    code: str, message: str, fields: tuple[str, ...], sobject: str, category: Category,
    says: str, fix: str,
) -> None:
    x = explain(code, message, fields, sobject=sobject)
    assert (x.code, x.category, x.known) == (code, category, True)
    assert category_of(code) is category
    assert says in x.summary, x.summary
    assert fix in x.fix, x.fix
    # Plain words: sentences, never the code itself, and no template left unfilled.
    for text in (x.summary, x.fix):
        assert text[0].isupper() and text.rstrip().endswith((".", "\u201d"))
        assert code not in text and "{" not in text and "None" not in text
    assert x.passing is (category is C.CONNECTION and code not in {
        "invalid_grant", "STORAGE_LIMIT_EXCEEDED"})


def test_a_long_value_is_cut_and_its_length_told() -> None:
    message = "Title: data value too large: " + "x" * 250 + " (max length=128)"
    x = explain("STRING_TOO_LONG", message, ("Title",), sobject="Lead")
    assert (x.field, x.max_length, x.length) == ("title", 128, 250)
    assert x.fix == "Shorten the title to 128 characters (it has 250), then Retry."
    assert len(x.message) < 120 and "x" * 41 not in x.message
    assert x.message.endswith("\u2026 (250 characters) (max length=128)")
    assert cut("FIELD_CUSTOM_VALIDATION_EXCEPTION", "y" * 5000).endswith("\u2026")
    assert len(cut("FIELD_CUSTOM_VALIDATION_EXCEPTION", "y" * 5000)) == failures.MESSAGE_SHOWN + 1
    assert cut("STRING_TOO_LONG", "Title: data value too large: short (max length=3)") == (
        "Title: data value too large: short (max length=3)")


def test_the_describes_length_wins_over_the_message() -> None:
    info = ObjectInfo.from_describe({"name": "Lead", "fields": [
        {"name": "Title", "type": "string", "length": 100}]})
    message = "Title: data value too large: " + "x" * 130 + " (max length=128)"
    x = explain("STRING_TOO_LONG", message, ("Title",), sobject="Lead", info=info)
    assert x.fix == "Shorten the title to 100 characters (it has 130), then Retry."


def test_a_too_long_value_without_its_limit_still_says_what_to_do() -> None:
    x = explain("STRING_TOO_LONG", "Title: the value is too long", ("Title",), sobject="Lead")
    assert x.fix == "Shorten the title, then Retry."
    assert "None" not in x.summary


def test_fields_are_named_in_the_hosts_words() -> None:
    names = field_names("Lead")
    assert names["lastname"] == "last name"
    assert names["sfsync_notes__c"] == "notes"
    assert names["status"].startswith("stage")
    # A host's extra field: Salesforce's label from its message.
    x = explain("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "Tier: bad value for restricted picklist field: Platinum", ("Tier__c",),
                sobject="Lead", names=field_names("Lead", {"Lead": {"extra:Tier__c": "Tier__c"}}))
    assert x.field == "tier" and x.fix.startswith("Choose a tier that Salesforce allows")
    # Only the message names the fields.
    x = explain("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName, Company]",
                sobject="Lead")
    assert x.sf_fields == ("LastName", "Company")
    assert x.fix == "Fill in the last name and company, then Retry."


def test_an_unknown_code_is_other_and_a_failed_call_is_the_connection() -> None:
    x = explain("SOMETHING_NEW", "Something new happened", sobject="Contact")
    assert (x.category, x.known, x.passing) == (C.OTHER, False, False)
    assert "Contact" in x.summary and "Salesforce admin" in x.fix
    assert category_of("HTTP_503") is C.CONNECTION
    assert category_of("HTTP_400") is C.OTHER


def test_categories_have_labels_descriptions_and_an_order() -> None:
    assert [c.label for c in Category] == [
        "Duplicates", "Field values", "Validation rules and automation", "Permissions",
        "Associations", "Connection", "Other",
    ]
    assert all(c.description.endswith(".") for c in Category)
    assert codes_in(C.FIELD_VALUES, ["DUPLICATES_DETECTED", "STRING_TOO_LONG", "X"]) == [
        "STRING_TOO_LONG"]


def test_a_duplicates_fix_depends_on_whose_record_matched() -> None:
    assert duplicate_fix(True).startswith("If both are the same person, link this contact")
    assert duplicate_fix(False).startswith("If it is the same person, link this contact to that")
    assert "did not say which record matched" in duplicate_fix(None)
    assert all("push" in duplicate_fix(ours) for ours in (True, False, None))


def test_a_history_detail_splits_into_code_and_message() -> None:
    assert split_detail("STRING_TOO_LONG: Title: data value too large: x (max length=1)") == (
        "STRING_TOO_LONG", "Title: data value too large: x (max length=1)")
    assert split_detail("invalid_grant: expired") == ("invalid_grant", "expired")
    assert split_detail("Skipped: no email address (Require email is on)") is None
    assert split_detail("Deleted in the host") is None
    assert split_detail(None) is None


def test_all_names_public_things() -> None:
    public = {
        name for name, value in vars(failures).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == failures.__name__
    }
    assert public <= set(failures.__all__)


# -- Push anyway: the duplicate rule header, for the records named only ------------------------


def _pushed(api: SalesforceApi, describe: DescribeCache, contacts: list[HostContact],
            store: MemoryLinkStore, allow: frozenset[str] = frozenset()) -> PushReport:
    return push(api, contacts, PushSettings(), store, describe=describe, owners=OwnerDirectory(),
                allow_duplicates=allow)


def _twin(i: int, email: str) -> HostContact:
    return {"id": str(i), "first_name": "Twin", "last_name": f"Number {i}", "email": email,
            "company": "Acme"}


def test_push_anyway_acknowledges_the_duplicate_alert_for_its_records_only(
    ready_api: SalesforceApi, describe: DescribeCache
) -> None:
    store = MemoryLinkStore()
    first = _pushed(ready_api, describe, [_twin(1, "a@example.org"), _twin(2, "b@example.org")],
                    store)
    assert first.counts["pushed"] == 2
    # Two more contacts with those emails: both refused by the duplicate rule...
    twins = [_twin(3, "a@example.org"), _twin(4, "b@example.org")]
    refused = _pushed(ready_api, describe, [dict(t) for t in twins], store)  # type: ignore[misc]
    assert [o.error.status_code for o in refused.outcomes if o.error] == [
        "DUPLICATES_DETECTED", "DUPLICATES_DETECTED"]
    # ...then one is pushed anyway: it is saved, the other is still refused.
    again = _pushed(ready_api, describe, twins, store, allow=frozenset({"3"}))
    three, four = again.outcome("3"), again.outcome("4")
    assert three is not None and three.status is OutcomeStatus.PUSHED and three.created
    assert four is not None and four.error is not None
    assert four.error.status_code == "DUPLICATES_DETECTED"
    emails = sorted(r["Email"] for r in ready_api.query("SELECT Email FROM Lead"))
    assert emails == ["a@example.org", "a@example.org", "b@example.org"]


def test_the_writers_send_the_header_salesforce_documents(
    ready_api: SalesforceApi, org: LocalOrg
) -> None:
    seen: list[dict[str, Any]] = []
    original = ready_api.rest

    def spy(method: str, path: str, **kwargs: Any) -> Any:
        seen.append(dict(kwargs.get("headers") or {}))
        return original(method, path, **kwargs)

    ready_api.rest = spy  # type: ignore[method-assign]
    write = writers.RecordWrite("1", {"LastName": "One", "Company": "A", "Email": "h@x.org"})
    assert [r.ok for r in writers.create(ready_api, "Lead", [write])] == [True]
    assert [r.ok for r in writers.create(ready_api, "Lead", [write])] == [False]
    assert [r.ok for r in writers.create(ready_api, "Lead", [write], allow_duplicates=True)] == [
        True]
    assert seen == [{}, {}, {"Sforce-Duplicate-Rule-Header": "allowSave=true"}]
    # The local org reads the header as Salesforce documents it, options and all.
    sf = org.salesforce()
    made = sf.restful("sobjects/Lead", method="POST", json={
        "LastName": "Two", "Company": "A", "Email": "h@x.org"}, headers={
        "Sforce-Duplicate-Rule-Header":
            "allowSave=true; includeRecordDetails=true; runAsCurrentUser=true"})
    assert isinstance(made, dict) and made["success"]
