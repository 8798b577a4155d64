"""The pull engine: Salesforce changes -> the host, the other direction of
:mod:`flask_sfsync.sync.push`, Flask-free like the rest of :mod:`flask_sfsync.sync`.

* :mod:`.reader` - what changed since a watermark: queryAll pages in (SystemModstamp, Id)
  order with a lookback, the first page of every object in one Composite call;
* :mod:`.records` - a pulled row as a :class:`PulledRecord`;
* :mod:`.merge` - which pulled values reach the host: a three-way merge per field against
  the value both sides last agreed on (no echo, no older value over a newer one).

The Flask side (:mod:`flask_sfsync.services.pull`) stores the mirror rows and the watermark,
moves links on conversions, merges and deletes, and writes the host through the adapter.
"""

from .merge import TWO_WAY, FieldMerge, merge_fields, same
from .reader import PULL_FIELDS, ObjectSpec, Page, Watermark, poll, read_since, spec_for
from .records import PulledRecord, pulled

__all__ = [
    "PULL_FIELDS",
    "TWO_WAY",
    "FieldMerge",
    "ObjectSpec",
    "Page",
    "PulledRecord",
    "Watermark",
    "merge_fields",
    "poll",
    "pulled",
    "read_since",
    "same",
    "spec_for",
]
