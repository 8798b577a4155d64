"""The field mapping, one for every direction: push maps host records to Salesforce fields
with it; pull and enrichment read the same rules the other way.

* :mod:`.rules` — which host field goes to which Salesforce field (defaults, per-connection
  changes), and what a mapping reads from a connection's settings;
* :mod:`.mapper` — a host record -> Lead or Contact fields, rules compiled once per object;
* :mod:`.fingerprint` — a stable hash of what would be sent, so an unchanged record is not
  sent again (``from flask_sfsync.sync.mapping.fingerprint import fingerprint``: not
  re-exported here, where the function would hide the module of the same name).
"""

from .mapper import Mapper, compile_mapping, map_contact
from .rules import CONTACT_RULES, LEAD_RULES, FieldRule, MappingSettings, is_empty, rules_for

__all__ = [
    "CONTACT_RULES",
    "LEAD_RULES",
    "FieldRule",
    "Mapper",
    "MappingSettings",
    "compile_mapping",
    "is_empty",
    "map_contact",
    "rules_for",
]
