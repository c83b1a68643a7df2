"""The Elasticsearch backend without a server: mappings, query bodies, bulk requests, errors.

The behaviour against a real cluster is checked by tests/test_search_contract.py when
SOHOA_TEST_ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from elastic_transport import (
    ApiResponseMeta,
    BaseNode,
    ConnectionError,
    ConnectionTimeout,
    HttpHeaders,
)
from elastic_transport._node._base import NodeApiResponse
from elasticsearch import Elasticsearch

from errors import QueryError, StorageError, ToolTimeoutError
from search import Access, ElasticIndex, PageEntry, SearchQuery, open_index
from search.elastic import (
    BOOST_EXACT,
    BOOST_NUMBER,
    access_filter,
    facets_body,
    index_body,
    page_source,
    search_body,
)


class FakeNode(BaseNode):
    """A transport node answering from ``FakeNode.answer`` and recording every request."""

    requests: list[tuple[str, str, Any]] = []
    answer: Any = None

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: Any = None,
    ) -> NodeApiResponse:
        text = body.decode() if body else ""
        if text and "x-ndjson" in str((headers or {}).get("content-type", "")):
            payload: Any = [json.loads(line) for line in text.splitlines() if line]
        else:
            payload = json.loads(text) if text else None
        FakeNode.requests.append((method, target.split("?")[0], payload))
        status, out = FakeNode.answer(method, target.split("?")[0], payload)
        headers = HttpHeaders(
            {"x-elastic-product": "Elasticsearch", "content-type": "application/json"}
        )
        meta = ApiResponseMeta(
            status=status, http_version="1.1", headers=headers, duration=0.0, node=self.config
        )
        return NodeApiResponse(meta, json.dumps(out).encode())


def _default_answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
    if path.endswith("/_bulk"):
        items = [
            {"index": {"_id": op["index"]["_id"], "status": 201}} for op in payload if "index" in op
        ]
        return 200, {"errors": False, "items": items}
    if method == "HEAD":
        return 404, {}
    if path.endswith("/_search"):
        return 200, {"hits": {"hits": []}}
    if path.endswith("/_alias/sohoa-pages") and method == "GET":
        return 200, {"sohoa-pages-old": {"aliases": {"sohoa-pages": {}}}}
    return 200, {"acknowledged": True}


@pytest.fixture
def es() -> Iterator[ElasticIndex]:
    FakeNode.requests = []
    FakeNode.answer = staticmethod(_default_answer)
    client = Elasticsearch("http://es:9200", node_class=FakeNode, max_retries=0)
    yield ElasticIndex("http://es:9200", client=client)


def _sent(path_end: str, method: str | None = None) -> list[Any]:
    return [
        body
        for m, path, body in FakeNode.requests
        if path.endswith(path_end) and (method is None or m == method)
    ]


def test_mapping_folds_vietnamese_and_keeps_an_exact_subfield() -> None:
    body = index_body()
    analyzers = body["settings"]["analysis"]["analyzer"]
    assert analyzers["vi_folded"]["filter"] == ["lowercase", "asciifolding"]
    assert "asciifolding" not in analyzers["vi_exact"]["filter"]
    text = body["mappings"]["properties"]["text"]
    assert text["analyzer"] == "vi_folded"
    assert text["fields"]["exact"]["analyzer"] == "vi_exact"
    props = body["mappings"]["properties"]
    for field in ("number_key", "type_code_key", "type_name_key", "organ_key", "record", "fonds"):
        assert props[field]["type"] == "keyword", field
    assert props["issued_date"]["type"] == "date"
    assert props["document_id"]["type"] == "long"
    assert body["mappings"]["dynamic"] == "strict"


def test_page_source_carries_document_metadata_and_folded_keys() -> None:
    src = page_source(
        PageEntry(5, 2, 1, "Cộng hoà", number="09/2025/QĐ-UBND", type_name="Quyết định",
                  organ="Ủy ban nhân dân tỉnh Hà Giang", issued="2025-01-09")
    )  # fmt: skip
    assert src["text"] == "Cộng hòa"  # normalised as for SQLite
    assert src["number_key"] == "09/2025/qd-ubnd"
    assert src["type_name_key"] == "quyet dinh"
    assert src["organ_key"] == "uy ban nhan dan tinh ha giang"
    assert src["issued_date"] == "2025-01-09"
    assert "issued_date" not in page_source(PageEntry(6, 2, 2, "x"))


def test_query_body_ranks_number_then_exact_then_phrase() -> None:
    body = search_body(SearchQuery("mà quy chế"))
    query = body["query"]["bool"]
    assert {"match": {"text": {"query": "ma"}}} in query["must"]
    exact = [s for s in query["should"] if s["constant_score"].get("_name") == "exact"]
    assert exact and exact[0]["constant_score"]["boost"] == BOOST_EXACT
    filt = exact[0]["constant_score"]["filter"]["bool"]["filter"]
    assert {"match_phrase": {"text.exact": {"query": "mà"}}} in filt
    assert {"match_phrase": {"text.exact": {"query": "chế"}}} in filt
    phrase = [s for s in query["should"] if "_name" not in s["constant_score"]]
    assert phrase[0]["constant_score"]["filter"] == {
        "match_phrase": {"text": {"query": "ma quy che"}}
    }
    assert body["collapse"]["field"] == "document_id"
    assert body["collapse"]["inner_hits"]["sort"] == [{"page_no": "asc"}]
    assert body["aggs"]["documents"]["cardinality"]["field"] == "document_id"
    assert (body["from"], body["size"]) == (0, 20)


def test_number_lookup_and_filters_body() -> None:
    body = search_body(SearchQuery("141 / KH-UBND", offset=20, limit=10))
    should = body["query"]["bool"]["should"]
    carries = should[0]["constant_score"]
    assert carries["boost"] == BOOST_NUMBER
    assert carries["filter"]["term"]["number_key"]["value"] == "141/kh-ubnd"
    assert (body["from"], body["size"]) == (20, 10)
    body = search_body(
        SearchQuery("ngân sách", type="Quyết định", organ="Hà*Giang", date_from="2024",
                    date_to="2025-03")
    )  # fmt: skip
    filters = body["query"]["bool"]["filter"]
    assert filters[0]["bool"]["should"][1] == {"term": {"type_name_key": "quyet dinh"}}
    # Organ: whole words in order, accent-insensitive ("*" is not a wildcard).
    assert filters[1] == {"match_phrase": {"organ": {"query": "ha giang"}}}
    assert search_body(SearchQuery(organ="***"))["query"]["bool"]["filter"] == [{"match_none": {}}]
    assert filters[2]["range"]["issued_date"]["gte"] == "2024"
    assert filters[2]["range"]["issued_date"]["lte"] == "2025-03"
    listing = search_body(SearchQuery(organ="ha giang"))
    assert listing["sort"][0] == {"issued_date": {"order": "asc", "missing": "_last"}}
    excl = search_body(SearchQuery('thủy lợi -"giáo dục"'))["query"]["bool"]["must_not"]
    assert excl == [{"match_phrase": {"text": {"query": "giao duc"}}}]


@pytest.mark.parametrize(
    "kw",
    [{"text": ""}, {"text": "***"}, {"text": "x", "limit": 0}, {"text": "-ma"},
     {"text": "a", "date_from": "14/03/2025"}, {"text": "x" * 3000}],
)  # fmt: skip
def test_bad_queries_raise_query_error_before_any_request(
    es: ElasticIndex, kw: dict[str, Any]
) -> None:
    with pytest.raises(QueryError):
        es.search(SearchQuery(**kw))
    assert FakeNode.requests == []


def test_bulk_indexing_uses_page_id_as_document_id(es: ElasticIndex) -> None:
    entries = [PageEntry(i, 1, i, f"trang {i}") for i in range(1, 1203)]
    es.index_pages(entries + entries[:3])  # a retry of the first pages
    bulks = _sent("/_bulk")
    assert len(bulks) == 3  # chunks of 500
    ids = []
    for ops in bulks:
        for op in ops:
            if "index" in op:
                assert op["index"]["_index"] == "sohoa-pages"
                ids.append(op["index"]["_id"])
            else:
                assert set(op) >= {"page_id", "document_id", "text", "number_key"}
    assert ids[:3] == ["1", "2", "3"] and len(ids) == 1205
    assert len(set(ids)) == 1202  # same _id for the same page: replaced, not duplicated


def test_bulk_rejections_raise_storage_error(es: ElasticIndex) -> None:
    def answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
        items = [
            {"index": {"_id": op["index"]["_id"], "status": 400, "error": {"type": "mapper"}}}
            for op in payload
            if "index" in op
        ]
        return 200, {"errors": True, "items": items}

    FakeNode.answer = staticmethod(answer)
    with pytest.raises(StorageError, match="refused 2 of 2"):
        es.index_pages([PageEntry(1, 1, 1, "a"), PageEntry(2, 1, 2, "b")])


def test_schema_and_alias_swap(es: ElasticIndex) -> None:
    es.ensure_schema()
    created = [(path, body) for m, path, body in FakeNode.requests if m == "PUT"]
    first, body = created[0]
    assert body["aliases"] == {"sohoa-pages": {}}
    assert body["settings"]["analysis"]["analyzer"]["vi_folded"]["filter"][-1] == "asciifolding"
    assert created[1][0] == "/sohoa-meta"
    FakeNode.requests = []
    new = es.begin_rebuild()
    assert new.write_index and new.write_index != first.strip("/")
    assert _sent("/" + new.write_index, "PUT")[0]["settings"]["refresh_interval"] == "-1"
    new.index_pages([PageEntry(1, 1, 1, "x")])
    assert _sent("/_bulk")[0][0]["index"]["_index"] == new.write_index
    FakeNode.answer = staticmethod(
        lambda m, p, b: (200, {}) if m == "HEAD" else _default_answer(m, p, b)
    )
    es.finish_rebuild(new)
    swap = _sent("/_aliases", "POST")[0]["actions"]
    assert swap == [
        {"remove": {"index": "sohoa-pages-old", "alias": "sohoa-pages"}},
        {"add": {"index": new.write_index, "alias": "sohoa-pages"}},
    ]
    assert [p for m, p, _ in FakeNode.requests if m == "DELETE"] == ["/sohoa-pages-old"]


def test_response_becomes_document_hits(es: ElasticIndex) -> None:
    response = {
        "hits": {"hits": [{
            "_score": 10001.5, "matched_queries": ["exact"],
            "_source": {"document_id": 4, "number": "12/UBND-VX", "type_name": "Công văn",
                        "organ": "UBND", "issued": "2023-06-05", "title": "V/v", "record": "",
                        "fonds": ""},
            "inner_hits": {"pages": {"hits": {"hits": [
                {"_source": {"page_id": 9, "page_no": 1, "text": "Lễ hội không lớn mà vui."}},
                {"_source": {"page_id": 10, "page_no": 2, "text": "mà"}},
                {"_source": {"page_id": 11, "page_no": 3, "text": "mà"}},
            ]}}},
        }]},
        "aggregations": {"documents": {"value": 1}},
    }  # fmt: skip
    FakeNode.answer = staticmethod(lambda m, p, b: (200, response))
    r = es.search(SearchQuery("mà"))
    assert r.total == 1 and r.total_exact
    hit = r.hits[0]
    assert hit.document_id == 4 and hit.exact and hit.score == 10001.5
    assert [p.page_id for p in hit.pages] == [9, 10, 11]
    assert "[[mà]]" in hit.pages[0].snippet and hit.pages[2].snippet == ""
    sent = _sent("/sohoa-pages/_search")[0]
    assert sent["collapse"]["field"] == "document_id"
    assert "highlight_terms" not in sent
    assert sent["query"] == search_body(SearchQuery("mà"))["query"]


def test_exclusion_is_per_document(es: ElasticIndex) -> None:
    def answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
        if payload and payload.get("size") == 0:
            return 200, {"hits": {"hits": []}, "aggregations": {"documents": {"buckets": [
                {"key": 6, "doc_count": 1}, {"key": 9, "doc_count": 2}]}}}  # fmt: skip
        return 200, {"hits": {"hits": []}}

    FakeNode.answer = staticmethod(answer)
    es.search(SearchQuery("chuyển đổi số -giao"))
    pre, main = _sent("/_search")
    assert pre["query"]["bool"]["should"] == [{"match_phrase": {"text": {"query": "giao"}}}]
    assert pre["aggs"]["documents"]["terms"]["field"] == "document_id"
    assert {"terms": {"document_id": [6, 9]}} in main["query"]["bool"]["must_not"]
    FakeNode.requests = []
    es.search(SearchQuery("chuyển đổi số"))
    assert len(_sent("/_search")) == 1  # no exclusion: one request


def test_client_errors_become_typed_errors(es: ElasticIndex) -> None:
    def raiser(exc: BaseException) -> Any:
        def answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
            raise exc

        return staticmethod(answer)

    FakeNode.answer = raiser(ConnectionTimeout("timed out"))
    with pytest.raises(ToolTimeoutError):
        es.search(SearchQuery("ma"))
    FakeNode.answer = raiser(ConnectionError("refused"))
    with pytest.raises(StorageError, match="es:9200"):
        es.search(SearchQuery("ma"))
    FakeNode.answer = staticmethod(lambda m, p, b: (400, {"error": {"type": "parsing"}}))
    with pytest.raises(QueryError):
        es.search(SearchQuery("ma"))
    FakeNode.answer = staticmethod(lambda m, p, b: (401, {"error": {"type": "security"}}))
    with pytest.raises(StorageError, match="credentials"):
        es.search(SearchQuery("ma"))
    FakeNode.answer = staticmethod(lambda m, p, b: (503, {"error": {"type": "unavailable"}}))
    with pytest.raises(StorageError):
        es.index_pages([PageEntry(1, 1, 1, "a")])


def test_open_index_selects_the_backend(tmp_path: Any) -> None:
    from search import SqliteIndex

    assert isinstance(open_index(tmp_path / "s.db"), SqliteIndex)
    es = ElasticIndex(
        "https://es.example:9200", username="u", password="p", ca_certs=None, verify_certs=True
    )
    assert es.alias == "sohoa-pages"
    es.close()


def test_access_fields_are_mapped_and_sent() -> None:
    props = index_body()["mappings"]["properties"]
    for field in ("unit", "access", "record_key", "year"):
        assert props[field]["type"] == "keyword", field
    src = page_source(
        PageEntry(1, 1, 1, "x", record="HS-7", fonds="F2", unit="VP", access="02",
                  issued="2024-05-06")
    )  # fmt: skip
    assert (src["unit"], src["access"], src["record_key"], src["year"]) == (
        "VP",
        "02",
        "F2/HS-7",
        "2024",
    )
    assert "year" not in page_source(PageEntry(2, 1, 2, "x"))
    assert page_source(PageEntry(2, 1, 2, "x"))["access"] == "01"


def test_access_is_a_bool_filter_inside_the_query() -> None:
    access = Access(units=frozenset({"U2", "U1"}), records=frozenset({"F/R4"}))
    body = search_body(SearchQuery("kế hoạch", access=access))
    filters = body["query"]["bool"]["filter"]
    assert access_filter(access) in filters
    should = access_filter(access)["bool"]["should"]
    assert should[0] == {"term": {"access": "01"}}
    assert should[1] == {
        "bool": {"filter": [{"term": {"access": "02"}}, {"terms": {"unit": ["U1", "U2"]}}]}
    }
    assert should[2] == {"terms": {"record_key": ["F/R4"]}}
    assert access_filter(access)["bool"]["minimum_should_match"] == 1
    assert access_filter(Access())["bool"]["should"] == [{"term": {"access": "01"}}]
    assert all("access" not in json.dumps(f) for f in search_body(SearchQuery("x"))["query"][
        "bool"]["filter"])  # fmt: skip
    listed = search_body(SearchQuery(fonds="F", record="R1", access=Access()))
    assert listed["query"]["bool"]["filter"] == [
        {"term": {"fonds": "F"}},
        {"term": {"record": "R1"}},
        access_filter(Access()),
    ]
    with pytest.raises(QueryError):
        search_body(SearchQuery(access=Access()))  # access alone is not a search


def test_date_sorts() -> None:
    desc = search_body(SearchQuery("kế hoạch", sort="date_desc"))
    assert desc["sort"][0] == {"issued_date": {"order": "desc", "missing": "_last"}}
    assert "_score" in desc["sort"] and desc["track_scores"] is True
    assert search_body(SearchQuery("kế hoạch"))["sort"][0] == "_score"
    listed = search_body(SearchQuery(fonds="F", sort="date_desc"))
    assert listed["sort"] == [
        {"issued_date": {"order": "desc", "missing": "_last"}},
        {"document_id": "desc"},
    ]
    asc = search_body(SearchQuery(fonds="F", sort="date_asc"))
    assert asc["sort"][0] == {"issued_date": {"order": "asc", "missing": "_last"}}
    with pytest.raises(QueryError):
        search_body(SearchQuery("x", sort="oldest"))


def test_facets_body_counts_documents_with_terms_aggregations() -> None:
    query = SearchQuery("kế hoạch", type="Quyết định", access=Access(), limit=5, offset=40)
    body = facets_body(query)
    assert body["size"] == 0
    assert body["query"] == search_body(query)["query"]
    for name, field in (("types", "type_name"), ("organs", "organ.raw"), ("years", "year")):
        agg = body["aggs"][name]
        assert agg["terms"]["field"] == field and agg["terms"]["size"] == 20
        assert agg["terms"]["order"][0] == {"docs": "desc"}
        assert agg["aggs"]["docs"]["cardinality"]["field"] == "document_id"


def test_facets_response_becomes_facets(es: ElasticIndex) -> None:
    def answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
        if path.endswith("/_search"):
            buckets = [{"key": "Quyết định", "doc_count": 9, "docs": {"value": 4}}]
            years = [{"key": "2024", "doc_count": 3, "docs": {"value": 2}}]
            return 200, {
                "hits": {"hits": []},
                "aggregations": {
                    "types": {"buckets": buckets},
                    "organs": {
                        "buckets": [{"key": "Sở Y tế", "doc_count": 1, "docs": {"value": 1}}]
                    },
                    "years": {"buckets": years},
                    "documents": {"value": 4},
                },
            }
        return _default_answer(method, path, payload)

    FakeNode.answer = staticmethod(answer)
    f = es.facets(SearchQuery("kế hoạch", access=Access(units=frozenset({"U1"}))))
    assert f.types == (("Quyết định", 4),) and f.organs == (("Sở Y tế", 1),)
    assert f.years == (("2024", 2),) and f.exact
    sent = _sent("/_search")[-1]
    assert sent["size"] == 0 and "types" in sent["aggs"]
    assert access_filter(Access(units=frozenset({"U1"}))) in sent["query"]["bool"]["filter"]
