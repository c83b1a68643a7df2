"""Access filtering, fonds/record filters, date sorts and facets, on every search backend.

Runs with the backends of tests/test_search_contract.py (SQLite always; Elasticsearch when
SOHOA_TEST_ELASTICSEARCH_URL is set).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from errors import QueryError
from search import Access, Facets, PageEntry, SearchQuery, SearchResults, record_key
from tests.test_search_contract import backends, drop_index, load, make_index


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        # Not "sqlite-scale": its candidate cap of 3 makes totals lower bounds by design.
        names = [b for b in backends() if b != "sqlite-scale"]
        metafunc.parametrize("backend", names, scope="module")


DOCS = [
    # (doc, fonds, record, unit, access, type_name, organ, issued, number, pages)
    (1, "F", "R1", "U1", "01", "Quyết định", "Sở Nội vụ", "2024-05-01", "01/QĐ-SNV",
     ["Kế hoạch chuyển đổi số của sở.", "Phụ lục kế hoạch."]),
    (2, "F", "R2", "U1", "02", "Kế hoạch", "Sở Y tế", "2023-01-10", "02/KH-SYT",
     ["Kế hoạch phòng chống dịch bệnh."]),
    (3, "F", "R3", "U2", "02", "Quyết định", "Sở Y tế", "2025-02-02", "03/QĐ-SYT",
     ["Quyết định giao kế hoạch ngân sách."]),
    (4, "F", "R4", "U1", "03", "Báo cáo", "Sở Nội vụ", "", "04/BC-SNV",
     ["Báo cáo mật về kế hoạch nhân sự."]),
    (5, "G", "R4", "U2", "03", "Báo cáo", "Sở Tài chính", "2022-07-07", "05/BC-STC",
     ["Báo cáo mật về kế hoạch tài chính."]),
    (6, "G", "R5", "U2", "01", "Quyết định", "Sở Tài chính", "2021-03-03", "06/QĐ-STC",
     ["Quyết định phê duyệt kế hoạch vốn."]),
]  # fmt: skip


def entries() -> list[PageEntry]:
    out = []
    pid = 100
    for doc, fonds, record, unit, access, type_name, organ, issued, number, pages in DOCS:
        for no, text in enumerate(pages, start=1):
            pid += 1
            out.append(
                PageEntry(pid, doc, no, text, number=number, type_name=type_name, organ=organ,
                          issued=issued, title=f"Văn bản {doc}", record=record, fonds=fonds,
                          unit=unit, access=access)
            )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def index(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    ix = make_index(backend, tmp_path_factory.mktemp("access"))
    load(ix, entries())
    yield ix
    drop_index(ix)


def ids(r: SearchResults) -> list[int]:
    return [h.document_id for h in r.hits]


def s(ix: Any, text: str = "", **kw: Any) -> SearchResults:
    return ix.search(SearchQuery(text=text, **kw))


def visible(access: Access | None) -> set[int]:
    """The documents ``access`` may see, computed from DOCS by the documented rule."""
    out = set()
    for doc, fonds, record, unit, mode, *_ in DOCS:
        if (
            access is None
            or mode == "01"
            or (mode == "02" and unit in access.units)
            or record_key(fonds, record) in access.records
        ):
            out.add(doc)
    return out


ACCESSES = [
    None,
    Access(),
    Access(units=frozenset({"U1"})),
    Access(units=frozenset({"U2", "U9"})),
    Access(records=frozenset({"F/R4"})),
    Access(units=frozenset({"U1"}), records=frozenset({"G/R4", "F/R3"})),
]


@pytest.mark.parametrize("access", ACCESSES)
def test_access_restricts_results_totals_and_facets(index: Any, access: Access | None) -> None:
    want = visible(access)
    r = s(index, "kế hoạch", access=access, limit=50)
    assert set(ids(r)) == want and r.total == len(want)
    f = index.facets(SearchQuery("kế hoạch", access=access))
    assert sum(n for _, n in f.types) == len(want)
    assert f.exact
    listed = s(index, type="Báo cáo", access=access)
    assert set(ids(listed)) == want & {4, 5} and listed.total == len(want & {4, 5})


def test_grants_are_keyed_by_fonds_and_record(index: Any) -> None:
    # Record code R4 exists in fonds F (doc 4) and G (doc 5): a grant opens only one.
    r = s(index, "báo cáo mật", access=Access(records=frozenset({record_key("F", "R4")})))
    assert ids(r) == [4]
    assert s(index, "báo cáo mật", access=Access(records=frozenset({"R4"}))).total == 0
    assert s(index, "báo cáo mật", access=Access(units=frozenset({"U1", "U2"}))).total == 0


def test_hidden_documents_are_not_found_by_number_or_paging(index: Any) -> None:
    assert ids(s(index, "04/BC-SNV")) == [4]
    assert 4 not in ids(s(index, "04/BC-SNV", access=Access(units=frozenset({"U1"}))))
    assert s(index, number="03/QĐ-SYT", access=Access()).total == 0
    pages = [s(index, "kế hoạch", access=Access(), limit=1, offset=k) for k in range(3)]
    assert [ids(p) for p in pages[:2]] in ([[1], [6]], [[6], [1]]) and ids(pages[2]) == []
    assert all(p.total == 2 for p in pages)


def test_fonds_and_record_filters(index: Any) -> None:
    assert sorted(ids(s(index, fonds="G"))) == [5, 6]
    assert sorted(ids(s(index, "kế hoạch", fonds="F"))) == [1, 2, 3, 4]
    assert sorted(ids(s(index, record="R4"))) == [4, 5]
    assert ids(s(index, fonds="G", record="R4")) == [5]
    assert ids(s(index, fonds="G", record="R4", access=Access(units=frozenset({"U2"})))) == []
    assert s(index, fonds="NOPE").total == 0


def test_date_sorts_put_undated_last(index: Any) -> None:
    by_date = [3, 1, 2, 5, 6]  # issued descending; doc 4 has no date
    assert ids(s(index, "kế hoạch", sort="date_desc")) == [*by_date, 4]
    assert ids(s(index, "kế hoạch", sort="date_asc")) == [*by_date[::-1], 4]
    assert ids(s(index, fonds="F", sort="date_desc")) == [3, 1, 2, 4]
    assert ids(s(index, fonds="F", sort="date_asc")) == [2, 1, 3, 4]
    page = s(index, "kế hoạch", sort="date_desc", limit=2, offset=1)
    assert ids(page) == [1, 2] and page.total == 6
    with pytest.raises(QueryError):
        s(index, "kế hoạch", sort="newest")


def test_facets_count_documents_per_type_organ_year(index: Any) -> None:
    f = index.facets(SearchQuery("kế hoạch"))
    assert isinstance(f, Facets)
    assert f.types == (("Quyết định", 3), ("Báo cáo", 2), ("Kế hoạch", 1))
    assert dict(f.organs) == {"Sở Nội vụ": 2, "Sở Y tế": 2, "Sở Tài chính": 2}
    assert [n for _, n in f.organs] == [2, 2, 2]
    assert dict(f.years) == {"2025": 1, "2024": 1, "2023": 1, "2022": 1, "2021": 1}
    # Filters, and pages: doc 1 has two matching pages but counts once.
    f = index.facets(SearchQuery("kế hoạch", type="Quyết định", access=Access()))
    assert f.types == (("Quyết định", 2),) and dict(f.years) == {"2024": 1, "2021": 1}
    f = index.facets(SearchQuery(organ="tai chinh", access=Access(records=frozenset({"G/R4"}))))
    assert dict(f.types) == {"Báo cáo": 1, "Quyết định": 1}
    assert index.facets(SearchQuery("kế hoạch -vốn", fonds="G")).types == (("Báo cáo", 1),)


def test_access_alone_is_not_a_search(index: Any) -> None:
    for query in [SearchQuery(access=Access()), SearchQuery("", access=Access(), sort="date_desc")]:
        with pytest.raises(QueryError):
            index.search(query)
        with pytest.raises(QueryError):
            index.facets(query)


# -- SQLite internals: filter tokens inside FTS5 --------------------------------------------


def _entry(pid: int, doc: int, text: str, **kw: Any) -> PageEntry:
    return PageEntry(pid, doc, kw.pop("page_no", 1), text, **kw)


def test_day_precise_date_ranges(tmp_path: Path) -> None:
    from search import SqliteIndex

    days = {1: "2023-12-31", 2: "2024-03-14", 3: "2024-03-15", 4: "2024-04-01", 5: "2024",
            6: "2024-04", 7: "2025-01-01", 8: ""}  # fmt: skip
    ix = SqliteIndex(tmp_path / "dates.db")
    ix.index_pages([_entry(d, d, "báo cáo", issued=day) for d, day in days.items()])

    def found(**kw: Any) -> list[int]:
        return sorted(ids(ix.search(SearchQuery("báo cáo", limit=50, **kw))))

    assert found(date_from="2024-03-15", date_to="2024-04-01") == [3, 4]
    assert found(date_from="2024-03-15", date_to="2024-04") == [3, 4, 6]
    assert found(date_from="2024") == [2, 3, 4, 5, 6, 7]
    assert found(date_to="2024-03-14") == [1, 2]
    assert found(date_from="2023-12-31", date_to="2023-12-31") == [1]
    assert found(date_from="2025-02-01") == []
    assert found(date_from="2024-05", date_to="2024-01") == []
    listed = ix.search(SearchQuery(date_from="2024-03", date_to="2024-12-31", limit=50))
    assert ids(listed) == [2, 3, 6, 4] and listed.total == 4  # "2024-04" before "2024-04-01"


def test_changed_document_fields_reach_pages_not_given_again(tmp_path: Path) -> None:
    from search import SqliteIndex

    ix = SqliteIndex(tmp_path / "moves.db")
    ix.index_pages(
        [_entry(1, 1, "trang một", page_no=1, type_name="Công văn", access="03"),
         _entry(2, 1, "trang hai thủy lợi", page_no=2, type_name="Công văn", access="03")]
    )  # fmt: skip
    assert s(ix, "thủy lợi", access=Access()).total == 0
    # Staff review: only page 1 is re-sent, with new fields; page 2 must follow.
    ix.index_pages([_entry(1, 1, "trang một", type_name="Quyết định", access="01")])
    assert ids(s(ix, "thủy lợi", type="Quyết định", access=Access())) == [1]
    assert s(ix, "thủy lợi", type="Công văn").total == 0
    assert ids(s(ix, type="Quyết định", access=Access())) == [1]
    # A page moved to another document leaves the first one empty: it disappears.
    ix.index_pages([_entry(1, 2, "trang một"), _entry(2, 2, "trang hai thủy lợi", page_no=2)])
    assert ids(s(ix, type="Quyết định")) == [] and ids(s(ix, "thủy lợi")) == [2]
    ix.delete_document(2)
    assert ix.count() == 0 and s(ix, "trang").total == 0
    with sqlite3.connect(ix.path) as conn:
        for table in ("search_fts", "search_docfts"):
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 0)")
        assert conn.execute("SELECT COUNT(*) FROM search_documents").fetchone()[0] == 0


def test_an_index_from_the_previous_layout_is_rebuilt(tmp_path: Path) -> None:
    from search import SqliteIndex

    path = tmp_path / "old.db"
    SqliteIndex(path).index_pages(entries())
    with sqlite3.connect(path) as conn:  # what layout 1 had: no filter tokens
        conn.execute("UPDATE search_meta SET value = '1' WHERE key = 'layout'")
        conn.execute("UPDATE search_documents SET meta = ''")
        conn.execute("DROP TABLE search_docfts")
    ix = SqliteIndex(path)
    assert sorted(ids(s(ix, "kế hoạch", fonds="G"))) == [5, 6]
    assert sorted(ids(s(ix, fonds="G"))) == [5, 6]
    assert ids(s(ix, "báo cáo mật", access=Access(records=frozenset({"F/R4"})))) == [4]


def test_document_ids_beyond_the_sort_key_are_refused(tmp_path: Path) -> None:
    from errors import StorageError
    from search import SqliteIndex

    with pytest.raises(StorageError):
        SqliteIndex(tmp_path / "big.db").index_pages([_entry(1, 2**32, "x")])
