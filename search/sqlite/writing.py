"""Writing to the SQLite index: adding, replacing and removing pages and documents, merging.

A page is removed from the contentless FTS tables by replaying the values it was indexed
with (its stored text and its document's stored ``meta``). Re-indexing a page replaces it;
re-indexing a document with new fields re-indexes its other pages under the new fields.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from errors import StorageError
from search.contract import PageEntry
from search.folding import normalize
from search.sqlite.rows import ID_BITS, document_row, fts_row, sort_key
from search.sqlite.schema import CHUNK, INSERT_DOCUMENT, fts_insert, insert_fts

__all__ = [
    "PageBatch",
    "delete_document",
    "merge",
    "prepare_batch",
    "remove_documents",
    "remove_pages",
    "write_batch",
]


@dataclass
class PageBatch:
    """Pages to write, with their text work done (before the write lock is taken)."""

    latest: dict[int, PageEntry]  # page id -> its last entry
    documents: dict[int, tuple[Any, ...]]  # document id -> its row (meta last)
    pages: list[tuple[int, int, int, str]]  # (page id, document id, page no, normalised text)
    fts_rows: list[tuple[Any, ...]]  # fts_row values of those pages
    pairs: bool = False  # the index has the pair column
    numbers: bool = False  # the index has cited-number tokens


def prepare_batch(
    entries: Sequence[PageEntry], *, pairs: bool = False, numbers: bool = False
) -> PageBatch:
    """The rows of ``entries`` (document fields from the last entry of each document);
    ``pairs``, ``numbers``: the index has the pair column, the cited-number tokens.

    Raises ``StorageError`` for a document id the sort key cannot hold.
    """
    latest: dict[int, PageEntry] = {}
    last_of: dict[int, PageEntry] = {}
    for entry in entries:
        latest[entry.page_id] = entry
        last_of[entry.document_id] = entry
    for doc_id in last_of:
        if not 0 <= doc_id < 2**ID_BITS:
            raise StorageError(
                f"Document id {doc_id} is outside the range the search index accepts "
                f"(0 to 2**{ID_BITS} - 1); renumber the catalog's documents."
            )
    documents = {doc_id: document_row(e) for doc_id, e in last_of.items()}
    pages, fts_rows = [], []
    for entry in latest.values():
        text = normalize(entry.text)
        pages.append((entry.page_id, entry.document_id, entry.page_no, text))
        meta = documents[entry.document_id][-1]
        fts_rows.append(fts_row(entry.page_id, text, meta, pairs=pairs, numbers=numbers))
    return PageBatch(latest, documents, pages, fts_rows, pairs, numbers)


def write_batch(conn: sqlite3.Connection, batch: PageBatch) -> None:
    """Add or replace a batch's pages and documents (inside the caller's transaction)."""
    latest, documents = batch.latest, batch.documents
    pages, fts_rows = batch.pages, batch.fts_rows  # extended in place
    ids = list(latest)
    doc_ids = list(documents)
    old: list[tuple[int, str, int, str]] = []
    for k in range(0, len(ids), CHUNK):
        chunk = ids[k : k + CHUNK]
        old += conn.execute(
            "SELECT p.page_id, p.text, p.document_id, coalesce(d.meta, '') "
            "FROM search_pages p LEFT JOIN search_documents d "
            "ON d.document_id = p.document_id WHERE p.page_id IN "
            f"({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    pairs, numbers = batch.pairs, batch.numbers
    remove_pages(
        conn, [(pid, text, meta) for pid, text, _, meta in old], pairs=pairs, numbers=numbers
    )
    old_meta = remove_documents(conn, doc_ids)
    # Pages of these documents not given here keep their text but take the new fields.
    changed = [d for d, m in old_meta.items() if m != documents[d][-1]]
    others: list[tuple[int, int, int, str]] = []
    for k in range(0, len(changed), CHUNK):
        chunk = changed[k : k + CHUNK]
        others += conn.execute(
            "SELECT page_id, document_id, page_no, text FROM search_pages WHERE "
            f"document_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    others = [o for o in others if o[0] not in latest]
    remove_pages(
        conn,
        [(pid, text, old_meta[d]) for pid, d, _, text in others],
        pairs=pairs,
        numbers=numbers,
    )
    pages += [(pid, d, no, text) for pid, d, no, text in others]
    fts_rows += [
        fts_row(pid, text, documents[d][-1], pairs=pairs, numbers=numbers)
        for pid, d, _, text in others
    ]
    conn.executemany(
        "INSERT INTO search_pages (page_id, document_id, page_no, text) VALUES (?, ?, ?, ?)",
        pages,
    )
    insert_fts(conn, fts_rows)
    conn.executemany(INSERT_DOCUMENT, documents.values())
    conn.executemany(
        "INSERT INTO search_docfts (rowid, meta) VALUES (?, ?)",
        ((sort_key(row[9], d), row[-1]) for d, row in documents.items()),
    )
    _drop_emptied(conn, {doc for _, _, doc, _ in old} - set(documents))


def _drop_emptied(conn: sqlite3.Connection, doc_ids: set[int]) -> None:
    """Remove those documents left without pages (a page moved to another document)."""
    for doc in doc_ids:
        if conn.execute(
            "SELECT 1 FROM search_pages WHERE document_id = ? LIMIT 1", (doc,)
        ).fetchone():
            continue
        remove_documents(conn, [doc])
        conn.execute("DELETE FROM search_documents WHERE document_id = ?", (doc,))


def remove_pages(
    conn: sqlite3.Connection,
    rows: Sequence[tuple[int, str, str]],
    *,
    pairs: bool = False,
    numbers: bool = False,
) -> None:
    """Remove pages given as (page id, stored text, its document's stored meta)."""
    # Contentless table: a row is removed by replaying the values it was indexed with.
    values = [fts_row(pid, text, meta, pairs=pairs, numbers=numbers) for pid, text, meta in rows]
    if values:
        conn.executemany(fts_insert(len(values[0]), delete=True), values)
    conn.executemany("DELETE FROM search_pages WHERE page_id = ?", ((pid,) for pid, _, _ in rows))


def remove_documents(conn: sqlite3.Connection, doc_ids: Sequence[int]) -> dict[int, str]:
    """Remove documents from ``search_docfts``; return their stored meta by id."""
    old: dict[int, str] = {}
    for k in range(0, len(doc_ids), CHUNK):
        chunk = doc_ids[k : k + CHUNK]
        rows = conn.execute(
            "SELECT document_id, issued, meta FROM search_documents WHERE document_id IN "
            f"({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        conn.executemany(
            "INSERT INTO search_docfts (search_docfts, rowid, meta) VALUES ('delete', ?, ?)",
            ((sort_key(issued, d), m) for d, issued, m in rows),
        )
        old.update((d, m) for d, _, m in rows)
    return old


def delete_document(
    conn: sqlite3.Connection, document_id: int, *, pairs: bool = False, numbers: bool = False
) -> None:
    """Remove a document and all its pages (nothing happens if it is not indexed)."""
    rows = conn.execute(
        "SELECT p.page_id, p.text, coalesce(d.meta, '') FROM search_pages p "
        "LEFT JOIN search_documents d ON d.document_id = p.document_id "
        "WHERE p.document_id = ?",
        (document_id,),
    ).fetchall()
    remove_pages(conn, rows, pairs=pairs, numbers=numbers)
    remove_documents(conn, [document_id])
    conn.execute("DELETE FROM search_documents WHERE document_id = ?", (document_id,))


def merge(conn: sqlite3.Connection) -> None:
    """Merge each FTS table into one segment (after a bulk load; faster queries)."""
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO search_docfts (search_docfts) VALUES ('optimize')")
