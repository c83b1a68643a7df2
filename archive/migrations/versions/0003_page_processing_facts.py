"""page processing facts: preparation applied, words corrected

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page") as batch:
        batch.add_column(sa.Column("words_corrected", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("processing", sa.JSON(), nullable=True))
    op.create_index("ix_page_mean_conf", "page", ["mean_conf"])


def downgrade() -> None:
    op.drop_index("ix_page_mean_conf", table_name="page")
    with op.batch_alter_table("page") as batch:
        batch.drop_column("processing")
        batch.drop_column("words_corrected")
