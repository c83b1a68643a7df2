"""The work queue as a whole: claims renewed while a worker lives or released after a crash,
the work still to do (to queue it again on resume), and failed work put back in the queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from archive import schema as t
from archive.catalog.core import now
from archive.catalog.document_rows import DONE_PAGE_STATES
from archive.catalog.events import EventLog


class WorkQueue(EventLog):
    """Claims over many rows at once, resuming and retrying."""

    def renew_claims(
        self, *, pages: Sequence[tuple[int, str]], documents: Sequence[tuple[int, str]]
    ) -> None:
        """Extend claims still held by these tokens (the worker is alive and working)."""
        stamp = now()
        with self.tx() as conn:
            for page_id, token in pages:
                conn.execute(
                    t.page.update()
                    .where(t.page.c.id == page_id, t.page.c.claim == token)
                    .values(claimed_at=stamp, updated_at=stamp)
                )
            for doc_id, token in documents:
                conn.execute(
                    t.document.update()
                    .where(t.document.c.id == doc_id, t.document.c.claim == token)
                    .values(claimed_at=stamp, updated_at=stamp)
                )

    def unfinished_work(
        self, *, stale_after: float | None = None, batch_id: int | None = None
    ) -> tuple[list[int], list[int], list[int]]:
        """Pages still to recognise, documents still to package, documents still to index.

        Without ``stale_after`` only unclaimed work is listed (a resume after every claim
        was released). With it, any unfinished work untouched for that many seconds is
        listed, claimed or not: its message or its worker was lost, and queueing it again
        is safe because claims turn duplicates into no-ops.
        """
        with self.tx() as conn:
            page_states = ["received"]
            doc_states = ["packaging", "packaged"]
            page_where = [t.document.c.state == "pending"]
            doc_where = []
            if stale_after is not None:
                cutoff = now() - timedelta(seconds=stale_after)
                page_states.append("working")
                doc_states.append("packing")
                page_where.append(t.page.c.updated_at < cutoff)
                doc_where.append(t.document.c.updated_at < cutoff)
            pq = (
                select(t.page.c.id)
                .join(t.document, t.document.c.id == t.page.c.document_id)
                .where(t.page.c.state.in_(page_states), *page_where)
            )
            dq = select(t.document.c.id, t.document.c.state).where(
                t.document.c.state.in_(doc_states), *doc_where
            )
            if batch_id is not None:
                pq = pq.where(t.page.c.batch_id == batch_id)
                dq = dq.where(t.document.c.batch_id == batch_id)
            pages = list(conn.execute(pq.order_by(t.page.c.id)).scalars())
            docs = conn.execute(dq.order_by(t.document.c.id)).all()
        return (
            pages,
            [d.id for d in docs if d.state != "packaged"],
            [d.id for d in docs if d.state == "packaged"],
        )

    def release_claims(self) -> int:
        """Return every claimed page and document to its queue state.

        For the embedded mode at start-up: no other process works on this catalog, so any
        claim left is from a run that was killed.
        """
        with self.tx() as conn:
            pages = conn.execute(
                t.page.update()
                .where(t.page.c.state == "working")
                .values(state="received", claim=None, updated_at=now())
            ).rowcount
            docs = conn.execute(
                t.document.update()
                .where(t.document.c.state == "packing")
                .values(state="packaging", claim=None, updated_at=now())
            ).rowcount
            if pages or docs:
                self.add_event(conn, "resumed", detail={"pages": pages, "documents": docs})
        return pages + docs

    def retry_failed(self, *, batch_id: int | None = None, actor: str = "sohoa") -> dict[str, int]:
        """Put failed pages (and documents that failed in packaging) back in the queue.

        Documents rejected at intake have no pages to retry: ingest the corrected file.
        """
        with self.tx() as conn:
            pq = select(t.page.c.id, t.page.c.document_id).where(t.page.c.state == "failed")
            if batch_id is not None:
                pq = pq.where(t.page.c.batch_id == batch_id)
            failed = conn.execute(pq).all()
            doc_ids = sorted({row.document_id for row in failed})
            if failed:
                conn.execute(
                    t.page.update()
                    .where(t.page.c.id.in_([row.id for row in failed]))
                    .values(state="received", error=None, claim=None, updated_at=now())
                )
            if doc_ids:
                conn.execute(
                    t.document.update()
                    .where(t.document.c.id.in_(doc_ids))
                    .values(state="pending", error=None, updated_at=now())
                )
            # documents whose pages are all recognised failed in packaging: package again
            dq = select(t.document.c.id).where(
                t.document.c.state == "failed",
                t.document.c.page_count > 0,
                ~select(t.page.c.id)
                .where(
                    t.page.c.document_id == t.document.c.id,
                    t.page.c.state.not_in(DONE_PAGE_STATES),
                )
                .exists(),
            )
            if batch_id is not None:
                dq = dq.where(t.document.c.batch_id == batch_id)
            repackage = list(conn.execute(dq).scalars())
            if repackage:
                conn.execute(
                    t.document.update()
                    .where(t.document.c.id.in_(repackage))
                    .values(state="packaging", error=None, claim=None, updated_at=now())
                )
            rejected = conn.execute(
                select(func.count())
                .select_from(t.document)
                .where(t.document.c.state == "failed", t.document.c.page_count == 0)
            ).scalar()
            self.add_event(
                conn,
                "retry",
                actor=actor,
                batch_id=batch_id,
                detail={"pages": len(failed), "documents": len(doc_ids) + len(repackage)},
            )
        return {
            "pages": len(failed),
            "documents": len(doc_ids),
            "repackage": len(repackage),
            "rejected_at_intake": int(rejected or 0),
        }
