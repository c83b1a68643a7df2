"""The parts of the SQLite search backend, each on its own (no ``SqliteIndex`` where possible).

Query planning, filters and access, row encoding, writing, ranking, listing and facet counting
are separate modules of ``search.sqlite``; these tests call them directly, on a bare
connection to an index file or to ``:memory:``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from errors import QueryError, StorageError
from search import Access, PageEntry, SearchQuery, SqliteIndex
from search.contract import FACET_SIZE
from search.keys import ISO_DATE, field_key, record_key
from search.sqlite.connections import READER_CACHE_KIB, Connections
from search.sqlite.facets import count_facets, tally
from search.sqlite.filters import access_sql, date_cover, meta_expr, prepare, query_filters
from search.sqlite.listing import list_documents
from search.sqlite.planning import plan_query
from search.sqlite.ranking import by_date, rank
from search.sqlite.rows import ID_MASK, UNDATED, hex_token, meta_tokens, sort_key
from search.sqlite.schema import upgrade
from search.sqlite.writing import delete_document, prepare_batch, write_batch


def entry(page_id: int, doc: int, text: str, **fields: str) -> PageEntry:
    return PageEntry(page_id=page_id, document_id=doc, page_no=page_id, text=text, **fields)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to an index file holding three small documents."""
    path = tmp_path / "index.db"
    ix = SqliteIndex(path)
    ix.index_pages(
        [
            entry(1, 1, "Quy hoạch xây dựng Hà Nội", type_name="Công văn", issued="2024-03-05"),
            entry(2, 2, "Quy hoach giao thong", type_name="Quyết định", issued="2023-01-10"),
            entry(3, 3, "Báo cáo quy hoạch", type_name="Công văn", number="141/KH-UBND"),
        ]
    )
    ix.close()
    db = sqlite3.connect(path, isolation_level=None)
    yield db
    db.close()


# -- keys and rows -------------------------------------------------------------------------


def test_keys_fold_fields_and_join_records() -> None:
    assert field_key("  Công   Văn ") == "cong van"
    assert record_key(" F1 ", "R9 ") == "F1/R9"
    assert ISO_DATE.fullmatch("2024-03") and not ISO_DATE.fullmatch("03/2024")


def test_meta_tokens_of_a_conditional_document() -> None:
    tokens = meta_tokens("CV", "Công văn", "UBND tỉnh", "2024-03-05", "F1", "R9", "U1", "02")
    assert tokens.split() == [
        f"c{hex_token('cv')}",
        f"n{hex_token('cong van')}",
        "oubnd",
        "otinh",
        "y2024",
        "m202403",
        "d20240305",
        f"f{hex_token('F1')}",
        f"r{hex_token('R9')}",
        f"a{hex_token('02')}",
        f"v{hex_token('U1')}",
        f"g{hex_token('F1/R9')}",
    ]
    public = meta_tokens("", "", "", "", "F1", "R9", "U1", "01").split()
    assert not any(t.startswith("v") for t in public)


def test_sort_key_orders_by_date_then_id_undated_last() -> None:
    keys = [sort_key("2023-12-31", 9), sort_key("2024", 1), sort_key("2024-03-05", 7)]
    assert keys == sorted(keys)
    assert sort_key("", 7) > max(keys)
    assert sort_key("", 7) >> 32 == UNDATED
    assert sort_key("2024-03-05", 7) & ID_MASK == 7


# -- filters and access --------------------------------------------------------------------


def test_access_sql_for_a_user() -> None:
    params: dict[str, object] = {}
    sql = access_sql(Access(units=frozenset({"U2", "U1"}), records=frozenset({"F1/R9"})), params)
    assert sql == (
        "(d.access = '01' OR (d.access = '02' AND d.unit IN (:unit0, :unit1)) "
        "OR (d.fonds || '/' || d.record) IN (:grant0))"
    )
    assert params == {"unit0": "U1", "unit1": "U2", "grant0": "F1/R9"}


def test_access_filter_is_an_fts_clause_and_an_sql_check_but_not_a_choice() -> None:
    filters = query_filters(SearchQuery(text="x", access=Access(units=frozenset({"U1"}))))
    a, v = hex_token("01"), hex_token("U1")
    assert filters.clauses == [] and filters.visible == ((f"a{a}",), (f"v{v}",))
    assert filters.grants == ()
    assert filters.sql == ["(d.access = '01' OR (d.access = '02' AND d.unit IN (:unit0)))"]
    assert filters.params == {"unit0": "U1"}
    assert not filters.chosen
    assert query_filters(SearchQuery(access=Access())).sql == ["(d.access = '01')"]


def test_chosen_filters_become_meta_clauses() -> None:
    filters = query_filters(SearchQuery(type="Công văn", organ="UBND tỉnh", fonds="F1"))
    key = hex_token("cong van")
    assert filters.clauses == [
        ((f"c{key}",), (f"n{key}",)),
        (("oubnd", "otinh"),),
        ((f"f{hex_token('F1')}",),),
    ]
    assert filters.chosen and filters.dates is None and filters.sql == []
    assert meta_expr(None, filters) == (  # type: ignore[arg-type]  # no dates: no query
        f'(meta : ("c{key}" OR "n{key}")) AND (meta : ("oubnd otinh")) AND '
        f'(meta : ("f{hex_token("F1")}"))'
    )


def test_bad_filters_are_refused() -> None:
    with pytest.raises(QueryError):
        query_filters(SearchQuery(text="x", sort="newest"))
    with pytest.raises(QueryError):
        query_filters(SearchQuery(text="x", date_from="05/2024"))
    with pytest.raises(QueryError):
        prepare(SearchQuery(access=Access()))  # access alone chooses nothing


def test_date_cover_uses_the_fewest_tokens() -> None:
    assert date_cover((2024, 1, 1), (2024, 12, 31)) == ["y2024"]
    assert date_cover((2024, 3, 1), (2024, 4, 2)) == ["m202403", "d20240401", "d20240402"]
    assert date_cover((2023, 12, 31), (2025, 1, 31)) == ["d20231231", "y2024", "m202501"]


def test_meta_expr_bounds_an_open_range_by_the_indexed_dates(conn: sqlite3.Connection) -> None:
    filters = query_filters(SearchQuery(date_from="2024-03"))
    assert filters.dates == ((2024, 3, 1), None)
    # The newest indexed document is from 2024: the range ends on 2024-12-31.
    assert (
        meta_expr(conn, filters)
        == "(meta : (" + " OR ".join(f'"m2024{m:02d}"' for m in range(3, 13)) + "))"
    )
    assert meta_expr(conn, query_filters(SearchQuery(text="x"))) is None


# -- query planning ------------------------------------------------------------------------


def test_plan_of_an_accented_query_has_four_tiers() -> None:
    parsed, num, filters = prepare(SearchQuery(text="Hà Nội"))
    assert parsed is not None and num is None
    plan = plan_query(sqlite3.connect(":memory:"), parsed, num, None, filters, candidate_cap=10)
    assert [(ex, ph) for ex, ph, _ in plan.tiers] == [
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    ]
    # The phrase tiers do not repeat the words the phrase implies.
    assert plan.tiers[0][2] == '(exact : "hà" AND exact : "nội") AND (folded : "ha noi")'
    assert plan.tiers[2][2] == 'folded : "ha noi"'
    assert plan.tiers[1][2] == 'exact : "hà" AND exact : "nội"'
    assert plan.tiers[-1][2] == parsed.match_folded() == 'folded : "ha" AND folded : "noi"'
    assert plan.highlight == [("ha",), ("noi",)]
    assert not plan.narrow and plan.filters == [] and plan.number_docs == []


def test_plan_puts_filters_in_every_tier_and_exclusions_in_sql() -> None:
    query = SearchQuery(text="quy hoach -xay", type="Công văn", access=Access())
    parsed, num, filters = prepare(query)
    conn = sqlite3.connect(":memory:")
    meta = meta_expr(conn, filters)
    assert meta is not None
    plan = plan_query(conn, parsed, num, meta, filters, candidate_cap=10)
    assert len(plan.tiers) == 2  # no accent: the phrase tier and the any-match tier
    assert all(expr.endswith(f") AND {meta}") for _, _, expr in plan.tiers)
    assert plan.narrow and plan.params["excluded"] == 'folded : "xay"'
    assert plan.filters[0] == "(d.access = '01')"
    assert "NOT IN" in plan.filters[1]


def test_plan_of_a_number_finds_the_documents_carrying_it(conn: sqlite3.Connection) -> None:
    parsed, num, filters = prepare(SearchQuery(text="141/KH-UBND"))
    assert parsed is None and num is not None
    plan = plan_query(conn, parsed, num, None, filters, candidate_cap=10)
    assert plan.tiers == [(False, False, 'folded : "141 kh ubnd"')]
    assert plan.number_docs == [3]
    assert plan.params["nk"] == num[0]


# -- ranking and listing -------------------------------------------------------------------


def test_rank_puts_exact_accents_first(conn: sqlite3.Connection) -> None:
    parsed, num, filters = prepare(SearchQuery(text="quy hoạch"))
    plan = plan_query(conn, parsed, num, None, filters, candidate_cap=10)
    ranking = rank(
        conn,
        plan,
        wanted=10,
        sort="relevance",
        text=True,
        number=False,
        bm25=True,
        candidate_cap=10,
        scan_cap=100,
    )
    assert set(ranking.order[:2]) == {1, 3} and ranking.order[2] == 2
    assert ranking.exact_of == {1: True, 3: True, 2: False}
    assert not ranking.capped
    assert by_date(conn, [3, 2, 1], descending=True) == [1, 2, 3]  # 3 is undated


def test_listing_by_filters_is_in_date_order(conn: sqlite3.Connection) -> None:
    for sort, expected in (("relevance", [2, 1, 3]), ("date_desc", [1, 2, 3])):
        query = SearchQuery(date_from="2000", sort=sort)
        _, _, filters = prepare(query)
        results = list_documents(conn, query, meta_expr(conn, filters), filters)
        assert [h.document_id for h in results.hits] == expected[:2]  # 3 is undated
    query = SearchQuery(fonds="", type="Công văn", sort="date_desc")
    _, _, filters = prepare(query)
    results = list_documents(conn, query, meta_expr(conn, filters), filters)
    assert [h.document_id for h in results.hits] == [1, 3]


# -- facets --------------------------------------------------------------------------------


def test_tally_counts_orders_and_caps() -> None:
    rows = [("B", "O1", "2024"), ("A", "O1", ""), ("B", "", "2024"), ("", "O2", "2023")]
    facets = tally(rows, exact=False)
    assert facets.types == (("B", 2), ("A", 1))
    assert facets.organs == (("O1", 2), ("O2", 1))
    assert facets.years == (("2024", 2), ("2023", 1))
    assert facets.exact is False
    many = tally([(f"T{k:02d}", "", "") for k in range(FACET_SIZE + 5)], exact=True)
    assert len(many.types) == FACET_SIZE


def test_count_facets_of_a_text_query(conn: sqlite3.Connection) -> None:
    parsed, num, filters = prepare(SearchQuery(text="quy hoach"))
    facets = count_facets(conn, parsed, num, None, filters, facet_cap=100, candidate_cap=10)
    assert facets.types == (("Công văn", 2), ("Quyết định", 1))
    assert facets.years == (("2023", 1), ("2024", 1))
    assert facets.exact
    capped = count_facets(conn, parsed, num, None, filters, facet_cap=1, candidate_cap=10)
    assert sum(n for _, n in capped.types) == 1 and not capped.exact


# -- writing -------------------------------------------------------------------------------


def test_prepare_batch_refuses_an_id_the_sort_key_cannot_hold() -> None:
    with pytest.raises(StorageError):
        prepare_batch([entry(1, 2**32, "x")])
    batch = prepare_batch([entry(1, 5, "a"), entry(2, 5, "b", title="last")])
    assert list(batch.latest) == [1, 2]
    assert batch.documents[5][10] == "last"  # the last entry's fields win


def test_write_and_delete_on_a_bare_connection(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "bare.db", isolation_level=None)
    upgrade(db)
    write_batch(db, prepare_batch([entry(1, 5, "Hà Nội"), entry(2, 5, "Huế")]))
    write_batch(db, prepare_batch([entry(2, 6, "Huế")]))  # page 2 moves to document 6
    assert db.execute("SELECT COUNT(*) FROM search_documents").fetchone()[0] == 2
    match = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
    assert db.execute(match, ('folded : "hue"',)).fetchall() == [(2,)]
    delete_document(db, 5)
    assert db.execute(match, ('folded : "ha"',)).fetchall() == []
    assert [r[0] for r in db.execute("SELECT document_id FROM search_documents")] == [6]
    db.close()


def test_text_facets_read_the_match_once_and_know_when_it_is_cut(tmp_path: Path) -> None:
    from search import PageEntry, SqliteIndex

    ix = SqliteIndex(tmp_path / "facets.db")
    ix.index_pages(
        [
            PageEntry(
                k,
                k,
                1,
                f"Báo cáo số {k}",
                type_name="Báo cáo" if k % 2 else "Tờ trình",
                access="01" if k != 3 else "03",
            )
            for k in range(1, 7)
        ]  # fmt: skip
    )
    query = SearchQuery("báo cáo", access=Access())  # page 3 is secret
    ix.facet_cap = 6
    f = ix.facets(query)
    assert f.exact and dict(f.types) == {"Báo cáo": 2, "Tờ trình": 3}
    ix.facet_cap = 5  # five visible matching pages: all counted
    assert ix.facets(query).exact
    ix.facet_cap = 4  # the newest four are counted, and it says so
    f = ix.facets(query)
    assert not f.exact and dict(f.types) == {"Báo cáo": 1, "Tờ trình": 3}
    ix.facet_cap = 7
    assert ix.facets(SearchQuery(number="Báo cáo số 3")).exact
    ix.close()


def test_the_exact_phrase_tier_is_taken_from_the_phrase_tier(tmp_path: Path) -> None:
    # Without bm25 (a large archive) "exact + phrase" is the phrase tier's pages that hold
    # every accented word as typed: same ranking as its own FTS5 query, one walk fewer.
    ix = SqliteIndex(tmp_path / "tiers.db")
    ix.bm25_max_pages = 0
    texts = {
        1: "Ông Ly Thu Quun đi họp.",  # phrase, not as typed
        2: "Ông Lý Thu Quun đi họp.",  # phrase as typed
        3: "Ly là họ, thu là mùa, quun là tên.",  # the words apart
        4: "Lý là họ, thu là mùa, quun là tên.",  # apart, as typed
        5: "Ông Lý Thu Quun, ông Lý Thu Quun.",  # phrase as typed, twice
        6: "Ông Lý Thu Quunx.",  # not the word
    }
    ix.index_pages([PageEntry(d, d, 1, t) for d, t in texts.items()])
    hits = ix.search(SearchQuery("Lý Thu Quun")).hits
    assert [h.document_id for h in hits] == [5, 2, 4, 1, 3]
    assert [h.exact for h in hits] == [True, True, True, False, False]
    ix.close()


def test_reader_connections_have_a_large_page_cache(tmp_path: Path) -> None:
    # FTS5 rereads doclist pages; a reader with SQLite's default 2 MiB cache refetches them.
    db = Connections(tmp_path / "cache.db", timeout=5.0)
    with db.reader() as conn:
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -READER_CACHE_KIB
    with db.reader() as again:  # the pooled connection keeps it
        assert again is conn
    fresh = db.open()
    assert fresh.execute("PRAGMA cache_size").fetchone()[0] != -READER_CACHE_KIB
    fresh.close()
    db.close()
