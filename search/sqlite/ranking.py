"""Ranking a text or number search: walk the planned tiers, rank documents tier by tier.

Searching scales to millions of pages by never scoring every match: each tier is fetched as
at most ``candidate_cap`` pages (newest first), and documents are ranked tier by tier. When
the last tier reaches the cap the total is a lower bound. While bm25 is on (a small index)
documents are ordered by their best bm25 within a tier; otherwise by the number of matching
pages, then the newest document. Date sorts then reorder the ranked documents by issued date.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from search.sqlite.planning import Plan
from search.sqlite.rows import exact_tokens
from search.sqlite.schema import CHUNK

__all__ = [
    "BM25_MAX_PAGES",
    "CANDIDATE_CAP",
    "SCAN_CAP",
    "Ranking",
    "by_date",
    "page_texts",
    "rank",
]

CANDIDATE_CAP = 1000  # pages fetched per ranking tier
SCAN_CAP = 20_000  # matching pages read per tier when "-word" or text + number apply
DERIVE_CAP = 200  # a tier is derived from a wider one only up to this tier cap (the first 20
# results); deeper pages would read 1,000 rows of the wider tier first, often for nothing
BM25_MAX_PAGES = 20_000  # above this many pages, no bm25 (it reads every match: 85 vs 33 ms
# per query at 100k pages)


@dataclass
class Ranking:
    """The ranked documents of a search and what the result page needs of them."""

    tier_of: dict[int, int]  # document -> best tier (-1: carries the number)
    exact_of: dict[int, bool]  # document -> exact flag of its hit
    best: dict[int, float] = field(default_factory=dict)  # document -> best score (lower first)
    pages: dict[int, dict[int, tuple[int, int]]] = field(default_factory=dict)
    # doc -> page id -> (page_no, rank)
    capped: bool = False  # the last tier reached the cap: the total is a lower bound
    order: list[int] = field(default_factory=list)  # documents, best first


def rank(
    conn: sqlite3.Connection,
    plan: Plan,
    *,
    wanted: int,
    sort: str,
    text: bool,
    number: bool,
    bm25: bool,
    candidate_cap: int,
    scan_cap: int,
) -> Ranking:
    """Documents matching ``plan``, ranked (enough of them for ``wanted`` results).

    ``text`` and ``number``: the search has words, a number lookup (both: the documents
    carrying the number in their metadata rank first).
    """
    ranking = _walk_tiers(
        conn,
        plan,
        wanted=wanted,
        number=number,
        bm25=bm25,
        candidate_cap=candidate_cap,
        scan_cap=scan_cap,
    )
    if number and text:
        _promote_carriers(conn, ranking, plan.params["nk"])
    tier_of, best = ranking.tier_of, ranking.best
    order = sorted(tier_of, key=lambda d: (tier_of[d], best.get(d, 0.0), -d if not bm25 else d))
    if sort != "relevance":
        order = by_date(conn, order, descending=sort == "date_desc")
    ranking.order = order
    return ranking


def _walk_tiers(
    conn: sqlite3.Connection,
    plan: Plan,
    *,
    wanted: int,
    number: bool,
    bm25: bool,
    candidate_cap: int,
    scan_cap: int,
) -> Ranking:
    """Fetch the tiers best first, each document ranked in the first tier it appears in."""
    tiers = plan.tiers
    # Filter and access tokens (meta) do not weigh: a filter chooses, it does not rank.
    score_sql = "bm25(search_fts, 0.0, 1.0, 0.0)" if bm25 else "0.0"
    ranking = Ranking(
        tier_of={d: -1 for d in plan.number_docs}, exact_of={d: True for d in plan.number_docs}
    )
    tier_of, exact_of, best, pages = ranking.tier_of, ranking.exact_of, ranking.best, ranking.pages
    fetched: dict[int, tuple[int, list[Any]]] = {}  # tier -> (cap, rows) read ahead
    for k, (ex, _ph, expr) in enumerate(tiers):
        last = k == len(tiers) - 1
        if not last and sum(1 for t in tier_of.values() if t < k) >= wanted:
            continue  # enough better documents: only the last tier (the total) is needed
        # A better tier only has to fill the page of results; the last one also counts.
        cap = candidate_cap if last else min(candidate_cap, max(10 * wanted, 200))
        rows = None
        if k in plan.within and not bm25 and not plan.narrow and cap <= DERIVE_CAP:
            rows = _derived_rows(conn, plan, k, cap, fetched, scan_cap)
        tier_params: dict[str, Any] = {}
        if rows is None and fetched.get(k, (0, []))[0] == cap:
            rows = fetched[k][1]
        elif rows is None:
            rows, tier_params = _tier_rows(conn, plan, expr, cap, score_sql, scan_cap)
        if last and len(rows) >= candidate_cap:
            ranking.capped = True
        elif last and plan.narrow:
            beyond = conn.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT 1 OFFSET :scan",
                tier_params,
            ).fetchone()
            ranking.capped = beyond is not None
        for rank_, (doc_id, page_id, page_no, score) in enumerate(rows):
            if doc_id not in tier_of:
                tier_of[doc_id] = k
                exact_of[doc_id] = ex and not number
            pages.setdefault(doc_id, {}).setdefault(page_id, (page_no, rank_))
            if tier_of[doc_id] == k or tier_of[doc_id] == -1:
                if bm25:
                    best[doc_id] = min(best.get(doc_id, 0.0), float(score))
                else:
                    best[doc_id] = best.get(doc_id, 0.0) - 1.0  # more matching pages first
    return ranking


def _derived_rows(
    conn: sqlite3.Connection,
    plan: Plan,
    k: int,
    cap: int,
    fetched: dict[int, tuple[int, list[Any]]],
    scan_cap: int,
) -> list[Any] | None:
    """Tier ``k``'s rows taken from the later tier holding all of them (``Plan.within``):
    that tier's rows (kept in ``fetched`` for its own turn) on pages with the accented
    words; None when that tier reached ``cap`` (then ``k`` is fetched as usual).

    "Exact + phrase" walks the whole archive when the phrase is rare, and the phrase alone
    walks it more cheaply (no doclist of an accented word beside the phrase's own): "Lý Thu
    Quun" at 1 M pages, 25.5 CPU ms for both, 17.0 for the phrase.
    """
    j, words = plan.within[k]
    if fetched.get(j, (0, []))[0] != cap:
        fetched[j] = (cap, _tier_rows(conn, plan, plan.tiers[j][2], cap, "0.0", scan_cap)[0])
    rows = fetched[j][1]
    if len(rows) >= cap:
        return None
    texts = page_texts(conn, [r[1] for r in rows])
    wanted = set(words)
    return [r for r in rows if wanted <= exact_tokens(texts.get(r[1], ""))]


def _tier_rows(
    conn: sqlite3.Connection, plan: Plan, expr: str, cap: int, score_sql: str, scan_cap: int
) -> tuple[list[Any], dict[str, Any]]:
    """(document id, page id, page no, score) of a tier's newest ``cap`` matching pages, and
    the parameters used."""
    where = "".join(f" AND {f}" for f in plan.filters)
    tier_params = {**plan.params, "q": expr, "cap": cap}
    if plan.narrow:
        # SQL filters: read at most scan_cap matching pages (newest first), so a selective
        # filter on a common word stays bounded; past that the total is a lower bound.
        tier_params["scan"] = scan_cap
        source = (
            f"(SELECT rowid, {score_sql} AS score FROM search_fts WHERE search_fts "
            "MATCH :q ORDER BY rowid DESC LIMIT :scan) f"
        )
        match, score = "", "f.score"
    else:
        source, match, score = "search_fts f", "search_fts MATCH :q", score_sql
    rows = conn.execute(
        # CROSS JOIN keeps the FTS table as the outer loop (newest matches first, stop at the
        # cap) instead of running the MATCH once per page row.
        f"SELECT p.document_id, p.page_id, p.page_no, {score} FROM {source} "
        "CROSS JOIN search_pages p ON p.page_id = f.rowid "
        "CROSS JOIN search_documents d ON d.document_id = p.document_id "
        f"WHERE 1{' AND ' + match if match else ''}{where} "
        "ORDER BY f.rowid DESC LIMIT :cap",
        tier_params,
    ).fetchall()
    return rows, tier_params


def _promote_carriers(conn: sqlite3.Connection, ranking: Ranking, nk: str) -> None:
    """Text plus a number: the documents carrying it in their metadata rank first."""
    ids = list(ranking.tier_of)
    number_set = {
        r[0]
        for r in _by_ids(
            conn,
            "SELECT document_id FROM search_documents WHERE number_key = ? AND document_id",
            ids,
            before=(nk,),
        )
    }
    for doc_id in ids:
        if doc_id in number_set:
            ranking.tier_of[doc_id] = -1
        ranking.exact_of[doc_id] = doc_id in number_set


def page_texts(conn: sqlite3.Connection, page_ids: Sequence[int]) -> dict[int, str]:
    """The stored texts of pages by id."""
    return dict(_by_ids(conn, "SELECT page_id, text FROM search_pages WHERE page_id", page_ids))


def by_date(conn: sqlite3.Connection, doc_ids: list[int], *, descending: bool) -> list[int]:
    """``doc_ids`` ordered by issued date (ties keep their order), undated last."""
    issued = dict(
        _by_ids(conn, "SELECT document_id, issued FROM search_documents WHERE document_id", doc_ids)
    )
    dated = [d for d in doc_ids if issued.get(d)]
    dated.sort(key=lambda d: issued[d], reverse=descending)  # stable: ties keep the rank
    return dated + [d for d in doc_ids if not issued.get(d)]


def _by_ids(
    conn: sqlite3.Connection, sql: str, ids: Sequence[int], *, before: Sequence[Any] = ()
) -> list[Any]:
    """The rows of ``sql`` + `` IN (ids)``, read ``CHUNK`` ids at a time (SQLite's limit on
    bound values); ``before``: the values of the placeholders ``sql`` already has."""
    rows: list[Any] = []
    for k in range(0, len(ids), CHUNK):
        chunk = ids[k : k + CHUNK]
        rows += conn.execute(
            f"{sql} IN ({','.join('?' * len(chunk))})", [*before, *chunk]
        ).fetchall()
    return rows
