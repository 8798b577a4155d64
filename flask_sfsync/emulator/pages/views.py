"""Which objects have pages, and what their lists, forms and related lists show."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LISTED", "VIEWS", "View", "shown_in_form", "view_of"]


@dataclass(frozen=True)
class View:
    sobject: str
    plural: str
    columns: list[str]                 # list columns (Name = the record's name)
    search: list[str]                  # fields the list's search box looks in
    main: list[str]                    # fields a form shows first; the rest under "More"
    related: list[tuple[str, str, str]] = field(default_factory=list)  # (child, fk, title)
    listed: bool = True                # has a list page and a tab in the bar


_ACTIVITIES = [("Task", "WhoId", "Tasks"), ("Event", "WhoId", "Events")]

VIEWS: dict[str, View] = {v.sobject: v for v in [
    View("Contact", "Contacts",
         ["Name", "Email", "Phone", "Account.Name", "Title", "LastModifiedDate"],
         ["FirstName", "LastName", "Email", "Account.Name"],
         ["Salutation", "FirstName", "LastName", "AccountId", "Title", "Email", "Phone",
          "MobilePhone", "LeadSource", "Description"],
         _ACTIVITIES),
    View("Lead", "Leads", ["Name", "Email", "Company", "Status", "LastModifiedDate"],
         ["FirstName", "LastName", "Email", "Company"],
         ["Salutation", "FirstName", "LastName", "Company", "Title", "Email", "Phone",
          "Status", "LeadSource", "Industry", "Rating", "Description"],
         _ACTIVITIES),
    View("Account", "Accounts", ["Name", "Website", "Phone", "Industry", "LastModifiedDate"],
         ["Name", "Website"],
         ["Name", "Type", "Industry", "Website", "Phone", "ParentId", "BillingStreet",
          "BillingCity", "BillingPostalCode", "BillingCountry", "Description"],
         [("Contact", "AccountId", "Contacts"), ("Opportunity", "AccountId", "Opportunities"),
          ("Task", "WhatId", "Tasks"), ("Event", "WhatId", "Events")]),
    View("Opportunity", "Opportunities", ["Name", "StageName", "CloseDate", "Amount"],
         ["Name"], ["Name", "AccountId", "StageName", "CloseDate", "Amount", "Probability",
                    "Type", "LeadSource", "NextStep", "Description"],
         [("Task", "WhatId", "Tasks"), ("Event", "WhatId", "Events")], listed=False),
    View("Task", "Tasks",
         ["Subject", "Status", "ActivityDate", "WhoId", "WhatId", "LastModifiedDate"],
         ["Subject", "Description"],
         ["Subject", "Status", "Priority", "ActivityDate", "WhoId", "WhatId", "Description"]),
    View("Event", "Events",
         ["Subject", "StartDateTime", "EndDateTime", "WhoId", "WhatId", "LastModifiedDate"],
         ["Subject", "Description"],
         ["Subject", "StartDateTime", "EndDateTime", "Location", "WhoId", "WhatId",
          "ShowAs", "Description"]),
]}
LISTED = {name: view for name, view in VIEWS.items() if view.listed}
# Fields no form shows: the org keeps them (ids, owner, merges, data.com, bounces, geocodes)
# or derives them (an event's ActivityDate and duration come from its start and end).
_FORM_SKIP = frozenset({
    "id", "ownerid", "isdeleted", "masterrecordid", "jigsaw", "photourl", "emailbouncedreason",
    "emailbounceddate", "isunreadbyowner",
})
_EVENT_DERIVED = frozenset({"activitydatetime", "activitydate", "durationinminutes"})


def shown_in_form(sobject: str, lower: str) -> bool:
    if lower in _FORM_SKIP or lower.endswith(("latitude", "longitude", "geocodeaccuracy")):
        return False
    return not (sobject == "Event" and lower in _EVENT_DERIVED)


def view_of(name: str) -> View | None:
    lowered = name.lower()
    return next((v for v in VIEWS.values() if v.sobject.lower() == lowered), None)
