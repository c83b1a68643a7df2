"""The SQLite index's word-pair column: phrases stay exact, pairs follow every write.

A phrase's tiers AND the pair tokens of its words to the positional phrase, so these tests
check that the pairs never widen a match (two pairs on a page without the whole phrase),
that replacing or deleting a page removes its pairs, and that an index of the previous
layout (no pairs) is rebuilt with them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from search import PageEntry, SearchQuery, SqliteIndex
from search.sqlite.planning import pairs_match
from search.sqlite.rows import PAIR_JOIN, fts_row, pair_tokens

# Page 1 holds the name; page 2 holds both of its word pairs but never the three words in a
# row; page 3 holds the words far apart.
NAME = "Lý Thu Xoan"
TEXTS = {
    1: "Ông Lý Thu Xoan được giao nhiệm vụ tại Hà Giang.",
    2: "Bà Lý Thu nhận bàn giao. Ông Thu Xoan ký biên bản.",
    3: "Xoan ký. Thu hoạch lúa. Lý do khách quan.",
}


def _index(tmp_path: Path, texts: dict[int, str] = TEXTS) -> SqliteIndex:
    ix = SqliteIndex(tmp_path / "pairs.db", pairs=True)
    ix.index_pages(
        [
            PageEntry(page_id=k, document_id=k, page_no=1, text=text, issued=f"2024-01-0{k}")
            for k, text in texts.items()
        ]
    )
    return ix


def _docs(ix: SqliteIndex, text: str) -> list[int]:
    return [hit.document_id for hit in ix.search(SearchQuery(text)).hits]


def test_pair_tokens_are_each_adjacent_pair_once() -> None:
    assert pair_tokens(("a", "b", "a", "b")) == [f"a{PAIR_JOIN}b", f"b{PAIR_JOIN}a"]
    assert pair_tokens(("a",)) == []
    row = fts_row(1, "Lý Thu, Xoan", "", pairs=True)
    assert len(fts_row(1, "Lý Thu", "")) == 4  # an index without the column
    assert row[4] == f"ly{PAIR_JOIN}thu thu{PAIR_JOIN}xoan"  # punctuation does not split pairs
    assert pairs_match(("ly", "thu")) == f'pairs : "ly{PAIR_JOIN}thu"'


def test_quoted_phrase_is_exact_despite_its_pairs(tmp_path: Path) -> None:
    ix = _index(tmp_path)
    assert _docs(ix, f'"{NAME}"') == [1]
    assert sorted(_docs(ix, '"thu xoan"')) == [1, 2]  # both hold the two words in a row


def test_bare_words_rank_the_whole_phrase_first(tmp_path: Path) -> None:
    ix = _index(tmp_path)
    docs = _docs(ix, NAME)
    assert docs[0] == 1 and sorted(docs) == [1, 2, 3]
    assert _docs(ix, f"{NAME} -giang") == [2, 3]


def test_replacing_and_deleting_a_page_removes_its_pairs(tmp_path: Path) -> None:
    ix = _index(tmp_path)
    ix.index_pages([PageEntry(page_id=1, document_id=1, page_no=1, text="Ông Lý Văn Tám.")])
    assert _docs(ix, f'"{NAME}"') == []
    assert _docs(ix, '"lý văn"') == [1]
    ix.delete_document(1)
    assert _docs(ix, '"lý văn"') == []
    ix.close()
    db = sqlite3.connect(tmp_path / "pairs.db")
    # The index holds no stale pair: an integrity check replays every stored page.
    db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 0)")
    hits = db.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (pairs_match(("ly", "van")),)
    ).fetchall()
    assert hits == []
    db.close()


def test_an_index_keeps_its_layout_until_rebuilt(tmp_path: Path) -> None:
    plain = SqliteIndex(tmp_path / "plain.db")
    plain.index_pages([PageEntry(page_id=1, document_id=1, page_no=1, text=TEXTS[1])])
    plain.close()
    wanted = SqliteIndex(tmp_path / "plain.db", pairs=True)  # opened with pairs: kept as is
    assert _docs(wanted, f'"{NAME}"') == [1]
    assert wanted.get_meta("pairs") == "0"
    wanted.index_pages([PageEntry(page_id=2, document_id=2, page_no=1, text=TEXTS[2])])
    wanted.delete_document(2)
    wanted.rebuild()  # now with the pair column
    assert wanted.get_meta("pairs") == "1"
    assert _docs(wanted, f'"{NAME}"') == [1]
    wanted.close()
    db = sqlite3.connect(tmp_path / "plain.db")
    hits = db.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (pairs_match(("thu", "xoan")),)
    ).fetchall()
    assert hits == [(1,)]
    db.close()
