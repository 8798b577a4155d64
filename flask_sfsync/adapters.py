"""The host contract: how the extension reads the host's contacts.

A host describes its Contact model once and hands it over::

    from flask_sfsync.adapters import ContactAdapter
    from flask_sfsync.sync_service import init_push

    contacts = ContactAdapter(
        Contact,
        tenant="team_id",                      # column (or callable) naming the tenant
        fields={                               # HostContact key -> attribute or callable
            "company": lambda c: c.company.name if c.company else None,
            "owner_email": lambda c: c.owner.email if c.owner else None,
        },
        stages=STAGES,                         # offered by the settings page's stage filter
        url_endpoint="contacts.show",          # link from the error log to the contact
        watch={Company: lambda company: company.contacts},
    )
    init_push(app, contacts)                   # after sfsync.init_app(app, db=db)

Keys not named in ``fields`` are read from the attribute of the same name when the model has
one (``first_name``, ``last_name``, ``email``, ``phone``, ``title``, ``stage``, ``notes``,
``tags``, ``additional_phones``, ``meeting_date``). A host with unusual storage subclasses
:class:`ContactAdapter` and overrides :meth:`~ContactAdapter.to_sync` or
:meth:`~ContactAdapter.load`.

``watch`` names other models whose changes change what a contact pushes (a company's name is
the Lead's Company): each maps to a function returning the contacts affected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import url_for

from .sync.mapping import HostContact
from .sync_models import SessionLike

__all__ = ["HOST_CONTACT_KEYS", "ContactAdapter"]

HOST_CONTACT_KEYS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "stage",
    "owner_email",
    "meeting_date",
    "notes",
    "tags",
    "additional_phones",
)

Getter = Callable[[Any], Any]
# Keys of extra fields in a HostContact: they cannot collide with the standard keys.
EXTRA_PREFIX = "extra:"
# SQLite's default limit of bound parameters is 999 on old builds: stay under it.
_IN_CHUNK = 900


class ContactAdapter:
    """Reads one host model as :class:`~flask_sfsync.sync.mapping.HostContact` dicts."""

    def __init__(
        self,
        model: type[Any],
        *,
        tenant: str | Getter = "tenant_id",
        fields: Mapping[str, str | Getter] | None = None,
        stages: Sequence[str] = (),
        stage_map: Mapping[str, str] | None = None,
        url_endpoint: str | None = None,
        url_arg: str = "contact_id",
        label: Getter | None = None,
        watch: Mapping[type[Any], Callable[[Any], Iterable[Any]]] | None = None,
        extra_fields: Mapping[str, str | Getter] | None = None,
        load_options: Sequence[Any] = (),
    ) -> None:
        self.model = model
        self._tenant = tenant
        self._getters = self._build_getters(fields or {})
        self.stages = tuple(stages)
        #: host stage -> Lead Status (a stage not listed leaves Status to Salesforce).
        self.stage_map = dict(stage_map or {})
        self.url_endpoint = url_endpoint
        self.url_arg = url_arg
        self._label = label
        self.watch = dict(watch or {})
        #: Loader options for every query, e.g. ``[selectinload(Contact.company)]`` so that
        #: reading ``company.name`` of 10,000 contacts is not 10,000 queries.
        self.load_options = tuple(load_options)
        #: Salesforce field (API name, on Lead and Contact) -> host attribute or callable:
        #: host data with no default mapping, e.g. ``{"Region__c": "region"}``.
        self._extra = {
            name: (source if callable(source) else _attribute(source))
            for name, source in (extra_fields or {}).items()
        }
        mapper = sa.inspect(model)
        if len(mapper.primary_key) != 1:
            raise TypeError(f"{model.__name__} needs a single-column primary key")
        self._pk: sa.Column[Any] = mapper.primary_key[0]

    def _build_getters(self, fields: Mapping[str, str | Getter]) -> dict[str, Getter]:
        unknown = set(fields) - set(HOST_CONTACT_KEYS)
        if unknown:
            raise ValueError(f"unknown contact keys {sorted(unknown)}; use {HOST_CONTACT_KEYS}")
        getters: dict[str, Getter] = {}
        for key in HOST_CONTACT_KEYS:
            source = fields.get(key, key if hasattr(self.model, key) else None)
            if source is None:
                continue
            getters[key] = source if callable(source) else _attribute(source)
        return getters

    # -- one contact --------------------------------------------------------------------------

    def host_id(self, contact: Any) -> str:
        return str(getattr(contact, self._pk.key))

    def tenant_of(self, contact: Any) -> str | None:
        value = self._tenant(contact) if callable(self._tenant) else getattr(contact, self._tenant)
        return None if value is None else str(value)

    def to_sync(self, contact: Any) -> HostContact:
        """The values the sync core maps to Salesforce fields."""
        out: dict[str, Any] = {"id": self.host_id(contact)}
        # Absent and None map the same way; leaving Nones out keeps a 100,000-contact push small.
        for key, getter in self._getters.items():
            value = getter(contact)
            if value is not None:
                out[key] = value
        for name, getter in self._extra.items():
            value = getter(contact)
            if value is not None:
                out[EXTRA_PREFIX + name] = value
        return out  # type: ignore[return-value]

    @property
    def field_map(self) -> dict[str, dict[str, str]]:
        """The sync core's ``field_map`` for :attr:`extra_fields` (the same on both objects)."""
        extra = {EXTRA_PREFIX + name: name for name in self._extra}
        return {"Lead": dict(extra), "Contact": dict(extra)} if extra else {}

    def label(self, contact: Any) -> str:
        if self._label is not None:
            return str(self._label(contact))
        keys = [k for k in ("first_name", "last_name") if k in self._getters]
        names = [self._getters[k](contact) for k in keys]
        text = " ".join(str(n) for n in names if n)
        return text or f"#{self.host_id(contact)}"

    def url(self, host_id: str) -> str | None:
        """Where the host shows this contact (None: no link)."""
        if self.url_endpoint is None:
            return None
        return url_for(self.url_endpoint, **{self.url_arg: self._coerce(host_id)})

    # -- many contacts ------------------------------------------------------------------------

    def _tenant_filter(self, tenant_id: str) -> sa.ColumnElement[bool]:
        if callable(self._tenant):
            raise TypeError(
                "a callable tenant= cannot filter queries: override _tenant_filter as well"
            )
        column: Any = getattr(self.model, self._tenant)
        # Compared in the column's own type, so the host's index on it is used.
        return bool_clause(column == _as_type(column, tenant_id))

    def _coerce(self, host_id: str) -> Any:
        return _as_type(self._pk, host_id)

    def load(self, session: SessionLike, tenant_id: str, host_ids: Sequence[str]) -> list[Any]:
        """This tenant's contacts among ``host_ids`` (missing or foreign ones are left out)."""
        found: list[Any] = []
        keys = [self._coerce(h) for h in host_ids]
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            query = (
                sa.select(self.model)
                .where(self._tenant_filter(tenant_id), self._pk.in_(chunk))
                .options(*self.load_options)
            )
            found.extend(session.scalars(query))
        return found

    def page(
        self, session: SessionLike, tenant_id: str, after: str | None, limit: int
    ) -> list[Any]:
        """The tenant's contacts in primary-key order after ``after``: a full sync resumes
        where a dead worker left off."""
        query = sa.select(self.model).where(self._tenant_filter(tenant_id))
        query = query.options(*self.load_options)
        if after is not None:
            query = query.where(self._pk > self._coerce(after))
        return list(session.scalars(query.order_by(self._pk).limit(limit)))

    def count(self, session: SessionLike, tenant_id: str) -> int:
        query = sa.select(sa.func.count()).select_from(self.model)
        return int(session.scalar(query.where(self._tenant_filter(tenant_id))) or 0)

    def __repr__(self) -> str:
        return f"<ContactAdapter {self.model.__name__}>"


def _as_type(column: Any, text: str) -> Any:
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        return text
    return text if python_type is str else python_type(text)


def bool_clause(clause: Any) -> sa.ColumnElement[bool]:
    return clause  # type: ignore[no-any-return]


def _attribute(path: str) -> Getter:
    """``"company.name"`` -> a getter following the dots, None on a missing link."""
    parts = path.split(".")

    def get(obj: Any) -> Any:
        for part in parts:
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj

    return get
