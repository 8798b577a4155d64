"""Demo data: two teams, their users, and a realistic book of companies, contacts and activities.

Deterministic (a fixed random seed), so screenshots and tests see the same data every time. The
data has the rough edges of a real CRM on purpose: contacts without email, the same person entered
twice (same email, or same name), people without a company.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import seed_data as data
from .models import STAGES, Activity, Company, Contact, Team, User, normalise_tags, utcnow

#: The logins printed by the demo.
DEMO_USERS: tuple[tuple[int, str, str, str], ...] = (
    # (team index, email, password, name)
    (0, "demo@example.com", "demo", "Dana Whitfield"),
    (0, "sam@example.com", "demo", "Sam Okoro"),
    (0, "jordan@example.com", "demo", "Jordan Reyes"),
    (1, "other@example.com", "other", "Olivia Chen"),
)
TEAM_NAMES = ("Northwind Sales", "Harbor Ventures")
STAGE_WEIGHTS = (30, 25, 20, 15, 10)


@dataclass(frozen=True)
class SeedSummary:
    teams: int
    users: int
    companies: int
    contacts: int
    activities: int


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Team))


def ascii_slug(text: str) -> str:
    """``"Fernández"`` -> ``"fernandez"``; ``"O'Brien"`` -> ``"obrien"`` (for email addresses)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class Seeder:
    def __init__(self, session: Session, rng_seed: int) -> None:
        self.session = session
        self.rng = random.Random(rng_seed)
        self.now = utcnow().replace(second=0, microsecond=0)

    def past(self, max_days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(0, max_days))

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A moment in [start, end], most often near the start (old records are rarely edited)."""
        return start + (end - start) * self.rng.random() ** 2

    def phone(self, country: str) -> str:
        code = data.CALLING_CODES.get(country, "+1")
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(7))
        area = self.rng.randint(200, 989)
        if code == "+1":
            return f"+1 ({area}) 555-{digits[:4]}"
        return f"{code} {area} {digits[:3]} {digits[3:7]}"

    def teams_and_users(self) -> tuple[list[Team], list[list[User]]]:
        teams = [Team(name=name) for name in TEAM_NAMES]
        members: list[list[User]] = [[] for _ in teams]
        for index, email, password, name in DEMO_USERS:
            user = User(team=teams[index], email=email, name=name)
            user.set_password(password)
            members[index].append(user)
        self.session.add_all(teams)
        return teams, members

    def companies(self, team: Team, rows: tuple[tuple[str, str, str, str, str, str], ...]
                  ) -> list[Company]:
        companies = []
        for name, domain, industry, size, city, country in rows:
            created = self.past(400)
            companies.append(Company(
                team=team, name=name, domain=domain, industry=industry, size=size, city=city,
                country=country, phone=self.phone(country), created_at=created,
                updated_at=self.between(created, self.now),
            ))
        self.session.add_all(companies)
        return companies

    def contact(self, team: Team, owners: list[User], companies: list[Company]) -> Contact:
        rng = self.rng
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        company = rng.choice(companies) if rng.random() < 0.88 else None
        country = company.country if company and company.country else "United States"
        created = self.past(300)
        contact = Contact(
            team=team, owner=rng.choice(owners), company=company, first_name=first,
            last_name=last, email=self.email(first, last, company),
            phone=self.phone(country) if rng.random() < 0.85 else None,
            additional_phones=self.extra_phones(country),
            title=rng.choice(data.TITLES) if rng.random() < 0.9 else None,
            stage=rng.choices(STAGES, weights=STAGE_WEIGHTS)[0],
            tags=normalise_tags(",".join(rng.sample(data.TAGS, rng.choice((0, 0, 1, 1, 2, 3))))),
            notes=rng.choice(data.NOTES) if rng.random() < 0.45 else None,
            meeting_at=self.meeting(),
            created_at=created,
            updated_at=self.between(created, self.now),
        )
        return contact

    def email(self, first: str, last: str, company: Company | None) -> str | None:
        if self.rng.random() < 0.08:
            return None  # a business card without an email: it happens
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        if company is None or company.domain is None:
            return f"{local}{self.rng.randint(1, 99)}@{self.rng.choice(data.PERSONAL_DOMAINS)}"
        return f"{local}@{company.domain}"

    def extra_phones(self, country: str) -> list[dict[str, str]]:
        if self.rng.random() >= 0.25:
            return []
        labels = self.rng.sample(("Mobile", "Office", "Home", "Assistant"), self.rng.choice((1, 2)))
        return [{"label": label, "number": self.phone(country)} for label in labels]

    def meeting(self) -> dt.datetime | None:
        if self.rng.random() >= 0.18:
            return None
        day = self.now + dt.timedelta(days=self.rng.randint(-10, 21))
        return day.replace(hour=self.rng.choice((9, 10, 11, 14, 15, 16)), minute=0)

    def duplicates(self, originals: list[Contact]) -> list[Contact]:
        """The same people entered twice: six by the same email, five by the same name."""
        copies = []
        with_email = [c for c in originals if c.email]
        for original in self.rng.sample(with_email, 6):
            copies.append(self.copy_of(original, email=original.email))
        for original in self.rng.sample(originals, 5):
            copies.append(self.copy_of(original, email=None if self.rng.random() < 0.4 else
                                       f"{ascii_slug(original.first_name)}"
                                       f"{self.rng.randint(1, 99)}@gmail.com"))
        return copies

    def copy_of(self, original: Contact, email: str | None) -> Contact:
        created = self.past(60)
        return Contact(
            team=original.team, owner=original.owner, company=original.company,
            first_name=original.first_name, last_name=original.last_name, email=email,
            phone=original.phone if self.rng.random() < 0.5 else None, additional_phones=[],
            title=original.title, stage="New", tags=normalise_tags("import"),
            notes="Imported from the events spreadsheet.", created_at=created,
            updated_at=created,
        )

    def activities(self, contact: Contact, owners: list[User]) -> list[Activity]:
        rows = []
        for _ in range(self.rng.choice((0, 0, 1, 1, 2, 3, 4))):
            kind, subject = self.rng.choice(data.ACTIVITY_SUBJECTS)
            when = self.past(90)
            activity = Activity(
                team=contact.team, contact=contact, owner=self.rng.choice(owners), kind=kind,
                subject=subject, created_at=when, updated_at=when,
            )
            if kind == "task":
                activity.due_at = self.now + dt.timedelta(days=self.rng.randint(-7, 21),
                                                          hours=self.rng.randint(0, 8))
                activity.done = self.rng.random() < 0.35
            else:
                activity.occurred_at = when
                activity.done = True
                activity.body = self.rng.choice(data.NOTES) if self.rng.random() < 0.5 else None
            rows.append(activity)
        return rows


def seed(session: Session, *, contacts: int = 240, rng_seed: int = 7) -> SeedSummary:
    """Fill an empty database; the first team gets ``contacts`` contacts plus duplicates."""
    seeder = Seeder(session, rng_seed)
    teams, members = seeder.teams_and_users()
    counts = [contacts, 18]
    company_split = (data.COMPANIES[:-6], data.COMPANIES[-6:])
    totals = SeedSummary(len(teams), sum(map(len, members)), 0, 0, 0)
    for team, owners, rows, count in zip(teams, members, company_split, counts, strict=True):
        companies = seeder.companies(team, rows)
        people = [seeder.contact(team, owners, companies) for _ in range(count)]
        if team is teams[0]:
            people += seeder.duplicates(people)
        session.add_all(people)
        activities = [a for person in people for a in seeder.activities(person, owners)]
        session.add_all(activities)
        totals = SeedSummary(
            totals.teams, totals.users, totals.companies + len(companies),
            totals.contacts + len(people), totals.activities + len(activities),
        )
    session.commit()
    return totals
