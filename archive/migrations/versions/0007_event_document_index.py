"""an index of the events by document, for a document's history on its page

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 11:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The document page lists a document's newest events: without this index SQLite walked
    # the whole event log backwards to find them (56 ms a page at 1 M pages, growing).
    op.create_index("ix_event_document", "event", ["document_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_event_document", table_name="event")
