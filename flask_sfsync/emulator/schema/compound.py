"""Compound address values: the JSON object REST returns for ``MailingAddress`` and its kin.

Object Reference, "Address Compound Fields": an address is read through the API as one value
of type Address (city, country, countryCode, geocodeAccuracy, latitude, longitude, postalCode,
state, stateCode, street) as well as through its parts; it is read-only (written through its
parts). StateCode and CountryCode are null here: state and country picklists are not enabled.
An address whose parts are all null reads as null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_sfsync.emulator.schema.model import FieldDef, ObjectDef

__all__ = ["AddressReader", "address_parts", "address_reader"]

# Part suffix -> key of the compound value, in the (alphabetical) order Salesforce sends.
_KEYS = (("City", "city"), ("Country", "country"), ("CountryCode", "countryCode"),
         ("GeocodeAccuracy", "geocodeAccuracy"), ("Latitude", "latitude"),
         ("Longitude", "longitude"), ("PostalCode", "postalCode"), ("State", "state"),
         ("StateCode", "stateCode"), ("Street", "street"))
AddressReader = Callable[[Callable[[str], Any]], "dict[str, Any] | None"]


def address_parts(obj: ObjectDef, compound: FieldDef) -> list[tuple[str, str | None]]:
    """(JSON key, the part's field name or None when the object has no such part)."""
    prefix = compound.name[: -len("Address")]
    out = []
    for suffix, key in _KEYS:
        part = obj.field(prefix + suffix)
        usable = part is not None and part.compound_field_name == compound.name
        out.append((key, part.name if usable and part is not None else None))
    return out


def address_reader(obj: ObjectDef, compound: FieldDef) -> AddressReader:
    """A function of ``get(field name)`` returning the compound value (or None)."""
    parts = address_parts(obj, compound)

    def read(get: Callable[[str], Any]) -> dict[str, Any] | None:
        value = {key: (get(name) if name is not None else None) for key, name in parts}
        return value if any(v is not None for v in value.values()) else None

    return read
