"""The web app's search cache: answers are reused only while the index is unchanged, and
never across users who see different records."""

from __future__ import annotations

from pathlib import Path

import search
from search import Access, PageEntry, SearchQuery, SqliteIndex
from sohoa.web.search_cache import SearchCache


def _entry(page_id: int, text: str, *, access: str = "01", unit: str = "") -> PageEntry:
    return PageEntry(
        page_id=page_id, document_id=page_id, page_no=1, text=text, record="HS1", fonds="F",
        access=access, unit=unit,
    )  # fmt: skip


def test_cache_follows_index_changes_and_access(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "search.sqlite")
    index.ensure_schema()
    index.index_pages([_entry(1, "Quyết định về lưu trữ")])
    cache = SearchCache(size=4)
    calls: list[SearchQuery] = []

    def run(query: SearchQuery) -> search.SearchResults:
        def compute() -> search.SearchResults:
            calls.append(query)
            return index.search(query)

        return cache.get(index, ("results", query), compute)

    public = SearchQuery("luu tru", access=Access())
    assert run(public).total == 1 and run(public).total == 1
    assert len(calls) == 1  # the second answer came from the cache
    # A commit from another connection (another process) changes the generation.
    other = SqliteIndex(tmp_path / "search.sqlite")
    other.index_pages([_entry(2, "Lưu trữ hồ sơ mật", access="03")])
    assert run(public).total == 1 and len(calls) == 2
    # The same text asked by someone granted the secret record is another entry.
    granted = SearchQuery("luu tru", access=Access(records=frozenset({"F/HS1"})))
    assert run(granted).total == 2 and len(calls) == 3
    assert run(public).total == 1 and len(calls) == 3
    # A commit through the same index object also changes it.
    index.delete_document(1)
    assert run(public).total == 0 and len(calls) == 4
    other.close()
    index.close()


def test_backend_without_generation_is_never_cached() -> None:
    class Plain:
        pass

    cache = SearchCache()
    counter = iter(range(10))
    assert [cache.get(Plain(), "k", lambda: next(counter)) for _ in range(3)] == [0, 1, 2]
