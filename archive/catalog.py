"""The catalog: the source of truth for batches, records, documents, pages, files and events.

SQLAlchemy Core over SQLite (WAL, the embedded default) or PostgreSQL. Every state change is
one short transaction; the hand-over of a complete document to packaging is decided inside
the transaction that records its last page, with the document row locked first, so two
workers can never both package the same document.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Engine, and_, create_engine, event, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from archive import schema as t
from errors import CatalogError, NotFoundError

log = logging.getLogger(__name__)

DONE_PAGE_STATES = ("recognised", "packaged", "indexed")
MIGRATIONS = Path(__file__).with_name("migrations")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PageSource:
    file_id: int
    index: int
    kind: str


def derived_source_key(source_key: str, suffix: str) -> str:
    """The source key of a document split off another: distinct and reproducible."""
    return hashlib.sha256(f"{source_key}#{suffix}".encode()).hexdigest()


@dataclass(frozen=True)
class DocumentPart:
    """One document as a staff split or join leaves it (see ``restructure_documents``)."""

    page_ids: tuple[int, ...]
    pdf: dict[str, Any]  # the new PDF/A: path, size, sha256, media_type, original_name
    columns: dict[str, Any]  # number, issued_date, type_code, type_name, organ, summary, fields
    document_id: int | None = None  # the existing document it stays; None: a new document
    seq: int | None = None  # a new document's sequence number in the record
    name: str = ""
    origin: tuple[Any, ...] = ()  # where its pages were: (document id, first, last) triples


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
        """Bring the schema up to date by running the migrations (idempotent).

        Several workers may start at once: on PostgreSQL an advisory lock serialises them;
        SQLite's ``BEGIN IMMEDIATE`` already does.
        """
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(741200)")
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except (SQLAlchemyError, CommandError) as exc:
            raise CatalogError(f"cannot create or migrate the catalog {self.url}: {exc}") from exc

    def schema_revision(self) -> str | None:
        with self.tx() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

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

    # ------------------------------------------------------------- processing

    def _page_job(self, conn: Connection, page_id: int) -> dict | None:
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

    def page_job(self, page_id: int) -> dict:
        """The page row with its source file and document state (no claim taken)."""
        with self.tx() as conn:
            job = self._page_job(conn, page_id)
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
            job = self._page_job(conn, page_id)
        assert job is not None
        return job

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

    def release_page(self, page_id: int, *, claim: str) -> None:
        """Give a claimed page back (a transient error: it will be retried)."""
        with self.tx() as conn:
            conn.execute(
                t.page.update()
                .where(t.page.c.id == page_id, t.page.c.claim == claim)
                .values(state="received", claim=None, updated_at=now())
            )

    def _lock_document(self, conn: Connection, doc_id: int) -> dict | None:
        query = select(t.document.c.state, t.document.c.claim).where(t.document.c.id == doc_id)
        if conn.dialect.name != "sqlite":  # SQLite already holds the write lock (BEGIN IMMEDIATE)
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def page_recognised(
        self, page_id: int, doc_id: int, facts: dict[str, Any], *, claim: str
    ) -> bool:
        """Record a recognised page. True when this call completed the document: the caller
        then hands it to packaging (exactly one caller ever gets True for a document)."""
        with self.tx() as conn:
            doc = self._lock_document(conn, doc_id)
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
            self._lock_document(conn, doc_id)
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
            doc = self._lock_document(conn, doc_id)
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
            self.add_event(conn, "indexed", document_id=doc_id)
        return True

    # ----------------------------------------------------------------- resume

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

    # ------------------------------------------------- splitting and joining documents

    def _document_pages(self, conn: Connection, doc_id: int) -> list[int]:
        return list(
            conn.execute(
                select(t.page.c.id).where(t.page.c.document_id == doc_id).order_by(t.page.c.seq)
            ).scalars()
        )

    def _move_pages(self, conn: Connection, moves: Sequence[tuple[int, Sequence[int]]]) -> None:
        """Give each document its pages, numbered from 1 (two passes: seq stays unique)."""
        stamp = now()
        for _doc_id, page_ids in moves:
            for page_id in page_ids:
                conn.execute(t.page.update().where(t.page.c.id == page_id).values(seq=-page_id))
        for doc_id, page_ids in moves:
            for seq, page_id in enumerate(page_ids, start=1):
                conn.execute(
                    t.page.update()
                    .where(t.page.c.id == page_id)
                    .values(document_id=doc_id, seq=seq, updated_at=stamp)
                )

    def _insert_part(
        self,
        conn: Connection,
        base: dict[str, Any],
        *,
        seq: int,
        name: str,
        source_key: str,
        state: str,
        page_count: int,
        values: dict[str, Any] | None = None,
    ) -> int:
        """A new document split off ``base``: same record, batch and source files."""
        stamp = now()
        row = {
            "record_id": base["record_id"],
            "batch_id": base["batch_id"],
            "seq": seq,
            "name": name,
            "source_key": source_key,
            "state": state,
            "page_count": page_count,
            "fields": {},
            "split_from": base["id"],
            "created_at": stamp,
            "updated_at": stamp,
        }
        row.update(values or {})
        new_id = conn.execute(t.document.insert().values(**row)).inserted_primary_key[0]
        sources = conn.execute(
            select(t.document_source.c.position, t.document_source.c.file_id).where(
                t.document_source.c.document_id == base["id"]
            )
        ).all()
        for row in sources:
            conn.execute(
                t.document_source.insert().values(
                    document_id=new_id, position=row.position, file_id=row.file_id
                )
            )
        return new_id

    def split_claimed_document(
        self,
        doc_id: int,
        *,
        claim: str,
        parts: Sequence[Sequence[int]],
        detail: dict[str, Any],
    ) -> list[int] | None:
        """Split a document being packaged into ``parts`` (page ids in order), in one
        transaction fenced by the packaging claim.

        The first part keeps the document row; each further part becomes a new document of
        the same record and batch (``split_from`` = this document, the next free ``seq``, a
        source key derived from this one), waiting for packaging. Returns the new document
        ids, or None when the claim was lost or the pages are not the ones expected.
        """
        with self.tx() as conn:
            lock = self._lock_document(conn, doc_id)
            if lock is None or lock["state"] != "packing" or lock["claim"] != claim:
                return None
            if self._document_pages(conn, doc_id) != [p for part in parts for p in part]:
                return None
            base = dict(
                conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings().one()
            )
            new_ids = []
            moves: list[tuple[int, Sequence[int]]] = []
            for number, page_ids in enumerate(parts[1:], start=2):
                new_id = self._insert_part(
                    conn,
                    base,
                    seq=self._next_seq(conn, base["record_id"]),
                    name=f"{base['name']}#{number}",
                    source_key=derived_source_key(base["source_key"], f"part{number}"),
                    state="packaging",
                    page_count=len(page_ids),
                )
                new_ids.append(new_id)
                moves.append((new_id, page_ids))
            self._move_pages(conn, moves)
            conn.execute(
                t.document.update()
                .where(t.document.c.id == doc_id)
                .values(page_count=len(parts[0]), updated_at=now())
            )
            self.add_event(
                conn,
                "document_split",
                document_id=doc_id,
                batch_id=base["batch_id"],
                detail={**detail, "documents": [doc_id, *new_ids]},
            )
        return new_ids

    def restructure_documents(
        self,
        *,
        kind: str,
        expected: dict[int, Sequence[int]],
        parts: Sequence[DocumentPart],
        removed: Sequence[int] = (),
        superseded: dict[str, str] | None = None,
        actor: str = "sohoa",
        detail: dict[str, Any] | None = None,
        publish: Callable[[], None] = lambda: None,
    ) -> list[int]:
        """Staff split or join of archived documents, in one transaction.

        ``expected`` fences the change: each document involved must still be archived
        (packaged or indexed) and hold exactly these pages, else :class:`CatalogError`.
        Each part becomes its existing document (``document_id``) or a new document split
        off the first document of ``expected`` (at ``seq``, which must still be free); its
        pages are moved and renumbered, its PDF/A registered, its metadata ``columns`` set.
        Documents in ``removed`` (left without pages) are deleted; their events stay.
        ``superseded`` maps the stored path of each replaced PDF/A to where the old file is
        kept (its row is re-pointed there with kind ``superseded``). ``publish`` moves the
        files into place inside the transaction; an event ``kind`` is written per resulting
        document. Returns the resulting document ids in part order.
        """
        stamp = now()
        with self.tx() as conn:
            rows: dict[int, dict[str, Any]] = {}
            for doc_id, page_ids in expected.items():
                self._lock_document(conn, doc_id)
                row = conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings()
                found = row.first()
                if found is None:
                    raise NotFoundError(f"document {doc_id} is not in the catalog")
                if found["state"] not in ("packaged", "indexed"):
                    raise CatalogError(
                        f"document {doc_id} is {found['state']}: only archived documents can be "
                        "split or joined; wait until it is archived"
                    )
                if self._document_pages(conn, doc_id) != list(page_ids):
                    raise CatalogError(
                        f"document {doc_id} changed while its files were being built; "
                        "run the command again"
                    )
                rows[doc_id] = dict(found)
            base = rows[next(iter(expected))]
            for old_path, new_path in (superseded or {}).items():
                conn.execute(
                    t.stored_file.update()
                    .where(t.stored_file.c.path == old_path)
                    .values(path=new_path, kind="superseded")
                )
            result: list[int] = []
            moves: list[tuple[int, Sequence[int]]] = []
            for part in parts:
                file_id = self.add_file(conn, kind="pdfa", **part.pdf)
                values = {
                    **part.columns,
                    "page_count": len(part.page_ids),
                    "pdf_file_id": file_id,
                    "updated_at": stamp,
                }
                if part.document_id is not None:
                    doc_id = part.document_id
                    conn.execute(
                        t.document.update().where(t.document.c.id == doc_id).values(**values)
                    )
                else:
                    taken = conn.execute(
                        select(t.document.c.id).where(
                            t.document.c.record_id == base["record_id"],
                            t.document.c.seq == part.seq,
                        )
                    ).first()
                    if taken is not None or part.seq is None:
                        raise CatalogError(
                            f"sequence number {part.seq} of record {base['record_id']} was taken "
                            "meanwhile; run the command again"
                        )
                    values.pop("updated_at")
                    doc_id = self._insert_part(
                        conn,
                        base,
                        seq=part.seq,
                        name=part.name or f"{base['name']}#{part.seq}",
                        source_key=derived_source_key(
                            base["source_key"], f"manual{part.page_ids[0]}"
                        ),
                        state=base["state"],
                        values={k: v for k, v in values.items() if k != "page_count"},
                        page_count=len(part.page_ids),
                    )
                result.append(doc_id)
                moves.append((doc_id, part.page_ids))
            self._move_pages(conn, moves)
            for doc_id in removed:
                if self._document_pages(conn, doc_id):
                    raise CatalogError(f"document {doc_id} still has pages; it is kept")
                conn.execute(
                    t.document.update()
                    .where(t.document.c.split_from == doc_id)
                    .values(split_from=result[0])
                )
                conn.execute(
                    t.document_source.delete().where(t.document_source.c.document_id == doc_id)
                )
                conn.execute(t.document.delete().where(t.document.c.id == doc_id))
            conn.execute(  # a document joined with the one it was split from
                t.document.update()
                .where(t.document.c.id == result[0], t.document.c.split_from == result[0])
                .values(split_from=None)
            )
            after = [
                {"document_id": doc_id, "pages": len(part.page_ids), "from": list(part.origin)}
                for doc_id, part in zip(result, parts, strict=True)
            ]
            for doc_id in result:
                self.add_event(
                    conn,
                    kind,
                    actor=actor,
                    document_id=doc_id,
                    batch_id=base["batch_id"],
                    detail={**(detail or {}), "after": after, "removed": list(removed)},
                )
            publish()
        return result

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
