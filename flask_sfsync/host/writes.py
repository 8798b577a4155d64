"""The host-write half of the host contract: what a Salesforce -> host pull stores.

:class:`~flask_sfsync.host.ContactAdapter` delegates its write methods here
(:meth:`~flask_sfsync.host.ContactAdapter.update_pulled` and the others);
:class:`CompanyAdapter` finds, creates and renames the host's companies.

Every write is a Core statement on the model's table, never an ORM flush: the extension's
change tracking listens to ORM flushes, so values pulled from Salesforce are not queued to be
pushed back to it (no echo). Core still applies the columns' Python-side ``default=`` (on
insert) and ``onupdate=`` (``updated_at``, on update). Objects of the same rows already in the
session's identity map are not refreshed: expire them when they are used after a pull.

This module imports nothing of the adapter module (the adapter imports it), so the helpers
take the model's table, columns and tenant filter as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import ColumnProperty, Session, scoped_session

__all__ = ["WRITABLE_KEYS", "CompanyAdapter"]

_Session = Session | scoped_session[Any]

#: The HostContact keys a pull may write, when the host keeps them in a plain column.
WRITABLE_KEYS: tuple[str, ...] = ("first_name", "last_name", "email", "phone", "title")

# SQLite's default limit of bound parameters is 999 on old builds: stay under it.
IN_CHUNK = 900
# Database integers (SQLite's INTEGER, PostgreSQL's BIGINT) hold no more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DIGITS = re.compile(r"-?[0-9]+")

_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "phone": "phone",
    "title": "title",
}


def as_type(column: Any, text: str) -> Any:
    """``text`` in the column's Python type (an id or tenant read as a string)."""
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        return text
    if python_type is int and not _DIGITS.fullmatch(text):
        raise ValueError(f"not an integer id: {text!r}")  # int() would take " 1" or "1_0"
    return text if python_type is str else python_type(text)


def as_key(column: Any, text: str) -> tuple[bool, Any]:
    """(True, key) when ``text`` can be a value of the key column, else (False, None): an id
    that is no key of the table (``x'``, a 20-digit number) simply names no row."""
    try:
        key = as_type(column, text)
    except (TypeError, ValueError):
        return False, None
    if isinstance(key, int) and not INT64_MIN <= key <= INT64_MAX:
        return False, None
    return True, key


def plain_column(model: type[Any], name: str) -> sa.Column[Any] | None:
    """The table column behind ``model.name`` when it is a plain one-column attribute of the
    model's own table (what a Core statement on that table can set), else None."""
    if "." in name:
        return None
    prop = sa.inspect(model).attrs.get(name)
    if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
        return None
    column = prop.columns[0]
    table = model.__table__
    if not isinstance(column, sa.Column) or column.table is not table:
        return None
    return column


def attribute_columns(model: type[Any], values: Mapping[str, Any]) -> dict[sa.Column[Any], Any]:
    """``extra=`` (attribute name -> value) keyed by table column; every name must be a plain
    column attribute, or a Core statement could not set it."""
    out: dict[sa.Column[Any], Any] = {}
    for name, value in values.items():
        column = plain_column(model, name)
        if column is None:
            raise ValueError(
                f"{model.__name__}.{name} is not a plain column attribute: extra= can only "
                f"set columns of the model's own table"
            )
        out[column] = value
    return out


def label(key: str, *, capital: bool = False) -> str:
    """How messages name a HostContact key ("last name")."""
    text = _LABELS.get(key, key.replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def value_problems(
    columns: Mapping[str, sa.Column[Any]], values: Mapping[str, Any]
) -> dict[str, str]:
    """Key -> why the host's table would refuse the value (see ContactAdapter.value_problems)."""
    problems: dict[str, str] = {}
    for key, value in values.items():
        column = columns.get(key)
        if column is None:
            problems[key] = f"the host does not store {label(key)} in a column the sync can write"
            continue
        length = getattr(column.type, "length", None)
        if isinstance(value, str) and isinstance(length, int) and len(value) > length:
            problems[key] = (
                f"{label(key, capital=True)} is {len(value)} characters; "
                f"this app keeps at most {length}"
            )
        elif _blank(value) and _required(column):
            problems[key] = f"{label(key, capital=True)} is required here and Salesforce has none"
    return problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(column: sa.Column[Any]) -> bool:
    """NOT NULL with nothing to fill it: no Python-side or server default."""
    return not column.nullable and column.default is None and column.server_default is None


def rowcount(result: sa.Result[Any]) -> int:
    """Rows an UPDATE matched (Session.execute types its result as a plain Result)."""
    return int(cast(sa.CursorResult[Any], result).rowcount)


def blank_for(column: sa.Column[Any], value: Any) -> Any:
    """``value``, or for None in a NOT NULL column its scalar default (``""`` for a first
    name Salesforce leaves empty): the database would refuse the None."""
    default = column.default
    if value is None and not column.nullable and isinstance(default, sa.ColumnDefault) and (
            default.is_scalar):
        return default.arg
    return value


def compare_and_set(
    session: _Session,
    table: sa.Table,
    where: list[sa.ColumnElement[bool]],
    changes: Mapping[sa.Column[Any], tuple[Any, Any]],
    extra: Mapping[sa.Column[Any], Any],
) -> bool:
    """One UPDATE setting each changed column to its new value (and ``extra`` as given) where
    the row still holds every old value: True when it matched one row."""
    values: dict[sa.Column[Any], Any] = {
        column: blank_for(column, new) for column, (_, new) in changes.items()}
    values.update(extra)
    if not values:
        raise ValueError("nothing to update: pass changes or extra")
    guards = [column.is_not_distinct_from(old) for column, (old, _) in changes.items()]
    statement = sa.update(table).where(*where, *guards).values(values)
    return rowcount(session.execute(statement)) == 1


def insert_row(session: _Session, table: sa.Table, values: Mapping[sa.Column[Any], Any]) -> str:
    """One INSERT (Python-side defaults applied); the new primary key as a string."""
    row = {column: blank_for(column, value) for column, value in values.items()}
    result = session.execute(sa.insert(table).values(row))
    key = cast(sa.CursorResult[Any], result).inserted_primary_key
    if key is None or key[0] is None:  # pragma: no cover - every supported database returns it
        raise RuntimeError(f"the database did not return the new {table.name} row's key")
    return str(key[0])


def find_lowered(
    session: _Session,
    pk: sa.Column[Any],
    column: Any,
    where: sa.ColumnElement[bool],
    wanted: Collection[str],
) -> dict[str, list[str]]:
    """Lower-cased value -> ids (primary-key order) of the rows whose ``column``, lower-cased,
    is one of ``wanted`` (lower-cased here; blank values match nothing)."""
    keys = sorted({w.strip().lower() for w in wanted if w and w.strip()})
    found: dict[str, list[str]] = {}
    lowered = sa.func.lower(column)
    for start in range(0, len(keys), IN_CHUNK):
        query = (
            sa.select(pk, lowered)
            .where(where, lowered.in_(keys[start : start + IN_CHUNK]))
            .order_by(pk)
        )
        for host_id, value in session.execute(query):
            found.setdefault(str(value), []).append(str(host_id))
    return found


class CompanyAdapter:
    """The host's Company model, for a pull that links contacts to their Salesforce company.

    A pulled Lead's Company (or a Contact's Account) is matched to a host company by domain,
    then by name, and created when none matches; the contact's :attr:`contact_attribute` is
    then set through ``ContactAdapter.update_pulled(..., extra={...})``. Writes are Core
    statements, as for contacts, so they are not pushed back to Salesforce.

    :param model: the host's Company model (one-column primary key).
    :param tenant: the column naming each company's tenant (default ``"tenant_id"``).
    :param name: the company name column.
    :param domain: the web domain column, or None when the model has none (then nothing is
        matched by domain and :meth:`create` ignores the domain).
    :param contact_attribute: the attribute of the *contact* model holding the company's id
        (default ``"company_id"``), a plain column.

    Pass it as ``SFSync(app, db=db, contact_adapter=..., company_adapter=CompanyAdapter(
    Company, tenant="team_id"))``: the pull then renames, matches and creates companies and
    attaches contacts to them (see ``docs/pull.rst``).
    """

    def __init__(
        self,
        model: type[Any],
        *,
        tenant: str = "tenant_id",
        name: str = "name",
        domain: str | None = "domain",
        contact_attribute: str = "company_id",
    ) -> None:
        self.model = model
        mapper = sa.inspect(model)
        if len(mapper.primary_key) != 1:
            raise TypeError(f"{model.__name__} needs a single-column primary key")
        self._pk: sa.Column[Any] = mapper.primary_key[0]
        self._tenant = self._plain(tenant, "tenant")
        self._name = self._plain(name, "name")
        self._domain = None if domain is None else self._plain(domain, "domain")
        #: The contact model's attribute holding the company's id (for ``extra=``).
        self.contact_attribute = contact_attribute

    def _plain(self, attribute: str, param: str) -> sa.Column[Any]:
        column = plain_column(self.model, attribute)
        if column is None:
            raise TypeError(
                f"{param}={attribute!r}: {self.model.__name__} has no plain column attribute "
                f"{attribute!r} (pass the name of one{', or None' if param == 'domain' else ''})"
            )
        return column

    @property
    def table(self) -> sa.Table:
        """The model's table, which every statement of this adapter reads or writes."""
        return cast(sa.Table, self.model.__table__)

    def _tenant_filter(self, tenant_id: str) -> sa.ColumnElement[bool]:
        clause: sa.ColumnElement[bool] = self._tenant == as_type(self._tenant, tenant_id)
        return clause

    def find_by_domains(
        self, session: _Session, tenant_id: str, domains: Collection[str]
    ) -> dict[str, str]:
        """Lower-cased domain -> id of the tenant's company with that domain (the first by
        primary key when several share it). Empty when the model has no domain column."""
        if self._domain is None:
            return {}
        found = find_lowered(
            session, self._pk, self._domain, self._tenant_filter(tenant_id), domains
        )
        return {value: ids[0] for value, ids in found.items()}

    def find_by_names(
        self, session: _Session, tenant_id: str, names: Collection[str]
    ) -> dict[str, str]:
        """Lower-cased name -> id of the tenant's company of that name, case-insensitively
        (the first by primary key when several share it)."""
        found = find_lowered(session, self._pk, self._name, self._tenant_filter(tenant_id), names)
        return {value: ids[0] for value, ids in found.items()}

    def create(self, session: _Session, tenant_id: str, name: str, domain: str | None) -> str:
        """A new company of the tenant (Core INSERT, column defaults applied); its id."""
        values: dict[sa.Column[Any], Any] = {
            self._tenant: as_type(self._tenant, tenant_id),
            self._name: name,
        }
        if self._domain is not None:
            values[self._domain] = domain
        return insert_row(session, self.table, values)

    def key(self, host_id: str) -> Any:
        """A company id (as the sync keeps it, a string) in the primary key's own type: what
        the contact's :attr:`contact_attribute` column stores."""
        return as_type(self._pk, host_id)

    def names_of(
        self, session: _Session, tenant_id: str, host_ids: Collection[str]
    ) -> dict[str, str]:
        """Id -> name of the tenant's companies among ``host_ids`` (a company that is gone,
        another tenant's, or an id that is no key of the table is left out)."""
        keys = self._keys(host_ids)
        found: dict[str, str] = {}
        for start in range(0, len(keys), IN_CHUNK):
            query = sa.select(self._pk, self._name).where(
                self._tenant_filter(tenant_id), self._pk.in_(keys[start : start + IN_CHUNK]))
            found.update((str(pk), str(name or "")) for pk, name in session.execute(query))
        return found

    def contact_problem(self, contact_model: type[Any]) -> str | None:
        """Why :attr:`contact_attribute` cannot hold a company's id on ``contact_model``
        (None: it can)."""
        if plain_column(contact_model, self.contact_attribute) is None:
            return (
                f"contact_attribute={self.contact_attribute!r}: {contact_model.__name__} has "
                f"no plain column attribute {self.contact_attribute!r} holding its company's id"
            )
        return None

    def of_contacts(
        self, session: _Session, tenant_id: str, contact_model: type[Any],
        contact_ids: Collection[str],
    ) -> dict[str, str]:
        """Contact id -> id of its company, for the contacts among ``contact_ids`` that have
        one of the tenant's companies (joined on the company's tenant: a contact pointing at
        another tenant's company has none here)."""
        pk, column = self._contact_columns(contact_model)
        keys = _keys_of(pk, contact_ids)
        found: dict[str, str] = {}
        for start in range(0, len(keys), IN_CHUNK):
            query = (
                sa.select(pk, column)
                .join(self.table, self._pk == column)
                .where(self._tenant_filter(tenant_id), pk.in_(keys[start : start + IN_CHUNK]))
            )
            found.update((str(c), str(company)) for c, company in session.execute(query))
        return found

    def contacts_of(
        self, session: _Session, tenant_id: str, contact_model: type[Any],
        company_ids: Collection[str],
    ) -> dict[str, list[str]]:
        """Company id -> ids of its contacts (primary-key order), for the tenant's companies
        among ``company_ids``: whose pushed values a rename changes."""
        pk, column = self._contact_columns(contact_model)
        keys = self._keys(company_ids)
        found: dict[str, list[str]] = {}
        for start in range(0, len(keys), IN_CHUNK):
            query = (
                sa.select(column, pk)
                .join(self.table, self._pk == column)
                .where(self._tenant_filter(tenant_id), column.in_(keys[start : start + IN_CHUNK]))
                .order_by(pk)
            )
            for company, contact in session.execute(query):
                found.setdefault(str(company), []).append(str(contact))
        return found

    def _contact_columns(self, contact_model: type[Any]) -> tuple[sa.Column[Any], sa.Column[Any]]:
        problem = self.contact_problem(contact_model)
        if problem:
            raise TypeError(problem)
        column = plain_column(contact_model, self.contact_attribute)
        assert column is not None
        mapper = sa.inspect(contact_model)
        return mapper.primary_key[0], column

    def _keys(self, host_ids: Collection[str]) -> list[Any]:
        return _keys_of(self._pk, host_ids)

    def rename(
        self, session: _Session, tenant_id: str, host_id: str, old: str | None, new: str
    ) -> bool:
        """Set the company's name to ``new`` if it is still ``old`` (compare-and-set): False
        when someone renamed it meanwhile, or it is gone or another tenant's."""
        ok, key = as_key(self._pk, host_id)
        if not ok:
            return False
        where = [self._pk == key, self._tenant_filter(tenant_id)]
        return compare_and_set(session, self.table, where, {self._name: (old, new)}, {})

    def __repr__(self) -> str:
        return f"<CompanyAdapter {self.model.__name__}>"


def _keys_of(column: sa.Column[Any], ids: Collection[str]) -> list[Any]:
    """The values among ``ids`` that can be keys of ``column`` (others name no row)."""
    keys = []
    for text in sorted(set(ids)):
        ok, key = as_key(column, text)
        if ok:
            keys.append(key)
    return keys
