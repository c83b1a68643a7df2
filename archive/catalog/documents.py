"""Packaging and indexing of documents: a complete document claimed by one worker under a
lease, its PDF/A committed only by the claim holder (or its failure recorded), then marked
indexed once the search index has it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import and_, or_, select

from archive import schema as t
from archive.catalog.core import now
from archive.catalog.document_rows import lock_document
from archive.catalog.events import EventLog
from archive.catalog.stored_files import StoredFiles
from errors import NotFoundError


class DocumentWork(StoredFiles, EventLog):
    """Claiming documents for packaging and recording the package and the index."""

    def claim_document(self, doc_id: int, *, lease: float) -> str | None:
        """Take a complete document for packaging; the token fences the final commit."""
        token = uuid4().hex
        stamp = now()
        cutoff = stamp - timedelta(seconds=lease)
        with self.tx() as conn:
            taken = conn.execute(
                t.document.update()
                .where(
                    t.document.c.id == doc_id,
                    or_(
                        t.document.c.state == "packaging",
                        and_(t.document.c.state == "packing", t.document.c.claimed_at < cutoff),
                    ),
                )
                .values(state="packing", claim=token, claimed_at=stamp, updated_at=stamp)
            ).rowcount
        return token if taken else None

    def document_failed(
        self, doc_id: int, error: str, *, stage: str, claim: str | None = None
    ) -> None:
        """Mark a document failed with the reason (only while ``claim`` holds, when given)."""
        with self.tx() as conn:
            query = t.document.update().where(t.document.c.id == doc_id)
            if claim is not None:
                query = query.where(t.document.c.claim == claim)
            if conn.execute(
                query.values(state="failed", error=error, claim=None, updated_at=now())
            ).rowcount:
                self.add_event(
                    conn, "failed", document_id=doc_id, detail={"stage": stage, "error": error}
                )

    def document_job(self, doc_id: int) -> dict:
        """A document with its record, fonds and pages (in order), for packaging/indexing."""
        with self.tx() as conn:
            doc = (
                conn.execute(
                    select(
                        t.document,
                        t.record.c.code.label("record_code"),
                        t.fonds.c.code.label("fonds_code"),
                        t.record.c.access_mode.label("access_mode"),  # for the search index
                        t.unit.c.code.label("unit_code"),
                    )
                    .join(t.record, t.record.c.id == t.document.c.record_id)
                    .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
                    .outerjoin(t.unit, t.unit.c.id == t.record.c.unit_id)
                    .where(t.document.c.id == doc_id)
                )
                .mappings()
                .first()
            )
            if doc is None:
                raise NotFoundError(f"document {doc_id} is not in the catalog")
            pages = (
                conn.execute(
                    select(t.page, t.stored_file.c.path.label("ocr_path"))
                    .outerjoin(t.stored_file, t.stored_file.c.id == t.page.c.ocr_file_id)
                    .where(t.page.c.document_id == doc_id)
                    .order_by(t.page.c.seq)
                )
                .mappings()
                .all()
            )
        return {**dict(doc), "pages": [dict(p) for p in pages]}

    def document_packaged(
        self,
        doc_id: int,
        *,
        claim: str,
        pdf: dict[str, Any],
        columns: dict[str, Any],
        publish: Callable[[], None],
    ) -> bool:
        """Commit a packaged document if this worker still holds its claim.

        ``publish`` moves the finished PDF/A into place; it runs inside the transaction,
        with the document row locked, so of two workers that both built the file only the
        claim holder's copy is ever published and recorded. False when the claim was lost.
        """
        with self.tx() as conn:
            doc = lock_document(conn, doc_id)
            if doc is None or doc["state"] != "packing" or doc["claim"] != claim:
                return False
            publish()
            file_id = self.add_file(conn, kind="pdfa", **pdf)
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(
                    state="packaged",
                    pdf_file_id=file_id,
                    error=None,
                    claim=None,
                    updated_at=now(),
                    **columns,
                )
            )
            conn.execute(
                t.page.update()
                .where(t.page.c.document_id == doc_id)
                .values(state="packaged", work_path=None, updated_at=now())
            )
            self.add_event(
                conn,
                "packaged",
                document_id=doc_id,
                detail={"path": pdf["path"], "sha256": pdf["sha256"]},
            )
        return True

    def document_indexed(self, doc_id: int) -> bool:
        """Mark a packaged document and its pages indexed; False when it was not packaged."""
        with self.tx() as conn:
            done = conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id, t.document.c.state == "packaged")
                .values(state="indexed", updated_at=now())
            ).rowcount
            if not done:
                return False
            conn.execute(
                t.page.update()
                .where(t.page.c.document_id == doc_id)
                .values(state="indexed", updated_at=now())
            )
            pages = conn.execute(
                select(t.document.c.page_count).where(t.document.c.id == doc_id)
            ).scalar()
            # the pages archived that day, kept by the event (the per-day summary reads them)
            self.add_event(conn, "indexed", document_id=doc_id, detail={"pages": pages})
        return True
