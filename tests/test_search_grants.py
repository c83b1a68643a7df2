"""An official with many granted records: access is checked by SQL, not one FTS5 token each.

``SqliteIndex.grant_tokens_max`` chooses the path: at most that many grants are ORed as FTS5
tokens (the old path); with more, listings read the granted documents through
``search_documents_grant`` and text searches check access on every walked row in SQL. Both
paths must find exactly the documents the ``Access`` rule allows, in the same order, with
the same totals and facets.
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from collections.abc import Iterator

import pytest

from search import Access, PageEntry, SearchQuery, SqliteIndex, record_key
from search.sqlite import listing
from search.sqlite.facets import FACET_CAP
from search.sqlite.grants import matches
from search.sqlite.ranking import BM25_MAX_PAGES

TYPES = ["Quyết định", "Kế hoạch", "Báo cáo"]
ORGANS = ["Sở Nội vụ tỉnh Hà Giang", "Sở Y tế tỉnh Hà Giang", "Sở Y tế tỉnh Lào Cai"]
DATES = [
    "2021-03-03",
    "2022-07-07",
    "2024-05-01",
    "2024-05-31",
    "2024-06",
    "2024",
    "",
    "2025-01-02",
]
MODES = ["01", "02", "03"]


def documents() -> list[dict[str, str | int]]:
    """240 documents in 48 records of two fonds, with known fields (ground truth)."""
    rng = random.Random(12)
    docs = []
    for doc in range(1, 241):
        rec = (doc - 1) // 5
        docs.append(
            {
                "doc": doc,
                "fonds": "F" if rec % 2 else "G",
                "record": f"R{rec:03d}",
                "unit": f"U{rec % 4}",
                "access": MODES[rec % 3] if rec % 7 else "03",
                "type": rng.choice(TYPES),
                "organ": rng.choice(ORGANS),
                "issued": rng.choice(DATES),
            }
        )
    return docs


DOCS = documents()
# Many grants: every third record (all modes), some that do not exist, one in the wrong fonds.
GRANTS = frozenset(
    {
        record_key(str(d["fonds"]), str(d["record"]))
        for d in DOCS
        if int(str(d["record"])[1:]) % 3 == 0
    }
    | {"F/R999", "G/NOPE", "X/R001"}
)
USER = Access(units=frozenset({"U1"}), records=GRANTS)


def allowed(d: dict[str, str | int], access: Access) -> bool:
    """The documented rule of ``Access``."""
    return (
        d["access"] == "01"
        or (d["access"] == "02" and d["unit"] in access.units)
        or record_key(str(d["fonds"]), str(d["record"])) in access.records
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteIndex]:
    ix = SqliteIndex(tmp_path_factory.mktemp("grants") / "g.db")
    entries = [
        PageEntry(
            1000 + int(d["doc"]),
            int(d["doc"]),
            1,
            f"Văn bản {d['doc']} về kế hoạch.",
            number=f"{d['doc']}/VB",
            type_name=str(d["type"]),
            organ=str(d["organ"]),
            issued=str(d["issued"]),
            title=f"Văn bản {d['doc']}",
            record=str(d["record"]),
            fonds=str(d["fonds"]),
            unit=str(d["unit"]),
            access=str(d["access"]),
        )
        for d in DOCS
    ]
    ix.index_pages(entries)
    yield ix
    ix.close()


QUERIES = [
    SearchQuery(type="Báo cáo", limit=1000),
    SearchQuery(type="Quyết định", sort="date_desc", limit=7, offset=3),
    SearchQuery(organ="so y te", sort="date_desc", limit=1000),
    SearchQuery(organ="Sở Y tế", sort="date_asc", limit=5, offset=20),
    SearchQuery(organ="ha giang", date_from="2024", limit=1000),
    SearchQuery(date_from="2024-05", date_to="2024-05-31", sort="date_desc", limit=1000),
    SearchQuery(date_to="2022", sort="date_desc", limit=3),
    SearchQuery(fonds="F", sort="date_desc", limit=50, offset=40),
    SearchQuery(fonds="G", record="R012", limit=1000),
    SearchQuery(record="R013", limit=1000),
    SearchQuery(type="Kế hoạch", organ="lao cai", sort="date_desc", limit=1000),
    SearchQuery(type="Nghị quyết", limit=10),
    # Text and number searches: with many grants, access is the SQL check on each walked row.
    SearchQuery("kế hoạch", limit=1000),
    SearchQuery("văn bản", type="Báo cáo", sort="date_desc", limit=1000),
    SearchQuery("ke hoach", organ="y te", sort="date_asc", limit=5, offset=3),
    SearchQuery("văn bản 17", limit=1000),
    SearchQuery(number="17/VB"),
    SearchQuery(number="18/VB", organ="ha giang"),
]


def both(ix: SqliteIndex, query: SearchQuery) -> tuple[object, object]:
    """(results, facets) of ``query`` by FTS5 grant tokens and by the SQL grant path."""
    out = []
    for threshold in (10**9, 0):
        ix.grant_tokens_max = threshold
        out.append((ix.search(query), ix.facets(query)))
    ix.grant_tokens_max = 16
    return out[0], out[1]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
@pytest.mark.parametrize("access", [USER, Access(records=GRANTS), Access()])
@pytest.mark.parametrize("bm25", [True, False])  # ranked as a small or as a large index
def test_sql_grants_list_the_same_documents_as_fts_tokens(
    index: SqliteIndex, query: SearchQuery, access: Access, bm25: bool
) -> None:
    query = dataclasses.replace(query, access=access)
    index.bm25_max_pages = 10**9 if bm25 else 0
    try:
        (old, old_facets), (new, new_facets) = both(index, query)
    finally:
        index.bm25_max_pages = BM25_MAX_PAGES
    assert [h.document_id for h in new.hits] == [h.document_id for h in old.hits]
    assert (new.total, new.total_exact) == (old.total, old.total_exact)
    assert new_facets == old_facets


def test_sql_grants_show_exactly_the_allowed_documents(index: SqliteIndex) -> None:
    index.grant_tokens_max = 0
    try:
        got = index.search(SearchQuery(organ="so y te", access=USER, limit=1000))
        facets = index.facets(SearchQuery(organ="so y te", access=USER))
    finally:
        index.grant_tokens_max = 16
    want = [d for d in DOCS if allowed(d, USER) and str(d["organ"]).startswith("Sở Y tế")]
    assert sorted(h.document_id for h in got.hits) == sorted(int(d["doc"]) for d in want)
    assert got.total == len(want) and got.total_exact
    # Some of them are secret documents seen only through a grant.
    assert any(d["access"] == "03" for d in want)
    assert sum(n for _, n in facets.types) == len(want) and facets.exact
    # Oldest first, undated last.
    dated = sorted(
        (str(d["issued"]).replace("-", "").ljust(8, "0"), int(d["doc"]))
        for d in want
        if d["issued"]
    )
    undated = sorted(int(d["doc"]) for d in want if not d["issued"])
    assert [h.document_id for h in got.hits] == [doc for _, doc in dated] + undated


def test_capped_listing_totals_with_sql_grants(
    index: SqliteIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "LIST_COUNT_CAP", 10)
    query = SearchQuery(organ="ha giang", access=USER, limit=5)
    (old, _), (new, _) = both(index, query)
    assert [h.document_id for h in new.hits] == [h.document_id for h in old.hits]
    assert not old.total_exact and not new.total_exact
    # The granted documents are counted on top of the capped FTS5 count: a lower bound too.
    assert new.total >= old.total == 10


def test_granted_documents_are_read_through_the_partial_index(index: SqliteIndex) -> None:
    conn = sqlite3.connect(index.path)
    try:
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT document_id, issued, meta FROM search_documents "
                "WHERE access <> '01' AND (fonds || '/' || record) IN (?, ?)",
                ("F/R001", "G/R002"),
            )
        )
    finally:
        conn.close()
    assert "search_documents_grant" in plan


def test_phrase_clauses_match_consecutive_tokens() -> None:
    tokens = "csyt oso oy ote otinh ya a3031".split()
    assert matches(tokens, (("oso", "oy", "ote"),))
    assert not matches(tokens, (("oso", "ote"),))
    assert matches(tokens, (("x",), ("ya",)))
    assert not matches(tokens, (("ote", "otinh", "ya", "a3031", "z"),))


@pytest.mark.parametrize("query", [SearchQuery("kế hoạch"), SearchQuery(type="Báo cáo")])
def test_capped_facets_count_the_same_visible_documents(
    index: SqliteIndex, query: SearchQuery
) -> None:
    # More matches than the facet cap: both paths count the newest (text) or oldest
    # (listing) documents the user may see, and both say the counts are cut.
    index.facet_cap = 7
    try:
        (_, old), (_, new) = both(index, dataclasses.replace(query, access=USER))
    finally:
        index.facet_cap = FACET_CAP
    assert new == old and not new.exact
    assert sum(n for _, n in new.types) == 7
