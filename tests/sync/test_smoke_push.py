from __future__ import annotations

from flask_sfsync.emulator.handle import LocalOrg
from flask_sfsync.salesforce.api import SalesforceApi
from flask_sfsync.salesforce.describe import DescribeCache
from flask_sfsync.salesforce.owners import OwnerDirectory
from flask_sfsync.sync.links import MemoryLinkStore
from flask_sfsync.sync.push import push
from flask_sfsync.sync.settings import PushSettings


def test_push_leads(org: LocalOrg, ready_api: SalesforceApi, describe: DescribeCache) -> None:
    contacts = [
        {"id": str(i), "first_name": "Ada", "last_name": f"L{i}", "email": f"a{i}@x.test",
         "company": "Acme"}
        for i in range(5)
    ]
    store = MemoryLinkStore()
    report = push(ready_api, contacts, PushSettings(lead_source="Demo"), store,
                  describe=describe, owners=OwnerDirectory())
    print(report.counts, report.api_calls)
    print(report.outcomes)
    assert report.counts["pushed"] == 5
