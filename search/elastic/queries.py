"""Elasticsearch request bodies: search, facets, the "-word" exclusion, the access filter.

Ranking mirrors the SQLite tiers with boosts that dominate the text score: the document number
(``BOOST_NUMBER``), accented words as typed (``BOOST_EXACT``), the bare words as one phrase
(``BOOST_PHRASE``), then the text score. Results are grouped per document with ``collapse`` on
``document_id`` (matching pages come back as inner hits); the total is a ``cardinality``
aggregation (exact below ``CARDINALITY_THRESHOLD`` documents). Access is a bool filter inside
the query, so totals, paging and facets never see a hidden page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from errors import QueryError
from search.contract import FACET_SIZE, MAX_LIMIT, SORTS, Access, SearchQuery
from search.keys import ISO_DATE, field_key
from search.query import (
    ParsedQuery,
    looks_like_number,
    number_key,
    parse_query,
    split_query,
    tokenize,
)

__all__ = [
    "BOOST_EXACT",
    "BOOST_NUMBER",
    "BOOST_PHRASE",
    "CARDINALITY_THRESHOLD",
    "INNER_PAGES",
    "MAX_EXCLUDED",
    "access_filter",
    "exclusion_body",
    "facets_body",
    "search_body",
]

CARDINALITY_THRESHOLD = 40_000
INNER_PAGES = 20  # matching pages returned per document
MAX_EXCLUDED = 10_000  # documents excluded by "-word" (beyond: only their matching pages)
BOOST_NUMBER = 1_000_000.0
BOOST_EXACT = 10_000.0
BOOST_PHRASE = 100.0
_MATCH_NONE: dict[str, Any] = {"match_none": {}}


def access_filter(access: Access) -> dict[str, Any]:
    """Bool filter: the page's document is visible to ``access`` (see ``search.Access``)."""
    should: list[dict[str, Any]] = [{"term": {"access": "01"}}]
    if access.units:
        should.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"access": "02"}},
                        {"terms": {"unit": sorted(access.units)}},
                    ]
                }
            }
        )
    if access.records:
        should.append({"terms": {"record_key": sorted(access.records)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    """Filters the user chose (access is added separately: it is not a choice)."""
    out: list[dict[str, Any]] = []
    if query.sort not in SORTS:
        raise QueryError(f"Unknown sort {query.sort[:30]!r}; use one of {', '.join(SORTS)}.")
    for name in ("fonds", "record"):
        value = getattr(query, name)
        if value is not None and value.strip():
            out.append({"term": {name: value.strip()}})
    if query.type is not None and query.type.strip():
        key = field_key(query.type)
        out.append(
            {
                "bool": {
                    "should": [
                        {"term": {"type_code_key": key}},
                        {"term": {"type_name_key": key}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if query.organ is not None and query.organ.strip():
        # Whole words, consecutive, accent-insensitive (as SQLite's "meta" phrase).
        words = [w for _, w in tokenize(query.organ)]
        out.append(
            {"match_phrase": {"organ": {"query": " ".join(words)}}} if words else _MATCH_NONE
        )
    dates: dict[str, str] = {}
    for name, op in (("date_from", "gte"), ("date_to", "lte")):
        value = getattr(query, name)
        if value is None or not value.strip():
            continue
        value = value.strip()
        if ISO_DATE.fullmatch(value) is None:
            raise QueryError(
                f"The date {value[:40]!r} is not an ISO date; write it as YYYY-MM-DD "
                "(or YYYY-MM, YYYY)."
            )
        dates[op] = value
    if dates:
        # "lte 2024" with format yyyy rounds up to the end of 2024, as SQLite's prefix compare.
        out.append({"range": {"issued_date": {**dates, "format": "strict_date||yyyy-MM||yyyy"}}})
    return out


def _phrase(field: str, words: Sequence[str]) -> dict[str, Any]:
    return {"match_phrase": {field: {"query": " ".join(words)}}}


def exclusion_body(query: SearchQuery) -> dict[str, Any] | None:
    """Body finding the documents holding an excluded (``-word``) term on any page, or None."""
    text = query.text or ""
    if not text.strip() or "-" not in text or looks_like_number(text):
        return None
    try:
        parsed = parse_query(text)
    except QueryError:
        return None
    if not parsed.exclude:
        return None
    return {
        "size": 0,
        "query": {
            "bool": {
                "should": [_phrase("text", t.folded) for t in parsed.exclude],
                "minimum_should_match": 1,
            }
        },
        "aggs": {"documents": {"terms": {"field": "document_id", "size": MAX_EXCLUDED}}},
    }


def search_body(query: SearchQuery, *, excluded_documents: Sequence[int] = ()) -> dict[str, Any]:
    """The ``_search`` request body for ``query`` (raises ``QueryError`` like ``SqliteIndex``).

    ``excluded_documents``: ids found by ``exclusion_body`` (documents with an excluded word).
    """
    if not 1 <= query.limit <= MAX_LIMIT:
        raise QueryError(f"The result limit must be between 1 and {MAX_LIMIT}.")
    if query.offset < 0:
        raise QueryError("The result offset cannot be negative.")
    filters = _filters(query)
    parsed, number = split_query(query.text, query.number, has_filters=bool(filters))
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    if number is not None:
        _number_clauses(number, parsed is None, must, should, filters)
    if parsed is not None:
        _text_clauses(parsed, excluded_documents, must, should, must_not)
    if not must and not filters:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    if query.access is not None:
        filters.append(access_filter(query.access))
    body = _paged_body(query)
    if must or should:
        body["query"] = {
            "bool": {
                "must": must or [{"match_all": {}}],
                "should": should,
                "filter": filters,
                "must_not": must_not,
            }
        }
        body["sort"] = (
            ["_score", {"document_id": "asc"}]
            if query.sort == "relevance"
            else [_date_sort(query.sort), "_score", {"document_id": "asc"}]
        )
        if query.sort != "relevance":
            body["track_scores"] = True  # scores (and the exact flag) when sorting by date
        body["highlight_terms"] = [list(t) for t in (parsed.highlight if parsed else ())]
        if number is not None:
            body["highlight_terms"].append([w for _, w in tokenize(number)])
    else:
        body["query"] = {"bool": {"filter": filters}}
        order = "desc" if query.sort == "date_desc" else "asc"
        body["sort"] = [_date_sort(query.sort), {"document_id": order}]
        body["highlight_terms"] = []
    return body


def _number_clauses(
    number: str,
    alone: bool,
    must: list[dict[str, Any]],
    should: list[dict[str, Any]],
    filters: list[dict[str, Any]],
) -> None:
    """Add a number lookup: carried in the metadata (boosted) or cited on a page; required
    when ``alone`` (no words), else a filter."""
    words = [w for _, w in tokenize(number)]
    if not words:
        raise QueryError(f"The document number {number[:60]!r} has no letter or digit to look up.")
    carries = {"term": {"number_key": {"value": number_key(number), "_name": "number"}}}
    cites = _phrase("text", words)
    should.append({"constant_score": {"filter": carries, "boost": BOOST_NUMBER}})
    if alone:
        must.append({"bool": {"should": [carries, cites], "minimum_should_match": 1}})
    else:
        filters.append({"bool": {"should": [carries, cites], "minimum_should_match": 1}})


def _text_clauses(
    parsed: ParsedQuery,
    excluded_documents: Sequence[int],
    must: list[dict[str, Any]],
    should: list[dict[str, Any]],
    must_not: list[dict[str, Any]],
) -> None:
    """Add the words: each required, boosts for the accents as typed and the bare phrase,
    exclusions of pages (and documents) holding a "-word"."""
    for term in parsed.include:
        if term.quoted or len(term.folded) > 1:
            must.append(_phrase("text", term.folded))
        else:
            must.append({"match": {"text": {"query": term.folded[0]}}})
    accented = [t for t in parsed.include if t.accented]
    if accented:
        exact = {
            "bool": {"filter": [_phrase("text.exact", t.exact) for t in accented]},
        }
        should.append({"constant_score": {"filter": exact, "boost": BOOST_EXACT, "_name": "exact"}})
    bare = [w for t in parsed.include if not t.quoted for w in t.folded]
    if len([t for t in parsed.include if not t.quoted]) >= 2:
        should.append({"constant_score": {"filter": _phrase("text", bare), "boost": 100.0}})
    # Pages holding an excluded word, and (from exclusion_body) their whole documents.
    must_not.extend(_phrase("text", t.folded) for t in parsed.exclude)
    if excluded_documents:
        must_not.append({"terms": {"document_id": list(excluded_documents)}})


def _paged_body(query: SearchQuery) -> dict[str, Any]:
    """The paging, grouping per document and total count of a ``_search`` body."""
    return {
        "from": query.offset,
        "size": query.limit,
        "track_total_hits": False,
        "_source": {"excludes": ["text"]},
        "collapse": {
            "field": "document_id",
            "inner_hits": {
                "name": "pages",
                "size": INNER_PAGES,
                "sort": [{"page_no": "asc"}],
                "_source": ["page_id", "page_no", "text"],
            },
        },
        "aggs": {
            "documents": {
                "cardinality": {
                    "field": "document_id",
                    "precision_threshold": CARDINALITY_THRESHOLD,
                }
            }
        },
    }


def _date_sort(sort: str) -> dict[str, Any]:
    order = "desc" if sort == "date_desc" else "asc"
    return {"issued_date": {"order": order, "missing": "_last"}}


def facets_body(query: SearchQuery, *, excluded_documents: Sequence[int] = ()) -> dict[str, Any]:
    """The ``_search`` body counting matching documents per type, organ and year.

    Same query, filters and access as ``search_body``; each facet is a ``terms``
    aggregation ordered by a ``cardinality`` of ``document_id`` (pages are the indexed units).
    """
    base = search_body(replace(query, limit=1, offset=0), excluded_documents=excluded_documents)
    docs = {"cardinality": {"field": "document_id", "precision_threshold": CARDINALITY_THRESHOLD}}

    def terms(field: str) -> dict[str, Any]:
        return {
            "terms": {
                "field": field,
                "size": FACET_SIZE,
                "order": [{"docs": "desc"}, {"_key": "asc"}],
            },
            "aggs": {"docs": docs},
        }

    return {
        "size": 0,
        "track_total_hits": False,
        "query": base["query"],
        "aggs": {
            "types": terms("type_name"),
            "organs": terms("organ.raw"),
            "years": terms("year"),
            "documents": docs,
        },
    }
