"""The pull engine: Salesforce changes -> the host, the other direction of
:mod:`flask_sfsync.sync.push`, Flask-free like the rest of :mod:`flask_sfsync.sync`.

* :mod:`.reader` - what changed since a watermark: queryAll pages in (SystemModstamp, Id)
  order with a lookback, the first page of every object in one Composite call;
* :mod:`.bulk_read` - a large window (first pull, resync) through one Bulk API 2.0 job,
  and :func:`count_since` / :func:`use_bulk` to choose it;
* :mod:`.deletes` - getDeleted windows, and :class:`ReplicationWindowLost` when the
  recycle bin was emptied under us (a full resync is then the only way to see deletions);
* :mod:`.records` - a pulled row as a :class:`PulledRecord`;
* :mod:`.merge` - which pulled values reach the host: a three-way merge per field against
  the value both sides last agreed on (no echo, no older value over a newer one).

The Flask side (:mod:`flask_sfsync.services.pull`) stores the mirror rows and the watermark,
moves links on conversions, merges and deletes, and writes the host through the adapter.
"""

from .bulk_read import DEFAULT_BULK_THRESHOLD, count_since, read_bulk, use_bulk
from .deletes import DeletedWindow, ReplicationWindowLost, deleted_since
from .merge import TWO_WAY, FieldMerge, merge_fields, same
from .reader import (
    PULL_FIELDS,
    Coverage,
    ObjectSpec,
    Page,
    Watermark,
    poll,
    read_since,
    spec_for,
)
from .records import PulledRecord, pulled

__all__ = [
    "DEFAULT_BULK_THRESHOLD",
    "PULL_FIELDS",
    "TWO_WAY",
    "Coverage",
    "DeletedWindow",
    "FieldMerge",
    "ObjectSpec",
    "Page",
    "PulledRecord",
    "ReplicationWindowLost",
    "Watermark",
    "count_since",
    "deleted_since",
    "merge_fields",
    "poll",
    "pulled",
    "read_bulk",
    "read_since",
    "same",
    "spec_for",
    "use_bulk",
]
