"""One behavioural suite for every search backend.

``sqlite`` always runs; ``sqlite-scale`` is the same index with the large-archive settings
forced (tiny candidate cap, no bm25) so the capped code path is checked on a small corpus;
``elastic`` runs only when SOHOA_TEST_ELASTICSEARCH_URL points at a cluster (it is not
collected otherwise, so it is never counted as passed without a server). Optional variables
for it: SOHOA_TEST_ELASTICSEARCH_USER, _PASSWORD, _API_KEY, _CA_CERTS.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from errors import QueryError
from search import ElasticIndex, PageEntry, SearchQuery, SearchResults, SqliteIndex

ES_URL = os.environ.get("SOHOA_TEST_ELASTICSEARCH_URL", "")


def backends() -> list[str]:
    return ["sqlite", "sqlite-scale", "sqlite-pairs"] + (["elastic"] if ES_URL else [])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends(), scope="module")


def make_index(backend: str, tmp: Path) -> Any:
    if backend == "elastic":
        ix = ElasticIndex(
            ES_URL,
            prefix=f"sohoa-test-{uuid.uuid4().hex[:10]}",
            username=os.environ.get("SOHOA_TEST_ELASTICSEARCH_USER") or None,
            password=os.environ.get("SOHOA_TEST_ELASTICSEARCH_PASSWORD") or None,
            api_key=os.environ.get("SOHOA_TEST_ELASTICSEARCH_API_KEY") or None,
            ca_certs=os.environ.get("SOHOA_TEST_ELASTICSEARCH_CA_CERTS") or None,
            replicas=0,
        )
    else:
        # sqlite-pairs: the word-pair column, ranked as at scale (no bm25).
        ix = SqliteIndex(tmp / f"{uuid.uuid4().hex}.db", pairs=backend == "sqlite-pairs")
        if backend == "sqlite-pairs":
            ix.bm25_max_pages = 0
        if backend == "sqlite-scale":
            ix.candidate_cap = 3
            ix.bm25_max_pages = 0
    ix.ensure_schema()
    return ix


def drop_index(ix: Any) -> None:
    if isinstance(ix, ElasticIndex):
        ix.client.indices.delete(index=f"{ix.prefix}-*")
        ix.close()


def load(ix: Any, entries: list[PageEntry]) -> None:
    ix.index_pages(entries)
    if isinstance(ix, ElasticIndex):
        ix.refresh()


PAGES = [
    # (document, number, type_name, organ, issued, [page texts])
    (1, "141/KH-UBND", "Kế hoạch", "Ủy ban nhân dân tỉnh Hà Giang", "2025-03-14",
     ["Số: 141/KH-UBND Kế hoạch chuyển đổi số năm 2025 của tỉnh.",
      "Phát triển hạ tầng số và dữ liệu dùng chung."]),
    (2, "09/2025/QĐ-UBND", "Quyết định", "Ủy ban nhân dân thành phố Đà Nẵng", "2025-01-09",
     ["Quyết định ban hành quy chế làm việc của Ủy ban.", "Điều 2. Hiệu lực kể từ ngày ký."]),
    (3, "05/QĐ-SNV", "Quyết định", "Sở Nội vụ tỉnh Lào Cai", "2024-04-02",
     ["Quy định chế độ công tác và thời gian làm việc hợp lý."]),
    (4, "12/UBND-VX", "Công văn", "Ủy ban nhân dân huyện Mèo Vạc", "2023-06-05",
     ["Lễ hội không lớn mà vẫn đông vui.", "Phối hợp bảo đảm an ninh."]),
    (5, "15/BC-UBND", "Báo cáo", "Ủy ban nhân dân xã Đồng Văn", "2022-11-30",
     ["Tình hình phòng chống ma túy trên địa bàn xã."]),
    (6, "33/TB-VP", "Thông báo", "Văn phòng Ủy ban nhân dân tỉnh Hà Giang", "2025-04-01",
     ["Căn cứ Kế hoạch số 141/KH-UBND về chuyển đổi số.", "Kết luận cuộc họp giao ban."]),
    (7, "", "Khác", "", "", ["Bảng kê hồ sơ lưu trữ, thủy lợi."]),
]  # fmt: skip


def entries() -> list[PageEntry]:
    out = []
    pid = 0
    for doc, number, type_name, organ, issued, texts in PAGES:
        for no, text in enumerate(texts, start=1):
            pid += 1
            out.append(
                PageEntry(pid, doc, no, text, number=number, type_name=type_name, organ=organ,
                          issued=issued, title=f"Văn bản {doc}", record="HS-1", fonds="F")
            )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def index(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ix = make_index(backend, tmp_path_factory.mktemp("contract"))
    load(ix, entries())
    yield ix
    drop_index(ix)


def ids(r: SearchResults) -> list[int]:
    return [h.document_id for h in r.hits]


def s(ix: Any, text: str = "", **kw: Any) -> SearchResults:
    return ix.search(SearchQuery(text=text, **kw))


def test_count(index: Any) -> None:
    assert index.count() == len(entries())


def test_folded_and_accented_queries_find_the_same_documents(index: Any) -> None:
    assert sorted(ids(s(index, "quyet dinh"))) == sorted(ids(s(index, "Quyết định"))) == [2]
    assert ids(s(index, "hieu luc")) == [2]
    assert ids(s(index, "HIỆU LỰC")) == [2]
    assert ids(s(index, "thuy loi")) == [7]


def test_exact_accents_rank_first(index: Any) -> None:
    r = s(index, "mà")
    assert ids(r)[0] == 4 and r.hits[0].exact
    assert 5 in ids(r) and not r.hits[ids(r).index(5)].exact
    assert ids(s(index, "ma túy"))[0] == 5


def test_phrase_ranks_above_words_apart(index: Any) -> None:
    r = ids(s(index, "quy chế làm việc"))
    assert r.index(2) < r.index(3)
    quoted = ids(s(index, '"quy chế làm việc"'))
    assert quoted == [2]


def test_number_finds_its_document_first(index: Any) -> None:
    for text in ["141/KH-UBND", "141 / kh-ubnd", "Số: 141/KH-UBND"]:
        r = s(index, text)
        assert ids(r)[:2] == [1, 6], text
        assert r.hits[0].exact and not r.hits[1].exact
    assert ids(s(index, "09/2025/qd-ubnd"))[0] == 2
    assert ids(s(index, "giao ban", number="141/KH-UBND")) == [6]


def test_filters(index: Any) -> None:
    assert sorted(ids(s(index, type="quyet dinh"))) == [2, 3]
    assert sorted(ids(s(index, organ="ha giang"))) == [1, 6]
    assert ids(s(index, date_from="2025-01-01", date_to="2025-03")) == [2, 1]
    assert ids(s(index, "chuyển đổi số", organ="van phong")) == [6]
    assert s(index, organ="100%_").total == 0
    with pytest.raises(QueryError):
        s(index, date_from="14/03/2025")


def test_exclusion_and_all_words_required(index: Any) -> None:
    assert sorted(ids(s(index, "chuyển đổi số"))) == [1, 6]
    assert ids(s(index, "chuyển đổi số -giao")) == [1]
    assert s(index, "chuyển đổi hoàngthượng").total == 0


def test_pages_grouped_with_snippets(index: Any) -> None:
    r = s(index, "ủy ban")
    assert len(set(ids(r))) == len(ids(r))
    hit = next(h for h in r.hits if h.document_id == 2)
    assert hit.number == "09/2025/QĐ-UBND" and hit.organ.endswith("Đà Nẵng")
    assert "[[Ủy]] [[ban]]" in hit.pages[0].snippet


def test_pagination(index: Any) -> None:
    full = ids(s(index, "chuyển đổi số", limit=50))
    assert len(full) == 2
    one = s(index, "chuyển đổi số", limit=1)
    two = s(index, "chuyển đổi số", limit=1, offset=1)
    assert ids(one) + ids(two) == full
    assert one.total == two.total == 2


def test_empty_and_hostile_queries(index: Any) -> None:
    for text in ["", "***", '"', "-ma"]:
        with pytest.raises(QueryError):
            s(index, text)
    for text in ["NEAR(a b)", "col:x", "' OR 1=1 --", "a*", "{", "😀 quyết"]:
        try:
            assert isinstance(s(index, text), SearchResults)
        except QueryError as exc:
            assert str(exc)


def test_reindex_replaces_and_delete(backend: str, tmp_path: Path) -> None:
    ix = make_index(backend, tmp_path)
    try:
        data = entries()
        load(ix, data)
        load(ix, data)
        assert ix.count() == len(data)
        load(ix, [replace(data[0], text="Nội dung mới về thủy điện.")])
        assert ix.count() == len(data)
        assert ids(s(ix, "thuy dien")) == [1]
        assert 1 not in ids(s(ix, "chuyen doi so nam 2025"))
        ix.delete_document(2)
        if isinstance(ix, ElasticIndex):
            ix.refresh()
        assert s(ix, "hieu luc").total == 0
        assert ix.count() == len(data) - 2
        ix.set_meta("checkpoint", "41")
        assert ix.get_meta("checkpoint") == "41"
        ix.set_meta("checkpoint", None)
        assert ix.get_meta("checkpoint") is None
    finally:
        drop_index(ix)


def test_sqlite_scale_bounds_are_reported(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "caps.db")
    ix.index_pages(
        [PageEntry(i, i, 1, f"kế hoạch số {i}", organ="Sở Y tế" if i == 1 else "Sở Nội vụ")
         for i in range(1, 9)]
    )  # fmt: skip
    full = ix.search(SearchQuery("kế hoạch", organ="y te"))
    assert ids(full) == [1] and full.total_exact
    ix.candidate_cap, ix.scan_cap, ix.bm25_max_pages = 3, 4, 0
    capped = ix.search(SearchQuery("kế hoạch"))
    assert ids(capped) == [8, 7, 6] and capped.total == 3 and not capped.total_exact
    # Filters are inside the FTS5 query: a selective filter finds doc 1 past any cap.
    filtered = ix.search(SearchQuery("kế hoạch", organ="y te"))
    assert ids(filtered) == [1] and filtered.total_exact
    # "-word" is checked per document in SQL: bounded by the scan cap, and says so.
    others = "kế hoạch -2 -3 -4 -5 -6 -7 -8"
    bounded = ix.search(SearchQuery(others))  # doc 1 is past the scan
    assert bounded.total == 0 and not bounded.total_exact
    ix.scan_cap = 100
    assert ids(ix.search(SearchQuery(others))) == [1]
