"""The SQLite FTS5 search index (search.sqlite) on a small hand-written corpus."""

from __future__ import annotations

import random
import sqlite3
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from errors import QueryError
from search import PageEntry, SearchQuery, SearchResults, SqliteIndex, make_snippet

FILLER = [
    "Các sở, ban, ngành và địa phương có trách nhiệm triển khai thực hiện.",
    "Giao Văn phòng tổng hợp tình hình, báo cáo kết quả định kỳ hằng quý.",
    "Kinh phí thực hiện từ nguồn ngân sách nhà nước theo phân cấp hiện hành.",
    "Trong quá trình thực hiện, nếu có vướng mắc, phản ánh kịp thời để xem xét.",
    "Nơi nhận: như trên; lưu văn thư.",
]


def _page(seed: int, core: str) -> str:
    """A page of realistic length: filler sentences around the sentence the test looks for."""
    rng = random.Random(seed)
    before = " ".join(rng.choice(FILLER) for _ in range(rng.randint(3, 6)))
    after = " ".join(rng.choice(FILLER) for _ in range(rng.randint(3, 6)))
    return f"{before}\n{core}\n{after}"


# document_id: (number, type_code, type_name, organ, issued, title, [core text of each page])
DOCS: dict[int, tuple[str, str, str, str, str, str, list[str]]] = {
    1: ("141/KH-UBND", "10", "Kế hoạch", "Ủy ban nhân dân tỉnh Hà Giang", "2025-03-14",
        "Kế hoạch chuyển đổi số năm 2025",
        ["ỦY BAN NHÂN DÂN TỈNH HÀ GIANG Số: 141/KH-UBND KẾ HOẠCH Chuyển đổi số năm 2025",
         "Phát triển hạ tầng số và nền tảng dữ liệu dùng chung của tỉnh.",
         "Tổ chức thực hiện: các sở xây dựng kế hoạch chi tiết."]),
    2: ("09/2025/QĐ-UBND", "02", "Quyết định", "Ủy ban nhân dân thành phố Đà Nẵng",
        "2025-01-09", "Ban hành quy chế làm việc",
        ["QUYẾT ĐỊNH Ban hành quy chế làm việc của Ủy ban nhân dân thành phố Đà Nẵng",
         "Điều 1. Ban hành kèm theo Quyết định này quy chế làm việc.",
         "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."]),
    3: ("57-NQ/TW", "01", "Nghị quyết", "Ban Chấp hành Trung ương", "2024-12-22",
        "Về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo",
        ["NGHỊ QUYẾT về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo "
         "và chuyển đổi số quốc gia",
         "Mục tiêu đến năm 2030: kinh tế số đạt tối thiểu 30% GDP."]),
    4: ("12/UBND-VX", "22", "Công văn", "Ủy ban nhân dân huyện Mèo Vạc", "2023-06-05",
        "V/v tổ chức lễ hội văn hóa",
        ["V/v tổ chức lễ hội văn hóa. Lễ hội không lớn mà vẫn đông vui.",
         "Đề nghị các xã phối hợp bảo đảm an ninh trật tự."]),
    5: ("15/BC-UBND", "14", "Báo cáo", "Ủy ban nhân dân xã Đồng Văn", "2022-11-30",
        "Báo cáo tình hình phòng chống ma túy",
        ["BÁO CÁO tình hình phòng chống ma túy trên địa bàn xã năm 2022.",
         "Số người nghiện giảm so với cùng kỳ.",
            "Kiến nghị tăng cường tuyên truyền trong thanh niên."]),
    6: ("76/NQ-CP", "01", "Nghị quyết", "Chính phủ", "2021-09-15",
        "Chương trình tổng thể cải cách hành chính",
        [unicodedata.normalize("NFD", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM. Chương trình "
                                      "tổng thể cải cách hành chính nhà nước, thuỷ lợi."),
         "Cải cách thể chế, cải cách thủ tục hành chính."]),
    7: ("05/QĐ-SNV", "02", "Quyết định", "Sở Nội vụ tỉnh Lào Cai", "2024-04-02",
        "Quy định chế độ làm việc",
        ["Quy định chế độ công tác; thời gian làm việc của công chức được bố trí hợp lý.",
         "Công chức chấp hành nội quy cơ quan."]),
    8: ("33/TB-VP", "07", "Thông báo", "Văn phòng Ủy ban nhân dân tỉnh Hà Giang",
        "2025-04-01", "Thông báo kết luận cuộc họp",
        ["Căn cứ Kế hoạch số 141/KH-UBND của Ủy ban nhân dân tỉnh về chuyển đổi số.",
         "Thông báo kết luận của Chủ tịch tại cuộc họp giao ban."]),
    9: ("", "32", "Khác", "", "",
        "Trang không có siêu dữ liệu",
        ["Bảng kê tài liệu lưu trữ, hồ sơ nhân sự."]),
    10: ("20/BB-UBND", "20", "Biên bản", "Ủy ban nhân dân phường Hòa Khánh", "2023-12-31",
         "Biên bản bàn giao hồ sơ",
         ["BIÊN BẢN bàn giao hồ sơ lưu trữ ngày 31 tháng 12 năm 2023.",
          "Hai bên thống nhất ký biên bản.", "Bên giao: Văn thư; bên nhận: Lưu trữ."]),
    11: ("88/HD-SYT", "08", "Hướng dẫn", "Sở Y tế tỉnh Hà Giang", "2024-07-20",
         "Hướng dẫn phòng chống dịch bệnh",
         ["Hướng dẫn phòng chống dịch bệnh mùa mưa bão; giữ vệ sinh môi trường.",
            "Các cơ sở y tế bố trí thuốc và vật tư dự phòng."]),
    12: ("18/TTr-SNV", "15", "Tờ trình", "Sở Nội vụ tỉnh Lào Cai", "2024-05-10",
         "Tờ trình về tinh giản biên chế",
         ["TỜ TRÌNH về việc tinh giản biên chế năm 2024.",
          "Danh sách đối tượng tinh giản kèm theo.",
          "Kính trình Ủy ban nhân dân tỉnh xem xét."]),
    13: ("03/GM-HĐND", "26", "Giấy mời", "Hội đồng nhân dân tỉnh Lào Cai", "2024-08-15",
         "Giấy mời họp tổng kết",
         ["GIẤY MỜI họp tổng kết công tác lưu trữ năm 2024.",
          "Thời gian: 8 giờ 00 ngày 15 tháng 8 năm 2024."]),
}  # fmt: skip


def _entries() -> list[PageEntry]:
    entries = []
    page_id = 100
    for doc_id, (number, code, name, organ, issued, title, pages) in DOCS.items():
        for page_no, core in enumerate(pages, start=1):
            page_id += 1
            entries.append(
                PageEntry(
                    page_id=page_id,
                    document_id=doc_id,
                    page_no=page_no,
                    text=_page(page_id, core),
                    number=number,
                    type_code=code,
                    type_name=name,
                    organ=organ,
                    issued=issued,
                    title=title,
                    record=f"HS-{doc_id:03d}",
                    fonds="Phông UBND",
                )
            )
    return entries


ENTRIES = _entries()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SqliteIndex:
    path = tmp_path_factory.mktemp("search") / "catalog.db"
    ix = SqliteIndex(path)
    ix.ensure_schema()
    # Index in two batches, in reverse order, to show order does not matter.
    ix.index_pages(ENTRIES[15:][::-1])
    ix.index_pages(ENTRIES[:15])
    return ix


def _ids(results: SearchResults) -> list[int]:
    return [h.document_id for h in results.hits]


def _search(ix: SqliteIndex, text: str = "", **kw: object) -> SearchResults:
    return ix.search(SearchQuery(text=text, **kw))  # type: ignore[arg-type]


def test_corpus_is_indexed(index: SqliteIndex) -> None:
    assert index.count() == len(ENTRIES) >= 25


def test_accent_insensitive_matching(index: SqliteIndex) -> None:
    plain = _ids(_search(index, "quyet dinh"))
    accented = _ids(_search(index, "Quyết định"))
    assert 2 in plain and 3 in plain
    assert sorted(plain) == sorted(accented)
    assert 2 in _ids(_search(index, "dinh"))
    assert 2 in _ids(_search(index, "Dinh"))  # page text has upper-case "QUYẾT ĐỊNH"
    assert 2 in _ids(_search(index, "ĐỊNH"))
    assert _ids(_search(index, "da nang")) == [2]
    assert 6 in _ids(_search(index, "cong hoa xa hoi"))


def test_old_tone_placement_and_nfd_match(index: SqliteIndex) -> None:
    # Page of document 6 was given in NFD with "HOÀ" and "thuỷ": both spellings find it exactly.
    for query in ["Cộng hòa", "Cộng hoà", unicodedata.normalize("NFD", "cộng hoà"), "thủy lợi"]:
        hits = _search(index, query).hits
        assert hits and hits[0].document_id == 6, query
        assert hits[0].exact, query


def test_exact_accents_rank_first(index: SqliteIndex) -> None:
    accented = _search(index, "mà").hits
    assert [h.document_id for h in accented][:1] == [4]  # "mà vẫn đông vui"
    assert accented[0].exact
    assert 5 in [h.document_id for h in accented]  # "ma túy" is still found
    assert not next(h for h in accented if h.document_id == 5).exact
    plain = _ids(_search(index, "ma"))
    assert 4 in plain and 5 in plain
    # Same for "ma túy": the exact phrase first.
    assert _ids(_search(index, '"ma túy"'))[0] == 5


def test_phrase_ranks_above_words_apart(index: SqliteIndex) -> None:
    # Doc 2 has "quy chế làm việc" consecutively; doc 7 has "Quy định chế độ ... làm việc".
    words = _search(index, "quy chế làm việc")
    assert _ids(words)[:2] == [2, 7]
    quoted = _ids(_search(index, '"quy chế làm việc"'))
    assert 2 in quoted and 7 not in quoted
    unaccented = _ids(_search(index, "quy che lam viec"))
    assert unaccented.index(2) < unaccented.index(7)


def test_words_must_all_match_and_exclusion(index: SqliteIndex) -> None:
    both = _ids(_search(index, "chuyển đổi số"))
    assert set(both) >= {1, 3, 8}
    assert 3 not in _ids(_search(index, "chuyển đổi số -nghị"))
    assert _ids(_search(index, 'chuyển đổi số -"khoa học" -"giao ban"')) == [1]
    assert _search(index, "chuyển đổi hoàngthượng").total == 0


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("141/KH-UBND", 1),
        ("141/kh-ubnd", 1),
        ("141 / KH-UBND", 1),
        ("Số: 141/KH-UBND", 1),
        ("09/2025/QĐ-UBND", 2),
        ("09/2025/qd-ubnd", 2),
        ("57-NQ/TW", 3),
        ("12/UBND-VX", 4),
    ],
)
def test_number_lookup_finds_document_first(index: SqliteIndex, query: str, doc: int) -> None:
    results = _search(index, query)
    assert results.hits[0].document_id == doc
    assert results.hits[0].exact


def test_number_lookup_then_pages_citing_it(index: SqliteIndex) -> None:
    results = _search(index, "141/KH-UBND")
    assert _ids(results)[:2] == [1, 8]  # doc 8 cites the plan in its text
    assert not results.hits[1].exact
    assert "[[141]]/[[KH]]-[[UBND]]" in results.hits[1].pages[0].snippet
    by_filter = _ids(_search(index, number="141/kh-ubnd"))
    assert by_filter[:2] == [1, 8]
    # Number filter with words: only documents carrying the number, found by the words.
    assert _ids(_search(index, '"giao ban"', number="141/KH-UBND")) == [8]
    assert _ids(_search(index, "hạ tầng", number="141/KH-UBND")) == [1]
    assert _search(index, "hạ tầng", number="12/UBND-VX").total == 0


def test_number_in_metadata_only_is_found(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "n.db")
    ix.index_pages([PageEntry(1, 1, 1, "Trang bị mờ, không đọc được số.", number="7/QĐ-UBND")])
    hits = _search(ix, "7/QĐ-UBND").hits
    assert [h.document_id for h in hits] == [1]
    assert hits[0].pages[0].page_id == 1  # the first page, to open the document at


def test_filter_type(index: SqliteIndex) -> None:
    decisions = _ids(_search(index, type="Quyết định"))
    assert sorted(decisions) == [2, 7]
    assert sorted(_ids(_search(index, type="quyet dinh"))) == [2, 7]
    assert sorted(_ids(_search(index, type="02"))) == [2, 7]
    assert sorted(_ids(_search(index, type="nghi quyet"))) == [3, 6]
    assert _search(index, type="quyet").total == 0  # exact, not substring
    assert _ids(_search(index, "chế độ", type="02")) == [7]


def test_filter_organ(index: SqliteIndex) -> None:
    assert sorted(_ids(_search(index, organ="ha giang"))) == [1, 8, 11]
    assert sorted(_ids(_search(index, organ="Hà Giang"))) == [1, 8, 11]
    assert _ids(_search(index, organ="da nang")) == [2]
    assert _ids(_search(index, "chuyển đổi số", organ="van phong")) == [8]
    assert _search(index, organ="100%_").total == 0  # LIKE wildcards are literal


def test_filter_dates_inclusive(index: SqliteIndex) -> None:
    r = _search(index, date_from="2025-01-09", date_to="2025-03-14")
    assert _ids(r) == [2, 1]  # ordered by date
    assert _ids(_search(index, date_from="2025")) == [2, 1, 8]
    assert _ids(_search(index, date_to="2022")) == [6, 5]
    assert _ids(_search(index, date_from="2024-12", date_to="2024-12")) == [3]
    assert 9 not in _ids(_search(index, date_from="1900"))  # undated documents excluded
    assert _ids(_search(index, "cải cách", date_to="2023-01-01")) == [6]
    with pytest.raises(QueryError):
        _search(index, date_from="14/03/2025")


def test_filters_alone_list_documents_by_date(index: SqliteIndex) -> None:
    r = _search(index, organ="uy ban nhan dan")
    issued = [h.issued for h in r.hits]
    assert issued == sorted(issued) and len(issued) == r.total == 6
    assert all(h.pages and h.pages[0].page_no == 1 for h in r.hits)
    # Text without any searchable word plus a filter: the filter alone.
    assert _ids(_search(index, "***", organ="da nang")) == [2]


def test_results_group_pages_by_document(index: SqliteIndex) -> None:
    r = _search(index, "quyết định")
    hit = next(h for h in r.hits if h.document_id == 2)
    assert [p.page_no for p in hit.pages] == [1, 2, 3]
    assert len(set(_ids(r))) == len(r.hits) == r.total
    assert hit.number == "09/2025/QĐ-UBND"
    assert hit.type_name == "Quyết định"
    assert hit.organ == "Ủy ban nhân dân thành phố Đà Nẵng"
    assert hit.issued == "2025-01-09"
    assert hit.title == "Ban hành quy chế làm việc"
    assert (hit.record, hit.fonds) == ("HS-002", "Phông UBND")
    assert hit.score > 0


def test_snippets_highlight_original_accented_words(index: SqliteIndex) -> None:
    hit = _search(index, "quyet dinh").hits
    doc2 = next(h for h in hit if h.document_id == 2)
    assert "[[QUYẾT]] [[ĐỊNH]]" in doc2.pages[0].snippet
    assert "[[Quyết]] [[định]]" in doc2.pages[1].snippet
    snippet = _search(index, "da nang").hits[0].pages[0].snippet
    assert "[[Đà]] [[Nẵng]]" in snippet
    # A window of about 30 words, not the whole page.
    words = snippet.replace("[[", "").replace("]]", "").split()
    assert 20 <= len(words) <= 34
    # NFD page: highlighted in its normalised (NFC) form.
    snippet6 = _search(index, "cong hoa").hits[0].pages[0].snippet
    assert "[[CỘNG]] [[HÒA]]" in snippet6


def test_pagination(index: SqliteIndex) -> None:
    full = _search(index, "thực hiện", limit=50)
    assert full.total == len(full.hits) >= 6
    first = _search(index, "thực hiện", limit=3)
    second = _search(index, "thực hiện", limit=3, offset=3)
    assert first.total == second.total == full.total
    assert _ids(first) + _ids(second) == _ids(full)[:6]
    beyond = _search(index, "thực hiện", offset=100)
    assert beyond.hits == () and beyond.total == full.total
    with pytest.raises(QueryError):
        _search(index, "thực hiện", limit=0)
    with pytest.raises(QueryError):
        _search(index, "thực hiện", offset=-1)


def test_reindexing_replaces_never_duplicates(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "r.db")
    entries = ENTRIES[:6]
    ix.index_pages(entries)
    ix.index_pages(entries)
    ix.index_pages([entries[0], entries[0]])
    assert ix.count() == 6
    r = _search(ix, "kế hoạch")
    assert _ids(r).count(1) == 1
    pages = next(h for h in r.hits if h.document_id == 1).pages
    assert len(pages) == len({p.page_id for p in pages})
    # New text replaces the old one in the index.
    changed = replace(entries[0], text="Nội dung mới về thủy điện.", title="Tiêu đề mới")
    ix.index_pages([changed])
    assert ix.count() == 6
    assert _ids(_search(ix, "thuy dien")) == [1]
    assert _search(ix, "hạ tầng số").hits[0].title == "Tiêu đề mới"
    assert "ubnd tinh ha giang" not in [
        p.snippet.lower() for h in _search(ix, "ha giang").hits for p in h.pages
    ]
    assert all(p.page_id != changed.page_id for h in _search(ix, "ha giang").hits for p in h.pages)


def test_page_moved_to_another_document(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "m.db")
    ix.index_pages([PageEntry(1, 1, 1, "tờ trình thủy lợi", number="1/TTr-X")])
    ix.index_pages([PageEntry(1, 2, 1, "tờ trình thủy lợi", number="2/TTr-X")])
    r = _search(ix, "thủy lợi")
    assert _ids(r) == [2] and r.total == 1
    assert _search(ix, number="1/TTr-X").total == 0


def test_delete_document(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "d.db")
    ix.index_pages(ENTRIES)
    before = ix.count()
    assert 2 in _ids(_search(ix, "quy chế"))
    ix.delete_document(2)
    ix.delete_document(2)  # idempotent
    ix.delete_document(9999)
    assert ix.count() == before - 3
    assert 2 not in _ids(_search(ix, "quy chế"))
    assert _search(ix, "da nang").total == 0
    assert _search(ix, number="09/2025/QĐ-UBND").total == 0
    ix.index_pages([e for e in ENTRIES if e.document_id == 2])
    assert _ids(_search(ix, "da nang")) == [2]


def test_shares_the_catalog_database(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO documents VALUES (1, 'catalog row')")
    conn.commit()
    conn.close()
    ix = SqliteIndex(path)
    ix.ensure_schema()
    ix.ensure_schema()  # idempotent
    ix.index_pages(ENTRIES[:3])
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT title FROM documents").fetchall() == [("catalog row",)]
    conn.close()
    assert "documents" in tables
    assert {t for t in tables if not t.startswith("search_")} == {"documents"}


def test_folding_version_change_rebuilds(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    ix = SqliteIndex(path)
    ix.index_pages(ENTRIES[:6])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE search_meta SET value = '0' WHERE key = 'fold_version'")
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")  # stale
    conn.commit()
    conn.close()
    assert _search(SqliteIndex(path), "da nang").total == 1
    assert _search(SqliteIndex(path), "ha giang").total == 1
    # An explicit rebuild keeps everything findable, once.
    ix.rebuild()
    assert ix.count() == 6
    assert _ids(_search(ix, "quyết định")) == [2]


def test_concurrent_readers_and_writer(tmp_path: Path) -> None:
    ix = SqliteIndex(tmp_path / "t.db")
    ix.index_pages(ENTRIES)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(15):
                assert _search(ix, "quyết định").total >= 2
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    def writer() -> None:
        try:
            for i in range(15):
                ix.index_pages([replace(ENTRIES[0], text=f"lần {i} chuyển đổi số")])
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)] + [
        threading.Thread(target=writer)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ix.count() == len(ENTRIES)


HOSTILE = [
    '"', "'", "*", "NEAR(", "a OR", "AND", "-", ":", "(", ")", "^", "\x00", "a\x00b", "{", "}",
    "+", "OR OR", "NOT", "NEAR(a b, 3)", "col:a", "exact:định", "folded : x", "a*", "*a", "^a",
    '"unbalanced', 'a "b', '""""', "' OR 1=1 --", "'); DROP TABLE search_fts;--",
    "'); DROP TABLE x;--", "\\", "%", "_", "😀", "😀 quyết", "\u0301", "đ\u0323", "ẞ", "İ",
    "x" * 3000, "quyết " * 80, "a" * 1999, "-a", "--a", "- a", "\n\t", "141/", "/KH-UBND",
    "141/KH-UBND\x00", "NEAR", "AND quyết", "(quyết OR định)", "quyết* định^", "\ufeffma",
]  # fmt: skip


def _hostile_inputs() -> list[str]:
    rng = random.Random(42)
    pieces = HOSTILE + ["quyết", "định", "ma", "141/KH-UBND", " ", '"', "-"]
    out = list(HOSTILE)
    for _ in range(300):
        out.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))))
    for _ in range(100):
        out.append("".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 12))))
    return out


def test_hostile_input_never_raises_anything_but_query_error(index: SqliteIndex) -> None:
    before = index.count()
    ok = failed = 0
    for text in _hostile_inputs():
        for extra in ({}, {"organ": text[:50]}, {"number": text[:50]}, {"type": text[:20]}):
            try:
                result = _search(index, text, **extra)
            except QueryError as exc:
                assert str(exc)  # a sentence for the user
                failed += 1
            else:
                assert isinstance(result, SearchResults)
                ok += 1
    assert ok > 100 and failed > 10  # both outcomes happen
    assert index.count() == before
    assert _search(index, "quyết định").total >= 2  # still intact


def test_empty_query_without_filters_is_a_query_error(index: SqliteIndex) -> None:
    for text in ["", "   ", "***", '"']:
        with pytest.raises(QueryError):
            _search(index, text)
    with pytest.raises(QueryError):
        _search(index, "-ma", organ="da nang")


def test_snippet_window_phrase_and_edges() -> None:
    words = [f"từ{i}" for i in range(100)]
    text = " ".join(words[:60]) + " Quyết   định\nsố 5 " + " ".join(words[60:])
    snippet = make_snippet(text, [("quyet", "dinh")])
    assert "[[Quyết]] [[định]]" in snippet  # a phrase highlights each of its words
    assert "\n" not in snippet and "  " not in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    plain = snippet.replace("[[", "").replace("]]", "").split()
    assert len(plain) == 32  # 30 words plus the two ellipses
    assert plain.index("Quyết") == 11  # ten words of context before the match
    # "quyết" alone elsewhere is not part of the phrase: not highlighted as one.
    assert make_snippet("quyết xong rồi định", [("quyet", "dinh")]) == "quyết xong rồi định"
    # Near the end the window shifts back; without a match it is the beginning.
    end = make_snippet(text + " cuối", [("cuoi",)])
    assert end.endswith("[[cuối]]") and end.startswith("… ")
    assert make_snippet(text, [("khong",)]).startswith("từ0 từ1")
    # The best window shows the most different terms, not merely the first match.
    far = "định " + " ".join(words) + " quyết định"
    assert "[[quyết]] [[định]]" in make_snippet(far, [("quyet",), ("dinh",)])
    # Prefixes do not match: "ma" does not highlight "mai".
    assert make_snippet("ngày mai mà", [("ma",)]) == "ngày mai [[mà]]"
