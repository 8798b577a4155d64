"""The login host's browser pages: a small Salesforce UI over the local org.

Anyone can read the record pages (a host app links to them); signing in as one of the org's
users (the OAuth login's users and session) allows changes, each made as that user through the
store's own calls: create, edit, delete and undelete, change owner, convert a lead, merge
duplicates. Every form carries a CSRF token; every value is escaped.

    app.py        PagesApp: routes, sign-in and sign-out
    context.py    one request: who is signed in, rendering with the nav bar
    records.py    lists and detail pages
    actions.py    create, edit, delete, change owner
    convert.py    convert a lead
    merge.py      merge up to three records
    recycle.py    the recycle bin
    forms.py      record forms: inputs from the schema, JSON from what was posted
    views.py      which objects have pages and what their pages show
    sessions.py   the ``sid`` session and CSRF tokens (shared with the OAuth login form)
    render.py     Jinja2 rendering (templates/), how values read on a page
"""

from __future__ import annotations

from flask_sfsync.emulator.pages.app import PagesApp
from flask_sfsync.emulator.pages.render import render
from flask_sfsync.emulator.pages.sessions import Sessions

__all__ = ["PagesApp", "Sessions", "render"]
