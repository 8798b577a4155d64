"""Salesforce record Ids: 15-character case-sensitive bodies with the 3-character case-safe suffix.

An Id is a 3-character key prefix (which object), 12 more characters, and a suffix that encodes
which of the first 15 characters are upper case, so that the 18-character form survives
case-insensitive tools. We generate Ids as prefix + "8d" (pod) + "0" + a 9-digit base-62
sequence number.
"""

from __future__ import annotations

import string

from flask_sfsync.emulator.errors import SalesforceApiError

__all__ = [
    "KEY_PREFIXES",
    "checksum",
    "is_id",
    "make_id",
    "normalize_id",
    "try_normalize_id",
]

KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "Organization": "00D",
    "CustomField": "00N",
}

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_CHARS = frozenset(string.ascii_letters + string.digits)
_POD = "8d0"
_PAIRS = [a + b for a in _BASE62 for b in _BASE62]  # "00" .. "zz", 62 * 62 of them


_UPPER_AS_ONE = str.maketrans({c: "1" if c in string.ascii_uppercase else "0"
                               for c in string.ascii_letters + string.digits})


def checksum(id15: str) -> str:
    """The 3-character suffix: one character per 5-character chunk, bit i = char i is A-Z."""
    # translate() maps each char to a bit in C; reversing a chunk makes char i bit i.
    bits = id15.translate(_UPPER_AS_ONE)
    return (_SUFFIX_ALPHABET[int(bits[4::-1], 2)] + _SUFFIX_ALPHABET[int(bits[9:4:-1], 2)]
            + _SUFFIX_ALPHABET[int(bits[14:9:-1], 2)])


def make_id(prefix: str, sequence: int) -> str:
    # Two base-62 digits per lookup: ids are made on every insert, a write's hot path.
    q, r1 = divmod(sequence, 3844)
    q, r2 = divmod(q, 3844)
    q, r3 = divmod(q, 3844)
    q, r4 = divmod(q, 3844)
    id15 = (prefix + _POD + _BASE62[q % 62] + _PAIRS[r4] + _PAIRS[r3] + _PAIRS[r2]
            + _PAIRS[r1])
    return id15 + checksum(id15)


def _restore_case(body: str, suffix: str) -> str | None:
    """Rebuild the case of a 15-char body from an 18-char suffix (ids may arrive lower-cased)."""
    chars = list(body)
    for chunk, code in enumerate(suffix.upper()):
        bits = _SUFFIX_ALPHABET.find(code)
        if bits < 0:
            return None
        for i in range(5):
            pos = chunk * 5 + i
            ch = chars[pos]
            if ch.isalpha():
                chars[pos] = ch.upper() if bits & (1 << i) else ch.lower()
            elif bits & (1 << i):
                return None
    return "".join(chars)


def try_normalize_id(value: object) -> str | None:
    """The 18-character form of a 15- or 18-character Id, or None when it is not a valid Id."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not _ID_CHARS.issuperset(value):
        return None
    if len(value) == 15:
        return value + checksum(value)
    body, suffix = value[:15], value[15:]
    if checksum(body) == suffix:
        return value
    fixed = _restore_case(body, suffix)
    if fixed is None or checksum(fixed) != suffix.upper():
        return None
    return fixed + suffix.upper()


def is_id(value: object) -> bool:
    return try_normalize_id(value) is not None


def normalize_id(value: object, label: str = "Id") -> str:
    """Like try_normalize_id, but raises MALFORMED_ID in Salesforce's wording."""
    normalized = try_normalize_id(value)
    if normalized is None:
        raise SalesforceApiError(
            400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [label]
        )
    return normalized
