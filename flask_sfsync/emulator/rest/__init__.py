"""The instance host's data APIs: every path under ``/services/data/``.

Depends on ``soql``, ``schema``, ``errors`` and, for types, ``store`` (handlers get the Org in
their ``ApiContext``); the instance pipeline (``hosts.instance``) authenticates and counts a
call, then hands it to ``routes.dispatch``.

    routes.py        routing table, API versions, dispatch
    context.py       ApiContext: what a handler gets besides the request
    http.py          JSON in and out, request-level errors
    sobjects.py      describe, record CRUD, upsert by external ID, updated/deleted, limits
    records.py       reading one record: recycle bin, compound addresses, status objects
    metadata.py      If-Modified-Since / If-Unmodified-Since on describe
    query.py         query / queryAll with server-side cursors
    collections.py   /composite/sobjects
    composite.py     /composite
    bulk2.py         Bulk API 2.0 /jobs/ingest and /jobs/query
    bulk2_jobs.py    Bulk API 2.0 job records and their JobInfo JSON
    bulk2_ingest.py  applying an uploaded CSV to the org
    csvio.py         Bulk API 2.0 CSV in and out
    tooling.py       /tooling/...
"""
