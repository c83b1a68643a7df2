"""Splitting and joining documents: a document being packaged split into parts, and the
staff split or join of archived documents, each in one transaction fenced by what the caller
saw (the packaging claim, or the pages each document held)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from archive import schema as t
from archive.catalog.core import now
from archive.catalog.document_rows import document_pages, lock_document, next_seq
from archive.catalog.events import EventLog
from archive.catalog.stored_files import StoredFiles
from errors import CatalogError, NotFoundError


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


def _move_pages(conn: Connection, moves: Sequence[tuple[int, Sequence[int]]]) -> None:
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


def _archived_rows(
    conn: Connection, expected: dict[int, Sequence[int]]
) -> dict[int, dict[str, Any]]:
    """Lock and read each expected document, checking it is archived with these pages."""
    rows: dict[int, dict[str, Any]] = {}
    for doc_id, page_ids in expected.items():
        lock_document(conn, doc_id)
        row = conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings()
        found = row.first()
        if found is None:
            raise NotFoundError(f"document {doc_id} is not in the catalog")
        if found["state"] not in ("packaged", "indexed"):
            raise CatalogError(
                f"document {doc_id} is {found['state']}: only archived documents can be "
                "split or joined; wait until it is archived"
            )
        if document_pages(conn, doc_id) != list(page_ids):
            raise CatalogError(
                f"document {doc_id} changed while its files were being built; run the command again"
            )
        rows[doc_id] = dict(found)
    return rows


def _supersede(conn: Connection, superseded: dict[str, str]) -> None:
    """Re-point the rows of replaced PDF/A files to where the old files are kept."""
    for old_path, new_path in superseded.items():
        conn.execute(
            t.stored_file.update()
            .where(t.stored_file.c.path == old_path)
            .values(path=new_path, kind="superseded")
        )


def _write_part(
    conn: Connection, part: DocumentPart, base: dict[str, Any], *, file_id: int, stamp: Any
) -> int:
    """Set a part's columns and PDF/A on its document, or insert it as a new document."""
    values = {
        **part.columns,
        "page_count": len(part.page_ids),
        "pdf_file_id": file_id,
        "updated_at": stamp,
    }
    if part.document_id is not None:
        doc_id = part.document_id
        conn.execute(t.document.update().where(t.document.c.id == doc_id).values(**values))
        return doc_id
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
    return _insert_part(
        conn,
        base,
        seq=part.seq,
        name=part.name or f"{base['name']}#{part.seq}",
        source_key=derived_source_key(base["source_key"], f"manual{part.page_ids[0]}"),
        state=base["state"],
        values={k: v for k, v in values.items() if k != "page_count"},
        page_count=len(part.page_ids),
    )


def _remove_documents(conn: Connection, removed: Sequence[int], *, heir: int) -> None:
    """Delete documents left without pages; parts split off them now come from ``heir``."""
    for doc_id in removed:
        if document_pages(conn, doc_id):
            raise CatalogError(f"document {doc_id} still has pages; it is kept")
        conn.execute(
            t.document.update().where(t.document.c.split_from == doc_id).values(split_from=heir)
        )
        conn.execute(t.document_source.delete().where(t.document_source.c.document_id == doc_id))
        conn.execute(t.document.delete().where(t.document.c.id == doc_id))
    conn.execute(  # a document joined with the one it was split from
        t.document.update()
        .where(t.document.c.id == heir, t.document.c.split_from == heir)
        .values(split_from=None)
    )


class Restructuring(StoredFiles, EventLog):
    """Splitting documents at packaging, and staff splits and joins of archived ones."""

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
            lock = lock_document(conn, doc_id)
            if lock is None or lock["state"] != "packing" or lock["claim"] != claim:
                return None
            if document_pages(conn, doc_id) != [p for part in parts for p in part]:
                return None
            base = dict(
                conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings().one()
            )
            new_ids = []
            moves: list[tuple[int, Sequence[int]]] = []
            for number, page_ids in enumerate(parts[1:], start=2):
                new_id = _insert_part(
                    conn,
                    base,
                    seq=next_seq(conn, base["record_id"]),
                    name=f"{base['name']}#{number}",
                    source_key=derived_source_key(base["source_key"], f"part{number}"),
                    state="packaging",
                    page_count=len(page_ids),
                )
                new_ids.append(new_id)
                moves.append((new_id, page_ids))
            _move_pages(conn, moves)
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
            base = _archived_rows(conn, expected)[next(iter(expected))]
            _supersede(conn, superseded or {})
            result: list[int] = []
            moves: list[tuple[int, Sequence[int]]] = []
            for part in parts:
                file_id = self.add_file(conn, kind="pdfa", **part.pdf)
                doc_id = _write_part(conn, part, base, file_id=file_id, stamp=stamp)
                result.append(doc_id)
                moves.append((doc_id, part.page_ids))
            _move_pages(conn, moves)
            _remove_documents(conn, removed, heir=result[0])
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
