"""a partial index of the documents marked for review, for the keyset-paged review queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.review import REVIEW_INDEX, has_flags, review_marked_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _mark_flagged(conn: sa.Connection) -> None:
    """Documents with a flagged field but without ``needs_review`` (written by hand or by an
    older sohoa) get it, so that the index holds every document the queue used to list."""
    document = sa.table("document", sa.column("id"), sa.column("fields", sa.JSON))
    as_text = sa.cast(document.c.fields, sa.Text)
    rows = conn.execute(
        sa.select(document.c.id, document.c.fields).where(as_text.like('%"flags": ["%'))
    ).all()
    for doc_id, fields in rows:
        if fields and has_flags(fields) and fields.get("needs_review") is not True:
            conn.execute(
                document.update()
                .where(document.c.id == doc_id)
                .values(fields={**fields, "needs_review": True})
            )


def upgrade() -> None:
    conn = op.get_bind()
    _mark_flagged(conn)
    marked = review_marked_sql(conn.dialect.name)
    # (id, state): the queue pages in id order and filters the listed states from the index.
    conn.exec_driver_sql(f"CREATE INDEX {REVIEW_INDEX} ON document (id, state) WHERE {marked}")


def downgrade() -> None:
    op.drop_index(REVIEW_INDEX, table_name="document")
