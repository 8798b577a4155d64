"""sfsync: push sync (settings, links, outbox, runs, error log, history)

Revision ID: sfsync_0002
Revises: sfsync_0001
Create Date: 2024-06-10
"""

import sqlalchemy as sa
from alembic import op

revision = "sfsync_0002"
down_revision = "sfsync_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sfsync_push_settings",
        sa.Column("tenant_id", sa.String(255), primary_key=True),
        sa.Column("saved", sa.Boolean(), nullable=False),
        sa.Column("push_as", sa.String(10), nullable=False),
        sa.Column("lead_source", sa.String(255), nullable=True),
        sa.Column("stages", sa.JSON(), nullable=True),
        sa.Column("require_email", sa.Boolean(), nullable=False),
        sa.Column("auto_sync", sa.Boolean(), nullable=False),
        sa.Column("delete_behaviour", sa.String(10), nullable=False),
        sa.Column("fields_state", sa.JSON(), nullable=True),
        sa.Column("fields_message", sa.Text(), nullable=True),
        sa.Column("fields_checked_at", TZ, nullable=True),
        sa.Column("paused_until", TZ, nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "sfsync_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("sobject", sa.String(40), nullable=False),
        sa.Column("sf_id", sa.String(18), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("last_pushed_at", TZ, nullable=True),
        sa.UniqueConstraint("tenant_id", "host_id", name="uq_sfsync_links_tenant_host"),
    )
    op.create_table(
        "sfsync_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("sf_id", sa.String(18), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_sfsync_outbox_tenant_id", "sfsync_outbox", ["tenant_id", "id"])
    op.create_table(
        "sfsync_sync_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            "total", "done", "pushed", "skipped", "unchanged", "failed", "api_calls")),
        sa.Column("cursor", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("paused_until", TZ, nullable=True),
    )
    op.create_index("ix_sfsync_sync_runs_tenant", "sfsync_sync_runs", ["tenant_id", "id"])
    op.create_table(
        "sfsync_sync_errors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("sobject", sa.String(40), nullable=False),
        sa.Column("sf_id", sa.String(18), nullable=True),
        sa.Column("error_code", sa.String(80), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("fields", sa.String(255), nullable=True),
        sa.Column("duplicate_id", sa.String(18), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("resolved_at", TZ, nullable=True),
    )
    op.create_index(
        "ix_sfsync_sync_errors_open", "sfsync_sync_errors", ["tenant_id", "resolved_at", "host_id"]
    )
    op.create_table(
        "sfsync_sync_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("action", sa.String(10), nullable=True),
        sa.Column("sobject", sa.String(40), nullable=True),
        sa.Column("sf_id", sa.String(18), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_sfsync_sync_history_host", "sfsync_sync_history", ["tenant_id", "host_id", "id"]
    )
    op.create_index("ix_sfsync_sync_history_run_id", "sfsync_sync_history", ["run_id"])


def downgrade() -> None:
    for table in ("sfsync_sync_history", "sfsync_sync_errors", "sfsync_sync_runs",
                  "sfsync_outbox", "sfsync_links", "sfsync_push_settings"):
        op.drop_table(table)
