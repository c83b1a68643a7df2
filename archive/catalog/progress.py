"""Progress and failures: what a batch's pages and documents are at, and the failed documents
with their reasons, for status displays and end-of-run reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from archive import schema as t
from archive.catalog.core import CatalogCore


class Progress(CatalogCore):
    """Reading where the work stands."""

    def batch_progress(self, batch_id: int) -> dict[str, Any]:
        """Counts of a batch's pages and documents by state."""
        with self.tx() as conn:
            states = dict(
                conn.execute(
                    select(t.page.c.state, func.count())
                    .where(t.page.c.batch_id == batch_id)
                    .group_by(t.page.c.state)
                ).all()
            )
            doc_states = dict(
                conn.execute(
                    select(t.document.c.state, func.count())
                    .where(t.document.c.batch_id == batch_id)
                    .group_by(t.document.c.state)
                ).all()
            )
        return {"pages": states, "documents": doc_states}

    def failures(self, batch_id: int | None = None) -> list[dict[str, Any]]:
        """Failed documents with their reason and failed pages (for end-of-run reports)."""
        with self.tx() as conn:
            q = (
                select(
                    t.document.c.id,
                    t.document.c.name,
                    t.document.c.error,
                    t.batch.c.name.label("batch"),
                )
                .join(t.batch, t.batch.c.id == t.document.c.batch_id)
                .where(t.document.c.state == "failed")
                .order_by(t.document.c.id)
            )
            if batch_id is not None:
                q = q.where(t.document.c.batch_id == batch_id)
            rows = conn.execute(q).mappings().all()
        return [dict(r) for r in rows]

    def low_confidence_pages(
        self, threshold: float, *, batch_id: int | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Recognised pages whose mean OCR confidence is under ``threshold`` (0-100), worst
        first: candidates for rescanning, with what was done to them."""
        with self.tx() as conn:
            q = (
                select(
                    t.page.c.id.label("page"),
                    t.page.c.seq,
                    t.page.c.mean_conf,
                    t.page.c.words_corrected,
                    t.page.c.processing,
                    t.document.c.id.label("document"),
                    t.document.c.name.label("document_name"),
                    t.record.c.code.label("record"),
                    t.batch.c.name.label("batch"),
                )
                .join(t.document, t.document.c.id == t.page.c.document_id)
                .join(t.record, t.record.c.id == t.document.c.record_id)
                .join(t.batch, t.batch.c.id == t.page.c.batch_id)
                .where(
                    t.page.c.mean_conf.is_not(None),
                    t.page.c.mean_conf < threshold,
                    t.page.c.text_source == "ocr",
                )
                .order_by(t.page.c.mean_conf, t.page.c.id)
                .limit(limit)
            )
            if batch_id is not None:
                q = q.where(t.page.c.batch_id == batch_id)
            rows = conn.execute(q).mappings().all()
        return [dict(r) for r in rows]
