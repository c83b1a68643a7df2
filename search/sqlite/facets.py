"""Facet counts: matching documents per type name, issuing body and issue year.

The same matching, filters and access as a search; at most ``facet_cap`` matching pages (a
text query, newest first) or documents (filters only, oldest first) are counted, past which
the counts are marked inexact. (Reading 5,000 pages cost 45 ms a query at 100k pages, 2,000
about 15 ms.)
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

from search.contract import FACET_SIZE, Facets
from search.query import ParsedQuery
from search.sqlite.filters import Filters, NumberLookup
from search.sqlite.planning import plan_query
from search.sqlite.results import id_params
from search.sqlite.rows import ID_MASK
from search.sqlite.schema import CHUNK

__all__ = ["FACET_CAP", "count_facets", "tally"]

FACET_CAP = 2_000  # matching pages (text) or documents (filters only) counted by facets


def count_facets(
    conn: sqlite3.Connection,
    parsed: ParsedQuery | None,
    num: NumberLookup | None,
    meta: str | None,
    filters: Filters,
    *,
    facet_cap: int,
    candidate_cap: int,
    pairs: bool = False,
    numbers: bool = False,
    granted: Sequence[int] = (),
) -> Facets:
    """Facets of the documents matching a prepared query (see ``filters.prepare``).

    ``granted``: a listing's documents visible only through grants, not matched by ``meta``
    (see ``search.sqlite.listing.list_documents``).
    """
    if parsed is None and num is None:
        keys = [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM search_docfts WHERE search_docfts MATCH :m "
                "ORDER BY rowid LIMIT :scan",
                {"m": meta, "scan": facet_cap + 1},
            )
        ]
        if granted:
            keys = sorted([*keys, *granted])[: facet_cap + 1]
        exact = len(keys) <= facet_cap
        ids = sorted(k & ID_MASK for k in keys[:facet_cap])
        sql, params = filters.sql, filters.params
    else:
        ids, exact = _matched(
            conn, parsed, num, meta, filters, facet_cap, candidate_cap, pairs, numbers
        )
        sql, params = [], {}
    rows = []
    extra = "".join(f" AND {f}" for f in sql)
    for k in range(0, len(ids), CHUNK):
        marks, named = id_params(ids[k : k + CHUNK])
        rows += conn.execute(
            "SELECT d.type_name, d.organ, substr(d.issued, 1, 4) FROM search_documents d "
            f"WHERE d.document_id IN ({marks}){extra}",
            {**params, **named},
        ).fetchall()
    return tally(rows, exact=exact)


def _matched(
    conn: sqlite3.Connection,
    parsed: ParsedQuery | None,
    num: NumberLookup | None,
    meta: str | None,
    filters: Filters,
    facet_cap: int,
    candidate_cap: int,
    pairs: bool,
    numbers: bool,
) -> tuple[list[int], bool]:
    """(document ids, counted in full) of a text or number query's newest matching pages."""
    plan = plan_query(
        conn,
        parsed,
        num,
        meta,
        filters,
        candidate_cap=candidate_cap,
        pairs=pairs,
        numbers=numbers,
    )
    where = "".join(f" AND {f}" for f in plan.filters)
    params = {**plan.params, "q": plan.tiers[-1][2], "scan": facet_cap + 1}
    # The match is read once, one page more than the cap (whether there are more), never
    # walked a second time with OFFSET to learn that (a small match, such as a number
    # lookup's, was walked in full twice).
    if plan.narrow:
        # "-word", text + number: at most that many matching pages are read, the SQL
        # filters flag them (a selective filter must not walk a common word's every page).
        rows = conn.execute(
            f"SELECT p.document_id, 1{where} FROM (SELECT rowid FROM search_fts WHERE "
            "search_fts MATCH :q ORDER BY rowid DESC LIMIT :scan) f "
            "CROSS JOIN search_pages p ON p.page_id = f.rowid "
            "CROSS JOIN search_documents d ON d.document_id = p.document_id",
            params,
        ).fetchall()
    else:
        # Access (in FTS5, or only in SQL with many grants) is applied before the limit:
        # the newest pages the user may see are counted.
        rows = conn.execute(
            "SELECT p.document_id, 1 FROM search_fts f "
            "CROSS JOIN search_pages p ON p.page_id = f.rowid "
            "CROSS JOIN search_documents d ON d.document_id = p.document_id "
            f"WHERE search_fts MATCH :q{where} ORDER BY f.rowid DESC LIMIT :scan",
            params,
        ).fetchall()
    exact = len(rows) <= facet_cap
    rows = rows[:facet_cap]
    found = {doc for doc, passes in rows if passes}
    return sorted(found | set(plan.number_docs)), exact


def tally(rows: Sequence[tuple[str, str, str]], *, exact: bool) -> Facets:
    """Facets of (type name, organ, year) rows, one per document: top ``FACET_SIZE`` each,
    count descending then value ascending; empty values are not counted."""
    types: Counter[str] = Counter()
    organs: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for type_name, organ, year in rows:
        if type_name:
            types[type_name] += 1
        if organ:
            organs[organ] += 1
        if year:
            years[year] += 1

    def top(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])

    return Facets(types=top(types), organs=top(organs), years=top(years), exact=exact)
