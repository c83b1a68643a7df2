"""A query's filters and access, as FTS5 clauses on the ``meta`` column and SQL conditions.

The chosen filters (type, organ, fonds, record, dates) and access become FTS5 clauses on the
documents' filter tokens (``search.sqlite.rows.meta_tokens``), so they are part of the MATCH
that walks the pages; access is also an SQL condition on ``search_documents d``, checked again
wherever documents are read by id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from errors import QueryError
from search.contract import SORTS, Access, SearchQuery
from search.keys import ISO_DATE, field_key
from search.query import ParsedQuery, number_key, split_query, tokenize
from search.sqlite.rows import hex_token

__all__ = [
    "Clause",
    "DateParts",
    "Filters",
    "NumberLookup",
    "access_sql",
    "date_cover",
    "date_parts",
    "meta_clauses",
    "meta_expr",
    "number_lookup",
    "prepare",
    "query_filters",
]

DateParts = tuple[int, int, int]  # (year, month, day)
NumberLookup = tuple[str, str, tuple[str, ...]]  # (number key, FTS5 phrase, its words)
# One filter on the ``meta`` tokens: true when any of its phrases (consecutive tokens) is there.
Clause = tuple[tuple[str, ...], ...]


@dataclass
class Filters:
    """A query's filters: clauses on the ``meta`` tokens, and SQL for the number path."""

    clauses: list[Clause]  # the chosen filters, ANDed (dates come apart: they need the index)
    dates: tuple[DateParts | None, DateParts | None] | None
    sql: list[str]  # conditions on search_documents d (access, as a second check)
    params: dict[str, Any]
    chosen: bool  # the user chose a filter (access alone is not one)
    access: Access | None = None
    visible: Clause = ()  # access tokens of the public and the user's units' documents
    grants: Clause = ()  # access tokens of the records granted explicitly


def prepare(query: SearchQuery) -> tuple[ParsedQuery | None, NumberLookup | None, Filters]:
    """(parsed text, number lookup, filters) of a query.

    Raises ``QueryError`` when there is nothing to search for: no word, no number and no
    filter (access alone is not a filter: it restricts, it does not choose).
    """
    filters = query_filters(query)
    chosen = filters.chosen
    parsed, number = split_query(query.text, query.number, has_filters=bool(chosen))
    num = number_lookup(number) if number is not None else None
    if parsed is None and num is None and not chosen:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    return parsed, num, filters


def number_lookup(number: str) -> NumberLookup:
    """(number key, FTS5 phrase on the folded column, its words) for a number lookup."""
    words = tuple(w for _, w in tokenize(number))
    if not words:
        raise QueryError(f"The document number {number[:60]!r} has no letter or digit to look up.")
    return number_key(number), 'folded : "' + " ".join(words).replace('"', '""') + '"', words


def date_parts(value: str, *, end: bool) -> DateParts:
    """(year, month, day) of an ISO date, a partial one filled to its first or last day."""
    parts = [int(x) for x in value.split("-")]
    if len(parts) == 1:
        parts.append(12 if end else 1)
    if len(parts) == 2:
        parts.append(31 if end else 1)
    return parts[0], parts[1], parts[2]


def query_filters(query: SearchQuery) -> Filters:
    """Check a query's filters and turn them into FTS5 clauses on the ``meta`` column."""
    if query.sort not in SORTS:
        raise QueryError(f"Unknown sort {query.sort[:30]!r}; use one of {', '.join(SORTS)}.")
    clauses: list[Clause] = []
    if query.type is not None and query.type.strip():
        key = hex_token(field_key(query.type))
        clauses.append(((f"c{key}",), (f"n{key}",)))
    if query.organ is not None and query.organ.strip():
        words = [w for _, w in tokenize(query.organ)]
        # Whole words, consecutive; no word at all can match nothing ("x" is never a token).
        clauses.append((tuple(f"o{w}" for w in words) or ("x",),))
    for name in ("fonds", "record"):
        value = getattr(query, name)
        if value is not None and value.strip():
            clauses.append(((f"{name[0]}{hex_token(value.strip())}",),))
    dates = _date_bounds(query)
    chosen = bool(clauses) or dates is not None
    filters = Filters(clauses, dates, [], {}, chosen, access=query.access)
    if query.access is not None:
        access = query.access
        visible = [f"a{hex_token('01')}"]
        visible += [f"v{hex_token(u.strip())}" for u in sorted(access.units)]
        filters.visible = tuple((t,) for t in visible)
        filters.grants = tuple((f"g{hex_token(r)}",) for r in sorted(access.records))
        filters.sql.append(access_sql(access, filters.params))
    return filters


def _date_bounds(query: SearchQuery) -> tuple[DateParts | None, DateParts | None] | None:
    """The query's (from, to) dates, checked; None when neither is given."""
    bounds: list[DateParts | None] = []
    for name, value in (("date_from", query.date_from), ("date_to", query.date_to)):
        if value is None or not value.strip():
            bounds.append(None)
            continue
        value = value.strip()
        if ISO_DATE.fullmatch(value) is None:
            raise QueryError(
                f"The date {value[:40]!r} is not an ISO date; write it as YYYY-MM-DD "
                "(or YYYY-MM, YYYY)."
            )
        bounds.append(date_parts(value, end=name == "date_to"))
    return (bounds[0], bounds[1]) if bounds != [None, None] else None


def date_cover(lo: DateParts, hi: DateParts) -> list[str]:
    """The fewest year/month/day tokens covering the dates from ``lo`` to ``hi`` inclusive."""
    tokens: list[str] = []
    y, m, d = lo
    while (y, m, d) <= hi and len(tokens) < 2000:
        if m == 1 and d == 1 and (y, 12, 31) <= hi:
            tokens.append(f"y{y}")
            y += 1
        elif d == 1 and (y, m, 31) <= hi:
            tokens.append(f"m{y}{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        else:
            tokens.append(f"d{y}{m:02d}{d:02d}")
            d += 1
            if d > 31:
                y, m, d = (y + 1, 1, 1) if m == 12 else (y, m + 1, 1)
    return tokens


def access_sql(access: Access, params: dict[str, Any]) -> str:
    """SQL condition: the document ``d`` is visible to ``access`` (see ``Access``); its
    parameters are added to ``params``."""
    parts = ["d.access = '01'"]
    units = sorted(access.units)
    if units:
        names = [f":unit{k}" for k in range(len(units))]
        params.update({f"unit{k}": u for k, u in enumerate(units)})
        parts.append(f"(d.access = '02' AND d.unit IN ({', '.join(names)}))")
    records = sorted(access.records)
    if records:
        names = [f":grant{k}" for k in range(len(records))]
        params.update({f"grant{k}": r for k, r in enumerate(records)})
        parts.append(f"(d.fonds || '/' || d.record) IN ({', '.join(names)})")
    return "(" + " OR ".join(parts) + ")"


def meta_expr(
    conn: sqlite3.Connection, filters: Filters, *, grants: bool = True, access: bool = True
) -> str | None:
    """The FTS5 expression of the filters and access on the ``meta`` column, or None if none.

    ``grants=False`` leaves the explicitly granted records out of the access clause (the
    caller adds the documents only they make visible, see ``search.sqlite.grants``);
    ``access=False`` leaves access out (the caller checks ``Filters.sql`` on every row).
    """
    clauses = meta_clauses(conn, filters)
    if filters.access is not None and access:
        clauses.append(filters.visible + (filters.grants if grants else ()))
    if not clauses:
        return None
    return " AND ".join(f"(meta : ({render(c)}))" for c in clauses)


def render(clause: Clause) -> str:
    """A clause as an FTS5 OR of phrases (the ``meta :`` column filter goes around it)."""
    return " OR ".join('"' + " ".join(phrase) + '"' for phrase in clause)


def meta_clauses(conn: sqlite3.Connection, filters: Filters) -> list[Clause]:
    """The chosen filters as clauses on the ``meta`` tokens, dates included (not access)."""
    clauses = list(filters.clauses)
    if filters.dates is not None:
        lo, hi = filters.dates
        if lo is None or hi is None:
            # Open range: bounded by the dates present in the index.
            # Two index lookups (min and max in one query would scan the table).
            ends = [
                conn.execute(
                    "SELECT issued FROM search_documents WHERE issued <> '' "
                    f"ORDER BY issued {order} LIMIT 1"
                ).fetchone()
                for order in ("ASC", "DESC")
            ]
            first = ends[0][0] if ends[0] else "2000"
            last = ends[1][0] if ends[1] else "2000"
            lo = lo or (int(first[:4]), 1, 1)
            hi = hi or (int(last[:4]), 12, 31)
        clauses.append(tuple((t,) for t in date_cover(lo, hi) or ["x"]))
    return clauses
