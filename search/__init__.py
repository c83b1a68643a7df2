"""Search: Vietnamese folding, safe query parsing and the SQLite FTS5 index.

Matching is accent-insensitive (on folded text); documents whose pages hold the accented words
exactly as typed rank first, then documents holding the bare words as one phrase, then by bm25.
A query that looks like a document number (``141/KH-UBND``) or the ``number`` filter finds the
document with that number first, then documents whose pages contain it.
"""

from search.folding import FOLD_VERSION, fold, lower, normalize
from search.fts import (
    DocumentHit,
    PageEntry,
    PageHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
    SqliteIndex,
)
from search.query import ParsedQuery, Term, looks_like_number, number_key, parse_query
from search.snippets import make_snippet

__all__ = [
    "FOLD_VERSION",
    "DocumentHit",
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
    "parse_query",
]
