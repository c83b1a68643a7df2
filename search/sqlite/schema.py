"""The SQLite index's tables, and creating, upgrading and rebuilding them.

Tables (all prefixed ``search_`` so they can share the catalog's database):

- ``search_pages``: one row per page (page id, document id, page number, normalised text).
- ``search_documents``: one row per document with the display and filter fields, their
  folded keys (number, type, organ), the record's ``unit`` and ``access`` mode, and ``meta``,
  the document's filter tokens (see ``search.sqlite.rows.meta_tokens``).
  Its index ``search_documents_grant`` holds the record key (``FONDS/RECORD``) of the
  documents that are not public, so the documents an official sees only through explicit
  grants are read by SQL (``search.sqlite.grants``), not ORed as one FTS5 token per grant.
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
  An optional fourth column, ``pairs`` (``search_meta`` key ``pairs`` = "1"), holds each
  adjacent pair of folded words once as one token (``search.sqlite.rows.pair_tokens``): every
  phrase is ANDed with its pair tokens, so FTS5 checks positions only on pages having the
  pairs, not on every page having each (possibly very common) word. It costs about half the
  build rate and 1.7 KiB per page (docs/benchmarks.md), so it is chosen when the FTS tables
  are created or rebuilt (``SqliteIndex(pairs=...)``); an existing index keeps its layout.
  ``meta`` of a page also holds a token per document number its text cites
  (``search.sqlite.rows.cited_number_tokens``; ``search_meta`` key ``numbers`` = "1"), so a
  number lookup reads one token's doclist. Every FTS table created or rebuilt has them; an
  index built before them (no key) keeps looking numbers up as a phrase until it is rebuilt.
- ``search_docfts``: contentless FTS5 over the documents' ``meta`` with rowid = issued date
  (YYYYMMDD, undated last) << 32 | document id, so listing by filters alone is one FTS5 query
  already in date order (ascending, or descending with the undated ones last).
- ``search_meta``: key/value (the folding version, the layout version).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

from search.folding import FOLD_VERSION, normalize
from search.sqlite.rows import fts_row, meta_tokens, sort_key

__all__ = [
    "AUTOMERGE",
    "CHUNK",
    "CRISISMERGE",
    "DOC_COLUMNS",
    "DOC_FTS",
    "FTS",
    "INSERT_DOCUMENT",
    "LAYOUT",
    "SCHEMA",
    "Layout",
    "create_fts",
    "fts_insert",
    "insert_fts",
    "rebuild_fts",
    "upgrade",
]

log = logging.getLogger(__name__)

LAYOUT = "2"  # version of the table layout below; another value rebuilds the FTS tables
CHUNK = 500  # ids per "IN (...)" list, well under SQLite's variable limit
AUTOMERGE = 16  # FTS5 segments merged at once
CRISISMERGE = 64  # FTS5 segments on one level that force a merge

SCHEMA = """
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
CREATE INDEX IF NOT EXISTS search_documents_grant ON search_documents ((fonds || '/' || record))
    WHERE access <> '01';
CREATE TABLE IF NOT EXISTS search_pages (
    page_id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL,
    page_no INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_pages_document ON search_pages (document_id, page_no);
"""
FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "exact, folded, meta{pairs}, content='', tokenize='unicode61 remove_diacritics 0')"
)
DOC_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_docfts USING fts5("
    "meta, content='', tokenize='unicode61 remove_diacritics 0')"
)
INSERT_DOCUMENT = (
    "INSERT OR REPLACE INTO search_documents (document_id, number, number_key, type_code, "
    "type_code_key, type_name, type_name_key, organ, organ_key, issued, title, record, fonds, "
    "unit, access, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DOC_COLUMNS = "d.document_id, d.number, d.type_name, d.organ, d.issued, d.title, d.record, d.fonds"


class Layout(NamedTuple):
    """What an index's ``search_fts`` rows hold beyond the three columns."""

    pairs: bool  # the word-pair column
    numbers: bool  # cited-number tokens in ``meta``


def upgrade(conn: sqlite3.Connection, *, pairs: bool = False) -> Layout:
    """Create missing tables and columns; rebuild the FTS tables if the layout or folding
    changed (inside the caller's transaction). ``pairs``: give a new FTS table the pair
    column. Returns what the index's rows hold (an existing index keeps its choice; a new or
    rebuilt one has the cited-number tokens)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(search_documents)")}
    for name, default in (("unit", "''"), ("access", "'01'"), ("meta", "''")):
        if name not in columns:  # an index built before access control
            conn.execute(
                f"ALTER TABLE search_documents ADD COLUMN {name} TEXT NOT NULL DEFAULT {default}"
            )
    meta = dict(conn.execute("SELECT key, value FROM search_meta").fetchall())
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'"
    ).fetchone()
    numbers = True
    if exists:
        pairs = meta.get("pairs", "0") == "1"
        numbers = meta.get("numbers", "0") == "1"
    if meta and meta.get("layout", "1") != LAYOUT:
        log.info("search index layout changed: rebuilding the FTS tables")
        rebuild_fts(conn, pairs=pairs)
        numbers = True
    create_fts(conn, pairs=pairs)
    version = meta.get("fold_version")
    if version is not None and version != str(FOLD_VERSION):
        log.info(
            "search folding changed (%s -> %s): rebuilding the FTS tables",
            version,
            FOLD_VERSION,
        )
        rebuild_fts(conn, pairs=pairs)
        numbers = True
    conn.executemany(
        "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)",
        [
            ("fold_version", str(FOLD_VERSION)),
            ("layout", LAYOUT),
            ("pairs", str(int(pairs))),
            ("numbers", str(int(numbers))),
        ],
    )
    return Layout(pairs, numbers)


def create_fts(conn: sqlite3.Connection, *, pairs: bool = False) -> None:
    """Create the FTS5 tables if missing (``search_fts`` with the pair column if ``pairs``),
    merging 16 segments at a time (default 4): a third of the merge work while building, at
    the cost of more segments between optimizes."""
    fts = FTS.format(pairs=", pairs" if pairs else "")
    for name, create in (("search_fts", fts), ("search_docfts", DOC_FTS)):
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        if exists:
            continue
        conn.execute(create)
        conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('automerge', {AUTOMERGE})")
        conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES ('crisismerge', {CRISISMERGE})")


def insert_fts(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add ``fts_row`` values to ``search_fts`` (with or without the pair column)."""
    if rows:
        conn.executemany(fts_insert(len(rows[0]), delete=False), rows)


def fts_insert(width: int, *, delete: bool) -> str:
    """The INSERT of ``fts_row`` values of ``width`` (5: with pairs), or of their 'delete'."""
    columns = "rowid, exact, folded, meta" + (", pairs" if width == 5 else "")
    marks = ", ".join("?" * width)
    if delete:
        return f"INSERT INTO search_fts (search_fts, {columns}) VALUES ('delete', {marks})"
    return f"INSERT INTO search_fts ({columns}) VALUES ({marks})"


def rebuild_fts(conn: sqlite3.Connection, *, pairs: bool = False, numbers: bool = True) -> None:
    """Recreate both FTS tables from the stored documents and page texts (re-normalised),
    ``search_fts`` with the pair column if ``pairs``, cited-number tokens if ``numbers``."""
    conn.execute("DROP TABLE IF EXISTS search_fts")
    conn.execute("DROP TABLE IF EXISTS search_docfts")
    create_fts(conn, pairs=pairs)
    conn.executemany(
        "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)",
        [("pairs", str(int(pairs))), ("numbers", str(int(numbers)))],
    )
    last = -(2**63)
    while True:  # documents: recompute their filter tokens
        docs = conn.execute(
            "SELECT document_id, type_code, type_name, organ, issued, fonds, record, unit, "
            "access FROM search_documents WHERE document_id > ? ORDER BY document_id LIMIT ?",
            (last, CHUNK),
        ).fetchall()
        if not docs:
            break
        last = docs[-1][0]
        metas = [(doc[0], doc[4], meta_tokens(*doc[1:])) for doc in docs]
        conn.executemany(
            "UPDATE search_documents SET meta = ? WHERE document_id = ?",
            ((m, d) for d, _, m in metas),
        )
        conn.executemany(
            "INSERT INTO search_docfts (rowid, meta) VALUES (?, ?)",
            ((sort_key(issued, d), m) for d, issued, m in metas),
        )
    last = -(2**63)
    while True:  # in chunks: the whole archive's text does not fit in memory
        rows = conn.execute(
            "SELECT p.page_id, p.text, coalesce(d.meta, '') FROM search_pages p "
            "LEFT JOIN search_documents d ON d.document_id = p.document_id "
            "WHERE p.page_id > ? ORDER BY p.page_id LIMIT ?",
            (last, CHUNK),
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        renormalized = [(pid, normalize(text), m) for pid, text, m in rows]
        conn.executemany(
            "UPDATE search_pages SET text = ? WHERE page_id = ?",
            ((text, pid) for pid, text, _ in renormalized),
        )
        insert_fts(
            conn, [fts_row(pid, t, m, pairs=pairs, numbers=numbers) for pid, t, m in renormalized]
        )
