"""The org's users: an admin (the OAuth login), standard users with e-mails, an inactive one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_sfsync.emulator.schema.ids import make_id

__all__ = ["ADMIN_PASSWORD", "User", "default_users", "user_count", "user_record"]

# The local org is a development tool: a fixed, printed password is the point, not a secret.
ADMIN_PASSWORD = "emulator-admin-1"


@dataclass(slots=True)
class User:
    id: str
    username: str
    email: str
    first_name: str
    last_name: str
    password: str
    is_active: bool = True
    is_admin: bool = False
    alias: str = ""
    title: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# (first, last, title, active, admin); the e-mail and username derive from the names.
_PEOPLE = [
    ("Admin", "User", "System Administrator", True, True),
    ("Sofia", "Alvarez", "Account Executive", True, False),
    ("Marcus", "Chen", "Sales Development Rep", True, False),
    ("Priya", "Natarajan", "Sales Manager", True, False),
    ("Jonas", "Weber", "Account Executive", True, False),
    ("Grace", "Okafor", "Former Account Executive", False, False),
]


def default_users(user_ids: list[str], domain: str = "example.com") -> list[User]:
    """The users, given their Ids in order (the store allocates them)."""
    users = []
    for user_id, (first, last, title, active, admin) in zip(user_ids, _PEOPLE, strict=False):
        local = f"{first}.{last}".lower()
        users.append(User(
            id=user_id,
            username=f"{local}@emulator.{domain}",
            email=f"{local}@{domain}",
            first_name=first,
            last_name=last,
            password=ADMIN_PASSWORD if admin else f"{first.lower()}-password-1",
            is_active=active,
            is_admin=admin,
            alias=(first[0] + last[:4]).lower(),
            title=title,
        ))
    return users


def user_count() -> int:
    return len(_PEOPLE)


def user_record(user: User, admin_id: str, created: dt.datetime) -> dict[str, Any]:
    """The User row Salesforce keeps for ``user`` (API names -> values)."""
    return {
        "Username": user.username, "Email": user.email, "FirstName": user.first_name,
        "LastName": user.last_name, "Name": user.name, "Alias": user.alias,
        "CommunityNickname": user.alias, "IsActive": user.is_active, "Title": user.title,
        "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US",
        "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US", "UserType": "Standard",
        # Profiles: 00e...1 System Administrator, 00e...2 Standard User.
        "ProfileId": make_id("00e", 1 if user.is_admin else 2),
        "CreatedDate": created, "LastModifiedDate": created, "SystemModstamp": created,
        "CreatedById": admin_id, "LastModifiedById": admin_id,
    }
