"""sfsync: where each object's next pull starts (the coverage of the reads made) and how far
deletes were checked

Revision ID: sfsync_0005
Revises: sfsync_0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "sfsync_0005"
down_revision = "sfsync_0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sfsync_pull_state") as batch:
        batch.add_column(sa.Column("covered_until", TZ, nullable=True))
        batch.add_column(sa.Column("deletes_checked_until", TZ, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sfsync_pull_state") as batch:
        batch.drop_column("deletes_checked_until")
        batch.drop_column("covered_until")
