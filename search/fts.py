"""The embedded search index: SQLite FTS5, possibly in the same file as the catalog.

Tables (all prefixed ``search_`` so they can share the catalog's database):

- ``search_pages``: one row per page (page id, document id, page number, normalised text).
- ``search_documents``: one row per document with the display and filter fields, and their
  folded keys (number, type, organ) for filtering.
- ``search_fts``: a contentless FTS5 table (rowid = page id) with two columns, ``exact``
  (normalised, lower-cased text) and ``folded`` (see ``search.folding.fold``); tokenizer
  ``unicode61 remove_diacritics 0`` since folding is done here, before indexing and on queries.
  One table for both, so "accented as typed AND folded match" is one FTS5 query, walked in
  rowid order and stopped at a limit (a separate table would need a join or an IN list).
  Contentless keeps the page text stored once; a page is removed from them by replaying the
  values computed from the stored text, so ``FOLD_VERSION`` is recorded and a change of the
  folding rebuilds the FTS tables from ``search_pages``.
- ``search_meta``: key/value (the folding version, the layout version).

Searching scales to millions of pages by never scoring every match: the ranking tiers (number,
exact accents with the phrase, exact accents, phrase, any match) are each fetched as at most
``candidate_cap`` pages (newest first), and documents are ranked tier by tier. When the last
tier reaches the cap the total is a lower bound (``SearchResults.total_exact`` is False).
While the index is small (``bm25_max_pages``) documents are ordered by bm25 within a tier;
beyond that bm25 (which reads every match of every word) is replaced by the number of matching
pages, then the newest document.

Every call opens its own connection, so one ``SqliteIndex`` may be shared by threads.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ingest import CatalogError, QueryError, StorageError
from search.folding import FOLD_VERSION, fold, fold_normalized, lower_normalized, normalize
from search.query import ParsedQuery, looks_like_number, number_key, parse_query, tokenize
from search.snippets import make_snippet

__all__ = [
    "DocumentHit",
    "PageEntry",
    "PageHit",
    "SearchQuery",
    "SearchIndex",
    "SearchResults",
    "SqliteIndex",
]

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
CANDIDATE_CAP = 1000  # pages fetched per ranking tier
SCAN_CAP = 20_000  # matching pages read per tier when filters apply
BM25_MAX_PAGES = 100_000  # above this many pages, no bm25 (it reads every match)
SNIPPET_PAGES = 2  # snippets per document when <= 10 documents are shown (else 1); others ""
LAYOUT = "1"  # version of the table layout below; another value rebuilds the FTS tables
_CHUNK = 500  # ids per "IN (...)" list, well under SQLite's variable limit
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


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
    record: str = ""
    fonds: str = ""


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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_documents (
    document_id INTEGER PRIMARY KEY,
    number TEXT NOT NULL, number_key TEXT NOT NULL,
    type_code TEXT NOT NULL, type_code_key TEXT NOT NULL,
    type_name TEXT NOT NULL, type_name_key TEXT NOT NULL,
    organ TEXT NOT NULL, organ_key TEXT NOT NULL,
    issued TEXT NOT NULL, title TEXT NOT NULL, record TEXT NOT NULL, fonds TEXT NOT NULL
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
    "exact, folded, content='', tokenize='unicode61 remove_diacritics 0')"
)
_DOC_COLUMNS = "d.document_id, d.number, d.type_name, d.organ, d.issued, d.title, d.record, d.fonds"


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqliteIndex:
    """Search index in a SQLite database file (shared with the catalog or not)."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.candidate_cap = CANDIDATE_CAP
        self.scan_cap = SCAN_CAP
        self.bm25_max_pages = BM25_MAX_PAGES
        self._pages_at: tuple[float, int] | None = None
        self._ready = False
        self._lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(
                f"Cannot open the search database {self.path}: {exc}; check the path and its "
                "permissions.",
                path=self.path,
            ) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # WAL + NORMAL: never corrupt; a crash may lose the last commits (re-index them).
            conn.execute("PRAGMA synchronous = NORMAL")
            yield conn
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
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._ensure_ready()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

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
                    meta = dict(conn.execute("SELECT key, value FROM search_meta").fetchall())
                    if meta and meta.get("layout", "1") != LAYOUT:
                        log.info("search index layout changed: rebuilding the FTS tables")
                        self._rebuild_fts(conn)
                    conn.execute(_FTS)
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
        conn.execute(_FTS)
        last = -(2**63)
        while True:  # in chunks: the whole archive's text does not fit in memory
            rows = conn.execute(
                "SELECT page_id, text FROM search_pages WHERE page_id > ? ORDER BY page_id LIMIT ?",
                (last, _CHUNK),
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            renormalized = [(pid, normalize(text)) for pid, text in rows]
            conn.executemany(
                "UPDATE search_pages SET text = ? WHERE page_id = ?",
                ((text, pid) for pid, text in renormalized),
            )
            _insert_fts(conn, [_fts_row(pid, t) for pid, t in renormalized])

    def rebuild(self) -> None:
        """Rebuild the full-text table from the stored page texts."""
        with self._transaction() as conn:
            self._rebuild_fts(conn)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _remove_pages(conn: sqlite3.Connection, rows: Sequence[tuple[int, str]]) -> None:
        # Contentless table: a row is removed by replaying the values it was indexed with.
        values = [_fts_row(pid, text) for pid, text in rows]
        conn.executemany(
            "INSERT INTO search_fts (search_fts, rowid, exact, folded) VALUES ('delete', ?, ?, ?)",
            values,
        )
        conn.executemany("DELETE FROM search_pages WHERE page_id = ?", ((pid,) for pid, _ in rows))

    def index_pages(self, entries: Sequence[PageEntry]) -> None:
        """Add or replace pages (and their documents' fields); re-indexing never duplicates.

        The document fields are taken from the last entry given for each document.
        """
        if not entries:
            return
        latest: dict[int, PageEntry] = {}
        documents: dict[int, tuple[Any, ...]] = {}
        for entry in entries:
            latest[entry.page_id] = entry
            documents[entry.document_id] = _document_row(entry)
        # Text work happens before the write lock is taken.
        pages = []
        fts_rows = []
        for entry in latest.values():
            text = normalize(entry.text)
            pages.append((entry.page_id, entry.document_id, entry.page_no, text))
            fts_rows.append(_fts_row(entry.page_id, text))
        ids = list(latest)
        with self._transaction() as conn:
            old: list[tuple[int, str, int]] = []
            for k in range(0, len(ids), _CHUNK):
                chunk = ids[k : k + _CHUNK]
                old += conn.execute(
                    "SELECT page_id, text, document_id FROM search_pages WHERE page_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            self._remove_pages(conn, [(pid, text) for pid, text, _ in old])
            conn.executemany(
                "INSERT INTO search_pages (page_id, document_id, page_no, text) "
                "VALUES (?, ?, ?, ?)",
                pages,
            )
            _insert_fts(conn, fts_rows)
            conn.executemany(
                "INSERT OR REPLACE INTO search_documents VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                documents.values(),
            )
            # A page moved to another document may leave its old document empty.
            for doc in {doc for _, _, doc in old} - set(documents):
                conn.execute(
                    "DELETE FROM search_documents WHERE document_id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM search_pages WHERE document_id = ?)",
                    (doc, doc),
                )

    def optimize(self) -> None:
        """Merge the full-text index into one segment (after a bulk load; faster queries)."""
        with self._transaction() as conn:
            conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        with self._connect() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_document(self, document_id: int) -> None:
        """Remove a document and all its pages (no error if it is not indexed)."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT page_id, text FROM search_pages WHERE document_id = ?", (document_id,)
            ).fetchall()
            self._remove_pages(conn, rows)
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
        """Nothing to release: every call opens and closes its own connection."""

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
        filters, params = _filters(query)
        text = query.text or ""
        number = query.number if query.number and query.number.strip() else None
        parsed: ParsedQuery | None = None
        if number is None and looks_like_number(text):
            number, text = text, ""
        if text.strip():
            try:
                parsed = parse_query(text)
            except QueryError:
                if not filters and number is None:
                    raise
                # No searchable word, but filters or a number: search by those only.
                if any(tokenize(text)):
                    raise
        num = _number_lookup(number) if number is not None else None
        self._ensure_ready()
        with self._connect() as conn:
            if parsed is None and num is None:
                if not filters:
                    raise QueryError(
                        "The search is empty; type a word or a number, or choose a filter."
                    )
                return self._list(conn, query, filters, params)
            return self._search_text(conn, query, parsed, num, filters, params)

    def _list(
        self,
        conn: sqlite3.Connection,
        query: SearchQuery,
        filters: list[str],
        params: dict[str, Any],
    ) -> SearchResults:
        where = " AND ".join(filters)
        cap = max(self.candidate_cap * 5, query.offset + query.limit)
        total = conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM search_documents d WHERE {where} LIMIT :cap)",
            {**params, "cap": cap + 1},
        ).fetchone()[0]
        rows = conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM search_documents d WHERE {where} "
            "ORDER BY d.issued = '', d.issued, d.document_id LIMIT :limit OFFSET :offset",
            {**params, "limit": query.limit, "offset": query.offset},
        ).fetchall()
        first_pages = self._first_pages(conn, [r[0] for r in rows])
        hits = tuple(
            _document_hit(row, first_pages.get(row[0], ()), exact=False, score=0.0) for row in rows
        )
        return SearchResults(total=min(int(total), cap), hits=hits, total_exact=total <= cap)

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

    def _search_text(
        self,
        conn: sqlite3.Connection,
        query: SearchQuery,
        parsed: ParsedQuery | None,
        num: tuple[str, str, tuple[str, ...]] | None,
        filters: list[str],
        params: dict[str, Any],
    ) -> SearchResults:
        params = dict(params)
        filters = list(filters)
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
                filters.append(
                    "(d.number_key = :nk OR d.document_id IN (SELECT p2.document_id FROM "
                    "search_pages p2 WHERE p2.page_id IN "
                    "(SELECT rowid FROM search_fts WHERE search_fts MATCH :np)))"
                )
            else:
                tiers.append((False, False, num[1]))
                where = "".join(f" AND {f}" for f in filters)
                number_docs = [
                    r[0]
                    for r in conn.execute(
                        "SELECT d.document_id FROM search_documents d WHERE d.number_key = :nk"
                        f"{where} ORDER BY d.document_id LIMIT :cap",
                        {**params, "cap": self.candidate_cap},
                    )
                ]
        if not tiers:
            raise QueryError("The search is empty; type a word or a number, or choose a filter.")
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
            tier_params = {**params, "q": expr, "cap": self.candidate_cap}
            if where:
                # Filters: read at most scan_cap matching pages (newest first), so a selective
                # filter on a common word stays bounded; past that the total is a lower bound.
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
            elif last and where:
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


def _fts_row(page_id: int, text: str) -> tuple[int, str, str]:
    """(page id, exact, folded) values of a normalised page text."""
    return page_id, lower_normalized(text), fold_normalized(text)


def _insert_fts(conn: sqlite3.Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    conn.executemany("INSERT INTO search_fts (rowid, exact, folded) VALUES (?, ?, ?)", rows)


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
    )


def _number_lookup(number: str) -> tuple[str, str, tuple[str, ...]]:
    """(number key, FTS5 phrase on the folded column, its words) for a number lookup."""
    words = tuple(w for _, w in tokenize(number))
    if not words:
        raise QueryError(f"The document number {number[:60]!r} has no letter or digit to look up.")
    return number_key(number), 'folded : "' + " ".join(words).replace('"', '""') + '"', words


def _filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    filters: list[str] = []
    params: dict[str, Any] = {}
    if query.type is not None and query.type.strip():
        filters.append("(d.type_code_key = :type OR d.type_name_key = :type)")
        params["type"] = _key(query.type)
    if query.organ is not None and query.organ.strip():
        filters.append("d.organ_key LIKE :organ ESCAPE '\\'")
        params["organ"] = "%" + _like_escape(_key(query.organ)) + "%"
    for name, value in (("date_from", query.date_from), ("date_to", query.date_to)):
        if value is None or not value.strip():
            continue
        value = value.strip()
        if _DATE.fullmatch(value) is None:
            raise QueryError(
                f"The date {value[:40]!r} is not an ISO date; write it as YYYY-MM-DD "
                "(or YYYY-MM, YYYY)."
            )
        params[name] = value
        if name == "date_from":
            filters.append("d.issued <> '' AND d.issued >= :date_from")
        else:
            filters.append("d.issued <> '' AND substr(d.issued, 1, length(:date_to)) <= :date_to")
    return filters, params


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
