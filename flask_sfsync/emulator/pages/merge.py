"""Merging duplicates, as Salesforce's merge wizard does it: pick up to two other records, then
the master and, field by field, which record's value the master keeps; ``Org.merge`` does the
rest (the same merge the handle and control API do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug import Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.pages.actions import error_text
from flask_sfsync.emulator.pages.context import Page
from flask_sfsync.emulator.pages.render import name_of, text
from flask_sfsync.emulator.pages.views import VIEWS, shown_in_form
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.store.merge import MAX_MERGED

__all__ = ["merge"]

_CANDIDATES = 25


def merge(page: Page, obj: ObjectDef, record_id: str) -> Response:
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    view = page.view(obj)
    current = page.live_record(obj, record_id)
    if view is None or current is None:
        return page.not_found(f"No {obj.label.lower()} with Id {record_id}.")
    form = page.request.form
    if page.request.method == "POST" and form.get("step") == "merge":
        return _merge(page, obj, view, current, form)
    if page.request.method == "POST":
        chosen = [i for i in form.getlist("ids") if i != current["Id"]]
        if not chosen or len(chosen) > MAX_MERGED:
            return _pick(page, obj, current, error="Choose one or two records to merge with "
                                                    "this one.")
        return _compare(page, obj, view, [current, *_rows(page, obj, chosen)])
    return _pick(page, obj, current)


def _rows(page: Page, obj: ObjectDef, ids: list[str]) -> list[Mapping[str, Any]]:
    rows = []
    for rid in ids:
        found = page.org.get_record(rid)
        if found is not None and found[0] == obj.name and not found[1]["IsDeleted"]:
            rows.append(found[1])
    return rows


def _pick(page: Page, obj: ObjectDef, current: Mapping[str, Any], error: str | None = None
          ) -> Response:
    query = page.request.args.get("q", "").strip()
    name = name_of(obj.name, current)
    email = text(current.get("Email")) if obj.field("Email") else ""
    needles = [query.lower()] if query else [n.lower() for n in (name, email) if n]
    candidates = []
    for row in page.org.scan(obj.name):
        if row["Id"] == current["Id"] or (obj.name == "Lead" and row["IsConverted"]):
            continue
        haystack = " ".join([name_of(obj.name, row), text(row.get("Email"))
                             if obj.field("Email") else ""]).lower()
        if any(n and n in haystack for n in needles):
            candidates.append({"id": str(row["Id"]), "name": name_of(obj.name, row),
                               "detail": _detail(obj, row)})
        if len(candidates) >= _CANDIDATES:
            break
    return page.render("merge_pick.html", status=400 if error else 200, sobject=obj.name,
                       label=obj.label, plural=VIEWS[obj.name].plural, name=name,
                       record_id=str(current["Id"]), current_detail=_detail(obj, current),
                       candidates=candidates, query=query, error=error)


def _detail(obj: ObjectDef, row: Mapping[str, Any]) -> str:
    names = {"Contact": ("Email", "Phone"), "Lead": ("Email", "Company"),
             "Account": ("Website", "Phone")}[obj.name]
    return " · ".join(text(row.get(n)) for n in names if row.get(n))


def _compare(page: Page, obj: ObjectDef, view: ObjectDef, rows: list[Mapping[str, Any]],
             error: str | None = None, picks: Mapping[str, str] | None = None,
             master: str | None = None) -> Response:
    master = master or str(rows[0]["Id"])
    fields = []
    for fdef in view.fields.values():
        if not fdef.updateable or not shown_in_form(obj.name, fdef.lower):
            continue
        cells = [text(row.get(fdef.name)) for row in rows]
        if len(set(cells)) < 2:
            continue  # the same everywhere: nothing to choose
        default = (picks or {}).get(fdef.name) or next(
            (str(r["Id"]) for r, c in zip(rows, cells, strict=True)
             if str(r["Id"]) == master and c), None) or next(
            (str(r["Id"]) for r, c in zip(rows, cells, strict=True) if c), master)
        fields.append({"name": fdef.name, "label": fdef.label, "cells": cells,
                       "chosen": default})
    return page.render(
        "merge_fields.html", status=400 if error else 200, sobject=obj.name, label=obj.label,
        record_id=str(rows[0]["Id"]), records=[{"id": str(r["Id"]), "name": name_of(obj.name, r)}
                                               for r in rows],
        fields=fields, master=master, error=error)


def _merge(page: Page, obj: ObjectDef, view: ObjectDef, current: Mapping[str, Any],
           form: Any) -> Response:
    assert page.user is not None
    rows = _rows(page, obj, form.getlist("records"))
    by_id = {str(r["Id"]): r for r in rows}
    master = form.get("master", "")
    if master not in by_id or len(rows) < 2:
        return _pick(page, obj, current, error="Choose the records to merge again.")
    picks = {key[5:]: value for key, value in form.items() if key.startswith("pick_")}
    fields: dict[str, Any] = {}
    for name, chosen in picks.items():
        fdef = view.field(name)
        if fdef is None or not fdef.updateable or chosen == master or chosen not in by_id:
            continue
        fields[fdef.name] = values.to_json(fdef, by_id[chosen].get(fdef.name))
    others = [rid for rid in by_id if rid != master]
    try:
        page.org.merge(obj.name, master, others, page.user.id, fields)
    except SalesforceApiError as exc:
        return _compare(page, obj, view, rows, error=error_text(exc), picks=picks,
                        master=master)
    kept = page.org.get_record(master)
    what = name_of(obj.name, kept[1]) if kept else obj.label
    return page.redirect(f"/records/{obj.name}/{master}", {"notice": "merged", "what": what})
