"""Search: Vietnamese folding, safe query parsing, and two index backends with one contract.

``open_index(url_or_path)`` gives ``SqliteIndex`` (SQLite FTS5, embedded default) for a path and
``ElasticIndex`` (Elasticsearch) for an ``http(s)://`` URL; both implement ``SearchIndex``.

Matching is accent-insensitive (on folded text); documents whose pages hold the accented words
exactly as typed rank first, then documents holding the bare words as one phrase, then by bm25.
A query that looks like a document number (``141/KH-UBND``) or the ``number`` filter finds the
document with that number first, then documents whose pages contain it.

``SearchQuery.access`` (an ``Access``) restricts results and facets to what one user may see,
inside the index query; ``SearchIndex.facets`` counts matching documents per type, issuing body
and year.
"""

from pathlib import Path

from search.contract import (
    SORTS,
    Access,
    DocumentHit,
    Facets,
    PageEntry,
    PageHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
)
from search.elastic import ElasticIndex
from search.folding import FOLD_VERSION, fold, lower, normalize
from search.keys import record_key
from search.query import ParsedQuery, Term, looks_like_number, number_key, parse_query
from search.snippets import make_snippet
from search.sqlite import SqliteIndex

__all__ = [
    "FOLD_VERSION",
    "SORTS",
    "Access",
    "DocumentHit",
    "ElasticIndex",
    "Facets",
    "PageEntry",
    "PageHit",
    "ParsedQuery",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "SqliteIndex",
    "Term",
    "fold",
    "looks_like_number",
    "lower",
    "make_snippet",
    "normalize",
    "number_key",
    "open_index",
    "parse_query",
    "record_key",
]


def open_index(
    target: str | Path,
    *,
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_certs: str | None = None,
    verify_certs: bool = True,
    timeout: float = 30.0,
    prefix: str = "sohoa",
    pairs: bool = False,
) -> SqliteIndex | ElasticIndex:
    """The index at ``target``: an ``http(s)://`` URL is Elasticsearch, anything else a SQLite
    file path. Credentials and TLS options only apply to Elasticsearch; ``pairs`` (the word-pair
    column of a new SQLite index) only to SQLite. The schema is created if missing."""
    text = str(target)
    index: SqliteIndex | ElasticIndex
    if text.startswith(("http://", "https://")):
        index = ElasticIndex(
            text,
            prefix=prefix,
            username=username,
            password=password,
            api_key=api_key,
            ca_certs=ca_certs,
            verify_certs=verify_certs,
            timeout=timeout,
        )
    else:
        index = SqliteIndex(Path(text), timeout=timeout, pairs=pairs)
    index.ensure_schema()
    return index
