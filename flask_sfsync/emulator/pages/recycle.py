"""The Recycle Bin: what was deleted (or lost a merge), Undelete, and emptying it.

As on Salesforce, a user sees what they deleted ("My Recycle Bin") and an administrator
everything ("Org Recycle Bin"); Undelete is ``Org.undelete``, which also restores what the
delete cascaded to (an account's contacts and opportunities). ``action=delete`` removes the
checked records for good and ``action=empty`` every record the user's bin shows (Salesforce's
"Delete" and "Empty Recycle Bin"): ``Org.empty_recycle_bin``, after which queryAll and
getDeleted no longer see them and getDeleted refuses windows reaching back before them.
"""

from __future__ import annotations

from collections.abc import Iterator

from werkzeug import Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.pages.actions import error_text
from flask_sfsync.emulator.pages.context import Page
from flask_sfsync.emulator.pages.records import reference_name
from flask_sfsync.emulator.pages.render import name_of, text
from flask_sfsync.emulator.pages.views import VIEWS
from flask_sfsync.emulator.store.org import RowView

__all__ = ["recycle_bin"]

_SHOWN = 200


def recycle_bin(page: Page) -> Response:
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    errors: list[str] = []
    restored: list[str] = []
    everyone = page.user.is_admin
    action = page.request.form.get("action", "undelete") if page.request.method == "POST" \
        else ""
    if action in ("delete", "empty"):
        shown = {str(row["Id"]) for _, row in _visible(page, everyone)}
        chosen = shown if action == "empty" else set(page.request.form.getlist("ids"))
        page.org.empty_recycle_bin(sorted(chosen & shown))
        return page.redirect("/records/recycle-bin")
    if action == "undelete":
        for record_id in page.request.form.getlist("ids"):
            found = page.org.get_record(record_id)
            try:
                page.org.undelete(record_id, page.user.id)
            except SalesforceApiError as exc:
                errors.append(f"{reference_name(page, record_id)}: {error_text(exc)}")
            else:
                restored.append(name_of(found[0], found[1]) if found else record_id)
        if restored and not errors:
            what = ", ".join(restored) if len(restored) < 4 else f"{len(restored)} records"
            return page.redirect("/records/recycle-bin", {"notice": "undeleted", "what": what})
    items = []
    for sobject, row in _visible(page, everyone):
        items.append({
            "id": str(row["Id"]), "sobject": sobject, "label": VIEWS[sobject].plural[:-1]
            if sobject != "Opportunity" else "Opportunity",
            "name": name_of(sobject, row), "deleted": text(row["LastModifiedDate"]),
            "by": reference_name(page, row["LastModifiedById"]),
            "master": reference_name(page, row.get("MasterRecordId"))
            if row.get("MasterRecordId") else None,
        })
        if len(items) >= _SHOWN:
            break
    return page.render("recycle_bin.html", status=400 if errors else 200, sobject=None,
                       recycle=True, items=items, everyone=everyone, errors=errors)


def _visible(page: Page, everyone: bool) -> Iterator[tuple[str, RowView]]:
    """What the user's bin shows: their own deletions, or everything for an administrator."""
    assert page.user is not None
    for sobject, row in page.org.recycle_bin(list(VIEWS)):
        if everyone or row["LastModifiedById"] == page.user.id:
            yield sobject, row
