"""What the pages and the API do, once: visibility, search, documents, access changes, retry.

Routes stay thin; every function here takes the signed-in user and applies the access rule
(``archive.accounts``): a document the user may not see raises ``NotFoundError`` so its
existence does not leak.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import and_, func, select

import search
from archive import accounts
from archive import schema as t
from archive.accounts import User
from errors import NotFoundError
from sohoa.pipeline import Context, refresh_index

log = logging.getLogger(__name__)

SORTS = ("relevance", "date_desc", "date_asc")
PAGE_SIZE = 20
VISIBLE_STATES = ("packaged", "indexed")  # officials only see archived documents
CACHE_ENTRIES = 512  # search results and facet counts kept per index

T = TypeVar("T")


class SearchCache:
    """Results and facet counts per query, valid while the index is unchanged.

    The key holds the index's generation (it changes on every commit to the index, in any
    process: new documents, corrections, access changes) and the whole query, including the
    asker's ``Access``: one user's answer never serves another who may see less. Page 2,
    the JSON facets call after the page and popular queries are answered without searching.
    Backends without ``generation()`` (Elasticsearch, which caches itself) are not cached.
    """

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: Any, key: Any, compute: Callable[[], T]) -> T:
        generation = getattr(index, "generation", None)
        if generation is None:
            return compute()
        full = (generation(), key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
        value = compute()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_caches: weakref.WeakKeyDictionary[Any, SearchCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def search_cache(index: Any) -> SearchCache:
    with _caches_lock:
        cache = _caches.get(index)
        if cache is None:
            cache = _caches[index] = SearchCache()
        return cache


def access_for(ctx: Context, user: User) -> Any:
    """The index filter for ``user``: None (everything) for admin and staff."""
    if user.sees_everything:
        return None
    records = frozenset(
        search.record_key(r["fonds"], r["code"])
        for r in accounts.granted_records(ctx.catalog, user.id)
    )
    units = frozenset({user.unit}) if user.unit else frozenset()
    return search.Access(units=units, records=records)


# ------------------------------------------------------------------------------ search


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

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string parameters (non-empty), e.g. for links that add one filter."""
        values = {
            "q": self.q,
            "fonds": self.fonds,
            "record": self.record,
            "type": self.type,
            "organ": self.organ,
            "from": self.date_from,
            "to": self.date_to,
            "number": self.number,
            "sort": self.sort if self.sort != "relevance" else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def empty(self) -> bool:
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
    form: SearchForm
    results: Any = None  # search.SearchResults
    facets: Any = None  # search.Facets
    error: str = ""
    redirect_to: int | None = None  # a number typed alone matched exactly this document
    pages: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)


def _year_range(year: str) -> tuple[str, str]:
    return f"{year}-01-01", f"{year}-12-31"


def run_search(ctx: Context, user: User, form: SearchForm) -> SearchOutcome:
    """Search as ``user`` (results, totals and facet counts only hold visible documents)."""
    outcome = SearchOutcome(form=form)
    if form.empty:
        return outcome
    sort = form.sort if form.sort in SORTS else "relevance"
    page = max(1, form.page)
    query = search.SearchQuery(
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
    cache = search_cache(ctx.index)
    # Facets do not depend on the page shown or its order: one entry serves them all.
    facet_query = replace(query, sort="relevance", limit=0, offset=0)
    try:
        results = cache.get(ctx.index, ("results", query), lambda: ctx.index.search(query))
        facets = cache.get(ctx.index, ("facets", facet_query), lambda: ctx.index.facets(query))
    except search_errors() as exc:
        outcome.error = str(exc)
        return outcome
    outcome.results = results
    outcome.facets = facets
    outcome.pages = max(1, -(-results.total // PAGE_SIZE))
    if (
        form.q.strip()
        and search.looks_like_number(form.q)
        and results.total == 1
        and len(results.hits) == 1
        and results.hits[0].number
        and search.number_key(results.hits[0].number) == search.number_key(form.q)
    ):
        outcome.redirect_to = results.hits[0].document_id
    return outcome


def search_errors() -> tuple[type[Exception], ...]:
    from errors import QueryError

    return (QueryError,)


def hit_dict(hit: Any) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- documents


def _visible_documents(user: User) -> Any:
    clause = accounts.visible_records_clause(user)
    if not user.sees_everything:
        clause = and_(clause, t.document.c.state.in_(VISIBLE_STATES))
    return clause


def load_document(ctx: Context, user: User, doc_id: int) -> dict[str, Any]:
    """A document with its record, PDF/A file and pages, if ``user`` may see it."""
    with ctx.catalog.tx() as conn:
        row = (
            conn.execute(
                select(
                    t.document,
                    t.record.c.code.label("record_code"),
                    t.record.c.title.label("record_title"),
                    t.record.c.access_mode,
                    t.record.c.fields.label("record_fields"),
                    t.unit.c.code.label("unit_code"),
                    t.unit.c.name.label("unit_name"),
                    t.fonds.c.code.label("fonds_code"),
                    t.fonds.c.name.label("fonds_name"),
                    t.stored_file.c.path.label("pdf_path"),
                    t.stored_file.c.size.label("pdf_size"),
                    t.stored_file.c.sha256.label("pdf_sha256"),
                )
                .join(t.record, t.record.c.id == t.document.c.record_id)
                .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
                .outerjoin(t.unit, t.unit.c.id == t.record.c.unit_id)
                .outerjoin(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
                .where(t.document.c.id == doc_id, _visible_documents(user))
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"document {doc_id} is not in the catalog")
        pages = (
            conn.execute(
                select(
                    t.page.c.id,
                    t.page.c.seq,
                    t.page.c.state,
                    t.page.c.width,
                    t.page.c.height,
                    t.page.c.dpi,
                    t.page.c.mean_conf,
                    t.page.c.error,
                )
                .where(t.page.c.document_id == doc_id)
                .order_by(t.page.c.seq)
            )
            .mappings()
            .all()
        )
    return {**dict(row), "pages": [dict(p) for p in pages]}


def load_page(ctx: Context, user: User, page_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, page) for a page id, if ``user`` may see its document."""
    with ctx.catalog.tx() as conn:
        doc_id = conn.execute(select(t.page.c.document_id).where(t.page.c.id == page_id)).scalar()
    if doc_id is None:
        raise NotFoundError(f"page {page_id} is not in the catalog")
    doc = load_document(ctx, user, doc_id)
    page = next(p for p in doc["pages"] if p["id"] == page_id)
    return doc, page


def document_events(ctx: Context, doc_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    with ctx.catalog.tx() as conn:
        rows = (
            conn.execute(
                select(t.event)
                .where(t.event.c.document_id == doc_id)
                .order_by(t.event.c.id.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def log_event(ctx: Context, kind: str, user: User | None, **ids: Any) -> None:
    ctx.catalog.log_event(kind, actor=user.username if user else "anonymous", **ids)


# ---------------------------------------------------------------------- access changes


def reindex_documents(ctx: Context, doc_ids: list[int]) -> None:
    for doc_id in doc_ids:
        refresh_index(ctx, doc_id)


def set_record_access(
    ctx: Context,
    record_id: int,
    *,
    mode: str | None = None,
    unit: str | None = None,
    clear_unit: bool = False,
    actor: str,
) -> list[int]:
    """Change a record's access mode/unit and re-index its documents."""
    doc_ids = accounts.set_record_access(
        ctx.catalog, record_id, mode=mode, unit=unit, clear_unit=clear_unit, actor=actor
    )
    reindex_documents(ctx, doc_ids)
    return doc_ids


def grant_record(ctx: Context, record_id: int, username: str, *, actor: str) -> None:
    accounts.grant(ctx.catalog, record_id, username, actor=actor)


def revoke_record(ctx: Context, record_id: int, username: str, *, actor: str) -> bool:
    return accounts.revoke(ctx.catalog, record_id, username, actor=actor)


# -------------------------------------------------------------------------------- events


def list_events(
    ctx: Context,
    *,
    kind: str = "",
    actor: str = "",
    document: int | None = None,
    since: str = "",
    until: str = "",
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    from datetime import UTC, datetime

    where = []
    if kind:
        where.append(t.event.c.kind == kind)
    if actor:
        where.append(t.event.c.actor == actor)
    if document is not None:
        where.append(t.event.c.document_id == document)
    for text, op in ((since, "ge"), (until, "lt")):
        if text:
            try:
                moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            except ValueError:
                continue
            where.append(t.event.c.at >= moment if op == "ge" else t.event.c.at < moment)
    with ctx.catalog.tx() as conn:
        total = conn.execute(select(func.count()).select_from(t.event).where(*where)).scalar()
        rows = (
            conn.execute(
                select(t.event)
                .where(*where)
                .order_by(t.event.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    return int(total or 0), [dict(r) for r in rows]


# --------------------------------------------------------------------------------- retry


def retry_failed(ctx: Context, *, actor: str) -> dict[str, Any]:
    """Mark failed pages for another try; with a broker, queue them at once.

    Without a broker the web server does not run OCR itself (it would compete with the
    requests it serves): the pages wait, and ``sohoa retry`` or the next ``sohoa ingest``
    processes them. The result says which of the two happened.
    """
    counts = ctx.catalog.retry_failed(actor=actor)
    queued = False
    if ctx.settings.broker and (counts["pages"] or counts["repackage"]):
        from sohoa.actors import declare_actors, make_broker
        from sohoa.runner import enqueue_unfinished

        actors = declare_actors(ctx, make_broker(ctx.settings))
        enqueue_unfinished(ctx, actors)
        queued = True
    return {**counts, "queued": queued}
