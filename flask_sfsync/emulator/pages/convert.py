"""The Convert page of a lead: into a new or existing account and contact, and optionally a new
opportunity, through ``Org.convert_lead`` (the same conversion the handle and control API do).
"""

from __future__ import annotations

from typing import Any

from werkzeug import Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.pages.actions import error_text
from flask_sfsync.emulator.pages.context import Page
from flask_sfsync.emulator.pages.render import name_of, text
from flask_sfsync.emulator.schema.model import ObjectDef
from flask_sfsync.emulator.store.convert import LeadConvert, converted_statuses

__all__ = ["convert"]


def convert(page: Page, obj: ObjectDef, record_id: str) -> Response:
    refused = page.guard()
    if refused is not None:
        return refused
    assert page.user is not None
    lead = page.live_record(obj, record_id) if obj.name == "Lead" else None
    if lead is None:
        return page.not_found(f"No lead with Id {record_id}.")
    lead_id = str(lead["Id"])
    if lead["IsConverted"]:
        return page.redirect(f"/records/Lead/{lead_id}")
    form = page.request.form
    error = None
    if page.request.method == "POST":
        try:
            request = _request(lead_id, form)
            page.org.convert_lead(request, page.user.id)
        except SalesforceApiError as exc:
            error = error_text(exc)
        else:
            return page.redirect(f"/records/Lead/{lead_id}",
                                 {"notice": "converted", "what": name_of("Lead", lead)})
    company = text(lead["Company"])
    accounts = _choices(page, "Account", company)
    contacts = [{"id": str(r["Id"]), "name": name_of("Contact", r),
                 "account": next((a["name"] for a in accounts if a["id"] == r["AccountId"]),
                                 "no account")}
                for r in page.org.scan("Contact") if r["AccountId"]]
    contacts.sort(key=lambda c: (c["name"] != name_of("Lead", lead), c["name"].lower()))
    owners = [{"id": u.id, "name": u.name} for u in page.org.users if u.is_active]
    return page.render(
        "convert.html", status=400 if error else 200, sobject="Lead", name=name_of("Lead", lead),
        record_id=lead_id, company=company, accounts=accounts, contacts=contacts, owners=owners,
        owner=form.get("owner_id") or lead["OwnerId"], statuses=converted_statuses(page.org),
        form=form, error=error,
    )


def _request(lead_id: str, form: Any) -> LeadConvert:
    """The form's choices: an empty account_id / contact_id means "create a new one"."""
    return LeadConvert(
        lead_id, converted_status=form.get("converted_status") or None,
        account_id=form.get("account_id") or None, contact_id=form.get("contact_id") or None,
        create_opportunity=form.get("no_opportunity") != "on",
        opportunity_name=(form.get("opportunity_name") or "").strip() or None,
        owner_id=form.get("owner_id") or None,
        overwrite_lead_source=form.get("overwrite_lead_source") == "on",
    )


def _choices(page: Page, sobject: str, near: str) -> list[dict[str, str]]:
    """Existing records to convert into, those named like the lead's company first."""
    rows = [{"id": str(r["Id"]), "name": name_of(sobject, r)} for r in page.org.scan(sobject)]
    needle = near.lower()
    rows.sort(key=lambda r: (needle not in r["name"].lower(), r["name"].lower()))
    return rows
