"""Who may see and do what: profiles with object and field permissions, as Salesforce keeps them.

Every user has one profile. A new org has Salesforce's two standard ones, "System Administrator"
(the admin) and "Standard User" (everyone else), both with full access to the data objects;
tests narrow them (or profiles of their own) with :meth:`Access.set_object_access` and
:meth:`Access.set_field_access`. What a profile allows shows up where Salesforce shows it:

* an object without Read is absent: describe global omits it, ``/sobjects/X`` answers
  NOT_FOUND and SOQL ``FROM X`` INVALID_TYPE; a write without Create, Edit or Delete answers
  INSUFFICIENT_ACCESS_OR_READONLY (:meth:`Access.require`);
* a hidden field is absent from the user's view of the object (:meth:`Access.view`): describe
  omits it, queries and ``?fields=`` naming it fail with INVALID_FIELD "No such column", a
  record read leaves it out, a write naming it fails with INVALID_FIELD;
* a read-only field is in the view with ``createable`` and ``updateable`` false, so the rule
  code the store already runs (``rules.coerce_input``) refuses a write to it with
  INVALID_FIELD_FOR_INSERT_UPDATE.

Views are built once per (profile, object) and rebuilt when either changes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.ids import make_id
from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = [
    "FIELD_LEVELS",
    "STANDARD_USER",
    "SYSTEM_ADMINISTRATOR",
    "Access",
    "FieldLevel",
    "ObjectAccess",
    "Operation",
    "Profile",
]

SYSTEM_ADMINISTRATOR = "System Administrator"
STANDARD_USER = "Standard User"
FieldLevel = Literal["edit", "read_only", "hidden"]
FIELD_LEVELS: tuple[FieldLevel, ...] = ("edit", "read_only", "hidden")
Operation = Literal["read", "create", "edit", "delete"]
_NO_ACCESS = "insufficient access rights on object id"
# Salesforce keeps these visible and writable whatever the profile says.
_ALWAYS_VISIBLE = frozenset({"id", "name", "isdeleted", "ownerid"})


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """A profile's object permissions (Salesforce's Read, Create, Edit, Delete)."""

    read: bool = True
    create: bool = True
    edit: bool = True
    delete: bool = True

    def allows(self, operation: Operation) -> bool:
        return bool(getattr(self, operation))


_FULL = ObjectAccess()


@dataclass(slots=True)
class Profile:
    """One profile: object permissions and field levels by object name (missing = full)."""

    id: str
    name: str
    objects: dict[str, ObjectAccess] = field(default_factory=dict)
    fields: dict[str, dict[str, FieldLevel]] = field(default_factory=dict)  # object -> lower
    version: int = 0  # bumped on every change: views built before it are stale

    def object_access(self, sobject: str) -> ObjectAccess:
        return self.objects.get(sobject, _FULL)

    def field_level(self, sobject: str, field_name: str) -> FieldLevel:
        return self.fields.get(sobject, {}).get(field_name.lower(), "edit")

    def restricts(self, sobject: str) -> bool:
        return sobject in self.objects or bool(self.fields.get(sobject))

    def restricts_any(self) -> bool:
        return bool(self.objects) or any(self.fields.values())

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "name": self.name,
            "objects": {name: dataclasses.asdict(perm) for name, perm in self.objects.items()},
            "fields": {f"{obj}.{name}": level for obj, levels in self.fields.items()
                       for name, level in levels.items()},
        }


class Access:
    """The org's profiles, which user has which, and each profile's view of each object."""

    def __init__(self, admin_id: str) -> None:
        self.profiles: dict[str, Profile] = {
            SYSTEM_ADMINISTRATOR: Profile(make_id("00e", 1), SYSTEM_ADMINISTRATOR),
            STANDARD_USER: Profile(make_id("00e", 2), STANDARD_USER),
        }
        self.assigned: dict[str, str] = {}  # user id -> profile name; others: defaults below
        self.admin_id = admin_id
        self._views: dict[tuple[str, str], tuple[int, dict[str, FieldDef], ObjectDef]] = {}

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_views"] = {}  # rebuilt on demand
        return state

    # --- profiles and assignments ------------------------------------------------------
    def profile(self, name: str) -> Profile:
        found = self.profiles.get(name)
        if found is None:
            raise KeyError(f"no profile {name!r}")
        return found

    def profile_of(self, user_id: str) -> Profile:
        name = self.assigned.get(user_id)
        if name is None:
            name = SYSTEM_ADMINISTRATOR if user_id == self.admin_id else STANDARD_USER
        return self.profiles[name]

    def add_profile(self, name: str, based_on: str = STANDARD_USER) -> Profile:
        """A new profile, a copy of ``based_on`` (as Salesforce's Clone)."""
        if name in self.profiles:
            raise ValueError(f"profile {name!r} exists")
        base = self.profile(based_on)
        profile = Profile(make_id("00e", len(self.profiles) + 1), name, dict(base.objects),
                          {obj: dict(levels) for obj, levels in base.fields.items()})
        self.profiles[name] = profile
        return profile

    def assign(self, user_id: str, profile_name: str) -> Profile:
        profile = self.profile(profile_name)
        self.assigned[user_id] = profile.name
        return profile

    def set_object_access(self, profile_name: str, obj: ObjectDef, **permissions: bool) -> None:
        """Change some of read/create/edit/delete; Salesforce's implications are kept
        (no create, edit or delete without read; no delete without edit)."""
        profile = self.profile(profile_name)
        current = dataclasses.asdict(profile.object_access(obj.name))
        unknown = set(permissions) - set(current)
        if unknown:
            raise ValueError(f"unknown object permissions: {', '.join(sorted(unknown))}")
        current.update({k: bool(v) for k, v in permissions.items()})
        if not current["read"]:
            current.update(create=False, edit=False, delete=False)
        if not current["edit"]:
            current["delete"] = False
        access = ObjectAccess(**current)
        if access == _FULL:
            profile.objects.pop(obj.name, None)
        else:
            profile.objects[obj.name] = access
        profile.version += 1

    def set_field_access(self, profile_name: str, obj: ObjectDef, field_name: str,
                         level: str) -> None:
        """``edit``, ``read_only`` or ``hidden`` for one field of one object."""
        profile = self.profile(profile_name)
        fdef = obj.field(field_name)
        if fdef is None:
            raise ValueError(f"no field {field_name!r} on {obj.name}")
        if level not in FIELD_LEVELS:
            raise ValueError(f"field access is one of {', '.join(FIELD_LEVELS)}, not {level!r}")
        if level != "edit" and (fdef.lower in _ALWAYS_VISIBLE or fdef.required_on_create):
            # Salesforce offers no field-level security on required and identity fields.
            raise ValueError(f"{obj.name}.{fdef.name} is required and cannot be restricted")
        levels = profile.fields.setdefault(obj.name, {})
        if level == "edit":
            levels.pop(fdef.lower, None)
        else:
            levels[fdef.lower] = level
        profile.version += 1

    # --- checks and views -----------------------------------------------------------------
    def can(self, user_id: str, sobject: str, operation: Operation) -> bool:
        return self.profile_of(user_id).object_access(sobject).allows(operation)

    def require(self, user_id: str, obj: ObjectDef, operation: Operation) -> None:
        """Salesforce's answer when the user's profile does not allow ``operation``."""
        access = self.profile_of(user_id).object_access(obj.name)
        if not access.read:
            raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if not access.allows(operation):
            raise SalesforceApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY", _NO_ACCESS)

    def view(self, obj: ObjectDef, user_id: str) -> ObjectDef | None:
        """The object as the user sees it; None when the user may not read it at all."""
        profile = self.profile_of(user_id)
        if not profile.restricts(obj.name):
            return obj
        key = (profile.name, obj.name)
        cached = self._views.get(key)
        if cached is not None and cached[0] == profile.version and cached[1] is obj.fields:
            return cached[2]
        access = profile.object_access(obj.name)
        if not access.read:
            return None
        view = _restricted(obj, profile, access)
        self._views[key] = (profile.version, obj.fields, view)
        return view


def _restricted(obj: ObjectDef, profile: Profile, access: ObjectAccess) -> ObjectDef:
    levels = profile.fields.get(obj.name, {})
    fields: dict[str, FieldDef] = {}
    for lower, fdef in obj.fields.items():
        level = levels.get(lower, "edit")
        if level == "hidden":
            continue
        fields[lower] = fdef if level == "edit" else dataclasses.replace(
            fdef, createable=False, updateable=False)
    return dataclasses.replace(
        obj, fields=fields, createable=obj.createable and access.create,
        updateable=obj.updateable and access.edit, deletable=obj.deletable and access.delete)
