"""sfsync: Salesforce connections

Revision ID: sfsync_0001
Revises:
Create Date: 2024-06-01
"""

import sqlalchemy as sa
from alembic import op

revision = "sfsync_0001"
down_revision = None
# A branch of its own: inside a host's Flask-Migrate history it is upgraded with "sfsync@head".
branch_labels = ("sfsync",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sfsync_connections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("login_url", sa.String(255), nullable=False),
        sa.Column("instance_url", sa.String(255), nullable=True),
        sa.Column("org_id", sa.String(18), nullable=True),
        sa.Column("sf_user_id", sa.String(18), nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        # Fernet ciphertext (flask_sfsync.crypto), never plaintext.
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_sfsync_connections_tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("sfsync_connections")
