"""``ContactAdapter.delete_pulled`` and the id checks a host merge makes, on the demo host:
tenant-scoped Core statements, nothing queued to be pushed back, and a contact other rows refer
to is kept rather than orphaning them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from host_demo.extensions import db
from host_demo.integration import contact_adapter
from host_demo.models import Activity, Contact

from .conftest import World


def _outbox() -> int:
    return int(db.session.scalar(sa.text("SELECT count(*) FROM sfsync_outbox")) or 0)


def test_delete_pulled_is_tenant_scoped_and_not_pushed(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    team = str(world.team_id)
    with app.app_context():
        grace = adapter.create_pulled(db.session, team, {"last_name": "Hopper"})
        db.session.commit()
        # Another tenant's contact, an id that is no key, a contact that is gone: False.
        assert not adapter.delete_pulled(db.session, team, str(world.other_contact_id))
        assert not adapter.delete_pulled(db.session, team, "x'")
        assert adapter.delete_pulled(db.session, team, grace)
        assert not adapter.delete_pulled(db.session, team, grace)
        db.session.commit()
        assert db.session.get(Contact, int(grace)) is None
        assert db.session.get(Contact, world.other_contact_id) is not None
        assert _outbox() == 0


def test_a_contact_other_rows_refer_to_is_kept(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    with app.app_context():
        db.session.add(Activity(team_id=world.team_id, contact_id=world.contact_id,
                                kind="call", subject="Call Ada"))
        db.session.commit()
        assert not adapter.delete_pulled(db.session, str(world.team_id), str(world.contact_id))
        db.session.commit()
        assert db.session.get(Contact, world.contact_id) is not None
        # The other tenant's contact also has an activity: refused whatever the tenant.
        assert not adapter.delete_pulled(db.session, str(world.other_team_id),
                                         str(world.other_contact_id))


def test_existing_and_foreign_ids(app: Flask, world: World) -> None:
    adapter = contact_adapter()
    team = str(world.team_id)
    ids = [str(world.contact_id), str(world.other_contact_id), "999999", "x'"]
    with app.app_context():
        assert adapter.existing_ids(db.session, team, ids) == {str(world.contact_id)}
        assert adapter.foreign_ids(db.session, team, ids) == {str(world.other_contact_id)}
