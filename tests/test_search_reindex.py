"""sohoa.reindex: rebuild the search index from the catalog, resumable, in batches."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from archive import schema as t
from archive.catalog import Catalog
from search import ElasticIndex, SearchQuery, SqliteIndex
from sohoa.reindex import CHECKPOINT, reindex
from tests.test_search_elastic import FakeNode, _default_answer

ROOT = Path(__file__).resolve().parent.parent


def _catalog(tmp_path: Path, docs: int = 7, pages: int = 3) -> Catalog:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    catalog.create()
    now = datetime.now(UTC)
    with catalog.engine.begin() as conn:
        conn.execute(t.fonds.insert().values(id=1, code="F1", name="Phông"))
        conn.execute(t.record.insert().values(id=1, fonds_id=1, code="HS-1", title=""))
        conn.execute(
            t.batch.insert().values(id=1, name="b", source_path="/b", operator="", started_at=now)
        )
        conn.execute(
            t.stored_file.insert().values(
                id=1, kind="original", path="o/1", size=1, sha256="0" * 64, created_at=now
            )
        )
        pid = 0
        for doc in range(1, docs + 1):
            conn.execute(
                t.document.insert().values(
                    id=doc, record_id=1, batch_id=1, seq=doc, name=f"doc{doc}",
                    source_key=f"{doc:064d}", state="pending" if doc == docs else "indexed",
                    number=f"{doc}/QĐ-UBND", type_code="02", type_name="Quyết định",
                    organ="Ủy ban nhân dân tỉnh Hà Giang", issued_date=f"2024-0{doc % 9 + 1}-01",
                    summary=f"Quyết định số {doc}", created_at=now, updated_at=now,
                )
            )  # fmt: skip
            for seq in range(1, pages + 1):
                pid += 1
                conn.execute(
                    t.page.insert().values(
                        id=pid, document_id=doc, batch_id=1, seq=seq, source_file_id=1,
                        source_index=seq - 1, source_kind="image", state="packaged",
                        updated_at=now, text=f"Trang {seq} của văn bản {doc}: thủy lợi mã{doc}.",
                    )
                )  # fmt: skip
    return catalog


def test_reindex_sqlite_is_resumable_and_complete(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    index = SqliteIndex(tmp_path / "search.sqlite")
    ctx = SimpleNamespace(catalog=catalog, index=index)
    seen: list[tuple[int, int]] = []

    def stop_after_two(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reindex(ctx, on_progress=stop_after_two, batch_size=4)
    assert seen == [(4, 18), (8, 18)]  # 6 indexable documents of 3 pages
    assert json.loads(index.get_meta(CHECKPOINT) or "{}")["last"] == 8
    assert index.count() == 8
    seen.clear()
    written = reindex(ctx, on_progress=lambda d, n: seen.append((d, n)), batch_size=4)
    assert written == 10  # only the pages after the checkpoint
    assert seen[-1] == (18, 18)
    assert index.count() == 18 and index.get_meta(CHECKPOINT) is None
    hits = index.search(SearchQuery("mã3")).hits
    assert [h.document_id for h in hits] == [3]
    assert hits[0].number == "3/QĐ-UBND" and hits[0].fonds == "F1" and hits[0].record == "HS-1"
    assert index.search(SearchQuery("mã7")).total == 0  # the pending document is left out
    # A document gone from the catalog leaves the index on the next reindex.
    with catalog.engine.begin() as conn:
        conn.execute(t.document.update().where(t.document.c.id == 2).values(state="failed"))
    assert reindex(ctx, restart=True) == 15
    assert index.search(SearchQuery("mã2")).total == 0 and index.count() == 15


def test_reindex_elasticsearch_swaps_the_alias(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, docs=3, pages=2)
    FakeNode.requests = []
    meta: dict[str, Any] = {}

    def answer(method: str, path: str, payload: Any) -> tuple[int, Any]:
        if path.startswith("/sohoa-meta/_doc/"):
            key = path.rsplit("/", 1)[1]
            if method == "PUT":
                meta[key] = payload["value"]
            elif method == "DELETE":
                meta.pop(key, None)
            elif key in meta:
                return 200, {"_source": {"value": meta[key]}, "found": True}
            else:
                return 404, {"found": False}
            return 200, {"result": "ok"}
        if method == "HEAD" and path == "/_alias/sohoa-pages":
            return 200, {}
        return _default_answer(method, path, payload)

    FakeNode.answer = staticmethod(answer)
    client = Elasticsearch("http://es:9200", node_class=FakeNode, max_retries=0)
    index = ElasticIndex("http://es:9200", client=client)
    assert reindex(SimpleNamespace(catalog=catalog, index=index), batch_size=3) == 4
    bulk_targets = {
        op["index"]["_index"]
        for m, p, body in FakeNode.requests
        if p.endswith("/_bulk")
        for op in body
        if "index" in op
    }
    assert len(bulk_targets) == 1
    new = bulk_targets.pop()
    assert new.startswith("sohoa-pages-")
    swap = [body for m, p, body in FakeNode.requests if p == "/_aliases"][0]["actions"]
    assert swap[-1] == {"add": {"index": new, "alias": "sohoa-pages"}}
    assert CHECKPOINT not in meta  # finished: no checkpoint left


def test_reindex_keeps_each_records_access(tmp_path: Path) -> None:
    """A rebuilt index must not turn conditional or secret records public."""
    from search import Access

    catalog = _catalog(tmp_path, docs=3, pages=1)
    with catalog.engine.begin() as conn:
        conn.execute(t.unit.insert().values(id=1, code="PNV", name="Phòng Nội vụ"))
        conn.execute(
            t.record.update().where(t.record.c.id == 1).values(access_mode="02", unit_id=1)
        )
    index = SqliteIndex(tmp_path / "search.sqlite")
    reindex(SimpleNamespace(catalog=catalog, index=index))
    assert index.search(SearchQuery("mã1")).total == 1  # unrestricted (staff)
    outsider = Access(units=frozenset({"PTC"}))
    assert index.search(SearchQuery("mã1", access=outsider)).total == 0
    insider = Access(units=frozenset({"PNV"}))
    assert index.search(SearchQuery("mã1", access=insider)).total == 1


def _checkpoint(path: Path) -> dict[str, Any] | None:
    """The reindex checkpoint saved in the index file, read as another process would."""
    db = sqlite3.connect(path, timeout=30)
    try:
        row = db.execute("SELECT value FROM search_meta WHERE key = ?", (CHECKPOINT,)).fetchone()
    except sqlite3.OperationalError:  # the index tables are not created yet
        return None
    finally:
        db.close()
    return None if row is None else json.loads(row[0])


def _sohoa(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SOHOA_HOME": str(home)}
    env.pop("SOHOA_DATABASE_URL", None)
    env.pop("SOHOA_SEARCH", None)
    return subprocess.Popen(
        [sys.executable, "-m", "sohoa", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _state(path: Path) -> tuple[list[Any], list[Any], list[int]]:
    db = sqlite3.connect(path)
    try:
        pages = db.execute(
            "SELECT page_id, document_id, page_no, text FROM search_pages ORDER BY page_id"
        ).fetchall()
        docs = db.execute("SELECT * FROM search_documents ORDER BY document_id").fetchall()
        db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 0)")
    finally:
        db.close()
    index = SqliteIndex(path)
    found = [index.search(SearchQuery(q)).total for q in ("thủy lợi", "mã17", '"văn bản 40"')]
    index.close()
    return pages, docs, found


def test_reindex_killed_mid_way_resumes_to_the_same_index(tmp_path: Path) -> None:
    """SIGKILL a real ``sohoa reindex`` mid-way; the next run resumes from the checkpoint and
    the index ends identical to one reindexed in a single run; progress lines are printed."""
    killed_home, straight_home = tmp_path / "killed", tmp_path / "straight"
    for home in (killed_home, straight_home):
        home.mkdir()
        _catalog(home, docs=60, pages=50).close()
    db = killed_home / "catalog.sqlite"  # the index lives in the catalog's SQLite file
    run = _sohoa(killed_home, "reindex", "--batch-size", "10")
    deadline = time.monotonic() + 120  # a guard against hanging, not a timed assertion
    seen = None
    while time.monotonic() < deadline and run.poll() is None:
        seen = _checkpoint(db) if db.exists() else None
        if seen and seen["done"] >= 300:
            break
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL, "reindex finished before it could be killed"
    saved = _checkpoint(db)
    assert saved is not None and 300 <= saved["done"] < 2950
    resumed = _sohoa(killed_home, "reindex", "--batch-size", "10")
    _, err_text = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err_text
    assert "pages/s" in err_text and "left" in err_text and "2950/2950 pages" in err_text
    assert _checkpoint(db) is None
    straight = _sohoa(straight_home, "reindex", "--batch-size", "10")
    _, err_text = straight.communicate(timeout=300)
    assert straight.returncode == 0, err_text
    killed_state = _state(db)
    assert killed_state == _state(straight_home / "catalog.sqlite")
    pages, _, found = killed_state
    assert len(pages) == 2950 and found[0] > 0 and found[1] == 1
