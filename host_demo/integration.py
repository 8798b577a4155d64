"""The one place where the demo host plugs in flask-sfsync.

A real host needs exactly this much: create the extension, bind it to the app and the host's
database (with its contacts and companies), and say which tenant the logged-in user belongs
to (here: their team).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy.orm import selectinload

from flask_sfsync import SFSync
from flask_sfsync.host import CompanyAdapter, ContactAdapter

from .extensions import db
from .models import STAGES, Company, Contact

#: app.config key: False runs the host without the integration (no Connected App configured).
ENABLED_KEY = "HOST_DEMO_SFSYNC_ENABLED"


def current_team_tenant() -> str | None:
    """The integration's tenant is the user's team: teammates share one Salesforce connection."""
    if not current_user.is_authenticated:
        return None
    return str(current_user.team_id)


#: Our stages -> Salesforce's standard Lead Status values (Customer: left to Salesforce).
LEAD_STATUS_FOR_STAGE = {
    "New": "Open - Not Contacted",
    "Contacted": "Working - Contacted",
    "Qualified": "Working - Contacted",
    "Lost": "Closed - Not Converted",
}


def meeting_date(contact: Contact) -> Any:
    return contact.meeting_at.date() if contact.meeting_at else None


def additional_phone_numbers(contact: Contact) -> list[str]:
    return [p["number"] for p in contact.additional_phones or [] if p.get("number")]


def contact_adapter() -> ContactAdapter:
    """How flask-sfsync reads our contacts: which fields, whose team, which stages."""
    return ContactAdapter(
        Contact,
        tenant="team_id",
        fields={
            "company": "company.name",
            "owner_email": "owner.email",
            "meeting_date": meeting_date,
            "tags": lambda contact: contact.tag_list,
            "additional_phones": additional_phone_numbers,
        },
        stages=STAGES,
        stage_map=LEAD_STATUS_FOR_STAGE,
        url_endpoint="contacts.detail",
        # A renamed company changes what its contacts look like in Salesforce.
        watch={Company: lambda company: company.contacts},
        load_options=[selectinload(Contact.company), selectinload(Contact.owner)],
    )


def company_adapter() -> CompanyAdapter:
    """How the pull finds, creates and renames our companies (a contact's ``company_id``)."""
    return CompanyAdapter(Company, tenant="team_id", name="name", domain="domain",
                          contact_attribute="company_id")


def init_integration(app: Flask) -> bool:
    """Bind flask-sfsync when a Connected App is configured; return whether it was bound."""
    enabled = app.config.get(ENABLED_KEY)
    if enabled is None:
        enabled = bool(app.config.get("SFSYNC_CLIENT_ID"))
    if not enabled:
        app.logger.warning(
            "Salesforce integration off: set SFSYNC_CLIENT_ID, SFSYNC_CLIENT_SECRET and "
            "SFSYNC_ENCRYPTION_KEY (python -m host_demo.run does it for the local org)"
        )
        return False
    sfsync = SFSync()
    sfsync.init_app(app, db=db, contact_adapter=contact_adapter(),
                    company_adapter=company_adapter())
    sfsync.tenant_loader(current_team_tenant)
    return True
