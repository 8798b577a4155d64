"""Browser pages of the login host: Jinja2 rendering and the read-only record views.

The record views are what a demo user opens to see that a sync worked: a list per object
(Contacts, Leads, Accounts, Tasks, Events) with a search box, and a detail page showing every
non-null field of one record. They only read the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug import Request, Response

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["PagesApp", "render"]

_TEMPLATES = Path(__file__).with_name("templates")
_env = Environment(
    loader=FileSystemLoader(str(_TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

PAGE_SIZE = 50


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = _env.get_template(template).render(**context)
    return Response(html, status=status, content_type="text/html; charset=utf-8")


# Objects shown, with the columns of their list and the fields the search box looks in.
_VIEWS: dict[str, dict[str, Any]] = {
    "Contact": {
        "plural": "Contacts",
        "columns": ["Name", "Email", "Phone", "Account.Name", "Title", "LastModifiedDate"],
        "search": ["FirstName", "LastName", "Email", "Account.Name"],
    },
    "Lead": {
        "plural": "Leads",
        "columns": ["Name", "Email", "Company", "Status", "LastModifiedDate"],
        "search": ["FirstName", "LastName", "Email", "Company"],
    },
    "Account": {
        "plural": "Accounts",
        "columns": ["Name", "Website", "Phone", "Industry", "LastModifiedDate"],
        "search": ["Name", "Website"],
    },
    "Task": {
        "plural": "Tasks",
        "columns": ["Subject", "Status", "ActivityDate", "WhoId", "WhatId", "LastModifiedDate"],
        "search": ["Subject", "Description"],
    },
    "Event": {
        "plural": "Events",
        "columns": [
            "Subject", "StartDateTime", "EndDateTime", "WhoId", "WhatId", "LastModifiedDate",
        ],
        "search": ["Subject", "Description"],
    },
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _name_of(obj: str, row: Mapping[str, Any]) -> str:
    if obj in ("Contact", "Lead"):
        full = " ".join(_text(row.get(k)) for k in ("FirstName", "LastName") if row.get(k))
        return full or _text(row.get("Name"))
    if obj in ("Task", "Event"):
        return _text(row.get("Subject")) or "(no subject)"
    return _text(row.get("Name"))


class PagesApp:
    """Routes: ``/`` (redirects), ``/records/<Object>`` and ``/records/<Object>/<Id>``."""

    def __init__(self, org: Org) -> None:
        self.org = org

    def handles(self, path: str) -> bool:
        return path in ("/", "/records", "/records/") or path.startswith("/records/")

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if len(parts) < 2:
            return Response(status=302, headers={"Location": "/records/Contact"})
        sobject = next((name for name in _VIEWS if name.lower() == parts[1].lower()), None)
        if sobject is None:
            return self._not_found(f"No record list for {parts[1]!r}.")
        if len(parts) == 2:
            return self._list(request, sobject)
        if len(parts) == 3:
            return self._detail(sobject, parts[2])
        return self._not_found("No such page.")

    # --- list ------------------------------------------------------------------------------
    def _rows(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        with self.org.lock:
            return list(self.org.scan(sobject, False))

    def _account_names(self) -> dict[str, str]:
        return {str(r.get("Id")): _text(r.get("Name")) for r in self._rows("Account")}

    def _cell(self, column: str, row: Mapping[str, Any], accounts: dict[str, str], obj: str) -> str:
        if column == "Name":
            return _name_of(obj, row)
        if column == "Account.Name":
            return accounts.get(str(row.get("AccountId")), "")
        if column in ("WhoId", "WhatId", "OwnerId"):
            return self._reference_name(row.get(column))
        return _text(row.get(column))

    def _reference_name(self, value: Any) -> str:
        """The name of the record an Id field points at (the Id itself when unknown)."""
        if not isinstance(value, str) or not value:
            return ""
        found = self.org.get_record(value)
        if found is None:
            return value
        return _name_of(found[0], found[1]) or value

    def _list(self, request: Request, sobject: str) -> Response:
        view = _VIEWS[sobject]
        query = request.args.get("q", "").strip()
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        accounts = self._account_names()
        rows: list[dict[str, Any]] = []
        for row in self._rows(sobject):
            cells = {c: self._cell(c, row, accounts, sobject) for c in view["columns"]}
            if query and not self._matches(query, row, accounts, view["search"], sobject):
                continue
            rows.append({"id": str(row.get("Id")), "cells": cells})
        rows.sort(key=lambda r: r["cells"].get("LastModifiedDate", ""), reverse=True)
        total = len(rows)
        start = (page - 1) * PAGE_SIZE
        shown = rows[start : start + PAGE_SIZE]

        def page_url(n: int) -> str:
            params = {"page": str(n)}
            if query:
                params["q"] = query
            return f"/records/{sobject}?{urlencode(params)}"

        return render(
            "records.html",
            views=_VIEWS,
            sobject=sobject,
            plural=view["plural"],
            columns=view["columns"],
            rows=shown,
            query=query,
            total=total,
            first=start + 1 if shown else 0,
            last=start + len(shown),
            prev_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if start + PAGE_SIZE < total else None,
        )

    def _matches(
        self,
        query: str,
        row: Mapping[str, Any],
        accounts: dict[str, str],
        fields: list[str],
        sobject: str,
    ) -> bool:
        needle = query.lower()
        haystack = [self._cell(f, row, accounts, sobject) for f in fields]
        haystack.append(_name_of(sobject, row))
        return any(needle in value.lower() for value in haystack)

    # --- detail ----------------------------------------------------------------------------
    def _detail(self, sobject: str, record_id: str) -> Response:
        with self.org.lock:
            found = self.org.get_record(record_id)
        if found is None or found[0].lower() != sobject.lower():
            return self._not_found(f"No {sobject} with Id {record_id}.")
        row = found[1]
        fields = [self._field(name, value) for name, value in row.items()
                  if value is not None and value != ""]
        return render(
            "record.html",
            views=_VIEWS,
            sobject=sobject,
            plural=_VIEWS[sobject]["plural"],
            title=_name_of(sobject, row),
            record_id=str(row.get("Id", record_id)),
            fields=fields,
        )

    def _field(self, name: str, value: Any) -> dict[str, Any]:
        link = None if name == "Id" else self._link(value)
        shown = _text(value)
        if name != "Id" and isinstance(value, str) and len(value) == 18 and name.endswith("Id"):
            label = self._reference_name(value)
            shown = f"{label} ({value})" if label != value else value
        return {"name": name, "value": shown, "link": link}

    def _link(self, value: Any) -> str | None:
        """Reference fields link to the record they point at, when it is one we show."""
        if not isinstance(value, str) or len(value) != 18:
            return None
        try:
            sobject = self.org.sobject_of_id(value)
        except Exception:
            return None
        if sobject in _VIEWS:
            return f"/records/{sobject}/{value}"
        return None

    def _not_found(self, message: str) -> Response:
        return render("not_found.html", status=404, views=_VIEWS, message=message)
