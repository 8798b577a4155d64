"""Reading one record over REST: the recycle bin, compound addresses, picklist-value objects.

* A record in the recycle bin answers 404 ``ENTITY_IS_DELETED`` ("entity is deleted"), not
  ``NOT_FOUND``, as Salesforce does for a deleted record's Id (REST API, "Status Codes and
  Error Responses"; the same code PATCH and DELETE of it answer).
* Compound address fields (``MailingAddress`` ...) read as their JSON object built from the
  parts, or null (Object Reference, "Address Compound Fields"); ``?fields=MailingAddress``
  works without naming the parts.
* LeadStatus, OpportunityStage and TaskStatus records are the values of their picklists
  (``schema.statuses``): ``GET /sobjects/LeadStatus/{Id}`` reads one (retrieve()).
* The Organization record is built from the org's settings (``schema.organization``):
  ``GET /sobjects/Organization/{org Id}`` reads it; any other Id is NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.rest.context import ApiContext
from flask_sfsync.emulator.rest.http import not_found
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.schema.compound import address_parts, address_reader
from flask_sfsync.emulator.schema.model import COMPOUND_TYPES, ObjectDef
from flask_sfsync.emulator.schema.organization import ORGANIZATION
from flask_sfsync.emulator.schema.statuses import backing_field, value_rows

__all__ = ["ENTITY_IS_DELETED", "read_record", "require_live", "with_compounds"]

ENTITY_IS_DELETED = "entity is deleted"


def require_live(ctx: ApiContext, record_id: str) -> None:
    """404 ENTITY_IS_DELETED when the record is in the recycle bin."""
    found = ctx.org.locate(record_id)
    if found is not None and found[2]:
        raise SalesforceApiError(404, "ENTITY_IS_DELETED", ENTITY_IS_DELETED)


def read_record(ctx: ApiContext, obj: ObjectDef, record_id: str, fields: list[str] | None,
                base_url: str) -> dict[str, Any]:
    """``GET /sobjects/X/{id}`` (and Collections retrieve): the record as REST JSON."""
    if backing_field(obj.name) is not None:
        rows = value_rows(obj.name, ctx.org.object_info, ctx.org.created_date, ctx.org.admin.id)
        return _built_record(obj, rows, record_id, fields, base_url)
    if obj.name == ORGANIZATION:
        return _built_record(obj, [ctx.org.organization_record()], record_id, fields, base_url)
    require_live(ctx, record_id)
    compounds = _compounds(obj, fields)
    asked = fields
    if fields is not None and compounds:
        parts = [name for c in compounds for _, name in _parts(obj, c) if name]
        asked = list(dict.fromkeys([*fields, *parts]))
    record = ctx.org.get(obj.name, record_id, asked, base_url=base_url, user_id=ctx.user_id)
    return with_compounds(obj, record, fields)


def _compounds(obj: ObjectDef, fields: list[str] | None) -> list[str]:
    compounds = [f.name for f in obj.fields.values() if f.type in COMPOUND_TYPES]
    if fields is None:
        return compounds
    wanted = {name.lower() for name in fields}
    return [name for name in compounds if name.lower() in wanted]


def _parts(obj: ObjectDef, compound: str) -> list[tuple[str, str | None]]:
    fdef = obj.field(compound)
    return address_parts(obj, fdef) if fdef is not None else []


def with_compounds(obj: ObjectDef, record: dict[str, Any],
                   fields: list[str] | None) -> dict[str, Any]:
    """Fill the record's compound fields from its parts; drop parts only they needed."""
    compounds = _compounds(obj, fields)
    if not compounds:
        return record
    lowered = {key.lower(): key for key in record}
    for name in compounds:
        fdef = obj.field(name)
        if fdef is None:
            continue
        read = address_reader(obj, fdef)
        record[lowered.get(name.lower(), fdef.name)] = read(record.get)
    if fields is not None:
        wanted = {name.lower() for name in fields} | {"attributes"}
        record = {k: v for k, v in record.items() if k.lower() in wanted}
    return record


def _built_record(obj: ObjectDef, rows: Iterable[dict[str, Any]], record_id: str,
                  fields: list[str] | None, base_url: str) -> dict[str, Any]:
    """One of the records an object's settings build (schema.catalog.is_built), as REST JSON."""
    for row in rows:
        if row["Id"] == record_id:
            chosen = list(obj.fields.values()) if fields is None else [
                obj.field(name) for name in fields]
            if any(f is None for f in chosen):
                raise SalesforceApiError(400, "INVALID_FIELD",
                                         f"No such column on entity '{obj.name}'")
            out: dict[str, Any] = {"attributes": {
                "type": obj.name, "url": f"{base_url}/sobjects/{obj.name}/{record_id}"}}
            for fdef in chosen:
                assert fdef is not None
                out[fdef.name] = (address_reader(obj, fdef)(row.get)
                                  if fdef.type in COMPOUND_TYPES
                                  else values.to_json(fdef, row.get(fdef.name)))
            return out
    raise not_found()
