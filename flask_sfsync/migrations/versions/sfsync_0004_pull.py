"""sfsync: the pull (a mirror of pulled records, a watermark per object, agreed values per link)

Revision ID: sfsync_0004
Revises: sfsync_0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "sfsync_0004"
down_revision = "sfsync_0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sfsync_links") as batch:
        batch.add_column(sa.Column("agreed", sa.JSON(), nullable=True))
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.add_column(sa.Column("pull_interval", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("next_pull_at", TZ, nullable=True))
        batch.add_column(
            sa.Column("pulled_delete", sa.String(10), nullable=False, server_default="flag")
        )
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.alter_column("pulled_delete", server_default=None)
    op.create_table(
        "sfsync_mirror",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("sobject", sa.String(40), nullable=False),
        sa.Column("sf_id", sa.String(18), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=True),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("system_modstamp", TZ, nullable=False),
        sa.Column("last_modified_at", TZ, nullable=True),
        sa.Column("last_modified_by", sa.String(18), nullable=True),
        sa.Column("owner_id", sa.String(18), nullable=True),
        sa.Column("account_id", sa.String(18), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("is_converted", sa.Boolean(), nullable=False),
        sa.Column("converted_contact_id", sa.String(18), nullable=True),
        sa.Column("converted_account_id", sa.String(18), nullable=True),
        sa.Column("master_record_id", sa.String(18), nullable=True),
        sa.Column("pulled_at", TZ, nullable=False),
        sa.UniqueConstraint("tenant_id", "sf_id", name="uq_sfsync_mirror_tenant_sf_id"),
    )
    op.create_index("ix_sfsync_mirror_email", "sfsync_mirror", ["tenant_id", "email"])
    op.create_index("ix_sfsync_mirror_host", "sfsync_mirror", ["tenant_id", "host_id"])
    op.create_table(
        "sfsync_pull_state",
        sa.Column("tenant_id", sa.String(255), primary_key=True),
        sa.Column("sobject", sa.String(40), primary_key=True),
        sa.Column("show_in_host", sa.Boolean(), nullable=False),
        sa.Column("watermark_stamp", TZ, nullable=True),
        sa.Column("watermark_id", sa.String(18), nullable=True),
        sa.Column("last_pull_at", TZ, nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sfsync_pull_state")
    op.drop_index("ix_sfsync_mirror_host", "sfsync_mirror")
    op.drop_index("ix_sfsync_mirror_email", "sfsync_mirror")
    op.drop_table("sfsync_mirror")
    with op.batch_alter_table("sfsync_settings") as batch:
        batch.drop_column("pulled_delete")
        batch.drop_column("next_pull_at")
        batch.drop_column("pull_interval")
    with op.batch_alter_table("sfsync_links") as batch:
        batch.drop_column("agreed")
