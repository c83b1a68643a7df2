"""A judged query set (>= 30 queries) over a generated archive, for every backend.

Three ranking rules are judged: a document number finds its document first (before the
documents citing it); exact-accent matches rank above folded ones (both are found); a phrase
ranks documents holding it above documents holding the words apart (even when those hold the
words more often, so bm25 alone would prefer them). Backends come from
tests/test_search_contract.py (sqlite, sqlite-scale, and elastic when configured).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from search import PageEntry, SearchQuery, fold
from tests.test_search_contract import backends, drop_index, load, make_index


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends(), scope="module")


FILLER = [
    "Các cơ quan, đơn vị có trách nhiệm triển khai thực hiện nghiêm túc.",
    "Giao Văn phòng tổng hợp, báo cáo kết quả định kỳ hằng quý.",
    "Kinh phí thực hiện từ nguồn ngân sách theo phân cấp hiện hành.",
    "Trong quá trình thực hiện, nếu có vướng mắc, phản ánh kịp thời.",
    "Nơi nhận: như trên; lưu văn thư.",
    "Tăng cường kiểm tra, giám sát việc chấp hành quy định.",
    "Tổ chức tuyên truyền, phổ biến đến cán bộ, công chức.",
]
# Words written the same once folded: a document holds one, another the other.
PAIRS = [("bàn", "bán"), ("cá", "cả"), ("lúa", "lửa"), ("mắt", "mất"), ("sông", "sống"),
         ("đường", "dương"), ("tình", "tỉnh"), ("thủy", "thúy")]  # fmt: skip
PHRASES = ["quy hoạch sử dụng đất", "phòng cháy chữa cháy", "bảo hiểm y tế",
           "giải phóng mặt bằng", "an toàn giao thông", "xóa đói giảm nghèo"]  # fmt: skip
ABBR = ["QĐ", "KH", "BC", "TB", "TTr", "NQ", "CV", "HD"]
ORG = ["UBND", "SNV", "SYT", "STC", "HĐND"]


def _filler(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(FILLER) for _ in range(n))


def build_archive() -> tuple[list[PageEntry], list[tuple[str, Any]]]:
    """(pages, judgements); a judgement is (query, ("first", doc) or ("above", a, b))."""
    rng = random.Random(2024)
    pages: list[PageEntry] = []
    judged: list[tuple[str, Any]] = []
    pid = 0

    def add(doc: int, texts: list[str], number: str = "") -> None:
        nonlocal pid
        for no, text in enumerate(texts, start=1):
            pid += 1
            pages.append(
                PageEntry(pid, doc, no, text, number=number, type_name="Công văn",
                          organ="Ủy ban nhân dân tỉnh", issued=f"20{10 + doc % 15}-05-01",
                          title=f"Văn bản {doc}")
            )  # fmt: skip

    # 120 numbered documents; 40 more cite some of them in their text.
    numbers = {}
    for doc in range(1, 121):
        number = f"{doc * 7 % 500 + 1}/{ABBR[doc % len(ABBR)]}-{ORG[doc % len(ORG)]}"
        if doc % 3 == 0:
            number = f"{doc:02d}/2024/{ABBR[doc % len(ABBR)]}-{ORG[doc % len(ORG)]}"
        numbers[doc] = number
        add(doc, [f"Số: {number}. " + _filler(rng, 6), _filler(rng, 8)], number)
    for k, doc in enumerate(range(121, 161)):
        cited = 1 + (k * 3) % 120
        add(doc, [_filler(rng, 5) + f" Căn cứ văn bản số {numbers[cited]}. " + _filler(rng, 3)],
            f"{900 + k}/CV-VP")  # fmt: skip
    forms = [lambda n: n, str.lower, lambda n: "Số: " + n, lambda n: n.replace("/", " / ")]
    for k, cited in enumerate(1 + (k * 3) % 120 for k in range(10)):
        judged.append((forms[k % len(forms)](numbers[cited]), ("first", cited)))
    # Minimal pairs: the accented form typed ranks its own document first.
    doc = 200
    for a, b in PAIRS:
        assert fold(a) == fold(b)
        # The document with the other word repeats it, so it would win on bm25 alone.
        add(doc, [_filler(rng, 4) + f" {a} " + _filler(rng, 4)])
        add(doc + 1, [_filler(rng, 2) + f" {b} {b} {b} " + _filler(rng, 2)])
        judged.append((a, ("above", doc, doc + 1)))
        judged.append((b, ("above", doc + 1, doc)))
        doc += 2
    # Phrases: consecutive words beat the same words apart (and repeated).
    doc = 300
    for phrase in PHRASES:
        words = phrase.split()
        apart = " ".join(f"{w} {rng.choice(FILLER)}" for w in words * 2)
        add(doc, [_filler(rng, 4) + f" {phrase}. " + _filler(rng, 4)])
        add(doc + 1, [apart])
        judged.append((phrase, ("above", doc, doc + 1)))
        doc += 2
    for text in FILLER:  # the judged words must only be where the test put them
        folded = f" {fold(text)} "
        for a, _ in PAIRS:
            assert f" {fold(a)} " not in folded, a
    return pages, judged


PAGES, JUDGED = build_archive()


@pytest.fixture(scope="module")
def index(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ix = make_index(backend, tmp_path_factory.mktemp("ranking"))
    if backend == "sqlite-scale":
        ix.candidate_cap = 5
    load(ix, PAGES)
    yield ix
    drop_index(ix)


def test_the_judged_set_is_large_enough() -> None:
    assert len(JUDGED) >= 30
    assert {j[1][0] for j in JUDGED} == {"first", "above"}


def test_judged_queries(index: Any) -> None:
    failures = []
    for query, expect in JUDGED:
        r = index.search(SearchQuery(query, limit=50))
        got = [h.document_id for h in r.hits]
        if expect[0] == "first":
            ok = bool(got) and got[0] == expect[1] and r.hits[0].exact
            if ok and len(got) > 1:
                ok = not r.hits[1].exact  # the citing documents come after, not exact
        else:
            _, better, worse = expect
            ok = better in got and worse in got and got.index(better) < got.index(worse)
            ok = ok and r.hits[got.index(better)].score >= 0
        if not ok:
            failures.append((query, expect, got[:5]))
    assert failures == [], f"{len(failures)} of {len(JUDGED)} judged queries failed"
