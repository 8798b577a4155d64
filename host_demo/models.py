"""The demo host's data: teams, users, companies, contacts and their activities.

Every row that a user can see belongs to a team (the integration's tenant); views always filter by
``team_id``. Contacts and companies carry ``created_at``/``updated_at`` in UTC so a sync can tell
what changed, and contacts keep every value on their own row (phones and tags included) so that an
edit always marks the contact row dirty, which is what change tracking on the model listens to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import Model

STAGES: tuple[str, ...] = ("New", "Contacted", "Qualified", "Customer", "Lost")
ACTIVITY_KINDS: tuple[str, ...] = ("task", "call", "email", "meeting", "note")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on every database.

    SQLite drops time zones and PostgreSQL keeps them; storing naive UTC and handing back aware
    UTC gives the same values on both, so comparisons in sync code never mix naive and aware.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: use an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Team(Model):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))

    users: Mapped[list[User]] = relationship(back_populates="team")


class User(Model):
    """A person who logs in; Flask-Login's user protocol is spelled out to keep it typed."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper() or "?"


class Company(TimestampMixin, Model):
    __tablename__ = "company"
    __table_args__ = (Index("ix_company_team_name", "team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    name: Mapped[str] = mapped_column(String(160))
    domain: Mapped[str | None] = mapped_column(String(160))
    industry: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)

    team: Mapped[Team] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="company")


class Contact(TimestampMixin, Model):
    """A person the team works with.

    ``additional_phones`` is a JSON list of ``{"label": ..., "number": ...}``; assign a new list to
    change it (in-place edits of a JSON value are not tracked). ``tags`` is a comma-separated string
    kept normalised by :func:`normalise_tags`, which keeps filtering a portable ``LIKE``.
    """

    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_team_name", "team_id", "last_name", "first_name"),
        Index("ix_contact_team_email", "team_id", "email"),
        Index("ix_contact_team_updated", "team_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    additional_phones: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(20), default="New")
    tags: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str | None] = mapped_column(Text)
    meeting_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team] = relationship()
    owner: Mapped[User | None] = relationship()
    company: Mapped[Company | None] = relationship(back_populates="contacts")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Activity.id.desc()"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @property
    def initials(self) -> str:
        return ((self.first_name[:1] + self.last_name[:1]) or "?").upper()


class Activity(Model):
    """A task, call, email, meeting or note about a contact."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_team_due", "team_id", "done", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20), default="task")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    contact: Mapped[Contact] = relationship(back_populates="activities")
    owner: Mapped[User | None] = relationship()


#: The host's own tables (the integration's live in the same database, named ``sfsync_*``).
HOST_TABLES: tuple[str, ...] = ("team", "user_account", "company", "contact", "activity")


def normalise_tags(raw: str) -> str:
    """``" VIP, partner,,vip "`` -> ``",vip,partner,"``: lower case, unique, wrapped in commas.

    The wrapping commas let ``tags LIKE '%,vip,%'`` find a whole tag on every database.
    """
    seen: list[str] = []
    for part in raw.split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return f",{','.join(seen)}," if seen else ""
