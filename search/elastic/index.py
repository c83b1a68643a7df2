"""``ElasticIndex``: the Elasticsearch client side of the search contract.

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
from typing import Any

from errors import QueryError, StorageError, ToolTimeoutError
from search.contract import (
    SNIPPET_PAGES,
    DocumentHit,
    Facets,
    PageEntry,
    PageHit,
    SearchQuery,
    SearchResults,
)
from search.elastic.mapping import index_body, page_source
from search.elastic.queries import CARDINALITY_THRESHOLD, exclusion_body, facets_body, search_body
from search.snippets import make_snippet

__all__ = ["ElasticIndex"]

log = logging.getLogger(__name__)


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
        """A value stored with the index (e.g. a reindex checkpoint), or None."""
        import elasticsearch

        try:
            doc = self.client.get(index=self.meta_index, id=key)
        except elasticsearch.NotFoundError:
            return None
        except elasticsearch.ApiError as exc:
            raise StorageError(f"Elasticsearch at {self.url} failed reading {key}: {exc}") from exc
        return doc["_source"]["value"]

    def set_meta(self, key: str, value: str | None) -> None:
        """Store (or with None remove) a value with the index."""
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
        """Make everything written so far visible to searches."""
        self._call("refreshing", self.client.indices.refresh, index=self.write_index or self.alias)

    def count(self) -> int:
        """Number of pages indexed."""
        result = self._call("counting", self.client.count, index=self.write_index or self.alias)
        return int(result["count"])

    def close(self) -> None:
        """Close the client connection."""
        self.client.close()

    # -- searching ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Documents matching ``query``, best first (see ``search_body`` for the ranking)."""
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
