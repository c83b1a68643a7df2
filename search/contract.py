"""The contract both index backends implement: the protocol and its query, hit and facet types.

``SearchIndex`` is what ``SqliteIndex`` and ``ElasticIndex`` offer; ``PageEntry`` is what the
pipeline gives them, ``SearchQuery`` (with an optional ``Access``) what a caller asks, and
``SearchResults`` / ``Facets`` what comes back. The limits here bind both backends alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "FACET_SIZE",
    "MAX_LIMIT",
    "SNIPPET_PAGES",
    "SORTS",
    "Access",
    "DocumentHit",
    "Facets",
    "PageEntry",
    "PageHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
]

MAX_LIMIT = 1000  # results per page at most
FACET_SIZE = 20  # values per facet
SNIPPET_PAGES = 2  # snippets per document when <= 10 documents are shown (else 1); others ""


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
    """What a caller asks: words and/or a number, filters, paging, sort and who asks."""

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
    """One matching page of a document hit, with its highlighted snippet."""

    page_id: int
    page_no: int
    snippet: str  # matches wrapped in "[[" and "]]"


@dataclass(frozen=True)
class DocumentHit:
    """One matching document: its display fields and its matching pages."""

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
    """One page of matching documents, best first, and how many match in all."""

    total: int  # matching documents (a lower bound when total_exact is False)
    hits: tuple[DocumentHit, ...]
    total_exact: bool = True  # False: more documents match than were counted ("at least")


class SearchIndex(Protocol):
    """What every index backend offers (SQLite FTS5 embedded; Elasticsearch when scaled out)."""

    def ensure_schema(self) -> None:
        """Create the index if missing (and upgrade it if its layout changed)."""

    def index_pages(self, entries: Sequence[PageEntry]) -> None:
        """Add or replace pages and their documents' fields; re-indexing never duplicates."""

    def delete_document(self, document_id: int) -> None:
        """Remove a document and all its pages (no error if it is not indexed)."""

    def count(self) -> int:
        """Number of pages indexed."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Documents matching ``query``, best first."""

    def facets(self, query: SearchQuery) -> Facets:
        """Matching documents counted per type name, issuing body and issue year."""
