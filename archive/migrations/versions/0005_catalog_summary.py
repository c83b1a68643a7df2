"""catalog summary counts kept by triggers, indexes for status and dashboard reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.catalog import summary

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_summary",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("batch_id", sa.Integer(), primary_key=True),
        sa.Column("fonds_id", sa.Integer(), primary_key=True),
        sa.Column("state", sa.String(20), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_page_failed", "page", ["state", "id"])
    op.create_index("ix_page_done_at", "page", ["batch_id", "state", "updated_at"])
    op.create_index("ix_document_batch_state", "document", ["batch_id", "state"])
    conn = op.get_bind()
    summary.ensure_triggers(conn)  # in the same transaction as the backfill: no write is lost
    summary.rebuild(conn)


def downgrade() -> None:
    summary.drop_triggers(op.get_bind())
    op.drop_index("ix_document_batch_state", table_name="document")
    op.drop_index("ix_page_done_at", table_name="page")
    op.drop_index("ix_page_failed", table_name="page")
    op.drop_table("catalog_summary")
