"""The one place that converts field values between JSON/CSV text and Python.

Python values in the store: str, bool, int, float, None, ``datetime.date`` and aware UTC
``datetime.datetime``. JSON and CSV carry datetimes in Salesforce's formats: REST sends
``2024-05-01T10:20:30.000+0000``, Bulk API 2.0 CSV sends ``2024-05-01T10:20:30.000Z``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.schema.model import STRING_TYPES, FieldDef

__all__ = [
    "CSV_NULL",
    "format_date",
    "format_datetime",
    "from_csv",
    "from_json",
    "json_text",
    "json_value",
    "parse_date",
    "parse_datetime",
    "to_csv",
    "to_json",
]

# Bulk API 2.0: an empty cell leaves a field unchanged on update; "#N/A" sets it to null.
CSV_NULL = "#N/A"
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
_TEXT_KINDS = STRING_TYPES | {"id", "reference"}

# The API's JSON out: compact, UTF-8 as is (as Salesforce sends it), no NaN or Infinity.
json_value = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
json_text = json.encoder.encode_basestring  # one str as a JSON string, in C
_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def format_datetime(value: dt.datetime) -> str:
    """REST's datetime format, always UTC with milliseconds: 2024-05-01T10:20:30.000+0000."""
    # isoformat is C and pads the year; strftime costs twice as much on every query page.
    return _as_utc(value).isoformat(timespec="milliseconds")[:-6] + "+0000"


def format_datetime_csv(value: dt.datetime) -> str:
    """Bulk API 2.0's CSV datetime format: 2024-05-01T10:20:30.000Z."""
    return _as_utc(value).isoformat(timespec="milliseconds")[:-6] + "Z"


def format_date(value: dt.date) -> str:
    return value.isoformat()


def _as_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is dt.UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_datetime(text: str) -> dt.datetime | None:
    """ISO 8601 as Salesforce accepts it (Z, +0000 or +00:00, optional fraction), or None."""
    match = _DATETIME_RE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            int(second or 0), micro, tzinfo=dt.UTC)
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value -= sign * offset
    return value


def parse_date(text: str) -> dt.date | None:
    match = _DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- JSON -----------------------------------------------------------------------------------

def to_json(field: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return value


def _parser_error(field: FieldDef, raw: Any, kind: str) -> SalesforceApiError:
    token = ("START_OBJECT" if isinstance(raw, dict)
             else "START_ARRAY" if isinstance(raw, list) else "VALUE_STRING")
    shown = "{" if token == "START_OBJECT" else "[" if token == "START_ARRAY" else raw
    return SalesforceApiError(
        400, "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {shown} "
        "or request may be missing a required field",
    )


def _type_error(field: FieldDef, raw: Any) -> SalesforceApiError:
    return SalesforceApiError(
        400, "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.label}: value not of required type: {raw}", [field.name],
    )


def from_json(field: FieldDef, raw: Any) -> Any:
    """A JSON value for ``field`` as the store's Python value."""
    if raw is None:
        return None
    kind = field.type
    if type(raw) is str and kind in _TEXT_KINDS:
        return raw  # the common case, first
    if isinstance(raw, dict | list):
        if kind == "multipicklist" and isinstance(raw, list):
            return ";".join(str(item) for item in raw)
        raise _parser_error(field, raw, _kind_name(kind))
    if kind in STRING_TYPES or kind in ("id", "reference"):
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise _parser_error(field, raw, "boolean")
    if kind in NUMBER_TYPES:
        return _number(field, raw)
    if kind == "date":
        value = parse_date(raw) if isinstance(raw, str) else None
        if value is None:
            raise _type_error(field, raw)
        return value
    if kind == "datetime":
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise _type_error(field, raw)
        return parsed
    return raw


def _kind_name(kind: str) -> str:
    return {"boolean": "boolean", "int": "int", "double": "double", "currency": "double",
            "percent": "double", "date": "date", "datetime": "datetime"}.get(kind, "String")


def _number(field: FieldDef, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise _parser_error(field, raw, _kind_name(field.type))
    value: float
    if isinstance(raw, int | float):
        value = raw
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise _type_error(field, raw) from None
    else:
        raise _type_error(field, raw)
    if not math.isfinite(value):
        raise _type_error(field, raw)
    if field.type == "int":
        if float(value) != int(value):
            raise _type_error(field, raw)
        return int(value)
    return float(value)


# --- CSV (Bulk API 2.0) ---------------------------------------------------------------------

def to_csv(field: FieldDef, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return format_datetime_csv(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and field.scale == 0 else repr(value)
    return str(value)


def from_csv(field: FieldDef, text: str) -> Any:
    """A CSV cell as a Python value; "" and "#N/A" both mean null here.

    Whether an empty cell should be written at all (it should not, on update and upsert) is
    the caller's decision: Bulk API 2.0 only nulls a field for "#N/A".
    """
    if text == "" or text == CSV_NULL:
        return None
    kind = field.type
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise _type_error(field, text)
    if kind in NUMBER_TYPES:
        return _number(field, text)
    if kind == "date":
        date_value = parse_date(text)
        if date_value is None:
            datetime_value = parse_datetime(text)
            if datetime_value is None:
                raise _type_error(field, text)
            return datetime_value.date()
        return date_value
    if kind == "datetime":
        parsed = parse_datetime(text)
        if parsed is None:
            raise _type_error(field, text)
        return parsed
    return text
