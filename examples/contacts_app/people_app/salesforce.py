"""The Salesforce integration: which model holds the contacts, and whose they are."""

from __future__ import annotations

from flask_login import current_user

from flask_sfsync import SFSync
from flask_sfsync.host import ContactAdapter

from .extensions import db
from .models import Person

people = ContactAdapter(
    Person,
    tenant="workspace_id",  # the column naming the tenant (compared as a string)
    fields={  # what flask-sfsync calls it -> our attribute
        "first_name": "given_name",
        "last_name": "family_name",
        "email": "mail",
        "company": "org_name",
        "title": "job_title",
    },
    url_endpoint="people.view",  # the error log and sync pages link to the person
    url_arg="person_id",  # ... with url_for("people.view", person_id=...)
)

sfsync = SFSync(db=db, contact_adapter=people)


@sfsync.tenant_loader
def current_workspace() -> str | None:
    """Teammates share one Salesforce connection: the tenant is the user's workspace."""
    if not current_user.is_authenticated:
        return None
    return str(current_user.workspace_id)
