"""The embedded search index: SQLite FTS5, possibly in the same file as the catalog.

Tables (all prefixed ``search_`` so they can share the catalog's database):

- ``search_pages``: one row per page (page id, document id, page number, normalised text).
- ``search_documents``: one row per document with the display and filter fields, and their
  folded keys (number, type, organ) for filtering.
- ``search_fts``: a contentless FTS5 table (rowid = page id) with two columns, ``exact``
  (normalised, lower-cased text) and ``folded`` (see ``search.folding.fold``); tokenizer
  ``unicode61 remove_diacritics 0`` since folding is done here, before indexing and on queries.
  Contentless keeps the page text stored once; a page is removed from it by replaying the
  values computed from the stored text, so ``FOLD_VERSION`` is recorded and a change of the
  folding rebuilds the FTS table from ``search_pages``.
- ``search_meta``: key/value (the folding version).

Every call opens its own connection, so one ``SqliteIndex`` may be shared by threads.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
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
    total: int  # matching documents
    hits: tuple[DocumentHit, ...]


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
                    conn.execute(_FTS)
                    row = conn.execute(
                        "SELECT value FROM search_meta WHERE key = 'fold_version'"
                    ).fetchone()
                    if row is None or row[0] != str(FOLD_VERSION):
                        if row is not None:
                            log.info(
                                "search folding changed (%s -> %s): rebuilding the FTS table",
                                row[0],
                                FOLD_VERSION,
                            )
                            self._rebuild_fts(conn)
                        conn.execute(
                            "INSERT OR REPLACE INTO search_meta (key, value) "
                            "VALUES ('fold_version', ?)",
                            (str(FOLD_VERSION),),
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
            conn.executemany(
                "INSERT INTO search_fts (rowid, exact, folded) VALUES (?, ?, ?)",
                ((pid, lower_normalized(t), fold_normalized(t)) for pid, t in renormalized),
            )

    def rebuild(self) -> None:
        """Rebuild the full-text table from the stored page texts."""
        with self._transaction() as conn:
            self._rebuild_fts(conn)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _remove_pages(conn: sqlite3.Connection, rows: Sequence[tuple[int, str]]) -> None:
        # Contentless table: a row is removed by replaying the values it was indexed with.
        conn.executemany(
            "INSERT INTO search_fts (search_fts, rowid, exact, folded) VALUES ('delete', ?, ?, ?)",
            ((pid, lower_normalized(text), fold_normalized(text)) for pid, text in rows),
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
            fts_rows.append((entry.page_id, lower_normalized(text), fold_normalized(text)))
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
            conn.executemany(
                "INSERT INTO search_fts (rowid, exact, folded) VALUES (?, ?, ?)", fts_rows
            )
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

    def delete_document(self, document_id: int) -> None:
        """Remove a document and all its pages (no error if it is not indexed)."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT page_id, text FROM search_pages WHERE document_id = ?", (document_id,)
            ).fetchall()
            self._remove_pages(conn, rows)
            conn.execute("DELETE FROM search_documents WHERE document_id = ?", (document_id,))

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
        total = conn.execute(
            f"SELECT COUNT(*) FROM search_documents d WHERE {where}", params
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
        return SearchResults(total=int(total), hits=hits)

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
        exact_sql = "1"  # nothing typed with accents: every match is exact
        if parsed is not None:
            params["q"] = parsed.match_folded()
            if any(t.accented for t in parsed.include):
                params["exact"] = parsed.match_exact()
                exact_sql = (
                    "p.page_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :exact)"
                )
            phrase = parsed.match_phrase()
            highlight = list(parsed.highlight)
            excluded = parsed.match_excluded()
            if excluded:
                # "-word" excludes documents having it on any page.
                params["excluded"] = excluded
                filters.append(
                    "d.document_id NOT IN (SELECT p3.document_id FROM search_pages p3 WHERE "
                    "p3.page_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                    ":excluded))"
                )
        elif num is not None:
            params["q"] = num[1]
            phrase = None
            highlight = []
        else:
            raise QueryError("The search is empty; type a word or a number, or choose a filter.")
        params["phrase"] = phrase or ""
        phrase_sql = (
            "p.page_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :phrase)"
            if phrase
            else "0"
        )
        num_sql = "0"
        union = ""
        if num is not None:
            params["nk"], params["np"], num_words = num
            highlight.append(num_words)
            num_sql = "d.number_key = :nk"
            if parsed is not None:
                # Text plus a number: the document must carry that number, in its metadata
                # or on one of its pages.
                filters.append(
                    "(d.number_key = :nk OR d.document_id IN (SELECT p2.document_id FROM "
                    "search_pages p2 WHERE p2.page_id IN "
                    "(SELECT rowid FROM search_fts WHERE search_fts MATCH :np)))"
                )
            else:
                # Number only: documents whose number matches, even if no page shows it.
                union = (
                    "UNION ALL SELECT d.document_id, NULL, 0.0, 1, 1, 1 FROM search_documents d "
                    "WHERE d.number_key = :nk" + "".join(f" AND {f}" for f in filters)
                )
        where = "".join(f" AND {f}" for f in filters)
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT rowid AS page_id, bm25(search_fts, 0.0, 1.0) AS score
                FROM search_fts WHERE search_fts MATCH :q
            )
            SELECT document_id, MIN(score) AS best, MAX(ex) AS ex, MAX(ph) AS ph,
                   MAX(num) AS num, GROUP_CONCAT(page_id) AS pages, COUNT(*) OVER () AS total
            FROM (
                SELECT p.document_id AS document_id, p.page_id AS page_id, m.score AS score,
                       {exact_sql} AS ex,
                       {phrase_sql} AS ph, {num_sql} AS num
                FROM m
                JOIN search_pages p ON p.page_id = m.page_id
                JOIN search_documents d ON d.document_id = p.document_id
                WHERE 1{where}
                {union}
            )
            GROUP BY document_id
            ORDER BY num DESC, ex DESC, ph DESC, best ASC, document_id ASC
            LIMIT :limit OFFSET :offset
        """
        rows = conn.execute(sql, {**params, "limit": query.limit, "offset": query.offset})
        ranked = rows.fetchall()
        if ranked:
            total = int(ranked[0][6])
        elif query.offset > 0:  # past the end: count without the page window
            counted = sql.replace("LIMIT :limit OFFSET :offset", "")
            total = int(conn.execute(f"SELECT COUNT(*) FROM ({counted})", params).fetchone()[0])
        else:
            total = 0
        if not ranked:
            return SearchResults(total=total, hits=())
        doc_ids = [r[0] for r in ranked]
        docs = {
            r[0]: r
            for r in conn.execute(
                f"SELECT {_DOC_COLUMNS} FROM search_documents d WHERE d.document_id IN "
                f"({','.join('?' * len(doc_ids))})",
                doc_ids,
            )
        }
        page_ids = [int(pid) for r in ranked if r[5] for pid in str(r[5]).split(",")]
        page_rows = []
        for k in range(0, len(page_ids), _CHUNK):
            chunk = page_ids[k : k + _CHUNK]
            page_rows += conn.execute(
                "SELECT document_id, page_id, page_no, text FROM search_pages "
                f"WHERE page_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        page_rows.sort(key=lambda r: (r[0], r[2], r[1]))
        pages: dict[int, list[PageHit]] = {}
        for doc_id, page_id, page_no, text in page_rows:
            pages.setdefault(doc_id, []).append(
                PageHit(page_id=page_id, page_no=page_no, snippet=make_snippet(text, highlight))
            )
        missing = [d for d in doc_ids if d not in pages]
        first_pages = self._first_pages(conn, missing) if missing else {}
        hits = []
        for doc_id, best, ex, _ph, num_hit, _pages, _total in ranked:
            doc_pages = tuple(pages.get(doc_id, ())) or first_pages.get(doc_id, ())
            hits.append(
                _document_hit(
                    docs[doc_id],
                    doc_pages,
                    exact=bool(ex) if num is None else bool(num_hit),
                    score=-float(best) if best else 0.0,
                )
            )
        return SearchResults(total=total, hits=tuple(hits))

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
