"""Starting data for a local org: ``empty`` (users only) or ``demo`` (a small sales org).

The demo set is deterministic (a fixed random seed) so that screenshots, docs and tests agree:
30 accounts, 120 contacts, 60 leads of which 12 share an e-mail with a contact (and 3 with
another lead), 20 opportunities, 40 tasks and 15 events, owned by the active users.

Each seed also names the org (its Organization record, Setup > Company Information): "Local
Org" for ``empty``; for ``demo`` the sales team's company, "Example Inc." (its users' e-mails
are @example.com, its phones San Francisco's), an Enterprise Edition org.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from flask_sfsync.emulator.schema.common import INDUSTRIES, LEAD_SOURCES
from flask_sfsync.emulator.schema.organization import (
    DEFAULT_ORG_NAME,
    ENTERPRISE_EDITION,
    Company,
)
from flask_sfsync.emulator.schema.sales import LEAD_STATUSES, RATINGS, STAGES

if TYPE_CHECKING:
    from flask_sfsync.emulator.store.org import Org

__all__ = ["DEFAULT_ORG_NAMES", "SEEDS", "seed", "seed_demo"]

SEEDS = ("empty", "demo")
# The org's name (Organization.Name) each seed gives a new org unless told otherwise.
DEFAULT_ORG_NAMES = {"empty": DEFAULT_ORG_NAME, "demo": "Example Inc."}

_FIRST = ["Ada", "Ben", "Carla", "Dev", "Elena", "Farid", "Gina", "Hugo", "Ines", "Jamal",
          "Kira", "Luis", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara",
          "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe", "Aiko", "Bruno", "Chloe", "Diego"]
_LAST = ["Anders", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes",
         "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Olsen", "Patel",
         "Quigley", "Rossi", "Schmidt", "Tanaka", "Uddin", "Varga", "Walsh", "Xu", "Young",
         "Zimmer"]
_COMPANY_A = ["Blue", "North", "Bright", "Iron", "Silver", "Green", "Rapid", "Summit", "Harbor",
              "Cedar", "Atlas", "Nova", "Pioneer", "Vertex", "Golden"]
_COMPANY_B = ["Logistics", "Analytics", "Foods", "Robotics", "Health", "Energy", "Media",
              "Systems", "Textiles", "Labs", "Capital", "Motors"]
_CITIES = [("San Francisco", "CA", "US"), ("Austin", "TX", "US"), ("New York", "NY", "US"),
           ("Chicago", "IL", "US"), ("London", None, "UK"), ("Berlin", None, "DE"),
           ("Paris", None, "FR"), ("Toronto", "ON", "CA")]
_TITLES = ["CEO", "CTO", "VP Sales", "Head of Operations", "Marketing Manager", "Engineer",
           "Procurement Lead", "Office Manager", "CFO", "Product Manager"]


def seed(org: Org, name: str = "empty") -> None:
    """Fill ``org`` with the named data set; "empty" leaves only the users."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; choose one of {', '.join(SEEDS)}")
    if name == "demo":
        org.company = Company(
            name=DEFAULT_ORG_NAMES["demo"], edition=ENTERPRISE_EDITION,
            sandbox=org.company.sandbox, primary_contact=org.admin.name,
            phone="+1 415 555 0100", city="San Francisco", state="CA", postal_code="94105",
            country="US")
        _Demo(org).run()


class _Demo:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.rng = random.Random(20240501)
        self.owners = [u.id for u in org.users if u.is_active]
        self.today = org.clock().date()

    def create(self, sobject: str, fields: dict[str, Any]) -> str:
        record = {k: v for k, v in fields.items() if v is not None}
        record.setdefault("OwnerId", self.rng.choice(self.owners))
        return self.org.create(sobject, record, self.org.admin.id, allow_duplicates=True)

    def run(self) -> None:
        accounts = [self.account(i) for i in range(30)]
        contacts = [self.contact(i, self.rng.choice(accounts)) for i in range(120)]
        contact_emails = [self.org.get("Contact", c, ["Email"])["Email"] for c in contacts]
        leads = [self.lead(i, contact_emails) for i in range(60)]
        opportunities = [self.opportunity(i, self.rng.choice(accounts)) for i in range(20)]
        for i in range(40):
            self.task(i, self.rng.choice(contacts + leads), self.rng.choice(opportunities))
        for i in range(15):
            self.event(i, self.rng.choice(contacts), self.rng.choice(accounts))

    def _person(self, i: int) -> tuple[str, str]:
        return _FIRST[i % len(_FIRST)], _LAST[(i * 7 + i // len(_FIRST)) % len(_LAST)]

    def _phone(self) -> str:
        return f"+1 415 555 {self.rng.randint(1000, 9999)}"

    def account(self, i: int) -> str:
        name = f"{_COMPANY_A[i % len(_COMPANY_A)]} {_COMPANY_B[(i * 5) % len(_COMPANY_B)]}"
        city, state, country = self.rng.choice(_CITIES)
        return self.create("Account", {
            "Name": name if i < 15 else f"{name} {['Inc.', 'GmbH', 'Ltd'][i % 3]}",
            "Industry": self.rng.choice(INDUSTRIES), "Type": "Customer - Direct" if i % 3 else
            "Prospect", "Phone": self._phone(), "BillingCity": city, "BillingState": state,
            "BillingCountry": country, "NumberOfEmployees": self.rng.randint(5, 5000),
            "Website": f"https://www.{name.lower().replace(' ', '')}.example.com",
            "AnnualRevenue": float(self.rng.randint(1, 500) * 100_000),
        })

    def contact(self, i: int, account_id: str) -> str:
        first, last = self._person(i)
        city, state, country = self.rng.choice(_CITIES)
        return self.create("Contact", {
            "FirstName": first, "LastName": last, "AccountId": account_id,
            "Email": f"{first}.{last}{i}@example.com".lower(), "Title": self.rng.choice(_TITLES),
            "Phone": self._phone(), "MailingCity": city, "MailingState": state,
            "MailingCountry": country, "LeadSource": self.rng.choice(LEAD_SOURCES),
            "Department": self.rng.choice(["Sales", "Engineering", "Finance", "Operations"]),
        })

    def lead(self, i: int, contact_emails: list[str]) -> str:
        first, last = self._person(i + 200)
        if i < 12:    # the same person already exists as a contact
            email = contact_emails[i * 9]
        elif i < 15:  # and a few leads entered twice
            email = f"dup.lead{i - 12}@example.org"
        elif i < 18:
            email = f"dup.lead{i - 15}@example.org"
        else:
            email = f"{first}.{last}.{i}@example.net".lower()
        return self.create("Lead", {
            "FirstName": first, "LastName": last, "Email": email,
            "Company": f"{_COMPANY_A[(i * 3) % len(_COMPANY_A)]} {_COMPANY_B[i % len(_COMPANY_B)]}",
            "Status": LEAD_STATUSES[i % 2], "Rating": self.rng.choice(RATINGS),
            "LeadSource": self.rng.choice(LEAD_SOURCES), "Industry": self.rng.choice(INDUSTRIES),
            "Phone": self._phone(), "Title": self.rng.choice(_TITLES),
        })

    def opportunity(self, i: int, account_id: str) -> str:
        return self.create("Opportunity", {
            "Name": f"Deal {i + 1}", "AccountId": account_id, "StageName": STAGES[i % len(STAGES)],
            "CloseDate": (self.today + dt.timedelta(days=self.rng.randint(-30, 90))).isoformat(),
            "Amount": float(self.rng.randint(5, 200) * 1000),
        })

    def task(self, i: int, who_id: str, what_id: str) -> None:
        self.create("Task", {
            "Subject": ["Call", "Send Quote", "Send Letter", "Other"][i % 4],
            "WhoId": who_id, "WhatId": what_id if who_id.startswith("003") else None,
            "Status": "Completed" if i % 3 == 0 else "Not Started",
            "Priority": "High" if i % 5 == 0 else "Normal",
            "ActivityDate": (self.today + dt.timedelta(days=i - 20)).isoformat(),
        })

    def event(self, i: int, who_id: str, what_id: str) -> None:
        start = dt.datetime.combine(self.today + dt.timedelta(days=i - 5), dt.time(15, 0),
                                    tzinfo=dt.UTC)
        self.create("Event", {
            "Subject": "Meeting", "WhoId": who_id, "WhatId": what_id,
            "StartDateTime": start.isoformat(), "DurationInMinutes": 30 + 15 * (i % 3),
            "Location": self.rng.choice(["Zoom", "Office", "Customer site"]),
        })


def seed_demo(org: Org) -> None:
    """Shorthand for ``seed(org, "demo")``."""
    seed(org, "demo")
