"""The host contract: how the extension reads the host's contacts.

A host describes its Contact model once and hands it over::

    from flask_sfsync import SFSync
    from flask_sfsync.host import ContactAdapter

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
    SFSync(app, db=db, contact_adapter=contacts)

Keys not named in ``fields`` are read from the attribute of the same name when the model has
one (``first_name``, ``last_name``, ``email``, ``phone``, ``title``, ``stage``, ``notes``,
``tags``, ``additional_phones``, ``meeting_date``). A host with unusual storage subclasses
:class:`ContactAdapter` and overrides :meth:`~ContactAdapter.to_sync` or
:meth:`~ContactAdapter.load`.

``watch`` names other models whose changes change what a contact pushes (a company's name is
the Lead's Company): each maps to a function returning the contacts affected.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, url_for
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, Session, aliased, scoped_session
from sqlalchemy.orm.interfaces import MANYTOONE

from ..sync import HostContact
from . import writes
from .writes import IN_CHUNK as _IN_CHUNK  # shared with the writes, as are the id helpers
from .writes import INT64_MAX as _INT64_MAX
from .writes import INT64_MIN as _INT64_MIN
from .writes import as_type as _as_type

__all__ = ["HOST_CONTACT_KEYS", "ContactAdapter", "SessionLike"]

#: A plain Session or Flask-SQLAlchemy's scoped ``db.session``: what the host contract reads
#: the host's rows with.
SessionLike = Session | scoped_session[Any]

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


class ContactAdapter:
    """Reads one host model as :class:`~flask_sfsync.sync.records.HostContact` dicts.

    :param model: the host's Contact model (a Flask-SQLAlchemy model with a one-column
        primary key; any key type: ids are stored as strings).
    :param tenant: the column naming each contact's tenant (default ``"tenant_id"``), or a
        callable ``contact -> tenant``. Its values are compared, as strings, with what the
        tenant loader returns (``str(current_user.team_id)``, say), and queries filter on the
        column in its own type, so its index is used; a callable cannot filter queries
        (override ``_tenant_filter`` too).
    :param fields: HostContact key -> attribute path (``"company.name"``) or callable, for keys
        whose attribute has another name; the keys are :data:`HOST_CONTACT_KEYS`. A key not
        given is read from the attribute of its own name when the model has one.
    :param stages: the host's stages, offered by the settings page's stage filter.
    :param stage_map: host stage -> Lead ``Status``. The values must be Lead Status values of
        the org (a new org's: "Open - Not Contacted", "Working - Contacted",
        "Closed - Converted", "Closed - Not Converted"; Setup > Lead Status Values lists an
        org's own); a stage not listed leaves Status to Salesforce's default.
    :param url_endpoint: the view that shows one contact (``"contacts.show"``): the pages link
        to it. ``init_app`` checks that it is a route and that its URL takes ``url_arg``.
    :param url_arg: the name of that route's contact id argument (default ``"contact_id"``).
    :param label: a callable naming a contact on our pages (default: first and last name).
    :param watch: other models whose change changes what a contact pushes, each mapped to a
        callable returning the contacts affected (``{Company: lambda c: c.contacts}``).
    :param extra_fields: Salesforce field (API name, on Lead and Contact) -> attribute or
        callable: host data with no default mapping (``{"Region__c": "region"}``).
    :param load_options: loader options for every query (``[selectinload(Contact.company)]``).
    """

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
        # HostContact key -> where it comes from: a dotted attribute path, or a callable.
        self._sources: dict[str, str | Getter] = {}
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
        for name, source in (extra_fields or {}).items():
            self._sources[EXTRA_PREFIX + name] = source
        self._rows: _RowReader | bool | None = False  # False: not built yet
        mapper = sa.inspect(model)
        if len(mapper.primary_key) != 1:
            raise TypeError(f"{model.__name__} needs a single-column primary key")
        self._pk: sa.Column[Any] = mapper.primary_key[0]
        self._writes: dict[str, sa.Column[Any]] | None = None  # writable key -> column

    def _build_getters(self, fields: Mapping[str, str | Getter]) -> dict[str, Getter]:
        unknown = set(fields) - set(HOST_CONTACT_KEYS)
        if unknown:
            raise ValueError(f"unknown contact keys {sorted(unknown)}; use {HOST_CONTACT_KEYS}")
        getters: dict[str, Getter] = {}
        for key in HOST_CONTACT_KEYS:
            source = fields.get(key, key if hasattr(self.model, key) else None)
            if source is None:
                continue
            self._sources[key] = source
            getters[key] = source if callable(source) else _attribute(source)
        return getters

    # -- one contact --------------------------------------------------------------------------

    def host_id(self, contact: Any) -> str:
        """The contact's primary key, as a string (how the extension stores host ids)."""
        return str(getattr(contact, self._pk.key))

    def tenant_of(self, contact: Any) -> str | None:
        """The tenant the contact belongs to (``tenant=``), as a string."""
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
        """How the pages name the contact (``label=``, else first and last name)."""
        if self._label is not None:
            return str(self._label(contact))
        keys = [k for k in ("first_name", "last_name") if k in self._getters]
        names = [self._getters[k](contact) for k in keys]
        text = " ".join(str(n) for n in names if n)
        return text or f"#{self.host_id(contact)}"

    @property
    def mapped_keys(self) -> frozenset[str]:
        """The HostContact keys this adapter reads (standard ones only, not ``extra_fields``)."""
        return frozenset(self._getters)

    def problems(self, app: Flask) -> list[str]:
        """What in this adapter does not fit ``app``, each with its fix (empty: all fits).

        Attribute paths must exist on the model (and a dotted one on the related model); the
        ``url_endpoint`` must be a route of ``app`` whose URL has ``url_arg``. An endpoint not
        registered yet is not a problem here: :meth:`endpoint_problem` checks it later.
        """
        found = [p for p in map(self._path_problem, self._sources.items()) if p]
        endpoint = self.endpoint_problem(app)
        if endpoint and self.url_endpoint in app.view_functions:
            found.append(endpoint)
        return found

    def endpoint_problem(self, app: Flask) -> str | None:
        """Why ``url_endpoint`` cannot link to a contact in ``app`` (None: it can)."""
        if self.url_endpoint is None:
            return None
        rules = list(app.url_map.iter_rules(self.url_endpoint)) if (
            self.url_endpoint in app.view_functions
        ) else []
        if not rules:
            return (
                f"url_endpoint={self.url_endpoint!r} is not a route of the app: name the "
                f"view that shows one contact, or leave url_endpoint out"
            )
        if not any(self.url_arg in rule.arguments for rule in rules):
            arguments = sorted({a for rule in rules for a in rule.arguments})
            return (
                f"the route {self.url_endpoint!r} takes {arguments or 'no arguments'}, not "
                f"url_arg={self.url_arg!r}: pass url_arg= the name of its contact id argument"
            )
        return None

    def _path_problem(self, item: tuple[str, str | Getter]) -> str | None:
        key, source = item
        if callable(source):
            return None
        mapper = sa.inspect(self.model)
        head, _, rest = source.partition(".")
        if not hasattr(self.model, head):
            return (
                f"{key!r} reads {source!r}, but {self.model.__name__} has no attribute "
                f"{head!r}: map {key!r} to an attribute or a callable in fields="
            )
        rel = mapper.relationships.get(head)
        if rest and rel is not None and not hasattr(rel.mapper.class_, rest.split(".")[0]):
            return (
                f"{key!r} reads {source!r}, but {rel.mapper.class_.__name__} has no attribute "
                f"{rest.split('.')[0]!r}"
            )
        return None

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

    def _keys(self, host_ids: Sequence[str]) -> list[Any]:
        """The primary keys among ``host_ids``: one that is no key of this model (``x'``,
        ``1.5``, a 20-digit number for an integer key) is simply not a contact."""
        keys = []
        for host_id in host_ids:
            try:
                key = self._coerce(host_id)
            except (TypeError, ValueError):
                continue
            if isinstance(key, int) and not _INT64_MIN <= key <= _INT64_MAX:
                continue
            keys.append(key)
        return keys

    def load(self, session: SessionLike, tenant_id: str, host_ids: Sequence[str]) -> list[Any]:
        """This tenant's contacts among ``host_ids`` (missing or foreign ones are left out)."""
        found: list[Any] = []
        keys = self._keys(host_ids)
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

    def sync_pages(
        self,
        session: SessionLike,
        tenant_id: str,
        after: str | None,
        limit: int,
        batch: int = 2000,
    ) -> Iterator[list[HostContact]]:
        """:meth:`page` as :meth:`to_sync` gives them, ``batch`` at a time (``limit`` in all).

        When every value is a column of the model or of a many-to-one related model (the
        usual case: ``"company.name"``), the rows are read with one joined Core query per
        batch and no ORM object is built (a full sync reads every contact: objects, their
        identity map entries and their related objects cost more than the push itself).
        Otherwise (callables, properties, a subclass overriding :meth:`to_sync`) the batch
        is loaded as objects and converted; nothing keeps them, so they go with the batch.
        """
        reader = self._row_reader()
        done = 0
        while done < limit:
            size = min(batch, limit - done)
            if reader is not None:
                query = reader.query.where(self._tenant_filter(tenant_id))
                if after is not None:
                    query = query.where(self._pk > self._coerce(after))
                rows = session.execute(query.order_by(self._pk).limit(size)).all()
                contacts = [reader.convert(row) for row in rows]
            else:
                contacts = [self.to_sync(c) for c in self.page(session, tenant_id, after, size)]
            if not contacts:
                return
            done += len(contacts)
            after = str(contacts[-1]["id"])
            yield contacts
            if len(contacts) < size:
                return

    def load_sync(
        self, session: SessionLike, tenant_id: str, host_ids: Sequence[str]
    ) -> list[HostContact]:
        """:meth:`load` as :meth:`to_sync` gives them (Core rows when possible, as in
        :meth:`sync_pages`)."""
        reader = self._row_reader()
        if reader is None:
            return [self.to_sync(c) for c in self.load(session, tenant_id, host_ids)]
        found: list[HostContact] = []
        keys = self._keys(host_ids)
        for start in range(0, len(keys), _IN_CHUNK):
            query = reader.query.where(
                self._tenant_filter(tenant_id), self._pk.in_(keys[start : start + _IN_CHUNK])
            )
            found.extend(reader.convert(row) for row in session.execute(query))
        return found

    def _row_reader(self) -> _RowReader | None:
        if self._rows is False:
            self._rows = _RowReader.build(self) if self._plain() else None
        assert self._rows is not True
        return self._rows

    def _plain(self) -> bool:
        """Whether to_sync/load/page are ours (a subclass may read contacts its own way)."""
        cls = type(self)
        return all(
            getattr(cls, name) is getattr(ContactAdapter, name)
            for name in ("to_sync", "load", "page", "host_id", "_tenant_filter")
        ) and not callable(self._tenant)

    def count(self, session: SessionLike, tenant_id: str) -> int:
        """How many contacts the tenant has (a full sync's total)."""
        query = sa.select(sa.func.count()).select_from(self.model)
        return int(session.scalar(query.where(self._tenant_filter(tenant_id))) or 0)

    # -- writes: what a Salesforce -> host pull stores -----------------------------------------

    @property
    def writable_keys(self) -> frozenset[str]:
        """The HostContact keys a pull may write: those of ``first_name``, ``last_name``,
        ``email``, ``phone`` and ``title`` read from a plain one-column attribute of the model.

        A callable or a dotted path (``"company.name"``) says how to read a value, not where
        to store one, so the pull leaves such keys to the host.
        """
        return frozenset(self._write_columns())

    def _write_columns(self) -> dict[str, sa.Column[Any]]:
        """Writable key -> its table column (built on first use: the mapper is configured)."""
        if self._writes is None:
            found: dict[str, sa.Column[Any]] = {}
            for key in writes.WRITABLE_KEYS:
                source = self._sources.get(key)
                column = None if source is None or callable(source) else (
                    writes.plain_column(self.model, source)
                )
                if column is not None:
                    found[key] = column
            self._writes = found
        return self._writes

    def value_problems(self, values: Mapping[str, Any]) -> dict[str, str]:
        """Key -> why the host would refuse this value, in plain words; empty: all fit.

        Checked before a pull writes, so that a value the host's table cannot hold becomes a
        message on the error log ("Title is 300 characters; this app keeps at most 128",
        "Last name is required here and Salesforce has none") instead of a failed statement
        that rolls back a whole batch. A key that is not :attr:`writable_keys` is a problem
        too. Values are checked as given (an empty string is blank, not converted).
        """
        return writes.value_problems(self._write_columns(), values)

    def update_pulled(
        self,
        session: SessionLike,
        tenant_id: str,
        host_id: str,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> bool:
        """Store values pulled from Salesforce in one contact, if it did not change meanwhile.

        ``changes`` is writable key -> (the value the caller read, the value to store);
        ``extra`` is model attribute -> value, set unconditionally (``{"company_id": 5}``).
        One Core ``UPDATE ... WHERE pk = host_id AND <tenant> AND col IS NOT DISTINCT FROM
        old`` for every changed key: a host user's edit between the read and this write wins
        (False is returned and nothing changes; the pull reads again later). False too when
        the contact is gone or another tenant's. True: one row updated.

        Core on purpose: no ORM flush happens, so the extension's change tracking does not
        queue the pulled values to be pushed back to Salesforce. Column ``onupdate=``
        defaults (``updated_at``) still apply. The caller commits; objects of this row already
        in the session are not refreshed.
        """
        columns = self._write_columns()
        unknown = sorted(set(changes) - set(columns))
        if unknown:
            raise ValueError(f"not writable keys {unknown}; writable: {sorted(columns)}")
        ok, key = writes.as_key(self._pk, host_id)
        if not ok:
            return False
        where = [self._pk == key, self._tenant_filter(tenant_id)]
        return writes.compare_and_set(
            session,
            self.model.__table__,
            where,
            {columns[k]: pair for k, pair in changes.items()},
            writes.attribute_columns(self.model, extra or {}),
        )

    def create_pulled(
        self,
        session: SessionLike,
        tenant_id: str,
        values: Mapping[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A new contact of the tenant holding values pulled from Salesforce; its id.

        ``values`` is writable key -> value, ``extra`` model attribute -> value. One Core
        INSERT: the tenant column is set from ``tenant_id`` in its own type, Python-side
        column defaults apply, and no ORM flush happens, so the new contact is not queued to
        be pushed back (the pull links it to its Salesforce record itself). A callable
        ``tenant=`` names no column to set: TypeError.
        """
        if callable(self._tenant):
            raise TypeError("a callable tenant= names no column: create_pulled cannot set it")
        tenant = writes.plain_column(self.model, self._tenant)
        if tenant is None:
            raise TypeError(f"tenant={self._tenant!r} is not a plain column of the model")
        columns = self._write_columns()
        unknown = sorted(set(values) - set(columns))
        if unknown:
            raise ValueError(f"not writable keys {unknown}; writable: {sorted(columns)}")
        row: dict[sa.Column[Any], Any] = {columns[k]: v for k, v in values.items()}
        row.update(writes.attribute_columns(self.model, extra or {}))
        row[tenant] = _as_type(tenant, tenant_id)
        return writes.insert_row(session, self.model.__table__, row)

    def delete_pulled(self, session: SessionLike, tenant_id: str, host_id: str) -> bool:
        """Delete one contact of the tenant whose Salesforce record was deleted (the setting
        "a record deleted in Salesforce: delete the contact"). True: deleted.

        One Core ``DELETE ... WHERE pk = host_id AND <tenant>`` in a savepoint: no ORM flush,
        so the delete is not queued to be pushed back (the record is gone already). False
        when the contact is gone or another tenant's, and when a row of the host refers to it
        (a foreign key of the model's metadata: its activities, notes, deals): the contact
        stays, rather than leaving those rows pointing at nothing (SQLite enforces no foreign
        key unless asked) or failing the pull (PostgreSQL does). ORM-only cascades
        (``relationship(cascade="all, delete-orphan")``) do not run: a host that wants its
        contact's rows deleted with it overrides this method. The caller commits.
        """
        ok, key = writes.as_key(self._pk, host_id)
        if not ok or self._referenced(session, key):
            return False
        statement = sa.delete(self.model.__table__).where(
            self._pk == key, self._tenant_filter(tenant_id)
        )
        try:
            with session.begin_nested():
                return writes.rowcount(session.execute(statement)) == 1
        except sa.exc.IntegrityError:
            return False

    def _referenced(self, session: SessionLike, key: Any) -> bool:
        """Whether a row of the host's metadata refers to this contact (by a foreign key)."""
        for other in self.model.metadata.sorted_tables:
            for fk in other.foreign_keys:
                if fk.column is self._pk:
                    query = sa.select(sa.literal(1)).where(fk.parent == key).limit(1)
                    if session.scalar(query) is not None:
                        return True
        return False

    def existing_ids(
        self, session: SessionLike, tenant_id: str, host_ids: Collection[str]
    ) -> set[str]:
        """Those of ``host_ids`` that are contacts of the tenant now (gone ones and other
        tenants' are left out): one Core query per chunk, no object loaded."""
        found: set[str] = set()
        keys = self._keys(sorted(set(host_ids)))
        for start in range(0, len(keys), _IN_CHUNK):
            query = sa.select(self._pk).where(
                self._tenant_filter(tenant_id), self._pk.in_(keys[start : start + _IN_CHUNK])
            )
            found.update(str(key) for key in session.scalars(query))
        return found

    def foreign_ids(
        self, session: SessionLike, tenant_id: str, host_ids: Collection[str]
    ) -> set[str]:
        """Those of ``host_ids`` that are contacts of another tenant: what a tenant's call
        must refuse rather than treat as gone."""
        found: set[str] = set()
        keys = self._keys(sorted(set(host_ids)))
        for start in range(0, len(keys), _IN_CHUNK):
            query = sa.select(self._pk).where(
                sa.not_(self._tenant_filter(tenant_id)),
                self._pk.in_(keys[start : start + _IN_CHUNK]),
            )
            found.update(str(key) for key in session.scalars(query))
        return found

    def find_by_emails(
        self, session: SessionLike, tenant_id: str, emails: Collection[str]
    ) -> dict[str, list[str]]:
        """Lower-cased email -> ids of the tenant's contacts with that email, compared
        case-insensitively (``Ada@X.io`` is ``ada@x.io``): how a pulled record finds the host
        contact it is, when no link says so yet. Blank emails match nothing.

        Needs ``email`` in :attr:`writable_keys` (a plain column the query can compare):
        TypeError otherwise.
        """
        column = self._write_columns().get("email")
        if column is None:
            raise TypeError(
                f"{self.model.__name__} keeps email in no plain column (it is read with a "
                f"callable, a dotted path, or not at all): find_by_emails cannot query it"
            )
        return writes.find_lowered(
            session, self._pk, column, self._tenant_filter(tenant_id), emails
        )

    def __repr__(self) -> str:
        return f"<ContactAdapter {self.model.__name__}>"


class _RowReader:
    """One Core SELECT for the contact's values: columns of the model and of its many-to-one
    relationships (outer-joined, one alias each)."""

    def __init__(self, query: sa.Select[Any], keys: list[str]) -> None:
        self.query = query
        self.keys = keys  # HostContact key of each column after the primary key

    @classmethod
    def build(cls, adapter: ContactAdapter) -> _RowReader | None:
        model = adapter.model
        mapper = sa.inspect(model)
        columns: list[Any] = [adapter._pk]
        keys: list[str] = []
        joins: dict[str, Any] = {}  # relationship name -> alias
        for key, source in adapter._sources.items():
            if callable(source):
                return None
            parts = source.split(".")
            if len(parts) == 1:
                column = _column(mapper, model, parts[0])
            elif len(parts) == 2:
                rel = mapper.relationships.get(parts[0])
                if not isinstance(rel, RelationshipProperty) or rel.direction is not MANYTOONE:
                    return None
                alias = joins.get(parts[0])
                if alias is None:
                    alias = joins[parts[0]] = aliased(rel.mapper.class_)
                column = _column(rel.mapper, alias, parts[1])
            else:
                return None
            if column is None:
                return None
            columns.append(column)
            keys.append(key)
        query = sa.select(*columns)
        for name, alias in joins.items():
            query = query.outerjoin(alias, getattr(model, name).of_type(alias))
        return cls(query, keys)

    def convert(self, row: Sequence[Any]) -> HostContact:
        out: dict[str, Any] = {"id": str(row[0])}
        for key, value in zip(self.keys, row[1:], strict=True):
            if value is not None:
                out[key] = value
        return out  # type: ignore[return-value]


def _column(mapper: Any, entity: Any, name: str) -> Any:
    """``entity.name`` when it is a plain column attribute, else None."""
    prop = mapper.attrs.get(name)
    if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
        return None
    return getattr(entity, name)


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
