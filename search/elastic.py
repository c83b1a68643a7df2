"""The Elasticsearch backend: same contract as ``SqliteIndex``, for archives past one machine.

One Elasticsearch document per page (``_id`` = page id, so a retried bulk request replaces
instead of duplicating), carrying its document's metadata. The page text is analysed twice:
``text`` with a folding analyzer (``lowercase`` + ``asciifolding``, so ``đ`` → ``d`` and every
tone mark goes) and ``text.exact`` with ``lowercase`` only; the Python side normalises the text
first (``search.normalize``) exactly as for SQLite. Filter fields are ``keyword`` fields holding
the same folded keys as the SQLite index (``number_key``, ``type_code_key``, ``type_name_key``,
``organ_key``), so filters behave the same on both backends.

Ranking mirrors the SQLite tiers with boosts that dominate the text score: the document number
(1,000,000), accented words as typed (10,000), the bare words as one phrase (100), then the
text score. Results are grouped per document with ``collapse`` on ``document_id`` (matching
pages come back as inner hits); the total is a ``cardinality`` aggregation (exact below
``CARDINALITY_THRESHOLD`` documents, approximate above: ``total_exact`` False).

Access (``SearchQuery.access``) is a bool filter inside the query (``access_filter``: public,
or conditional and of one of the user's units, or an explicitly granted ``record_key``), so
totals, paging and facets never see a hidden page. Facets are ``terms`` aggregations on
``type_name``, ``organ.raw`` and ``year`` ordered by a ``cardinality`` of ``document_id``
(documents, not pages). Date sorts sort on ``issued_date`` (missing last), then the score.
The organ filter is a ``match_phrase`` on the folded organ (whole words in order), as SQLite.

Searches go to an alias (``{prefix}-pages``). ``begin_rebuild`` creates a new concrete index
and returns an ``ElasticIndex`` writing to it; ``finish_rebuild`` swaps the alias in one atomic
``update_aliases`` call and deletes the old index, so searches never stop during a reindex.

Every call has a timeout and retries (client ``max_retries``, ``retry_on_timeout``); client
errors become ``StorageError`` (cannot reach or store), ``ToolTimeoutError`` (timed out) or
``QueryError`` (the server rejected the query).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from errors import QueryError, StorageError, ToolTimeoutError
from search.contract import (
    FACET_SIZE,
    MAX_LIMIT,
    SNIPPET_PAGES,
    SORTS,
    Access,
    DocumentHit,
    Facets,
    PageEntry,
    PageHit,
    SearchQuery,
    SearchResults,
)
from search.folding import normalize
from search.keys import ISO_DATE, field_key, record_key
from search.query import (
    looks_like_number,
    number_key,
    parse_query,
    split_query,
    tokenize,
)
from search.snippets import make_snippet

__all__ = [
    "CARDINALITY_THRESHOLD",
    "ElasticIndex",
    "access_filter",
    "exclusion_body",
    "facets_body",
    "index_body",
    "page_source",
    "search_body",
]

log = logging.getLogger(__name__)

CARDINALITY_THRESHOLD = 40_000
INNER_PAGES = 20  # matching pages returned per document
MAX_EXCLUDED = 10_000  # documents excluded by "-word" (beyond: only their matching pages)
BOOST_NUMBER = 1_000_000.0
BOOST_EXACT = 10_000.0
BOOST_PHRASE = 100.0
_MATCH_NONE: dict[str, Any] = {"match_none": {}}


def index_body(*, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """Settings and mappings of a page index (also what the unit tests check)."""
    keyword = {"type": "keyword"}
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": {
                "analyzer": {
                    "vi_folded": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding"],
                    },
                    "vi_exact": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase"],
                    },
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "page_id": {"type": "long"},
                "document_id": {"type": "long"},
                "page_no": {"type": "integer"},
                "text": {
                    "type": "text",
                    "analyzer": "vi_folded",
                    "fields": {"exact": {"type": "text", "analyzer": "vi_exact"}},
                },
                "number": {**keyword, "index": False},
                "number_key": keyword,
                "type_code": keyword,
                "type_code_key": keyword,
                "type_name": keyword,
                "type_name_key": keyword,
                "organ": {"type": "text", "analyzer": "vi_folded", "fields": {"raw": keyword}},
                "organ_key": keyword,
                "issued": keyword,
                "issued_date": {"type": "date", "format": "strict_date||yyyy-MM||yyyy"},
                "title": {"type": "text", "analyzer": "vi_folded"},
                "record": keyword,
                "fonds": keyword,
                "record_key": keyword,  # "FONDS/RECORD", what Access.records holds
                "unit": keyword,
                "access": keyword,
                "year": keyword,  # "2024" or absent, for the year facet
            },
        },
    }


def page_source(entry: PageEntry) -> dict[str, Any]:
    """The Elasticsearch document of one page."""
    source: dict[str, Any] = {
        "page_id": entry.page_id,
        "document_id": entry.document_id,
        "page_no": entry.page_no,
        "text": normalize(entry.text),
        "number": entry.number,
        "number_key": number_key(entry.number),
        "type_code": entry.type_code,
        "type_code_key": field_key(entry.type_code),
        "type_name": entry.type_name,
        "type_name_key": field_key(entry.type_name),
        "organ": entry.organ,
        "organ_key": field_key(entry.organ),
        "issued": entry.issued,
        "title": entry.title,
        "record": entry.record,
        "fonds": entry.fonds,
        "record_key": record_key(entry.fonds, entry.record),
        "unit": entry.unit,
        "access": entry.access,
    }
    if entry.issued and ISO_DATE.fullmatch(entry.issued):
        source["issued_date"] = entry.issued
        source["year"] = entry.issued[:4]
    return source


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
        words = [w for _, w in tokenize(number)]
        if not words:
            raise QueryError(
                f"The document number {number[:60]!r} has no letter or digit to look up."
            )
        carries = {"term": {"number_key": {"value": number_key(number), "_name": "number"}}}
        cites = _phrase("text", words)
        should.append({"constant_score": {"filter": carries, "boost": BOOST_NUMBER}})
        if parsed is None:
            must.append({"bool": {"should": [carries, cites], "minimum_should_match": 1}})
        else:
            filters.append({"bool": {"should": [carries, cites], "minimum_should_match": 1}})
    if parsed is not None:
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
            should.append(
                {"constant_score": {"filter": exact, "boost": BOOST_EXACT, "_name": "exact"}}
            )
        bare = [w for t in parsed.include if not t.quoted for w in t.folded]
        if len([t for t in parsed.include if not t.quoted]) >= 2:
            should.append({"constant_score": {"filter": _phrase("text", bare), "boost": 100.0}})
        # Pages holding an excluded word, and (from exclusion_body) their whole documents.
        must_not.extend(_phrase("text", t.folded) for t in parsed.exclude)
        if excluded_documents:
            must_not.append({"terms": {"document_id": list(excluded_documents)}})
    if not must and not filters:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    if query.access is not None:
        filters.append(access_filter(query.access))
    body: dict[str, Any] = {
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


def _document_hit(hit: dict[str, Any], terms: list[list[str]], ranked: bool) -> DocumentHit:
    src = hit["_source"]
    inner = hit.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", [])
    pages = []
    for k, page in enumerate(inner):
        p = page["_source"]
        snippet = make_snippet(p.get("text", ""), terms) if k < SNIPPET_PAGES else ""
        pages.append(PageHit(page_id=int(p["page_id"]), page_no=int(p["page_no"]), snippet=snippet))
    matched = set(hit.get("matched_queries", ()))
    score = float(hit.get("_score") or 0.0) if ranked else 0.0
    return DocumentHit(
        document_id=int(src["document_id"]),
        number=src.get("number", ""),
        type_name=src.get("type_name", ""),
        organ=src.get("organ", ""),
        issued=src.get("issued", ""),
        title=src.get("title", ""),
        record=src.get("record", ""),
        fonds=src.get("fonds", ""),
        pages=tuple(pages),
        exact=bool(matched & {"number", "exact"}) if ranked else False,
        score=score,
    )


class ElasticIndex:
    """Search index in Elasticsearch (8.x or 9.x, matching the client's major version)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "sohoa",
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        ca_certs: str | None = None,
        verify_certs: bool = True,
        timeout: float = 30.0,
        max_retries: int = 3,
        replicas: int = 1,
        client: Any = None,
        write_index: str | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.alias = f"{prefix}-pages"
        self.meta_index = f"{prefix}-meta"
        self.timeout = timeout
        self.replicas = replicas
        self.write_index = write_index  # a concrete index being rebuilt, else the alias
        if client is None:
            from elasticsearch import Elasticsearch

            options: dict[str, Any] = {
                "request_timeout": timeout,
                "max_retries": max_retries,
                "retry_on_timeout": True,
                "verify_certs": verify_certs,
            }
            if api_key:
                options["api_key"] = api_key
            elif username:
                options["basic_auth"] = (username, password or "")
            if ca_certs:
                options["ca_certs"] = ca_certs
            client = Elasticsearch(url, **options)
        self.client = client

    # -- errors ------------------------------------------------------------------------------

    def _call(self, what: str, func: Callable[..., Any], **kwargs: Any) -> Any:
        import elasticsearch
        from elastic_transport import ConnectionTimeout, TransportError

        try:
            return func(**kwargs)
        except ConnectionTimeout as exc:
            raise ToolTimeoutError(
                f"Elasticsearch at {self.url} did not answer {what} within {self.timeout:g} s; "
                "check the cluster's health or raise the timeout."
            ) from exc
        except elasticsearch.BadRequestError as exc:
            raise QueryError(
                f"Elasticsearch at {self.url} rejected {what}: {exc.message}; simplify the "
                "search or check the index mapping."
            ) from exc
        except (elasticsearch.ApiError, TransportError) as exc:
            raise StorageError(
                f"Elasticsearch at {self.url} failed {what}: {exc}; check the URL, the "
                "credentials (SOHOA_SEARCH_USER/PASSWORD/API_KEY) and the cluster's health."
            ) from exc

    # -- schema ------------------------------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1000000:06d}"

    def ensure_schema(self) -> None:
        """Create the first concrete index behind the alias, and the meta index, if missing."""
        if not self._call("an alias check", self.client.indices.exists_alias, name=self.alias):
            name = self._new_index_name()
            body = index_body(replicas=self.replicas)
            self._call(
                "creating the index",
                self.client.indices.create,
                index=name,
                settings=body["settings"],
                mappings=body["mappings"],
                aliases={self.alias: {}},
            )
        if not self._call("an index check", self.client.indices.exists, index=self.meta_index):
            self._call(
                "creating the meta index",
                self.client.indices.create,
                index=self.meta_index,
                mappings={"properties": {"value": {"type": "keyword", "index": False}}},
            )

    def begin_rebuild(self) -> ElasticIndex:
        """A new, empty concrete index; write to the returned object, then ``finish_rebuild``."""
        name = self._new_index_name()
        body = index_body(replicas=0)  # replicas are added when it goes live
        settings = {**body["settings"], "refresh_interval": "-1"}
        self._call(
            "creating the rebuild index",
            self.client.indices.create,
            index=name,
            settings=settings,
            mappings=body["mappings"],
        )
        return ElasticIndex(
            self.url,
            prefix=self.prefix,
            timeout=self.timeout,
            replicas=self.replicas,
            client=self.client,
            write_index=name,
        )

    def finish_rebuild(self, rebuilt: ElasticIndex) -> None:
        """Point the alias at ``rebuilt``'s index in one atomic call; delete the old indices."""
        new = rebuilt.write_index
        if new is None:
            raise StorageError("finish_rebuild needs the index returned by begin_rebuild.")
        self._call(
            "enabling the rebuilt index",
            self.client.indices.put_settings,
            index=new,
            settings={"refresh_interval": "1s", "number_of_replicas": self.replicas},
        )
        self._call("refreshing the rebuilt index", self.client.indices.refresh, index=new)
        old: list[str] = []
        if self._call("an alias check", self.client.indices.exists_alias, name=self.alias):
            old = list(
                self._call("reading the alias", self.client.indices.get_alias, name=self.alias)
            )
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self._call("swapping the alias", self.client.indices.update_aliases, actions=actions)
        for index in old:
            if index != new:
                self._call("deleting the old index", self.client.indices.delete, index=index)

    # -- meta (reindex checkpoints) ------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        import elasticsearch

        try:
            doc = self.client.get(index=self.meta_index, id=key)
        except elasticsearch.NotFoundError:
            return None
        except elasticsearch.ApiError as exc:
            raise StorageError(f"Elasticsearch at {self.url} failed reading {key}: {exc}") from exc
        return doc["_source"]["value"]

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            import elasticsearch

            try:
                self.client.delete(index=self.meta_index, id=key, refresh=True)
            except elasticsearch.NotFoundError:
                pass
            return
        self._call(
            "writing meta",
            self.client.index,
            index=self.meta_index,
            id=key,
            document={"value": value},
            refresh=True,
        )

    # -- writing -----------------------------------------------------------------------------

    def _actions(self, entries: Sequence[PageEntry]) -> Iterator[dict[str, Any]]:
        index = self.write_index or self.alias
        for entry in entries:
            yield {"_op_type": "index", "_index": index, "_id": str(entry.page_id),
                   "_source": page_source(entry)}  # fmt: skip

    def index_pages(self, entries: Sequence[PageEntry]) -> None:
        """Bulk-index pages (``_id`` = page id: a retry replaces, never duplicates)."""
        if not entries:
            return
        from elasticsearch import helpers

        failed: list[Any] = []
        try:
            for ok, item in helpers.streaming_bulk(
                self.client,
                self._actions(entries),
                chunk_size=500,
                max_retries=3,
                initial_backoff=1,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                if not ok:
                    failed.append(item)
        except Exception as exc:  # noqa: BLE001 - re-raised as a typed error by _call
            self._call("bulk indexing", _reraise, exc=exc)
        if failed:
            raise StorageError(
                f"Elasticsearch at {self.url} refused {len(failed)} of {len(entries)} pages "
                f"(first: {str(failed[0])[:200]}); check the index mapping and retry."
            )

    def delete_document(self, document_id: int) -> None:
        """Remove all pages of a document (no error if none is indexed)."""
        self._call(
            "deleting a document",
            self.client.delete_by_query,
            index=self.write_index or self.alias,
            query={"term": {"document_id": document_id}},
            refresh=True,
            conflicts="proceed",
        )

    def refresh(self) -> None:
        self._call("refreshing", self.client.indices.refresh, index=self.write_index or self.alias)

    def count(self) -> int:
        """Number of pages indexed."""
        result = self._call("counting", self.client.count, index=self.write_index or self.alias)
        return int(result["count"])

    def close(self) -> None:
        self.client.close()

    # -- searching ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        body = search_body(query, excluded_documents=self._excluded(query))
        terms = body.pop("highlight_terms")
        ranked = "_score" in body.get("sort", ())
        result = self._call("a search", self.client.search, index=self.alias, body=body)
        hits = tuple(_document_hit(h, terms, ranked) for h in result["hits"]["hits"])
        total = int(result.get("aggregations", {}).get("documents", {}).get("value", len(hits)))
        total = max(total, query.offset + len(hits))
        return SearchResults(
            total=total, hits=hits, total_exact=total < CARDINALITY_THRESHOLD * 0.9
        )

    def _excluded(self, query: SearchQuery) -> list[int]:
        pre = exclusion_body(query)
        if pre is None:
            return []
        found = self._call("an exclusion search", self.client.search, index=self.alias, body=pre)
        buckets = found.get("aggregations", {}).get("documents", {}).get("buckets", [])
        return [int(b["key"]) for b in buckets]

    def facets(self, query: SearchQuery) -> Facets:
        """Matching documents per type name, issuing body and year (see ``facets_body``)."""
        body = facets_body(query, excluded_documents=self._excluded(query))
        result = self._call("a facet search", self.client.search, index=self.alias, body=body)
        aggs = result.get("aggregations", {})

        def pairs(name: str) -> tuple[tuple[str, int], ...]:
            buckets = aggs.get(name, {}).get("buckets", [])
            return tuple((str(b["key"]), int(b["docs"]["value"])) for b in buckets if b["key"])

        total = int(aggs.get("documents", {}).get("value", 0))
        return Facets(
            types=pairs("types"),
            organs=pairs("organs"),
            years=pairs("years"),
            exact=total < CARDINALITY_THRESHOLD * 0.9,
        )


def _reraise(exc: BaseException) -> None:
    raise exc
