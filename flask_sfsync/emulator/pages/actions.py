"""Create, edit, delete and change owner, as the signed-in user, through the store's own calls.

Every save is ``Org.create`` / ``Org.update`` / ``Org.delete`` with the user's Id, so the
profile, the validation rules, required fields, picklists, lengths and the duplicate rule
answer exactly as they answer the API; their message shows at the top of the form and beside
the field it names. A duplicate alert can be saved anyway, as the duplicate rule's "Allow"
action lets a user do.
"""

from __future__ import annotations

from typing import Any

from werkzeug import Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.pages import forms
from flask_sfsync.emulator.pages.context import Page
from flask_sfsync.emulator.pages.records import reference_name
from flask_sfsync.emulator.pages.render import name_of
from flask_sfsync.emulator.pages.views import VIEWS
from flask_sfsync.emulator.schema.model import ObjectDef

__all__ = ["change_owner", "delete", "edit", "error_text"]


def error_text(exc: SalesforceApiError) -> str:
    """A store error as a person reads it: the message, the field names, and the code."""
    return f"{exc.message} ({exc.error_code})"


def _duplicates(exc: SalesforceApiError) -> list[dict[str, str]]:
    result = exc.extra.get("duplicateResult") or {}
    out = []
    for match in result.get("matchResults", []):
        for record in match.get("matchRecords", []):
            rid = record["record"]["Id"]
            out.append({"sobject": match["entityType"], "id": rid, "name": rid})
    return out


def edit(page: Page, obj: ObjectDef, record_id: str | None) -> Response:
    """``/records/X/new`` (record_id None) and ``/records/X/{id}/edit``."""
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    view = page.view(obj)
    row = None
    if record_id is not None:
        row = page.live_record(obj, record_id)
        if row is None:
            return page.not_found(f"No {obj.label.lower()} with Id {record_id}.")
        title = f"Edit {name_of(obj.name, row)}"
    else:
        title = f"New {obj.label}"
    if view is None or not page.can(obj.name, "create" if row is None else "edit"):
        return page.message("Insufficient privileges",
                            f"Your profile does not let you {'create' if row is None else 'edit'}"
                            f" {obj.label_plural.lower()}.", 403)
    if page.request.method != "POST":
        return _form(page, obj, view, row, title)
    posted = page.request.form
    body, field_errors = forms.parse(view, posted, row)
    if field_errors:
        return _form(page, obj, view, row, title, posted=posted, field_errors=field_errors,
                     error="Review the errors on this page.", status=400)
    allow = posted.get("allow_duplicates") == "1"
    try:
        if row is None:
            new_id = page.org.create(obj.name, body, page.user.id, allow_duplicates=allow)
            notice = "created"
        else:
            new_id = str(row["Id"])
            page.org.update(obj.name, new_id, body, page.user.id, allow_duplicates=allow)
            notice = "saved"
    except SalesforceApiError as exc:
        duplicates = _duplicates(exc)
        for item in duplicates:
            item["name"] = reference_name(page, item["id"])
        return _form(page, obj, view, row, title, posted=posted, status=400,
                     error=error_text(exc), duplicates=duplicates,
                     field_errors={name: exc.message for name in exc.fields})
    saved = page.org.get_record(new_id)
    what = name_of(obj.name, saved[1]) if saved else obj.label
    return page.redirect(f"/records/{obj.name}/{new_id}", {"notice": notice, "what": what})


def _form(page: Page, obj: ObjectDef, view: ObjectDef, row: Any, title: str, *,
          posted: Any = None, field_errors: dict[str, str] | None = None,
          error: str | None = None, duplicates: list[dict[str, str]] | None = None,
          status: int = 200) -> Response:
    items = forms.build(page.org, view, row, posted, field_errors)
    action = f"/records/{obj.name}/new" if row is None else \
        f"/records/{obj.name}/{row['Id']}/edit"
    back = f"/records/{obj.name}/{row['Id']}" if row is not None else \
        (f"/records/{obj.name}" if VIEWS[obj.name].listed else "/records/Account")
    return page.render(
        "form.html", status=status, sobject=obj.name, label=obj.label, title=title,
        action=action, back=back, main=[f for f in items if f.main],
        more=[f for f in items if not f.main], error=error, duplicates=duplicates or [],
    )


def delete(page: Page, obj: ObjectDef, record_id: str) -> Response:
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    found = page.live_record(obj, record_id)
    if found is None:
        return page.not_found(f"No {obj.label.lower()} with Id {record_id}.")
    name = name_of(obj.name, found)
    children = [VIEWS[c].plural.lower() for c in ("Contact", "Opportunity")] \
        if obj.name == "Account" else []
    error = None
    if page.request.method == "POST":
        try:
            page.org.delete(str(found["Id"]), page.user.id)
        except SalesforceApiError as exc:
            error = error_text(exc)
        else:
            target = f"/records/{obj.name}" if VIEWS[obj.name].listed else "/records/recycle-bin"
            return page.redirect(target, {"notice": "deleted", "what": name})
    return page.render("confirm_delete.html", status=400 if error else 200, sobject=obj.name,
                       label=obj.label, name=name, record_id=str(found["Id"]),
                       children=children, error=error)


def change_owner(page: Page, obj: ObjectDef, record_id: str) -> Response:
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    row = page.live_record(obj, record_id)
    if row is None:
        return page.not_found(f"No {obj.label.lower()} with Id {record_id}.")
    error = None
    if page.request.method == "POST":
        owner = page.request.form.get("OwnerId", "")
        try:
            page.org.update(obj.name, str(row["Id"]), {"OwnerId": owner}, page.user.id)
        except SalesforceApiError as exc:
            error = error_text(exc)
        else:
            return page.redirect(f"/records/{obj.name}/{row['Id']}",
                                 {"notice": "owner", "what": name_of(obj.name, row)})
    users = [{"id": u.id, "name": u.name, "active": u.is_active, "title": u.title}
             for u in page.org.users]
    return page.render("owner.html", status=400 if error else 200, sobject=obj.name,
                       label=obj.label, name=name_of(obj.name, row), record_id=str(row["Id"]),
                       owner=row.get("OwnerId"), users=users, error=error)
