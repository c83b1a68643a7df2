"""Document numbers cited on pages are one index token each (``meta`` of the page row).

A number lookup used to be a phrase of the number's words ("752 bc syt"), whose positions
FTS5 checked on every page holding all three common tokens. These tests check that the token
finds what the phrase found (the same hits and totals on a generated archive), that it follows
every write (replace, move, delete), and that an index built before the tokens keeps the
phrase until it is rebuilt.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search import PageEntry, SearchQuery, SqliteIndex
from search.folding import normalize
from search.sqlite.planning import cited_match
from search.sqlite.rows import cited_number_tokens, number_token
from search.sqlite.schema import rebuild_fts

TEXTS = {
    1: "Căn cứ Kế hoạch số 141/KH-UBND ngày 05/3/2024 của Ủy ban nhân dân tỉnh.",
    2: "Thực hiện Kế hoạch số 1141/KH-UBND, báo cáo kết quả quý I.",
    3: "Theo Công văn 141/KH-UBND-VP của Văn phòng, (lần 2).",
    4: "Quyết định số 09/2025/QĐ-UBND; Nghị quyết 57-NQ/TW.",
    5: "Báo cáo số 752 / BC-SYT về phòng chống dịch năm 2024-2025.",
    6: "Kế hoạch 141 năm nay; KH và UBND phối hợp, 141/KHUBND sai ký hiệu.",
}


def _entries(texts: dict[int, str]) -> list[PageEntry]:
    return [
        PageEntry(
            page_id=k,
            document_id=k,
            page_no=1,
            text=text,
            issued=f"2024-01-{k:02d}",
            number=f"{k}/TB-UBND",
        )
        for k, text in texts.items()
    ]


def _index(path: Path, texts: dict[int, str] = TEXTS) -> SqliteIndex:
    ix = SqliteIndex(path)
    ix.index_pages(_entries(texts))
    return ix


def _found(ix: SqliteIndex, number: str, text: str = "") -> tuple[list[int], int]:
    """(documents found, by id; the total): on a small index bm25 orders the phrase's hits
    by its words, the token's all score the same, so the order is not compared."""
    results = ix.search(SearchQuery(text, number=number))
    return sorted(h.document_id for h in results.hits), results.total


def _cited_in_index(path: Path) -> dict[str, int]:
    """Number key -> pages holding its token, as the index's own vocabulary counts them (a
    contentless row removed with other values than it was added with leaves its tokens)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search_fts, 'col')")
        rows = conn.execute("SELECT term, doc FROM v WHERE col = 'meta' AND term LIKE 'k%'")
        return {bytes.fromhex(t[1:]).decode(): n for t, n in rows}


def _decoded(text: str) -> list[str]:
    return [bytes.fromhex(t[1:]).decode() for t in cited_number_tokens(normalize(text))]


def test_the_numbers_a_text_cites_become_their_keys() -> None:
    assert _decoded(TEXTS[1]) == ["141/kh-ubnd"]  # the date 05/3/2024 is not a number
    assert _decoded(TEXTS[4]) == ["09/2025/qd-ubnd", "57-nq/tw"]  # folded, punctuation off
    assert _decoded(TEXTS[5]) == ["752/bc-syt"]  # a spaced slash, as numbers are typed
    assert _decoded("năm 2024-2025, tỷ lệ 3/4, 1.5-2 ha") == []
    assert _decoded("số 141/KH-UBND và lại 141/KH-UBND.") == ["141/kh-ubnd"]  # once


def test_a_cited_number_matches_itself_and_longer_numbers_only() -> None:
    token = number_token("752/bc")
    assert cited_match("752/bc") == f"(meta : {token} OR meta : {token}2f* OR meta : {token}2d*)"


@pytest.mark.parametrize(
    ("number", "docs"),
    [
        ("141/KH-UBND", [1, 3]),  # 1141/KH-UBND and 141/KHUBND are other numbers
        ("141/kh-ubnd", [1, 3]),
        ("09/2025/QĐ-UBND", [4]),
        ("57-NQ/TW", [4]),
        ("752/BC-SYT", [5]),
        ("752/BC", [5]),  # the beginning of a longer number, as the phrase found it
        ("1141/KH-UBND", [2]),
        ("99/XYZ-ABC", []),
    ],
)
def test_the_token_finds_what_the_phrase_found(
    tmp_path: Path, number: str, docs: list[int]
) -> None:
    tokens = _index(tmp_path / "tokens.db")
    phrase = _index(tmp_path / "phrase.db")
    with sqlite3.connect(tmp_path / "phrase.db", isolation_level=None) as conn:
        conn.execute("BEGIN")
        rebuild_fts(conn, numbers=False)
        conn.execute("COMMIT")
    phrase.close()
    phrase = SqliteIndex(tmp_path / "phrase.db")
    assert _found(tokens, number) == (docs, len(docs))
    assert _found(phrase, number) == (docs, len(docs))
    assert tokens._has_numbers is True and phrase._has_numbers is False


def test_text_plus_number_and_facets_use_the_token(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix.db")
    assert _found(ix, "141/KH-UBND", text="văn phòng") == ([3], 1)
    assert _found(ix, "141/KH-UBND", text="quý") == ([], 0)  # doc 2 cites 1141, not 141
    facets = ix.facets(SearchQuery(number="141/KH-UBND"))
    assert sum(n for _, n in facets.years) == 2


def test_the_tokens_follow_replaced_moved_and_deleted_pages(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix.db")
    ix.index_pages([PageEntry(page_id=1, document_id=1, page_no=1, text="Thay bằng 88/QĐ-SNV.")])
    assert _found(ix, "141/KH-UBND") == ([3], 1)
    assert _found(ix, "88/QĐ-SNV") == ([1], 1)
    # Page 3 moves to document 7: its token goes with it.
    ix.index_pages([PageEntry(page_id=3, document_id=7, page_no=1, text=TEXTS[3])])
    assert _found(ix, "141/KH-UBND") == ([7], 1)
    ix.delete_document(7)
    ix.delete_document(4)
    assert _found(ix, "141/KH-UBND") == ([], 0)
    assert _found(ix, "57-NQ/TW") == ([], 0)
    assert _cited_in_index(tmp_path / "ix.db") == {
        "1141/kh-ubnd": 1,
        "88/qd-snv": 1,
        "752/bc-syt": 1,
        "141/khubnd": 1,  # a number of its own shape, not 141/KH-UBND
    }


def test_an_index_built_before_the_tokens_keeps_the_phrase_until_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _index(path).close()
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("BEGIN")
        rebuild_fts(conn, numbers=False)
        conn.execute("DELETE FROM search_meta WHERE key = 'numbers'")  # as before the key
        conn.execute("COMMIT")
    assert _cited_in_index(path) == {}
    old = SqliteIndex(path)
    assert _found(old, "141/KH-UBND") == ([1, 3], 2)
    old.index_pages([PageEntry(page_id=3, document_id=3, page_no=1, text="Không còn số.")])
    old.delete_document(4)
    assert _found(old, "141/KH-UBND") == ([1], 1)
    assert old._has_numbers is False
    old.rebuild()
    assert old._has_numbers is True
    assert _found(old, "141/KH-UBND") == ([1], 1)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM search_meta WHERE key = 'numbers'").fetchone() == (
            "1",
        )
    assert _cited_in_index(path) == {
        "141/kh-ubnd": 1,
        "1141/kh-ubnd": 1,
        "752/bc-syt": 1,
        "141/khubnd": 1,
    }
    assert SqliteIndex(path).search(SearchQuery(number="141/KH-UBND")).total == 1
