"""Turning ranked document ids into result pages: display rows, matching pages, snippets.

Snippets cost about 1 ms a page, so every shown document gets one, and small result pages
(up to 10 documents) ``SNIPPET_PAGES``; documents without a matching page (a number found in
the metadata, a listing by filters) show their first page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from search.contract import SNIPPET_PAGES, DocumentHit, PageHit, SearchResults
from search.snippets import make_snippet
from search.sqlite.filters import Filters
from search.sqlite.ranking import Ranking, page_texts
from search.sqlite.schema import CHUNK, DOC_COLUMNS

__all__ = ["document_hit", "documents", "first_pages", "id_params", "text_results"]


def text_results(
    conn: sqlite3.Connection,
    ranking: Ranking,
    highlight: Sequence[tuple[str, ...]],
    *,
    offset: int,
    wanted: int,
) -> SearchResults:
    """The result page ``offset:wanted`` of a ranked search, with highlighted snippets."""
    order, pages, capped = ranking.order, ranking.pages, ranking.capped
    total = len(order)
    window = order[offset:wanted]
    if not window:
        return SearchResults(total=total, hits=(), total_exact=not capped)
    docs = {
        r[0]: r
        for r in conn.execute(
            f"SELECT {DOC_COLUMNS} FROM search_documents d WHERE d.document_id IN "
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
    texts = page_texts(conn, need)
    missing = [d for d in window if not shown[d]]
    firsts = first_pages(conn, missing) if missing else {}
    hits = []
    for doc_id in window:
        doc_pages = tuple(
            PageHit(
                page_id=pid,
                page_no=no,
                snippet=make_snippet(texts[pid], highlight) if pid in texts else "",
            )
            for no, pid in shown[doc_id]
        ) or firsts.get(doc_id, ())
        score = ranking.best.get(doc_id, 0.0)
        hits.append(
            document_hit(
                docs[doc_id], doc_pages, exact=ranking.exact_of.get(doc_id, False), score=-score
            )
        )
    return SearchResults(total=total, hits=tuple(hits), total_exact=not capped)


def first_pages(conn: sqlite3.Connection, doc_ids: Sequence[int]) -> dict[int, tuple[PageHit, ...]]:
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


def id_params(ids: Sequence[int]) -> tuple[str, dict[str, int]]:
    """(":i0, :i1, ...", their values): an IN list with named parameters."""
    return ", ".join(f":i{k}" for k in range(len(ids))), {f"i{k}": v for k, v in enumerate(ids)}


def documents(
    conn: sqlite3.Connection, ids: Sequence[int], filters: Filters
) -> dict[int, Sequence[Any]]:
    """Display rows of documents by id, re-checked against the SQL access condition."""
    extra = "".join(f" AND {f}" for f in filters.sql)
    out: dict[int, Sequence[Any]] = {}
    for k in range(0, len(ids), CHUNK):
        marks, named = id_params(ids[k : k + CHUNK])
        for row in conn.execute(
            f"SELECT {DOC_COLUMNS} FROM search_documents d WHERE d.document_id IN ({marks}){extra}",
            {**filters.params, **named},
        ):
            out[row[0]] = row
    return out


def document_hit(
    row: Sequence[Any], pages: Sequence[PageHit], *, exact: bool, score: float
) -> DocumentHit:
    """A ``DocumentHit`` from a ``DOC_COLUMNS`` row and its pages."""
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
