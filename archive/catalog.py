"""The catalog: the source of truth for batches, records, documents, pages, files and events.

SQLAlchemy Core over SQLite (WAL, the embedded default) or PostgreSQL. Every state change is
one short transaction; the hand-over of a complete document to packaging is decided inside
the transaction that records its last page, with the document row locked first, so two
workers can never both package the same document.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError

from archive import schema as t
from ingest.errors import CatalogError, NotFoundError

log = logging.getLogger(__name__)

DONE_PAGE_STATES = ("recognised", "packaged", "indexed")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PageSource:
    file_id: int
    index: int
    kind: str


def _make_engine(url: str, timeout: float) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": timeout, "check_same_thread": False}, future=True
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the lock at BEGIN: no deadlock between two upgrading readers.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, future=True)


class Catalog:
    """All reads and writes of the catalog go through this class."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url = url
        try:
            self.engine = _make_engine(url, timeout)
        except (SQLAlchemyError, ValueError) as exc:
            raise CatalogError(f"cannot open the catalog {url}: {exc}") from exc

    @property
    def sqlite_path(self) -> str | None:
        if self.engine.dialect.name != "sqlite":
            return None
        return self.engine.url.database

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"catalog operation failed: {exc.__class__.__name__}: {exc}"
            ) from exc

    def create(self) -> None:
        """Create the tables if they do not exist yet (idempotent)."""
        with self.tx() as conn:
            t.metadata.create_all(conn)
            if conn.execute(select(t.schema_info.c.version)).first() is None:
                conn.execute(t.schema_info.insert().values(id=1, version=t.SCHEMA_VERSION))

    # ----------------------------------------------------------------- events

    def add_event(self, conn: Connection, kind: str, *, actor: str = "sohoa", **ids: Any) -> None:
        detail = ids.pop("detail", {}) or {}
        conn.execute(
            t.event.insert().values(at=now(), kind=kind, actor=actor, detail=detail, **ids)
        )

    def log_event(self, kind: str, *, actor: str = "sohoa", **ids: Any) -> None:
        with self.tx() as conn:
            self.add_event(conn, kind, actor=actor, **ids)

    # ----------------------------------------------------------------- intake

    def begin_batch(self, name: str, source_path: str, *, operator: str = "") -> int:
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
        with self.tx() as conn:
            conn.execute(t.batch.update().where(t.batch.c.id == batch_id).values(finished_at=now()))
            self.add_event(conn, "batch_finished", batch_id=batch_id)

    def ensure_record(self, fonds_code: str, record_code: str) -> int:
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

    def find_file(self, kind: str, sha256: str) -> dict | None:
        with self.tx() as conn:
            row = (
                conn.execute(
                    select(t.stored_file).where(
                        t.stored_file.c.kind == kind, t.stored_file.c.sha256 == sha256
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def add_file(
        self,
        conn: Connection,
        *,
        kind: str,
        path: str,
        size: int,
        sha256: str,
        media_type: str = "",
        original_name: str = "",
    ) -> int:
        existing = conn.execute(
            select(t.stored_file.c.id).where(t.stored_file.c.path == path)
        ).scalar()
        if existing is not None:
            conn.execute(
                t.stored_file.update()
                .where(t.stored_file.c.id == existing)
                .values(size=size, sha256=sha256, created_at=now())
            )
            return existing
        return conn.execute(
            t.stored_file.insert().values(
                kind=kind,
                path=path,
                size=size,
                sha256=sha256,
                media_type=media_type,
                original_name=original_name,
                created_at=now(),
            )
        ).inserted_primary_key[0]

    def register_file(self, **kwargs: Any) -> int:
        with self.tx() as conn:
            return self.add_file(conn, **kwargs)

    def find_document(self, source_key: str) -> dict | None:
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

    def _next_seq(self, conn: Connection, record_id: int) -> int:
        current = conn.execute(
            select(func.max(t.document.c.seq)).where(t.document.c.record_id == record_id)
        ).scalar()
        return (current or 0) + 1

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
                    seq=self._next_seq(conn, record_id),
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

    def forget_failed_document(self, doc_id: int) -> None:
        """Remove a failed document's rows so a re-run can archive it afresh (events stay)."""
        with self.tx() as conn:
            state = conn.execute(
                select(t.document.c.state).where(t.document.c.id == doc_id)
            ).scalar()
            if state != "failed":
                raise CatalogError(f"document {doc_id} is {state}, not failed: it is kept")
            conn.execute(t.page.delete().where(t.page.c.document_id == doc_id))
            conn.execute(
                t.document_source.delete().where(t.document_source.c.document_id == doc_id)
            )
            conn.execute(t.document.delete().where(t.document.c.id == doc_id))
            self.add_event(conn, "failed_document_replaced", document_id=doc_id)

    # ------------------------------------------------------------- processing

    def page_job(self, page_id: int) -> dict:
        """What a worker needs to process a page: the page row and its source file."""
        with self.tx() as conn:
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
            if row is None:
                raise NotFoundError(f"page {page_id} is not in the catalog")
            conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id)
                .values(attempts=t.page.c.attempts + 1, updated_at=now())
            )
        return dict(row)

    def _lock_document(self, conn: Connection, doc_id: int) -> str | None:
        query = select(t.document.c.state).where(t.document.c.id == doc_id)
        if conn.dialect.name != "sqlite":  # SQLite already holds the write lock (BEGIN IMMEDIATE)
            query = query.with_for_update()
        return conn.execute(query).scalar()

    def page_recognised(self, page_id: int, doc_id: int, facts: dict[str, Any]) -> bool:
        """Record a recognised page. True when this call completed the document: the caller
        then hands it to packaging (exactly one caller ever gets True for a document)."""
        with self.tx() as conn:
            doc_state = self._lock_document(conn, doc_id)
            conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id)
                .values(state="recognised", error=None, updated_at=now(), **facts)
            )
            if doc_state != "pending":
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

    def page_failed(self, page_id: int, doc_id: int, error: str, *, stage: str) -> None:
        """A page failed: the page and its document are marked failed with the reason."""
        with self.tx() as conn:
            self._lock_document(conn, doc_id)
            conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id)
                .values(state="failed", error=error, updated_at=now())
            )
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

    def document_failed(self, doc_id: int, error: str, *, stage: str) -> None:
        with self.tx() as conn:
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(state="failed", error=error, updated_at=now())
            )
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
                    )
                    .join(t.record, t.record.c.id == t.document.c.record_id)
                    .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
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
        self, doc_id: int, *, pdf: dict[str, Any], columns: dict[str, Any]
    ) -> None:
        with self.tx() as conn:
            file_id = self.add_file(conn, kind="pdfa", **pdf)
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(
                    state="packaged", pdf_file_id=file_id, error=None, updated_at=now(), **columns
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

    def document_indexed(self, doc_id: int) -> None:
        with self.tx() as conn:
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(state="indexed", updated_at=now())
            )
            conn.execute(
                t.page.update()
                .where(t.page.c.document_id == doc_id)
                .values(state="indexed", updated_at=now())
            )
            self.add_event(conn, "indexed", document_id=doc_id)

    # ----------------------------------------------------------------- resume

    def unfinished_work(
        self, batch_id: int | None = None
    ) -> tuple[list[int], list[int], list[int]]:
        """Pages still to recognise, documents still to package, documents still to index."""
        with self.tx() as conn:
            pq = (
                select(t.page.c.id)
                .join(t.document, t.document.c.id == t.page.c.document_id)
                .where(t.page.c.state == "received", t.document.c.state == "pending")
            )
            dq = select(t.document.c.id, t.document.c.state).where(
                t.document.c.state.in_(("packaging", "packaged"))
            )
            if batch_id is not None:
                pq = pq.where(t.page.c.batch_id == batch_id)
                dq = dq.where(t.document.c.batch_id == batch_id)
            pages = list(conn.execute(pq.order_by(t.page.c.id)).scalars())
            docs = conn.execute(dq.order_by(t.document.c.id)).all()
        return (
            pages,
            [d.id for d in docs if d.state == "packaging"],
            [d.id for d in docs if d.state == "packaged"],
        )

    # ---------------------------------------------------------------- reading

    def batch_progress(self, batch_id: int) -> dict[str, Any]:
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
