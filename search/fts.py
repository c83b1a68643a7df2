"""The embedded search index: SQLite FTS5, possibly in the same file as the catalog.

Tables (all prefixed ``search_`` so they can share the catalog's database):

- ``search_pages``: one row per page (page id, document id, page number, normalised text).
- ``search_documents``: one row per document with the display and filter fields, their
  folded keys (number, type, organ), the record's ``unit`` and ``access`` mode, and ``meta``,
  the document's filter tokens (see ``_meta``).
- ``search_fts``: a contentless FTS5 table (rowid = page id) with three columns: ``exact``,
  each accented word of the page once (lower-cased, no positions needed), ``folded`` (the
  whole text folded, see ``search.folding.fold``, positions for phrases) and ``meta`` (the
  document's filter tokens: type, organ words, year/month/day, fonds, record, access, unit,
  grant key); tokenizer ``unicode61 remove_diacritics 0`` since folding is done here, before
  indexing and on queries. One table, so "accented as typed AND folded AND filters AND
  visible to this user" is one FTS5 query, walked in rowid order and stopped at a limit:
  filters and access never post-filter a page of results, and totals stay right.
  Contentless keeps the page text stored once; a page is removed from them by replaying the
  values computed from the stored text and its document's stored ``meta``, so ``FOLD_VERSION``
  is recorded and a change of the folding rebuilds the FTS tables from ``search_pages``.
- ``search_docfts``: contentless FTS5 over the documents' ``meta`` with rowid = issued date
  (YYYYMMDD, undated last) << 32 | document id, so listing by filters alone is one FTS5 query
  already in date order (ascending, or descending with the undated ones last).
- ``search_meta``: key/value (the folding version, the layout version).

Searching scales to millions of pages by never scoring every match: the ranking tiers (number,
exact accents with the phrase, exact accents, phrase, any match) are each fetched as at most
``candidate_cap`` pages (newest first), and documents are ranked tier by tier. When the last
tier reaches the cap the total is a lower bound (``SearchResults.total_exact`` is False).
While the index is small (``bm25_max_pages``) documents are ordered by bm25 within a tier;
beyond that bm25 (which reads every match of every word) is replaced by the number of matching
pages, then the newest document.

Reads open their own connection; writes go through one connection per process, kept open
(its page cache stays warm for FTS5's merges) and guarded by a lock, so one ``SqliteIndex``
may be shared by threads.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from errors import CatalogError, QueryError, StorageError
from search.folding import FOLD_VERSION, fold, fold_normalized, lower_normalized, normalize
from search.query import (
    ParsedQuery,
    number_key,
    split_query,
    tokenize,
)
from search.snippets import make_snippet

__all__ = [
    "SORTS",
    "Access",
    "DocumentHit",
    "Facets",
    "PageEntry",
    "PageHit",
    "SearchQuery",
    "SearchIndex",
    "SearchResults",
    "SqliteIndex",
    "record_key",
]

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
FACET_SIZE = 20  # values per facet
CANDIDATE_CAP = 1000  # pages fetched per ranking tier
SCAN_CAP = 20_000  # matching pages read per tier when "-word" or text + number apply
FACET_CAP = 2_000  # matching pages (text) or documents (filters only) counted by facets
# (reading 5,000 pages cost 45 ms a query at 100k pages, 2,000 about 15 ms)
BM25_MAX_PAGES = 20_000  # above this many pages, no bm25 (it reads every match: 85 vs 33 ms
# per query at 100k pages)
SNIPPET_PAGES = 2  # snippets per document when <= 10 documents are shown (else 1); others ""
LAYOUT = "2"  # version of the table layout below; another value rebuilds the FTS tables
LIST_COUNT_CAP = 100_000  # documents counted exactly when listing by filters only
_UNDATED = 99_999_999  # date part of the sort key of a document without an issued date
_ID_BITS = 32  # document ids are below 2**32 (the low bits of the sort key)
MAX_READERS = 8  # idle reader connections kept per process
_CHUNK = 500  # ids per "IN (...)" list, well under SQLite's variable limit
WRITER_CACHE_KIB = 65_536  # page cache of the writer connection (FTS5 merges reread segments)
AUTOMERGE = 16  # FTS5 segments merged at once
CRISISMERGE = 64  # FTS5 segments on one level that force a merge
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_ID_MASK = (1 << 32) - 1


@dataclass(frozen=True)
class PageEntry:
    """What the pipeline gives the index for one page (document fields repeated per page)."""

    page_id: int
    document_id: int
    page_no: int  # 1-based within the document
    text: str
    number: str = ""  # "141/KH-UBND"
    type_code: str = ""
    type_name: str = ""
    organ: str = ""
    issued: str = ""  # ISO date or ""
    title: str = ""
    record: str = ""  # record code (unique within its fonds)
    fonds: str = ""  # fonds code
    unit: str = ""  # code of the unit owning the record
    access: str = "01"  # the record's access mode: "01" public, "02" conditional, "03" secret


def record_key(fonds: str, record: str) -> str:
    """The key of a record in ``Access.records``: ``"FONDS/RECORD"`` (codes as indexed)."""
    return f"{fonds.strip()}/{record.strip()}"


@dataclass(frozen=True)
class Access:
    """Who is asking. None on SearchQuery means unrestricted (staff/admin, CLI).

    A document is visible iff its access mode is ``"01"`` (public), or it is ``"02"``
    (conditional) and its unit is in ``units``, or its record is in ``records`` (any mode,
    including ``"03"`` secret). ``records`` holds ``record_key(fonds, record)`` strings,
    ``"FONDS/RECORD"``, because record codes are only unique within a fonds. Any other access
    mode (or an empty one) is visible only through ``records``.
    """

    units: frozenset[str] = frozenset()  # units whose '02' records this user may see
    records: frozenset[str] = frozenset()  # "FONDS/RECORD" keys granted explicitly


SORTS = ("relevance", "date_desc", "date_asc")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    type: str | None = None  # type_code or type_name, folded, exact
    organ: str | None = None  # folded substring of the organ
    date_from: str | None = None  # ISO (YYYY, YYYY-MM or YYYY-MM-DD), inclusive
    date_to: str | None = None
    number: str | None = None  # number/symbol lookup, tolerant of spaces and case
    limit: int = 20
    offset: int = 0
    fonds: str | None = None  # fonds code, exact
    record: str | None = None  # record code, exact
    # "relevance" | "date_desc" | "date_asc": date sorts order documents by issued date,
    # documents without a date last. Without text, "relevance" lists by date ascending.
    sort: str = "relevance"
    access: Access | None = None  # None: unrestricted (staff, CLI)


@dataclass(frozen=True)
class Facets:
    """Counts of matching documents (hidden ones never counted), top 20 each, count desc.

    ``exact`` is False when the match set was too large to count in full (more than
    ``SqliteIndex.facet_cap`` matching pages or documents; on Elasticsearch, past the
    cardinality threshold): the counts then cover the newest (text) or oldest (filters only)
    matches.
    """

    types: tuple[tuple[str, int], ...]  # (type name, documents)
    organs: tuple[tuple[str, int], ...]  # (issuing body, documents)
    years: tuple[tuple[str, int], ...]  # ("2024", documents)
    exact: bool = True


@dataclass(frozen=True)
class PageHit:
    page_id: int
    page_no: int
    snippet: str  # matches wrapped in "[[" and "]]"


@dataclass(frozen=True)
class DocumentHit:
    document_id: int
    number: str
    type_name: str
    organ: str
    issued: str
    title: str
    record: str
    fonds: str
    pages: tuple[PageHit, ...]
    exact: bool  # the number matched, or a page holds the accented words as typed
    score: float  # higher is better (negated best bm25 of its pages; 0 when not ranked)


@dataclass(frozen=True)
class SearchResults:
    total: int  # matching documents (a lower bound when total_exact is False)
    hits: tuple[DocumentHit, ...]
    total_exact: bool = True  # False: more documents match than were counted ("at least")


class SearchIndex(Protocol):
    """What every index backend offers (SQLite FTS5 here; Elasticsearch when scaled out)."""

    def ensure_schema(self) -> None: ...
    def index_pages(self, entries: Sequence[PageEntry]) -> None: ...
    def delete_document(self, document_id: int) -> None: ...
    def count(self) -> int: ...
    def search(self, query: SearchQuery) -> SearchResults: ...
    def facets(self, query: SearchQuery) -> Facets: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_documents (
    document_id INTEGER PRIMARY KEY,
    number TEXT NOT NULL, number_key TEXT NOT NULL,
    type_code TEXT NOT NULL, type_code_key TEXT NOT NULL,
    type_name TEXT NOT NULL, type_name_key TEXT NOT NULL,
    organ TEXT NOT NULL, organ_key TEXT NOT NULL,
    issued TEXT NOT NULL, title TEXT NOT NULL, record TEXT NOT NULL, fonds TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '', access TEXT NOT NULL DEFAULT '01',
    meta TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS search_documents_number ON search_documents (number_key);
CREATE INDEX IF NOT EXISTS search_documents_issued ON search_documents (issued);
CREATE TABLE IF NOT EXISTS search_pages (
    page_id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL,
    page_no INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_pages_document ON search_pages (document_id, page_no);
"""
_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "exact, folded, meta, content='', tokenize='unicode61 remove_diacritics 0')"
)
_DOC_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_docfts USING fts5("
    "meta, content='', tokenize='unicode61 remove_diacritics 0')"
)
_INSERT_DOCUMENT = (
    "INSERT OR REPLACE INTO search_documents (document_id, number, number_key, type_code, "
    "type_code_key, type_name, type_name_key, organ, organ_key, issued, title, record, fonds, "
    "unit, access, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_DOC_COLUMNS = "d.document_id, d.number, d.type_name, d.organ, d.issued, d.title, d.record, d.fonds"


def _key(text: str) -> str:
    return " ".join(fold(text).split())


class SqliteIndex:
    """Search index in a SQLite database file (shared with the catalog or not)."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.candidate_cap = CANDIDATE_CAP
        self.scan_cap = SCAN_CAP
        self.facet_cap = FACET_CAP
        self.bm25_max_pages = BM25_MAX_PAGES
        self._pages_at: tuple[float, int] | None = None
        self._ready = False
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._writer_pid = 0
        self._read_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._readers_pid = os.getpid()
        self._gen_conn: sqlite3.Connection | None = None
        self._gen_pid = 0

    # -- connections -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # WAL + NORMAL: never corrupt; a crash may lose the last commits (re-index them).
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StorageError(
                f"Cannot open the search database {self.path}: {exc}; check the path and its "
                "permissions.",
                path=self.path,
            ) from exc
        return conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite errors into the package's typed errors."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise StorageError(
                    f"The search database {self.path} stayed locked for {self.timeout:g} s; "
                    "retry when the other writer has finished.",
                    path=self.path,
                ) from exc
            raise CatalogError(
                f"The search index in {self.path} failed: {exc}; run a reindex if it persists.",
                path=self.path,
            ) from exc
        except sqlite3.Error as exc:
            raise CatalogError(
                f"The search index in {self.path} failed: {exc}; run a reindex if it persists.",
                path=self.path,
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A reader connection from this process's pool (autocommit: every statement sees
        the latest commit). Reusing connections keeps their page cache and parsed schema
        warm: a fresh connection per query cost about a third of a short search."""
        conn = None
        with self._read_lock:
            if self._readers_pid != os.getpid():
                self._readers = []  # after a fork, never reuse the parent's connections
                self._readers_pid = os.getpid()
            elif self._readers:
                conn = self._readers.pop()
        if conn is None:
            conn = self._open()
        healthy = False
        try:
            with self._errors():
                yield conn
            healthy = not conn.in_transaction
        finally:
            with self._read_lock:
                pooled = self._readers_pid == os.getpid() and len(self._readers) < MAX_READERS
                if healthy and pooled:
                    self._readers.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def generation(self) -> int:
        """A number that changes whenever anything commits to the index, in any process
        (SQLite's ``data_version`` on a connection kept for that): lets callers cache
        results until the index changes."""
        with self._read_lock:
            if self._gen_conn is None or self._gen_pid != os.getpid():
                self._gen_conn = self._open()
                self._gen_pid = os.getpid()
            with self._errors():
                return int(self._gen_conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this process's writer connection (kept open, so its page
        cache stays warm across transactions; writes are serialised by a lock, as SQLite
        serialises writers anyway)."""
        self._ensure_ready()
        with self._write_lock:
            if self._writer is None or self._writer_pid != os.getpid():
                self._writer = self._open()  # after a fork, never reuse the parent's
                self._writer.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
                self._writer_pid = os.getpid()
            conn = self._writer
            try:
                with self._errors():
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
            except BaseException:
                self._close_writer()  # start the next write from a fresh connection
                raise

    def _close_writer(self) -> None:
        if self._writer is not None and self._writer_pid == os.getpid():
            self._writer.close()
        self._writer = None

    def _ensure_ready(self) -> None:
        if not self._ready:
            self.ensure_schema()

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the tables if missing (WAL mode); rebuild the FTS table if folding changed."""
        with self._lock:
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    columns = {r[1] for r in conn.execute("PRAGMA table_info(search_documents)")}
                    for name, default in (("unit", "''"), ("access", "'01'"), ("meta", "''")):
                        if name not in columns:  # an index built before access control
                            conn.execute(
                                f"ALTER TABLE search_documents ADD COLUMN {name} TEXT NOT NULL "
                                f"DEFAULT {default}"
                            )
                    meta = dict(conn.execute("SELECT key, value FROM search_meta").fetchall())
                    if meta and meta.get("layout", "1") != LAYOUT:
                        log.info("search index layout changed: rebuilding the FTS tables")
                        self._rebuild_fts(conn)
                    _create_fts(conn)
                    version = meta.get("fold_version")
                    if version is not None and version != str(FOLD_VERSION):
                        log.info(
                            "search folding changed (%s -> %s): rebuilding the FTS tables",
                            version,
                            FOLD_VERSION,
                        )
                        self._rebuild_fts(conn)
                    conn.executemany(
                        "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)",
                        [("fold_version", str(FOLD_VERSION)), ("layout", LAYOUT)],
                    )
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            self._ready = True

    @staticmethod
    def _rebuild_fts(conn: sqlite3.Connection) -> None:
        conn.execute("DROP TABLE IF EXISTS search_fts")
        conn.execute("DROP TABLE IF EXISTS search_docfts")
        _create_fts(conn)
        last = -(2**63)
        while True:  # documents: recompute their filter tokens
            docs = conn.execute(
                "SELECT document_id, type_code, type_name, organ, issued, fonds, record, unit, "
                "access FROM search_documents WHERE document_id > ? ORDER BY document_id LIMIT ?",
                (last, _CHUNK),
            ).fetchall()
            if not docs:
                break
            last = docs[-1][0]
            metas = [(doc[0], doc[4], _meta(*doc[1:])) for doc in docs]
            conn.executemany(
                "UPDATE search_documents SET meta = ? WHERE document_id = ?",
                ((m, d) for d, _, m in metas),
            )
            conn.executemany(
                "INSERT INTO search_docfts (rowid, meta) VALUES (?, ?)",
                ((_sort_key(issued, d), m) for d, issued, m in metas),
            )
        last = -(2**63)
        while True:  # in chunks: the whole archive's text does not fit in memory
            rows = conn.execute(
                "SELECT p.page_id, p.text, coalesce(d.meta, '') FROM search_pages p "
                "LEFT JOIN search_documents d ON d.document_id = p.document_id "
                "WHERE p.page_id > ? ORDER BY p.page_id LIMIT ?",
                (last, _CHUNK),
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            renormalized = [(pid, normalize(text), m) for pid, text, m in rows]
            conn.executemany(
                "UPDATE search_pages SET text = ? WHERE page_id = ?",
                ((text, pid) for pid, text, _ in renormalized),
            )
            _insert_fts(conn, [_fts_row(pid, t, m) for pid, t, m in renormalized])

    def rebuild(self) -> None:
        """Rebuild the full-text table from the stored page texts."""
        with self._transaction() as conn:
            self._rebuild_fts(conn)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _remove_pages(conn: sqlite3.Connection, rows: Sequence[tuple[int, str, str]]) -> None:
        """Remove pages given as (page id, stored text, its document's stored meta)."""
        # Contentless table: a row is removed by replaying the values it was indexed with.
        values = [_fts_row(pid, text, meta) for pid, text, meta in rows]
        conn.executemany(
            "INSERT INTO search_fts (search_fts, rowid, exact, folded, meta) "
            "VALUES ('delete', ?, ?, ?, ?)",
            values,
        )
        conn.executemany(
            "DELETE FROM search_pages WHERE page_id = ?", ((pid,) for pid, _, _ in rows)
        )

    @staticmethod
    def _remove_documents(conn: sqlite3.Connection, doc_ids: Sequence[int]) -> dict[int, str]:
        """Remove documents from ``search_docfts``; return their stored meta by id."""
        old: dict[int, str] = {}
        for k in range(0, len(doc_ids), _CHUNK):
            chunk = doc_ids[k : k + _CHUNK]
            rows = conn.execute(
                "SELECT document_id, issued, meta FROM search_documents WHERE document_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            conn.executemany(
                "INSERT INTO search_docfts (search_docfts, rowid, meta) VALUES ('delete', ?, ?)",
                ((_sort_key(issued, d), m) for d, issued, m in rows),
            )
            old.update((d, m) for d, _, m in rows)
        return old

    def index_pages(self, entries: Sequence[PageEntry]) -> None:
        """Add or replace pages (and their documents' fields); re-indexing never duplicates.

        The document fields are taken from the last entry given for each document.
        """
        if not entries:
            return
        latest: dict[int, PageEntry] = {}
        last_of: dict[int, PageEntry] = {}
        for entry in entries:
            latest[entry.page_id] = entry
            last_of[entry.document_id] = entry
        for doc_id in last_of:
            if not 0 <= doc_id < 2**_ID_BITS:
                raise StorageError(
                    f"Document id {doc_id} is outside the range the search index accepts "
                    f"(0 to 2**{_ID_BITS} - 1); renumber the catalog's documents."
                )
        documents = {doc_id: _document_row(e) for doc_id, e in last_of.items()}
        ids = list(latest)
        doc_ids = list(documents)
        # Text work happens before the write lock is taken.
        pages, fts_rows = [], []
        for entry in latest.values():
            text = normalize(entry.text)
            pages.append((entry.page_id, entry.document_id, entry.page_no, text))
            fts_rows.append(_fts_row(entry.page_id, text, documents[entry.document_id][-1]))
        with self._transaction() as conn:
            old: list[tuple[int, str, int, str]] = []
            for k in range(0, len(ids), _CHUNK):
                chunk = ids[k : k + _CHUNK]
                old += conn.execute(
                    "SELECT p.page_id, p.text, p.document_id, coalesce(d.meta, '') "
                    "FROM search_pages p LEFT JOIN search_documents d "
                    "ON d.document_id = p.document_id WHERE p.page_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            self._remove_pages(conn, [(pid, text, meta) for pid, text, _, meta in old])
            old_meta = self._remove_documents(conn, doc_ids)
            # Pages of these documents not given here keep their text but take the new fields.
            changed = [d for d, m in old_meta.items() if m != documents[d][-1]]
            others: list[tuple[int, int, int, str]] = []
            for k in range(0, len(changed), _CHUNK):
                chunk = changed[k : k + _CHUNK]
                others += conn.execute(
                    "SELECT page_id, document_id, page_no, text FROM search_pages WHERE "
                    f"document_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            others = [o for o in others if o[0] not in latest]
            self._remove_pages(conn, [(pid, text, old_meta[d]) for pid, d, _, text in others])
            pages += [(pid, d, no, text) for pid, d, no, text in others]
            fts_rows += [_fts_row(pid, text, documents[d][-1]) for pid, d, _, text in others]
            conn.executemany(
                "INSERT INTO search_pages (page_id, document_id, page_no, text) "
                "VALUES (?, ?, ?, ?)",
                pages,
            )
            _insert_fts(conn, fts_rows)
            conn.executemany(_INSERT_DOCUMENT, documents.values())
            conn.executemany(
                "INSERT INTO search_docfts (rowid, meta) VALUES (?, ?)",
                ((_sort_key(row[9], d), row[-1]) for d, row in documents.items()),
            )
            # A page moved to another document may leave its old document empty.
            for doc in {doc for _, _, doc, _ in old} - set(documents):
                if conn.execute(
                    "SELECT 1 FROM search_pages WHERE document_id = ? LIMIT 1", (doc,)
                ).fetchone():
                    continue
                self._remove_documents(conn, [doc])
                conn.execute("DELETE FROM search_documents WHERE document_id = ?", (doc,))

    def optimize(self) -> None:
        """Merge the full-text index into one segment (after a bulk load; faster queries)."""
        with self._transaction() as conn:
            conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            conn.execute("INSERT INTO search_docfts (search_docfts) VALUES ('optimize')")
        with self._connect() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_document(self, document_id: int) -> None:
        """Remove a document and all its pages (no error if it is not indexed)."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT p.page_id, p.text, coalesce(d.meta, '') FROM search_pages p "
                "LEFT JOIN search_documents d ON d.document_id = p.document_id "
                "WHERE p.document_id = ?",
                (document_id,),
            ).fetchall()
            self._remove_pages(conn, rows)
            self._remove_documents(conn, [document_id])
            conn.execute("DELETE FROM search_documents WHERE document_id = ?", (document_id,))

    def get_meta(self, key: str) -> str | None:
        """A value stored with the index (e.g. a reindex checkpoint), or None."""
        self._ensure_ready()
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM search_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        """Store (or with None remove) a value with the index."""
        with self._transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM search_meta WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)", (key, value)
                )

    def document_ids(self, *, batch: int = 10_000) -> Iterator[int]:
        """Every indexed document id, ascending, read in batches (bounded memory)."""
        self._ensure_ready()
        last = -(2**63)
        while True:
            with self._connect() as conn:
                rows = conn.execute(
                    "SELECT document_id FROM search_documents WHERE document_id > ? "
                    "ORDER BY document_id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            for (doc_id,) in rows:
                yield int(doc_id)
            last = rows[-1][0]

    def close(self) -> None:
        """Close the writer connection (reads open and close their own)."""
        with self._write_lock:
            self._close_writer()
        with self._read_lock:
            readers, self._readers = self._readers, []
            if self._gen_conn is not None and self._gen_pid == os.getpid():
                readers.append(self._gen_conn)
            self._gen_conn = None
        for conn in readers:
            conn.close()

    def count(self) -> int:
        """Number of pages indexed."""
        self._ensure_ready()
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM search_pages").fetchone()[0])

    # -- searching ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Documents matching ``query``, best first (see the package docs for the ranking)."""
        if not 1 <= query.limit <= MAX_LIMIT:
            raise QueryError(f"The result limit must be between 1 and {MAX_LIMIT}.")
        if query.offset < 0:
            raise QueryError("The result offset cannot be negative.")
        parsed, num, filters = _prepare(query)
        self._ensure_ready()
        with self._connect() as conn:
            meta = self._meta_expr(conn, filters)
            if parsed is None and num is None:
                return self._list(conn, query, meta, filters)
            return self._search_text(conn, query, parsed, num, meta, filters)

    def facets(self, query: SearchQuery) -> Facets:
        """Matching documents counted per type name, issuing body and issue year.

        Same matching, filters and access as ``search`` (``limit``, ``offset`` and ``sort``
        are ignored). At most ``facet_cap`` matching pages (a text query, newest first) or
        documents (filters only, oldest first) are counted; past that ``exact`` is False.
        """
        parsed, num, filters = _prepare(query)
        self._ensure_ready()
        with self._connect() as conn:
            meta = self._meta_expr(conn, filters)
            if parsed is None and num is None:
                keys = [
                    r[0]
                    for r in conn.execute(
                        "SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m "
                        "ORDER BY rowid LIMIT :scan",
                        {"m": meta, "scan": self.facet_cap + 1},
                    )
                ]
                exact = len(keys) <= self.facet_cap
                ids = sorted(k & _ID_MASK for k in keys[: self.facet_cap])
                sql, params = filters.sql, filters.params
            else:
                plan = self._plan(conn, parsed, num, meta, filters)
                where = "".join(f" AND {f}" for f in plan.filters)
                q = {"q": plan.tiers[-1][2], "scan": self.facet_cap}
                found = conn.execute(
                    "SELECT DISTINCT p.document_id FROM (SELECT rowid FROM search_fts WHERE "
                    "search_fts MATCH :q ORDER BY rowid DESC LIMIT :scan) f "
                    "CROSS JOIN search_pages p ON p.page_id = f.rowid "
                    "CROSS JOIN search_documents d ON d.document_id = p.document_id "
                    f"WHERE 1{where}",
                    {**plan.params, **q},
                ).fetchall()
                beyond = conn.execute(
                    "SELECT rowid FROM search_fts WHERE search_fts MATCH :q "
                    "ORDER BY rowid DESC LIMIT 1 OFFSET :scan",
                    q,
                ).fetchone()
                exact = beyond is None
                ids = sorted({r[0] for r in found} | set(plan.number_docs))
                sql, params = [], {}
            rows = []
            extra = "".join(f" AND {f}" for f in sql)
            for k in range(0, len(ids), _CHUNK):
                marks, named = _id_params(ids[k : k + _CHUNK])
                rows += conn.execute(
                    "SELECT d.type_name, d.organ, substr(d.issued, 1, 4) FROM search_documents d "
                    f"WHERE d.document_id IN ({marks}){extra}",
                    {**params, **named},
                ).fetchall()
        return _facets(rows, exact=exact)

    def _meta_expr(self, conn: sqlite3.Connection, filters: _Filters) -> str | None:
        """The FTS5 expression of the filters on the ``meta`` column, or None if none."""
        clauses = list(filters.clauses)
        if filters.dates is not None:
            lo, hi = filters.dates
            if lo is None or hi is None:
                # Open range: bounded by the dates present in the index.
                # Two index lookups (min and max in one query would scan the table).
                ends = [
                    conn.execute(
                        "SELECT issued FROM search_documents WHERE issued <> '' "
                        f"ORDER BY issued {order} LIMIT 1"
                    ).fetchone()
                    for order in ("ASC", "DESC")
                ]
                first = ends[0][0] if ends[0] else "2000"
                last = ends[1][0] if ends[1] else "2000"
                lo = lo or (int(first[:4]), 1, 1)
                hi = hi or (int(last[:4]), 12, 31)
            tokens = _date_cover(lo, hi) or ["x"]
            clauses.append("meta : (" + " OR ".join(tokens) + ")")
        if not clauses:
            return None
        return " AND ".join(f"({c})" for c in clauses)

    def _list(
        self,
        conn: sqlite3.Connection,
        query: SearchQuery,
        meta: str | None,
        filters: _Filters,
    ) -> SearchResults:
        """Documents matching the filters only, by issued date (``search_docfts`` order)."""
        if meta is None:
            raise QueryError("The search is empty; type a word or a number, or choose a filter.")
        cap = max(LIST_COUNT_CAP, query.offset + query.limit)
        total = conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m "
            "LIMIT :cap)",
            {"m": meta, "cap": cap + 1},
        ).fetchone()[0]
        select = "SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m"
        page = {"m": meta, "limit": query.limit, "offset": query.offset}
        if query.sort == "date_desc":
            # Newest first, then the undated documents (whose keys are the largest).
            undated = _UNDATED << _ID_BITS
            keys = [
                r[0]
                for r in conn.execute(
                    f"{select} AND rowid < :u ORDER BY rowid DESC LIMIT :limit OFFSET :offset",
                    {**page, "u": undated},
                )
            ]
            if len(keys) < query.limit:
                dated = conn.execute(
                    f"SELECT COUNT(*) FROM ({select} AND rowid < :u)", {"m": meta, "u": undated}
                ).fetchone()[0]
                keys += [
                    r[0]
                    for r in conn.execute(
                        f"{select} AND rowid >= :u ORDER BY rowid LIMIT :limit OFFSET :offset",
                        {
                            "m": meta,
                            "u": undated,
                            "limit": query.limit - len(keys),
                            "offset": max(0, query.offset - dated),
                        },
                    )
                ]
        else:
            keys = [
                r[0]
                for r in conn.execute(f"{select} ORDER BY rowid LIMIT :limit OFFSET :offset", page)
            ]
        ids = [k & _ID_MASK for k in keys]
        rows = self._documents(conn, ids, filters)
        first_pages = self._first_pages(conn, [d for d in ids if d in rows])
        hits = tuple(
            _document_hit(rows[d], first_pages.get(d, ()), exact=False, score=0.0)
            for d in ids
            if d in rows
        )
        return SearchResults(total=min(int(total), cap), hits=hits, total_exact=total <= cap)

    @staticmethod
    def _documents(
        conn: sqlite3.Connection, ids: Sequence[int], filters: _Filters
    ) -> dict[int, Sequence[Any]]:
        """Display rows of documents by id, re-checked against the SQL access condition."""
        extra = "".join(f" AND {f}" for f in filters.sql)
        out: dict[int, Sequence[Any]] = {}
        for k in range(0, len(ids), _CHUNK):
            marks, named = _id_params(ids[k : k + _CHUNK])
            for row in conn.execute(
                f"SELECT {_DOC_COLUMNS} FROM search_documents d WHERE d.document_id IN "
                f"({marks}){extra}",
                {**filters.params, **named},
            ):
                out[row[0]] = row
        return out

    def _use_bm25(self, conn: sqlite3.Connection) -> bool:
        """bm25 only while the index is small (it reads every match of every word)."""
        now = time.monotonic()
        if self._pages_at is None or now - self._pages_at[0] > 60:
            pages = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM search_pages LIMIT ?)",
                (self.bm25_max_pages + 1,),
            ).fetchone()[0]
            self._pages_at = (now, int(pages))
        return self._pages_at[1] <= self.bm25_max_pages

    def _plan(
        self,
        conn: sqlite3.Connection,
        parsed: ParsedQuery | None,
        num: tuple[str, str, tuple[str, ...]] | None,
        meta: str | None,
        spec: _Filters,
    ) -> _Plan:
        """The ranking tiers of a text or number search, and the filters they share.

        The chosen filters and access are inside every tier's FTS5 expression (``meta``);
        ``_Plan.filters`` holds SQL conditions: access again, "-word" and text + number.
        """
        params = dict(spec.params)
        filters = list(spec.sql)
        narrow = False
        highlight: list[tuple[str, ...]] = []
        # Ranking tiers, best first: (exact, phrase, FTS5 expression).
        tiers: list[tuple[bool, bool, str]] = []
        if parsed is not None:
            folded = parsed.match_folded()
            accented = any(t.accented for t in parsed.include)
            exact = parsed.match_exact()
            phrase = parsed.match_phrase()
            highlight = list(parsed.highlight)
            if accented and phrase:
                tiers.append((True, True, f"({exact}) AND ({phrase})"))
            if accented:
                tiers.append((True, False, exact))
            if phrase:
                tiers.append((not accented, True, f"({folded}) AND ({phrase})"))
            tiers.append((not accented, False, folded))
            excluded = parsed.match_excluded()
            if excluded:
                # "-word" excludes documents having it on any page.
                params["excluded"] = excluded
                narrow = True
                filters.append(
                    "d.document_id NOT IN (SELECT p3.document_id FROM search_pages p3 WHERE "
                    "p3.page_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                    ":excluded))"
                )
        number_docs: list[int] = []
        if num is not None:
            params["nk"], params["np"], num_words = num
            highlight.append(num_words)
            if parsed is not None:
                # Text plus a number: the document must carry that number, in its metadata
                # or on one of its pages.
                narrow = True
                filters.append(
                    "(d.number_key = :nk OR d.document_id IN (SELECT p2.document_id FROM "
                    "search_pages p2 WHERE p2.page_id IN "
                    "(SELECT rowid FROM search_fts WHERE search_fts MATCH :np)))"
                )
            else:
                tiers.append((False, False, num[1]))
                where = "".join(f" AND {f}" for f in filters)
                carriers = conn.execute(
                    "SELECT d.document_id, d.issued FROM search_documents d "
                    f"WHERE d.number_key = :nk{where} ORDER BY d.document_id LIMIT :cap",
                    {**params, "cap": self.candidate_cap},
                ).fetchall()
                if meta is not None and carriers:
                    # The chosen filters, checked on the documents' own FTS rows.
                    keys = {_sort_key(issued, d): d for d, issued in carriers}
                    marks = ",".join("?" * len(keys))
                    kept = {
                        keys[r[0]]
                        for r in conn.execute(
                            "SELECT rowid FROM search_docfts WHERE search_docfts MATCH ? "
                            f"AND rowid IN ({marks})",
                            [meta, *keys],
                        )
                    }
                    carriers = [c for c in carriers if c[0] in kept]
                number_docs = [d for d, _ in carriers]
        if not tiers:
            raise QueryError("The search is empty; type a word or a number, or choose a filter.")
        # Tier 0 runs as its own MATCH. Deriving it from tier 2's rows by a second MATCH
        # restricted to their rowids was measured 4x slower (FTS5 seeks every rowid).
        if meta is not None:
            tiers = [(ex, ph, f"({expr}) AND {meta}") for ex, ph, expr in tiers]
        return _Plan(tiers, filters, params, highlight, number_docs, narrow)

    def _search_text(
        self,
        conn: sqlite3.Connection,
        query: SearchQuery,
        parsed: ParsedQuery | None,
        num: tuple[str, str, tuple[str, ...]] | None,
        meta: str | None,
        spec: _Filters,
    ) -> SearchResults:
        plan = self._plan(conn, parsed, num, meta, spec)
        tiers, filters, params = plan.tiers, plan.filters, plan.params
        highlight, number_docs = plan.highlight, plan.number_docs
        where = "".join(f" AND {f}" for f in filters)
        bm25 = self._use_bm25(conn)
        score_sql = "bm25(search_fts, 0.0, 1.0)" if bm25 else "0.0"
        wanted = query.offset + query.limit
        tier_of: dict[int, int] = {d: -1 for d in number_docs}  # document -> best tier
        exact_of: dict[int, bool] = {d: True for d in number_docs}
        best: dict[int, float] = {}
        pages: dict[int, dict[int, tuple[int, int]]] = {}  # doc -> page id -> (page_no, rank)
        capped = False
        for k, (ex, _ph, expr) in enumerate(tiers):
            last = k == len(tiers) - 1
            if not last and sum(1 for t in tier_of.values() if t < k) >= wanted:
                continue  # enough better documents: only the last tier (the total) is needed
            else:
                # A better tier only has to fill the page of results; the last one also counts.
                cap = self.candidate_cap if last else min(self.candidate_cap, max(10 * wanted, 200))
                tier_params = {**params, "q": expr, "cap": cap}
                if plan.narrow:
                    # SQL filters: read at most scan_cap matching pages (newest first), so a
                    # selective filter on a common word stays bounded; past that the total is
                    # a lower bound.
                    tier_params["scan"] = self.scan_cap
                    source = (
                        f"(SELECT rowid, {score_sql} AS score FROM search_fts WHERE search_fts "
                        "MATCH :q ORDER BY rowid DESC LIMIT :scan) f"
                    )
                    match, score = "", "f.score"
                else:
                    source, match, score = "search_fts f", "search_fts MATCH :q", score_sql
                rows = conn.execute(
                    # CROSS JOIN keeps the FTS table as the outer loop (newest matches first, stop
                    # at the cap) instead of running the MATCH once per page row.
                    f"SELECT p.document_id, p.page_id, p.page_no, {score} FROM {source} "
                    "CROSS JOIN search_pages p ON p.page_id = f.rowid "
                    "CROSS JOIN search_documents d ON d.document_id = p.document_id "
                    f"WHERE 1{' AND ' + match if match else ''}{where} "
                    "ORDER BY f.rowid DESC LIMIT :cap",
                    tier_params,
                ).fetchall()
                if last and len(rows) >= self.candidate_cap:
                    capped = True
                elif last and plan.narrow:
                    beyond = conn.execute(
                        "SELECT rowid FROM search_fts WHERE search_fts MATCH :q "
                        "ORDER BY rowid DESC LIMIT 1 OFFSET :scan",
                        tier_params,
                    ).fetchone()
                    capped = beyond is not None
            for rank, (doc_id, page_id, page_no, score) in enumerate(rows):
                if doc_id not in tier_of:
                    tier_of[doc_id] = k
                    exact_of[doc_id] = ex and num is None
                pages.setdefault(doc_id, {}).setdefault(page_id, (page_no, rank))
                if tier_of[doc_id] == k or tier_of[doc_id] == -1:
                    if bm25:
                        best[doc_id] = min(best.get(doc_id, 0.0), float(score))
                    else:
                        best[doc_id] = best.get(doc_id, 0.0) - 1.0  # more matching pages first
        if num is not None and parsed is not None:
            # Text plus a number: the documents carrying it in their metadata rank first.
            ids = list(tier_of)
            number_set: set[int] = set()
            for k in range(0, len(ids), _CHUNK):
                chunk = ids[k : k + _CHUNK]
                number_set.update(
                    r[0]
                    for r in conn.execute(
                        "SELECT document_id FROM search_documents WHERE number_key = ? AND "
                        f"document_id IN ({','.join('?' * len(chunk))})",
                        [params["nk"], *chunk],
                    )
                )
            for doc_id in ids:
                if doc_id in number_set:
                    tier_of[doc_id] = -1
                exact_of[doc_id] = doc_id in number_set
        order = sorted(tier_of, key=lambda d: (tier_of[d], best.get(d, 0.0), -d if not bm25 else d))
        if query.sort != "relevance":
            order = self._by_date(conn, order, descending=query.sort == "date_desc")
        total = len(order)
        window = order[query.offset : wanted]
        if not window:
            return SearchResults(total=total, hits=(), total_exact=not capped)
        docs = {
            r[0]: r
            for r in conn.execute(
                f"SELECT {_DOC_COLUMNS} FROM search_documents d WHERE d.document_id IN "
                f"({','.join('?' * len(window))})",
                window,
            )
        }
        # One query for the texts of the pages that get a snippet.
        shown: dict[int, list[tuple[int, int]]] = {}
        for doc_id in window:
            shown[doc_id] = sorted((no, pid) for pid, (no, _r) in pages.get(doc_id, {}).items())
        # Snippets cost ~1 ms a page: every document gets one, small pages of results more.
        per_doc = SNIPPET_PAGES if len(window) <= 10 else 1
        need = [pid for doc_id in window for _no, pid in shown[doc_id][:per_doc]]
        texts: dict[int, str] = {}
        for k in range(0, len(need), _CHUNK):
            chunk = need[k : k + _CHUNK]
            texts.update(
                conn.execute(
                    "SELECT page_id, text FROM search_pages "
                    f"WHERE page_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        missing = [d for d in window if not shown[d]]
        first_pages = self._first_pages(conn, missing) if missing else {}
        hits = []
        for doc_id in window:
            doc_pages = tuple(
                PageHit(
                    page_id=pid,
                    page_no=no,
                    snippet=make_snippet(texts[pid], highlight) if pid in texts else "",
                )
                for no, pid in shown[doc_id]
            ) or first_pages.get(doc_id, ())
            score = best.get(doc_id, 0.0)
            hits.append(
                _document_hit(
                    docs[doc_id], doc_pages, exact=exact_of.get(doc_id, False), score=-score
                )
            )
        return SearchResults(total=total, hits=tuple(hits), total_exact=not capped)

    @staticmethod
    def _by_date(conn: sqlite3.Connection, doc_ids: list[int], *, descending: bool) -> list[int]:
        """``doc_ids`` ordered by issued date (ties keep their order), undated last."""
        issued: dict[int, str] = {}
        for k in range(0, len(doc_ids), _CHUNK):
            chunk = doc_ids[k : k + _CHUNK]
            issued.update(
                conn.execute(
                    "SELECT document_id, issued FROM search_documents "
                    f"WHERE document_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        dated = [d for d in doc_ids if issued.get(d)]
        dated.sort(key=lambda d: issued[d], reverse=descending)  # stable: ties keep the rank
        return dated + [d for d in doc_ids if not issued.get(d)]

    @staticmethod
    def _first_pages(
        conn: sqlite3.Connection, doc_ids: Sequence[int]
    ) -> dict[int, tuple[PageHit, ...]]:
        """The first page of each document, with the start of its text as the snippet."""
        if not doc_ids:
            return {}
        rows = conn.execute(
            "SELECT p.document_id, p.page_id, p.page_no, p.text FROM search_pages p "
            "JOIN (SELECT document_id, MIN(page_no) AS first FROM search_pages "
            f"WHERE document_id IN ({','.join('?' * len(doc_ids))}) GROUP BY document_id) f "
            "ON f.document_id = p.document_id AND f.first = p.page_no "
            "ORDER BY p.page_id",
            list(doc_ids),
        ).fetchall()
        out: dict[int, tuple[PageHit, ...]] = {}
        for doc_id, page_id, page_no, text in rows:
            out.setdefault(doc_id, (PageHit(page_id, page_no, make_snippet(text, [])),))
        return out


@dataclass
class _Plan:
    tiers: list[tuple[bool, bool, str]]  # (exact, phrase, FTS5 expression), best first
    filters: list[str]
    params: dict[str, Any]
    highlight: list[tuple[str, ...]]
    number_docs: list[int]  # documents whose metadata carries the looked-up number
    narrow: bool = False  # SQL filters that may reject many FTS matches ("-word", number)


def _fts_row(page_id: int, text: str, meta: str) -> tuple[int, str, str, str]:
    """(page id, exact, folded, meta) values of a normalised page text.

    ``exact`` holds each accented word once (whitespace-separated pieces holding a non-ASCII
    character, lower-cased, first occurrence order): the exact tier only asks whether a page
    has an accented word, the folded column carries positions for phrases. Half the tokens
    of the full text, so the index builds about twice as fast.
    """
    # A set: the order of a contentless row's tokens does not matter to FTS5 (not even to
    # delete it), only which tokens and how many.
    exact = " ".join([w for w in set(lower_normalized(text).split()) if not w.isascii()])
    return page_id, exact, fold_normalized(text), meta


def _create_fts(conn: sqlite3.Connection) -> None:
    """Create the FTS5 tables if missing, merging 16 segments at a time (default 4): a third
    of the merge work while building, at the cost of more segments between optimizes."""
    for name, create in (("search_fts", _FTS), ("search_docfts", _DOC_FTS)):
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        if exists:
            continue
        conn.execute(create)
        conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('automerge', {AUTOMERGE})")
        conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('crisismerge', {CRISISMERGE})")


def _insert_fts(conn: sqlite3.Connection, rows: Sequence[tuple[int, str, str, str]]) -> None:
    conn.executemany(
        "INSERT INTO search_fts (rowid, exact, folded, meta) VALUES (?, ?, ?, ?)", rows
    )


def _hex(text: str) -> str:
    return text.encode("utf-8").hex()


def _meta(
    type_code: str,
    type_name: str,
    organ: str,
    issued: str,
    fonds: str,
    record: str,
    unit: str,
    access: str,
) -> str:
    """Filter tokens of a document, one FTS5 token each (ASCII letters and digits).

    ``c``/``n`` type code/name key, ``o`` + each folded word of the organ (in order, so a
    phrase matches consecutive words), ``y``/``m``/``d`` issue year/month/day, ``f`` fonds,
    ``r`` record, ``a`` access mode, ``v`` + unit for conditional ('02') documents, ``g`` +
    "FONDS/RECORD" (explicit grants). Free-form values are hex-encoded, so tokens are exact.
    """
    tokens = [f"c{_hex(_key(type_code))}", f"n{_hex(_key(type_name))}"]
    tokens += [f"o{w}" for _, w in tokenize(organ)]
    if _DATE.fullmatch(issued):
        digits = issued.replace("-", "")
        tokens.append(f"y{digits[:4]}")
        if len(digits) >= 6:
            tokens.append(f"m{digits[:6]}")
        if len(digits) == 8:
            tokens.append(f"d{digits}")
    tokens += [f"f{_hex(fonds.strip())}", f"r{_hex(record.strip())}", f"a{_hex(access)}"]
    if access == "02":
        tokens.append(f"v{_hex(unit.strip())}")
    tokens.append(f"g{_hex(record_key(fonds, record))}")
    return " ".join(tokens)


def _sort_key(issued: str, document_id: int) -> int:
    """The ``search_docfts`` rowid: issued date (YYYYMMDD, undated last), then document id."""
    day = _UNDATED
    if _DATE.fullmatch(issued):
        day = int(issued.replace("-", "").ljust(8, "0"))
    return (day << _ID_BITS) | document_id


def _document_row(entry: PageEntry) -> tuple[Any, ...]:
    return (
        entry.document_id,
        entry.number,
        number_key(entry.number),
        entry.type_code,
        _key(entry.type_code),
        entry.type_name,
        _key(entry.type_name),
        entry.organ,
        _key(entry.organ),
        entry.issued,
        entry.title,
        entry.record,
        entry.fonds,
        entry.unit,
        entry.access,
        _meta(
            entry.type_code,
            entry.type_name,
            entry.organ,
            entry.issued,
            entry.fonds,
            entry.record,
            entry.unit,
            entry.access,
        ),
    )


def _prepare(
    query: SearchQuery,
) -> tuple[ParsedQuery | None, tuple[str, str, tuple[str, ...]] | None, _Filters]:
    """(parsed text, number lookup, filters) of a query.

    Raises ``QueryError`` when there is nothing to search for: no word, no number and no
    filter (access alone is not a filter: it restricts, it does not choose).
    """
    filters = _filters(query)
    chosen = filters.chosen
    parsed, number = split_query(query.text, query.number, has_filters=bool(chosen))
    num = _number_lookup(number) if number is not None else None
    if parsed is None and num is None and not chosen:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    return parsed, num, filters


def _id_params(ids: Sequence[int]) -> tuple[str, dict[str, int]]:
    """(":i0, :i1, ...", their values): an IN list with named parameters."""
    return ", ".join(f":i{k}" for k in range(len(ids))), {f"i{k}": v for k, v in enumerate(ids)}


def _facets(rows: Sequence[tuple[str, str, str]], *, exact: bool) -> Facets:
    types: Counter[str] = Counter()
    organs: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for type_name, organ, year in rows:
        if type_name:
            types[type_name] += 1
        if organ:
            organs[organ] += 1
        if year:
            years[year] += 1

    def top(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])

    return Facets(types=top(types), organs=top(organs), years=top(years), exact=exact)


def _number_lookup(number: str) -> tuple[str, str, tuple[str, ...]]:
    """(number key, FTS5 phrase on the folded column, its words) for a number lookup."""
    words = tuple(w for _, w in tokenize(number))
    if not words:
        raise QueryError(f"The document number {number[:60]!r} has no letter or digit to look up.")
    return number_key(number), 'folded : "' + " ".join(words).replace('"', '""') + '"', words


@dataclass
class _Filters:
    """A query's filters: FTS5 clauses on the ``meta`` column, and SQL for the number path."""

    clauses: list[str]  # FTS5 expressions ANDed (dates come separately: they need the index)
    dates: tuple[tuple[int, int, int] | None, tuple[int, int, int] | None] | None
    sql: list[str]  # conditions on search_documents d (access, as a second check)
    params: dict[str, Any]
    chosen: bool  # the user chose a filter (access alone is not one)


def _date_parts(value: str, *, end: bool) -> tuple[int, int, int]:
    parts = [int(x) for x in value.split("-")]
    if len(parts) == 1:
        parts.append(12 if end else 1)
    if len(parts) == 2:
        parts.append(31 if end else 1)
    return parts[0], parts[1], parts[2]


def _filters(query: SearchQuery) -> _Filters:
    """Check a query's filters and turn them into FTS5 clauses on the ``meta`` column."""
    if query.sort not in SORTS:
        raise QueryError(f"Unknown sort {query.sort[:30]!r}; use one of {', '.join(SORTS)}.")
    clauses: list[str] = []
    if query.type is not None and query.type.strip():
        key = _hex(_key(query.type))
        clauses.append(f'meta : ("c{key}" OR "n{key}")')
    if query.organ is not None and query.organ.strip():
        words = [w for _, w in tokenize(query.organ)]
        # Whole words, consecutive; no word at all can match nothing ("x" is never a token).
        clauses.append('meta : "' + (" ".join(f"o{w}" for w in words) or "x") + '"')
    for name in ("fonds", "record"):
        value = getattr(query, name)
        if value is not None and value.strip():
            clauses.append(f'meta : "{name[0]}{_hex(value.strip())}"')
    bounds: list[tuple[int, int, int] | None] = []
    for name, value in (("date_from", query.date_from), ("date_to", query.date_to)):
        if value is None or not value.strip():
            bounds.append(None)
            continue
        value = value.strip()
        if _DATE.fullmatch(value) is None:
            raise QueryError(
                f"The date {value[:40]!r} is not an ISO date; write it as YYYY-MM-DD "
                "(or YYYY-MM, YYYY)."
            )
        bounds.append(_date_parts(value, end=name == "date_to"))
    dates = (bounds[0], bounds[1]) if bounds != [None, None] else None
    chosen = bool(clauses) or dates is not None
    sql: list[str] = []
    params: dict[str, Any] = {}
    if query.access is not None:
        access = query.access
        tokens = [f"a{_hex('01')}"]
        tokens += [f"v{_hex(u.strip())}" for u in sorted(access.units)]
        tokens += [f"g{_hex(r)}" for r in sorted(access.records)]
        clauses.append("meta : (" + " OR ".join(f'"{t}"' for t in tokens) + ")")
        sql.append(_access_sql(access, params))
    return _Filters(clauses, dates, sql, params, chosen)


def _date_cover(lo: tuple[int, int, int], hi: tuple[int, int, int]) -> list[str]:
    """The fewest year/month/day tokens covering the dates from ``lo`` to ``hi`` inclusive."""
    tokens: list[str] = []
    y, m, d = lo
    while (y, m, d) <= hi and len(tokens) < 2000:
        if m == 1 and d == 1 and (y, 12, 31) <= hi:
            tokens.append(f"y{y}")
            y += 1
        elif d == 1 and (y, m, 31) <= hi:
            tokens.append(f"m{y}{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        else:
            tokens.append(f"d{y}{m:02d}{d:02d}")
            d += 1
            if d > 31:
                y, m, d = (y + 1, 1, 1) if m == 12 else (y, m + 1, 1)
    return tokens


def _access_sql(access: Access, params: dict[str, Any]) -> str:
    """SQL condition: the document ``d`` is visible to ``access`` (see ``Access``)."""
    parts = ["d.access = '01'"]
    units = sorted(access.units)
    if units:
        names = [f":unit{k}" for k in range(len(units))]
        params.update({f"unit{k}": u for k, u in enumerate(units)})
        parts.append(f"(d.access = '02' AND d.unit IN ({', '.join(names)}))")
    records = sorted(access.records)
    if records:
        names = [f":grant{k}" for k in range(len(records))]
        params.update({f"grant{k}": r for k, r in enumerate(records)})
        parts.append(f"(d.fonds || '/' || d.record) IN ({', '.join(names)})")
    return "(" + " OR ".join(parts) + ")"


def _document_hit(
    row: Sequence[Any], pages: Sequence[PageHit], *, exact: bool, score: float
) -> DocumentHit:
    return DocumentHit(
        document_id=row[0],
        number=row[1],
        type_name=row[2],
        organ=row[3],
        issued=row[4],
        title=row[5],
        record=row[6],
        fonds=row[7],
        pages=tuple(pages),
        exact=exact,
        score=score,
    )
