"""access units users and document splits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:07:23.045225
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("full_name", sa.String(length=400), nullable=False),
        sa.Column("password_hash", sa.String(length=400), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "record_grant",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("user_id", "record_id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("split_from", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_document_split_from", "document", ["split_from"], ["id"])

    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("access_mode", sa.String(length=2), server_default="01", nullable=False)
        )
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fields", sa.JSON(), server_default="{}", nullable=False))
        batch_op.create_foreign_key("fk_record_unit_id", "unit", ["unit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_constraint("fk_record_unit_id", type_="foreignkey")
        batch_op.drop_column("fields")
        batch_op.drop_column("unit_id")
        batch_op.drop_column("access_mode")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("fk_document_split_from", type_="foreignkey")
        batch_op.drop_column("split_from")

    op.drop_table("record_grant")
    op.drop_table("app_user")
    op.drop_table("unit")
