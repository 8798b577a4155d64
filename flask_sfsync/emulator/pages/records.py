"""The list and detail pages: what a demo user opens to see that a sync worked.

A list per object (Contacts, Leads, Accounts, Tasks, Events) with a search box, newest change
first, 50 a page; a detail page with every non-null field the viewer may see, the actions the
viewer's profile allows, and related lists (an account's contacts, opportunities and
activities; a person's activities).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug import Response

from flask_sfsync.emulator.pages.context import Page
from flask_sfsync.emulator.pages.render import name_of, text
from flask_sfsync.emulator.pages.views import VIEWS
from flask_sfsync.emulator.schema.model import ObjectDef

__all__ = ["PAGE_SIZE", "detail", "listing", "reference_name"]

PAGE_SIZE = 50
_MERGEABLE = ("Lead", "Contact", "Account")


def reference_name(page: Page, value: Any) -> str:
    """The name of the record an Id field points at (the Id itself when unknown)."""
    if not isinstance(value, str) or not value:
        return ""
    found = page.org.get_record(value)
    if found is None:
        return value
    return name_of(found[0], found[1]) or value


def record_link(page: Page, value: Any) -> str | None:
    """Reference fields link to the record they point at, when it is one with a page."""
    if not isinstance(value, str) or len(value) != 18:
        return None
    sobject = page.org.sobject_of_id(value)
    return f"/records/{sobject}/{value}" if sobject in VIEWS else None


def _cell(page: Page, column: str, row: Mapping[str, Any], accounts: dict[str, str],
          sobject: str) -> str:
    if column == "Name":
        return name_of(sobject, row)
    if column == "Account.Name":
        return accounts.get(str(row.get("AccountId")), "")
    if column in ("WhoId", "WhatId", "OwnerId"):
        return reference_name(page, row.get(column))
    return text(row.get(column))


def _visible(view: ObjectDef, column: str) -> bool:
    name = "AccountId" if column == "Account.Name" else column
    return name == "Name" or view.field(name) is not None


def listing(page: Page, obj: ObjectDef) -> Response:
    view = page.view(obj)
    if view is None:
        return page.not_found(f"You don't have access to {obj.label_plural.lower()}.")
    config = VIEWS[obj.name]
    columns = [c for c in config.columns if _visible(view, c)]
    search = [c for c in config.search if _visible(view, c)]
    query = page.request.args.get("q", "").strip()
    try:
        number = max(1, int(page.request.args.get("page", "1")))
    except ValueError:
        number = 1
    with page.org.lock:
        found = list(page.org.scan(obj.name))
    accounts = {str(r["Id"]): text(r["Name"]) for r in page.org.scan("Account")} \
        if "Account.Name" in columns + search else {}
    rows: list[dict[str, Any]] = []
    needle = query.lower()
    for row in found:
        if needle:
            haystack = [_cell(page, c, row, accounts, obj.name) for c in search]
            haystack.append(name_of(obj.name, row))
            if not any(needle in value.lower() for value in haystack):
                continue
        rows.append({"id": str(row["Id"]), "stamp": text(row.get("LastModifiedDate")),
                     "row": row})
    rows.sort(key=lambda r: str(r["stamp"]), reverse=True)
    total, start = len(rows), (number - 1) * PAGE_SIZE
    shown = [{"id": r["id"], "cells": {c: _cell(page, c, r["row"], accounts, obj.name)
                                      for c in columns}}
             for r in rows[start:start + PAGE_SIZE]]

    def page_url(n: int) -> str:
        params = {"page": str(n), **({"q": query} if query else {})}
        return f"/records/{obj.name}?{urlencode(params)}"

    return page.render(
        "records.html", sobject=obj.name, plural=config.plural, label=obj.label,
        columns=columns, rows=shown, query=query, total=total,
        first=start + 1 if shown else 0, last=start + len(shown),
        prev_url=page_url(number - 1) if number > 1 else None,
        next_url=page_url(number + 1) if start + PAGE_SIZE < total else None,
        can_create=page.user is None or page.can(obj.name, "create"),
    )


def detail(page: Page, obj: ObjectDef, record_id: str) -> Response:
    view = page.view(obj)
    found = page.org.get_record(record_id)
    if view is None or found is None or found[0] != obj.name:
        return page.not_found(f"No {obj.label.lower()} with Id {record_id}.")
    row = found[1]
    deleted = bool(row.get("IsDeleted"))
    fields = [_field(page, f.name, row.get(f.name)) for f in view.fields.values()
              if row.get(f.name) not in (None, "")]
    converted = bool(obj.name == "Lead" and row.get("IsConverted"))
    can = {op: page.user is None or page.can(obj.name, op) for op in ("edit", "delete")}
    return page.render(
        "record.html", sobject=obj.name, label=obj.label, plural=VIEWS[obj.name].plural,
        listed=VIEWS[obj.name].listed, title=name_of(obj.name, row), record_id=str(row["Id"]),
        fields=fields, deleted=deleted, converted=converted,
        conversion=_conversion(page, row) if converted else [],
        master=_field(page, "MasterRecordId", row.get("MasterRecordId"))
        if deleted and row.get("MasterRecordId") else None,
        can_edit=can["edit"] and not deleted and not converted,
        can_delete=can["delete"] and not deleted,
        can_convert=obj.name == "Lead" and not converted and not deleted and can["edit"],
        can_merge=obj.name in _MERGEABLE and not deleted and not converted and can["delete"],
        related=[] if deleted else _related(page, obj.name, str(row["Id"])),
    )


def _field(page: Page, name: str, value: Any) -> dict[str, Any]:
    link = None if name == "Id" else record_link(page, value)
    shown = text(value)
    if name != "Id" and isinstance(value, str) and len(value) == 18 and name.endswith("Id"):
        label = reference_name(page, value)
        shown = f"{label} ({value})" if label != value else value
    return {"name": name, "value": shown, "link": link}


def _conversion(page: Page, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for label, name in (("Account", "ConvertedAccountId"), ("Contact", "ConvertedContactId"),
                        ("Opportunity", "ConvertedOpportunityId")):
        value = row.get(name)
        if value:
            out.append({"label": label, "name": reference_name(page, value),
                        "link": record_link(page, value)})
    return out


def _related(page: Page, sobject: str, record_id: str) -> list[dict[str, Any]]:
    out = []
    for child, fk, title in VIEWS[sobject].related:
        child_obj = page.org.object_info(child)
        if child_obj is None or page.view(child_obj) is None:
            continue
        rows = [r for r in page.org.scan(child) if r.get(fk) == record_id]
        rows.sort(key=lambda r: text(r.get("LastModifiedDate")), reverse=True)
        out.append({"title": title, "sobject": child, "records": [
            {"id": str(r["Id"]), "name": name_of(child, r),
             "link": f"/records/{child}/{r['Id']}"} for r in rows[:20]], "total": len(rows)})
    return out
