"""Listing documents by filters alone, in issued-date order (``search_docfts`` rowid order).

The sort key (issued date << 32 | document id) makes the list one FTS5 query already in date
order; descending lists the dated documents newest first, then the undated ones. At most
``LIST_COUNT_CAP`` documents are counted exactly, like Elasticsearch's ``track_total_hits``:
counting is a walk of every match (a 100,000-document count cost ~100 ms at 5 M pages), so
past the cap the total is a lower bound (``total_exact`` False, "Ít nhất 10.000 tài liệu").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from errors import QueryError
from search.contract import SearchQuery, SearchResults
from search.sqlite.filters import Filters
from search.sqlite.results import document_hit, documents, first_pages
from search.sqlite.rows import ID_BITS, ID_MASK, UNDATED

__all__ = ["LIST_COUNT_CAP", "list_documents"]

LIST_COUNT_CAP = 10_000  # documents counted exactly when listing by filters only (more: "at least")


def list_documents(
    conn: sqlite3.Connection,
    query: SearchQuery,
    meta: str | None,
    filters: Filters,
    granted: Sequence[int] = (),
) -> SearchResults:
    """Documents matching the filters only, by issued date (``search_docfts`` order).

    ``granted``: sort keys (ascending) of the documents visible only through explicit grants
    and not matched by ``meta`` (``search.sqlite.grants``), merged into the list.
    """
    if meta is None:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    cap = max(LIST_COUNT_CAP, query.offset + query.limit)
    total = conn.execute(
        "SELECT COUNT(*) FROM (SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m "
        "LIMIT :cap)",
        {"m": meta, "cap": cap + 1},
    ).fetchone()[0]
    descending = query.sort == "date_desc"
    if granted:
        # The first offset + limit of the match, merged with the granted documents.
        wanted = query.offset + query.limit
        keys = _window(conn, meta, descending=descending, limit=wanted, offset=0)
        keys = sorted([*keys, *granted], key=_order(descending))[query.offset : wanted]
    else:
        keys = _window(conn, meta, descending=descending, limit=query.limit, offset=query.offset)
    ids = [k & ID_MASK for k in keys]
    rows = documents(conn, ids, filters)
    firsts = first_pages(conn, [d for d in ids if d in rows])
    hits = tuple(
        document_hit(rows[d], firsts.get(d, ()), exact=False, score=0.0) for d in ids if d in rows
    )
    exact = total <= cap
    return SearchResults(total=min(int(total), cap) + len(granted), hits=hits, total_exact=exact)


def _order(descending: bool) -> Callable[[int], tuple[int, int]]:
    """Sort function of keys in list order: ascending, or newest first then the undated."""
    undated = UNDATED << ID_BITS
    if not descending:
        return lambda k: (0, k)
    return lambda k: (0, -k) if k < undated else (1, k)


def _window(
    conn: sqlite3.Connection, meta: str, *, descending: bool, limit: int, offset: int
) -> list[int]:
    """The sort keys of the matching documents ``offset:offset + limit`` in list order."""
    if descending:
        return _newest_first(conn, meta, limit=limit, offset=offset)
    return [
        r[0]
        for r in conn.execute(
            "SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m "
            "ORDER BY rowid LIMIT :limit OFFSET :offset",
            {"m": meta, "limit": limit, "offset": offset},
        )
    ]


def _newest_first(conn: sqlite3.Connection, meta: str, *, limit: int, offset: int) -> list[int]:
    """The sort keys of a date-descending page: newest first, then the undated documents
    (whose keys are the largest)."""
    select = "SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m"
    page = {"m": meta, "limit": limit, "offset": offset}
    undated = UNDATED << ID_BITS
    keys = [
        r[0]
        for r in conn.execute(
            f"{select} AND rowid < :u ORDER BY rowid DESC LIMIT :limit OFFSET :offset",
            {**page, "u": undated},
        )
    ]
    if len(keys) < limit:
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
                    "limit": limit - len(keys),
                    "offset": max(0, offset - dated),
                },
            )
        ]
    return keys
