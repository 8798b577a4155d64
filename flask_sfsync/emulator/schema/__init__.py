"""The data model: objects, fields and their describe JSON, record Ids, field values.

Depends on nothing in the emulator but ``errors``.

    model.py      FieldDef, ObjectDef, PicklistValue and the field builders; describe JSON
    common.py     field groups shared by standard objects (Id, audit fields, owner, address)
    sales.py      Contact, Lead, Account, Opportunity
    activity.py   Task, Event
    user.py       User, and the Tooling API's CustomField object
    statuses.py   LeadStatus, OpportunityStage, TaskStatus: records of their picklists' values
    organization.py  Organization: the one record describing the org (name, edition, sandbox)
    catalog.py    the standard objects of a new org and their child relationships
    compound.py   compound address values (MailingAddress ...) from their parts
    custom.py     Tooling API CustomField bodies -> FieldDef
    ids.py        Salesforce record Ids and key prefixes
    values.py     field values between JSON/CSV text and Python
"""
