"""The org's data: records, users, the data rules that guard writes, and persistence.

Depends on ``schema`` and ``errors``. ``org.Org`` is the entry point; its helpers take what they
need as arguments and never import it.

    org.py          Org: lookups, reads, writes, transactions, save/load
    table.py        one object's records: columns, value indexes, row views, savepoints
    rules.py        Salesforce's rules for one record's values (input checks, derived fields)
    activities.py   Opportunity, Task and Event field rules (stage, status, event times)
    checks.py       write rules that read other records (defaults, uniqueness, duplicates)
    replication.py  /sobjects/X/updated and /deleted windows
    tooling.py      Tooling API custom fields: the field and its CustomField record
    users.py        the org's users
    persist.py      --data FILE: atomic pickle snapshots
    seed.py         starting data: ``empty`` or ``demo``
"""
