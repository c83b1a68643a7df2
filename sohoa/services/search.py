"""Finding documents: the web's search as a user (pages, facets, number match) and the
CLI's search over everything.

Results and facet counts go through an optional cache (the web app's per-index result
cache); without one every call searches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import search
from archive.accounts import User
from errors import QueryError
from sohoa.pipeline import Context
from sohoa.services.access import access_for
from sohoa.services.documents import pdf_paths

SORTS = ("relevance", "date_desc", "date_asc")
PAGE_SIZE = 20

T = TypeVar("T")


class ResultCache(Protocol):
    """Reuses an answer for the same key while the index is unchanged."""

    def get(self, index: Any, key: Any, compute: Callable[[], T]) -> T:
        """The answer for ``key``, computed by ``compute`` when not kept."""
        ...


@dataclass(frozen=True)
class SearchForm:
    """The search parameters as typed (all optional)."""

    q: str = ""
    fonds: str = ""
    record: str = ""
    type: str = ""
    organ: str = ""
    date_from: str = ""
    date_to: str = ""
    number: str = ""
    sort: str = "relevance"
    page: int = 1

    @property
    def empty(self) -> bool:
        """True when nothing was typed: no search is run."""
        return not any(
            (
                self.q.strip(),
                self.fonds,
                self.record,
                self.type,
                self.organ,
                self.date_from,
                self.date_to,
                self.number,
            )
        )


@dataclass
class SearchOutcome:
    """One page of results with the facet counts, or the reason the query was refused."""

    form: SearchForm
    results: Any = None  # search.SearchResults
    facets: Any = None  # search.Facets
    error: str = ""
    redirect_to: int | None = None  # a number typed alone matched exactly this document
    pages: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)


class _NoCache:
    def get(self, index: Any, key: Any, compute: Callable[[], T]) -> T:
        return compute()


def _query(ctx: Context, user: User, form: SearchForm) -> search.SearchQuery:
    sort = form.sort if form.sort in SORTS else "relevance"
    page = max(1, form.page)
    return search.SearchQuery(
        text=form.q.strip(),
        type=form.type or None,
        organ=form.organ or None,
        date_from=form.date_from or None,
        date_to=form.date_to or None,
        number=form.number or None,
        fonds=form.fonds or None,
        record=form.record or None,
        sort=sort,
        access=access_for(ctx, user),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )


def _number_match(form: SearchForm, results: search.SearchResults) -> int | None:
    """The document a number typed alone found exactly (the page then opens it)."""
    if (
        form.q.strip()
        and search.looks_like_number(form.q)
        and results.total == 1
        and len(results.hits) == 1
        and results.hits[0].number
        and search.number_key(results.hits[0].number) == search.number_key(form.q)
    ):
        return results.hits[0].document_id
    return None


def run_search(
    ctx: Context, user: User, form: SearchForm, *, cache: ResultCache | None = None
) -> SearchOutcome:
    """Search as ``user`` (results, totals and facet counts only hold visible documents)."""
    outcome = SearchOutcome(form=form)
    if form.empty:
        return outcome
    query = _query(ctx, user, form)
    store = cache if cache is not None else _NoCache()
    # Facets do not depend on the page shown or its order: one entry serves them all.
    facet_query = replace(query, sort="relevance", limit=0, offset=0)
    try:
        results = store.get(ctx.index, ("results", query), lambda: ctx.index.search(query))
        facets = store.get(ctx.index, ("facets", facet_query), lambda: ctx.index.facets(query))
    except QueryError as exc:
        outcome.error = str(exc)
        return outcome
    outcome.results = results
    outcome.facets = facets
    outcome.pages = max(1, -(-results.total // PAGE_SIZE))
    outcome.redirect_to = _number_match(form, results)
    return outcome


def hit_dict(hit: Any) -> dict[str, Any]:
    """A document found, as plain data (its matching pages with their snippets)."""
    return {
        "document_id": hit.document_id,
        "number": hit.number,
        "type_name": hit.type_name,
        "organ": hit.organ,
        "issued": hit.issued,
        "title": hit.title,
        "record": hit.record,
        "fonds": hit.fonds,
        "exact": hit.exact,
        "pages": [
            {"page_id": p.page_id, "page_no": p.page_no, "snippet": p.snippet} for p in hit.pages
        ],
    }


def facets_dict(facets: Any) -> dict[str, Any]:
    """Counts per type, organ and year; ``exact`` is False when only the newest matches were
    counted (a very common word), so the counts are a sample, not totals."""
    if facets is None:
        return {"types": [], "organs": [], "years": [], "exact": True}
    out: dict[str, Any] = {}
    for name in ("types", "organs", "years"):
        items = getattr(facets, name, ()) or ()
        out[name] = [{"value": str(v), "count": int(c)} for v, c in _pairs(items)]
    out["exact"] = bool(getattr(facets, "exact", True))
    return out


def _pairs(items: Any) -> list[tuple[Any, int]]:
    """Facet counts as (value, count) pairs whatever the container (dict or sequence)."""
    if isinstance(items, dict):
        return list(items.items())
    pairs = []
    for item in items:
        if isinstance(item, tuple | list):
            pairs.append((item[0], item[1]))
        else:  # an object with value/count (or key/count) attributes
            value = getattr(item, "value", None) or getattr(item, "key", None)
            pairs.append((value, getattr(item, "count", 0)))
    return pairs


# ------------------------------------------------------------------- the CLI's search


@dataclass(frozen=True)
class Found:
    """Documents found over the whole archive, with the paths of their PDF/A files."""

    results: search.SearchResults
    pdf_paths: dict[int, str]


def find_documents(
    ctx: Context,
    text: str,
    *,
    type: str | None = None,  # noqa: A002 - the search field's name
    organ: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    number: str | None = None,
    limit: int = 20,
) -> Found:
    """Search every document (no access filter) and locate their PDF/A files."""
    results = ctx.index.search(
        search.SearchQuery(
            text=text,
            type=type,
            organ=organ,
            date_from=date_from,
            date_to=date_to,
            number=number,
            limit=limit,
        )
    )
    return Found(results=results, pdf_paths=pdf_paths(ctx, [h.document_id for h in results.hits]))


def document_ids(ctx: Context, text: str, *, limit: int = 1000) -> list[int]:
    """The ids of the documents a search finds (at most ``limit``)."""
    found = ctx.index.search(search.SearchQuery(text=text, limit=limit))
    return [h.document_id for h in found.hits]
