"""Intake: batches, the fonds and records documents arrive in, and each document registered
with its source files and pages (or recorded as failed when it could not be read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from archive import schema as t
from archive.catalog.core import now
from archive.catalog.document_rows import next_seq
from archive.catalog.events import EventLog
from errors import CatalogError


@dataclass(frozen=True)
class PageSource:
    """Where a page comes from: a stored source file, the page's index in it, its file kind."""

    file_id: int
    index: int
    kind: str


class Intake(EventLog):
    """Registering what arrives: batches, records, documents and their pages."""

    def begin_batch(self, name: str, source_path: str, *, operator: str = "") -> int:
        """Open a batch read from ``source_path``; returns its id."""
        with self.tx() as conn:
            batch_id = conn.execute(
                t.batch.insert().values(
                    name=name, source_path=source_path, operator=operator, started_at=now()
                )
            ).inserted_primary_key[0]
            self.add_event(
                conn,
                "batch_started",
                actor=operator or "sohoa",
                batch_id=batch_id,
                detail={"source": source_path},
            )
        return batch_id

    def finish_batch(self, batch_id: int) -> None:
        """Mark a batch finished."""
        with self.tx() as conn:
            conn.execute(t.batch.update().where(t.batch.c.id == batch_id).values(finished_at=now()))
            self.add_event(conn, "batch_finished", batch_id=batch_id)

    def ensure_record(self, fonds_code: str, record_code: str) -> int:
        """The id of a record (and its fonds), created when it is new."""
        with self.tx() as conn:
            fonds_id = conn.execute(
                select(t.fonds.c.id).where(t.fonds.c.code == fonds_code)
            ).scalar()
            if fonds_id is None:
                fonds_id = conn.execute(
                    t.fonds.insert().values(code=fonds_code, name="")
                ).inserted_primary_key[0]
            record_id = conn.execute(
                select(t.record.c.id).where(
                    t.record.c.fonds_id == fonds_id, t.record.c.code == record_code
                )
            ).scalar()
            if record_id is None:
                record_id = conn.execute(
                    t.record.insert().values(fonds_id=fonds_id, code=record_code, title="")
                ).inserted_primary_key[0]
        return record_id

    def find_document(self, source_key: str) -> dict | None:
        """The latest document registered with this source key, if any."""
        with self.tx() as conn:
            row = (
                conn.execute(
                    select(t.document)
                    .where(t.document.c.source_key == source_key)
                    .order_by(t.document.c.id.desc())
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def add_document(
        self,
        *,
        record_id: int,
        batch_id: int,
        name: str,
        source_key: str,
        source_files: Sequence[int],
        pages: Sequence[PageSource],
        error: str | None = None,
    ) -> tuple[int, list[int]]:
        """Register a document and its pages in one transaction; returns (id, page ids).

        With ``error`` the document is recorded as failed at intake (no pages).
        """
        stamp = now()
        with self.tx() as conn:
            doc_id = conn.execute(
                t.document.insert().values(
                    record_id=record_id,
                    batch_id=batch_id,
                    seq=next_seq(conn, record_id),
                    name=name,
                    source_key=source_key,
                    state="failed" if error else "pending",
                    error=error,
                    page_count=len(pages),
                    fields={},
                    created_at=stamp,
                    updated_at=stamp,
                )
            ).inserted_primary_key[0]
            for position, file_id in enumerate(source_files):
                conn.execute(
                    t.document_source.insert().values(
                        document_id=doc_id, position=position, file_id=file_id
                    )
                )
            page_ids = [
                conn.execute(
                    t.page.insert().values(
                        document_id=doc_id,
                        batch_id=batch_id,
                        seq=seq,
                        source_file_id=src.file_id,
                        source_index=src.index,
                        source_kind=src.kind,
                        state="received",
                        attempts=0,
                        updated_at=stamp,
                    )
                ).inserted_primary_key[0]
                for seq, src in enumerate(pages, start=1)
            ]
            self.add_event(
                conn,
                "failed" if error else "ingested",
                batch_id=batch_id,
                document_id=doc_id,
                detail={"name": name, "pages": len(pages), **({"error": error} if error else {})},
            )
        return doc_id, page_ids

    def forget_failed_document(self, doc_id: int) -> bool:
        """Remove a failed document's rows so a re-run can archive it afresh (events stay).

        A document that parts were split off keeps its rows (returns False): archiving the
        whole file again would duplicate those parts' pages; ``sohoa retry`` redoes it instead.
        """
        with self.tx() as conn:
            state = conn.execute(
                select(t.document.c.state).where(t.document.c.id == doc_id)
            ).scalar()
            if state != "failed":
                raise CatalogError(f"document {doc_id} is {state}, not failed: it is kept")
            parts = conn.execute(
                select(t.document.c.id).where(t.document.c.split_from == doc_id).limit(1)
            ).first()
            if parts is not None:
                return False
            conn.execute(t.page.delete().where(t.page.c.document_id == doc_id))
            conn.execute(
                t.document_source.delete().where(t.document_source.c.document_id == doc_id)
            )
            conn.execute(t.document.delete().where(t.document.c.id == doc_id))
            self.add_event(conn, "failed_document_replaced", document_id=doc_id)
        return True
