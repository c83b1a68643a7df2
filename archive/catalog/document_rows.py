"""A document's rows inside a transaction, as several parts of the catalog read them: its row
locked, its pages in order, the next free sequence number in its record."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from archive import schema as t

#: Page states after recognition: a document whose pages are all in one is complete.
DONE_PAGE_STATES = ("recognised", "packaged", "indexed")


def lock_document(conn: Connection, doc_id: int) -> dict | None:
    """Lock a document row for this transaction; its state and claim, or None when absent."""
    query = select(t.document.c.state, t.document.c.claim).where(t.document.c.id == doc_id)
    if conn.dialect.name != "sqlite":  # SQLite already holds the write lock (BEGIN IMMEDIATE)
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def document_pages(conn: Connection, doc_id: int) -> list[int]:
    """The ids of a document's pages, in page order."""
    return list(
        conn.execute(
            select(t.page.c.id).where(t.page.c.document_id == doc_id).order_by(t.page.c.seq)
        ).scalars()
    )


def next_seq(conn: Connection, record_id: int) -> int:
    """The next free document sequence number of a record."""
    current = conn.execute(
        select(func.max(t.document.c.seq)).where(t.document.c.record_id == record_id)
    ).scalar()
    return (current or 0) + 1
