"""sfsync: one settings table for both directions, runs with a direction, the pause kept once,
what a change of "push as" does to records already pushed

Revision ID: sfsync_0003
Revises: sfsync_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "sfsync_0003"
down_revision = "sfsync_0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
ACTIVE_FULL = "kind = 'full' AND status IN ('queued', 'running', 'paused')"


def upgrade() -> None:
    op.rename_table("sfsync_push_settings", "sfsync_settings")
    with op.batch_alter_table("sfsync_connections") as batch:
        batch.add_column(sa.Column("org_name", sa.String(255), nullable=True))
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.add_column(
            sa.Column("match_other_type", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.alter_column("match_other_type", server_default=None)
    with op.batch_alter_table("sfsync_sync_runs") as batch:
        batch.add_column(
            sa.Column("direction", sa.String(10), nullable=False, server_default="push")
        )
        batch.add_column(sa.Column("phase", sa.String(20), nullable=True))
        # A run's pause lives on the tenant's settings row (one place for it).
        batch.drop_column("paused_until")
    with op.batch_alter_table("sfsync_sync_runs") as batch:
        batch.alter_column("direction", server_default=None)
    op.create_table(
        "sfsync_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    # One active full sync per tenant and direction: concurrent Sync Now start one.
    op.create_index(
        "uq_sfsync_sync_runs_one_active_full", "sfsync_sync_runs", ["tenant_id", "direction"],
        unique=True, sqlite_where=sa.text(ACTIVE_FULL), postgresql_where=sa.text(ACTIVE_FULL),
    )


def downgrade() -> None:
    op.drop_index("uq_sfsync_sync_runs_one_active_full", "sfsync_sync_runs")
    op.drop_table("sfsync_oauth_states")
    with op.batch_alter_table("sfsync_sync_runs") as batch:
        batch.add_column(sa.Column("paused_until", TZ, nullable=True))
        batch.drop_column("phase")
        batch.drop_column("direction")
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.drop_column("match_other_type")
    op.rename_table("sfsync_settings", "sfsync_push_settings")
    with op.batch_alter_table("sfsync_connections") as batch:
        batch.drop_column("org_name")
