"""Recognition of pages: a page claimed by one worker under a lease, then recorded as
recognised (handing its document to packaging when it was the last page) or as failed.

A claim is a token on the page row; results are written only while the page still holds it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, and_, func, or_, select

from archive import schema as t
from archive.catalog.core import now
from archive.catalog.document_rows import DONE_PAGE_STATES, lock_document
from archive.catalog.events import EventLog
from errors import NotFoundError


def _page_job(conn: Connection, page_id: int) -> dict | None:
    row = (
        conn.execute(
            select(
                t.page,
                t.stored_file.c.path.label("source_path"),
                t.stored_file.c.original_name.label("source_name"),
                t.document.c.state.label("document_state"),
            )
            .join(t.stored_file, t.stored_file.c.id == t.page.c.source_file_id)
            .join(t.document, t.document.c.id == t.page.c.document_id)
            .where(t.page.c.id == page_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


class PageWork(EventLog):
    """Claiming pages for recognition and recording their results."""

    def page_job(self, page_id: int) -> dict:
        """The page row with its source file and document state (no claim taken)."""
        with self.tx() as conn:
            job = _page_job(conn, page_id)
        if job is None:
            raise NotFoundError(f"page {page_id} is not in the catalog")
        return job

    def claim_page(self, page_id: int, *, lease: float) -> dict | None:
        """Take a page for recognition; None when it is done, failed, or held by a live claim.

        The returned job carries a ``claim`` token; results are recorded only while the page
        still holds that token, so a worker whose lease expired (it hung, or was killed and
        its work re-queued) can never overwrite the work of the worker that took over.
        """
        token = uuid4().hex
        stamp = now()
        cutoff = stamp - timedelta(seconds=lease)
        pending = select(t.document.c.id).where(t.document.c.state == "pending")
        with self.tx() as conn:
            taken = conn.execute(
                t.page.update()
                .where(
                    t.page.c.id == page_id,
                    t.page.c.document_id.in_(pending),
                    or_(
                        t.page.c.state == "received",
                        and_(t.page.c.state == "working", t.page.c.claimed_at < cutoff),
                    ),
                )
                .values(
                    state="working",
                    claim=token,
                    claimed_at=stamp,
                    attempts=t.page.c.attempts + 1,
                    updated_at=stamp,
                )
            ).rowcount
            if not taken:
                return None
            job = _page_job(conn, page_id)
        assert job is not None
        return job

    def release_page(self, page_id: int, *, claim: str) -> None:
        """Give a claimed page back (a transient error: it will be retried)."""
        with self.tx() as conn:
            conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id, t.page.c.claim == claim)
                .values(state="received", claim=None, updated_at=now())
            )

    def page_recognised(
        self, page_id: int, doc_id: int, facts: dict[str, Any], *, claim: str
    ) -> bool:
        """Record a recognised page. True when this call completed the document: the caller
        then hands it to packaging (exactly one caller ever gets True for a document)."""
        with self.tx() as conn:
            doc = lock_document(conn, doc_id)
            updated = conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id, t.page.c.claim == claim, t.page.c.state == "working")
                .values(state="recognised", error=None, claim=None, updated_at=now(), **facts)
            ).rowcount
            if not updated or doc is None or doc["state"] != "pending":
                return False
            remaining = conn.execute(
                select(func.count())
                .select_from(t.page)
                .where(t.page.c.document_id == doc_id, t.page.c.state.not_in(DONE_PAGE_STATES))
            ).scalar()
            if remaining:
                return False
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(state="packaging", updated_at=now())
            )
            self.add_event(conn, "recognised", document_id=doc_id)
        return True

    def page_failed(
        self, page_id: int, doc_id: int, error: str, *, stage: str, claim: str | None = None
    ) -> None:
        """A page failed: the page and its document are marked failed with the reason."""
        with self.tx() as conn:
            lock_document(conn, doc_id)
            query = t.page.update().where(t.page.c.id == page_id)
            if claim is not None:
                query = query.where(t.page.c.claim == claim)
            if not conn.execute(
                query.values(state="failed", error=error, claim=None, updated_at=now())
            ).rowcount:
                return
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id, t.document.c.state != "failed")
                .values(state="failed", error=error, updated_at=now())
            )
            self.add_event(
                conn,
                "failed",
                document_id=doc_id,
                page_id=page_id,
                detail={"stage": stage, "error": error},
            )
