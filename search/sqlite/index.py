"""``SqliteIndex``: the embedded search index (SQLite FTS5), possibly in the catalog's file.

This class holds the connections and the tunable caps and ties the parts together: the
tables (``schema``), writing (``writing``), a query's filters and access (``filters``), the
ranking tiers (``planning``) and their walk (``ranking``), result pages (``results``,
``listing``) and facets (``facets``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from errors import QueryError
from search.contract import MAX_LIMIT, Facets, PageEntry, SearchQuery, SearchResults
from search.query import ParsedQuery
from search.sqlite.connections import Connections
from search.sqlite.facets import FACET_CAP, count_facets
from search.sqlite.filters import Filters, NumberLookup, meta_clauses, meta_expr, prepare
from search.sqlite.grants import GRANT_TOKENS_MAX, granted_keys, split_grants
from search.sqlite.listing import list_documents
from search.sqlite.planning import plan_query
from search.sqlite.ranking import BM25_MAX_PAGES, CANDIDATE_CAP, SCAN_CAP, rank
from search.sqlite.results import text_results
from search.sqlite.schema import rebuild_fts, upgrade
from search.sqlite.writing import delete_document, merge, prepare_batch, write_batch

__all__ = ["SqliteIndex"]


class SqliteIndex:
    """Search index in a SQLite database file (shared with the catalog or not)."""

    def __init__(self, path: Path, *, timeout: float = 30.0, pairs: bool = False) -> None:
        """``pairs``: give the FTS table the word-pair column when it is created or rebuilt
        (faster phrases and names, at about half the build rate and +30 % size); an existing
        index keeps the layout it has."""
        self.path = Path(path)
        self.pairs = pairs  # wanted for a new or rebuilt FTS table
        self._has_pairs = False  # what the index has (read by ensure_schema)
        self._has_numbers = False  # its rows hold cited-number tokens (read by ensure_schema)
        self.timeout = timeout
        self.candidate_cap = CANDIDATE_CAP
        self.scan_cap = SCAN_CAP
        self.facet_cap = FACET_CAP
        self.bm25_max_pages = BM25_MAX_PAGES
        self.grant_tokens_max = GRANT_TOKENS_MAX
        # Look a number cited on pages up by its token when the index has them (False: as
        # the phrase of its words, as before the tokens; for benchmarks side by side).
        self.cited_numbers = True
        self._pages_at: tuple[float, int] | None = None
        self._ready = False
        self._lock = threading.Lock()
        self._db = Connections(self.path, timeout=timeout)

    # -- connections -------------------------------------------------------------------------

    def generation(self) -> int:
        """A number that changes whenever anything commits to the index, in any process
        (SQLite's ``data_version`` on a connection kept for that): lets callers cache
        results until the index changes."""
        return self._db.generation()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this process's writer connection (schema ensured first)."""
        self._ensure_ready()
        with self._db.transaction() as conn:
            yield conn

    def _ensure_ready(self) -> None:
        if not self._ready:
            self.ensure_schema()

    def close(self) -> None:
        """Close the writer connection and the idle readers."""
        self._db.close()

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the tables if missing (WAL mode); rebuild the FTS table if folding changed."""
        with self._lock:
            with self._db.reader() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    layout = upgrade(conn, pairs=self.pairs)
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            self._has_pairs, self._has_numbers = layout
            self._ready = True

    def rebuild(self) -> None:
        """Rebuild the full-text table from the stored page texts (with the pair column if
        ``pairs`` was asked for)."""
        with self._transaction() as conn:
            rebuild_fts(conn, pairs=self.pairs)
        self._has_pairs, self._has_numbers = self.pairs, True

    # -- writing -----------------------------------------------------------------------------

    def index_pages(self, entries: Sequence[PageEntry]) -> None:
        """Add or replace pages (and their documents' fields); re-indexing never duplicates.

        The document fields are taken from the last entry given for each document.
        """
        if not entries:
            return
        self._ensure_ready()
        # The text work is done before the write lock is taken.
        batch = prepare_batch(entries, pairs=self._has_pairs, numbers=self._has_numbers)
        with self._transaction() as conn:
            write_batch(conn, batch)

    def optimize(self) -> None:
        """Merge the full-text index into one segment (after a bulk load; faster queries)."""
        with self._transaction() as conn:
            merge(conn)
        with self._db.reader() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_document(self, document_id: int) -> None:
        """Remove a document and all its pages (no error if it is not indexed)."""
        with self._transaction() as conn:
            delete_document(conn, document_id, pairs=self._has_pairs, numbers=self._has_numbers)

    def get_meta(self, key: str) -> str | None:
        """A value stored with the index (e.g. a reindex checkpoint), or None."""
        self._ensure_ready()
        with self._db.reader() as conn:
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
            with self._db.reader() as conn:
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

    def count(self) -> int:
        """Number of pages indexed."""
        self._ensure_ready()
        with self._db.reader() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM search_pages").fetchone()[0])

    # -- searching ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Documents matching ``query``, best first (see the package docs for the ranking)."""
        if not 1 <= query.limit <= MAX_LIMIT:
            raise QueryError(f"The result limit must be between 1 and {MAX_LIMIT}.")
        if query.offset < 0:
            raise QueryError("The result offset cannot be negative.")
        parsed, num, filters = prepare(query)
        self._ensure_ready()
        with self._db.reader() as conn:
            if parsed is None and num is None:
                meta, granted = self._listing_meta(conn, filters)
                return list_documents(conn, query, meta, filters, granted)
            meta = meta_expr(conn, filters, access=self._access_in_fts(filters))
            return self._search_text(conn, query, parsed, num, meta, filters)

    def facets(self, query: SearchQuery) -> Facets:
        """Matching documents counted per type name, issuing body and issue year.

        Same matching, filters and access as ``search`` (``limit``, ``offset`` and ``sort``
        are ignored). At most ``facet_cap`` matching pages (a text query, newest first) or
        documents (filters only, oldest first) are counted; past that ``exact`` is False.
        """
        parsed, num, filters = prepare(query)
        self._ensure_ready()
        with self._db.reader() as conn:
            granted: list[int] = []
            if parsed is None and num is None:
                meta, granted = self._listing_meta(conn, filters)
            else:
                meta = meta_expr(conn, filters, access=self._access_in_fts(filters))
            return count_facets(
                conn,
                parsed,
                num,
                meta,
                filters,
                facet_cap=self.facet_cap,
                candidate_cap=self.candidate_cap,
                pairs=self._has_pairs,
                numbers=self._has_numbers and self.cited_numbers,
                granted=granted,
            )

    def _listing_meta(
        self, conn: sqlite3.Connection, filters: Filters
    ) -> tuple[str | None, list[int]]:
        """A listing's FTS5 expression, and the documents it leaves to SQL: with many
        granted records, those visible only through a grant (``search.sqlite.grants``)."""
        if not split_grants(filters, self.grant_tokens_max):
            return meta_expr(conn, filters), []
        meta = meta_expr(conn, filters, grants=False)
        return meta, granted_keys(conn, filters, meta_clauses(conn, filters))

    def _access_in_fts(self, filters: Filters) -> bool:
        """Whether a text search matches access in FTS5 (few grants), or only by the SQL
        condition every walked row is joined to (many grants: one FTS5 token each would be
        opened and tested on every row)."""
        return not split_grants(filters, self.grant_tokens_max)

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
        num: NumberLookup | None,
        meta: str | None,
        spec: Filters,
    ) -> SearchResults:
        """A text or number search: plan its tiers, rank, build the result page."""
        plan = plan_query(
            conn,
            parsed,
            num,
            meta,
            spec,
            candidate_cap=self.candidate_cap,
            pairs=self._has_pairs,
            numbers=self._has_numbers and self.cited_numbers,
        )
        bm25 = self._use_bm25(conn)
        wanted = query.offset + query.limit
        ranking = rank(
            conn,
            plan,
            wanted=wanted,
            sort=query.sort,
            text=parsed is not None,
            number=num is not None,
            bm25=bm25,
            candidate_cap=self.candidate_cap,
            scan_cap=self.scan_cap,
        )
        return text_results(conn, ranking, plan.highlight, offset=query.offset, wanted=wanted)
