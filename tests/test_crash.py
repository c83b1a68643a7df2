"""Crash tests: kill sohoa with SIGKILL at random points; nothing is lost, nothing duplicated.

(a) the embedded mode: ``sohoa ingest`` itself is killed three times mid-batch and rerun;
(b) the distributed mode (real redis-server and PostgreSQL): two ``sohoa worker`` processes
    archive a 40-page batch while one of them is killed at least three times and restarted.

Afterwards the catalog, the stored files and the search index each hold every page exactly
once, every document is packaged exactly once and every PDF/A opens with the right pages.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from archive import schema as t
from archive.fixity import audit
from sohoa import pipeline
from sohoa.config import load_settings
from tests.services import quick_batch

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
DONE = ("recognised", "packaged", "indexed")
#: Documents (of two short pages each) in the embedded crash batch.
DOCUMENTS = 10


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), OMP_THREAD_LIMIT="1", **extra)
    return env


def _sohoa(*args: str) -> list[str]:
    return [sys.executable, "-m", "sohoa", *args]


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own session so SIGKILL can reach all its children too."""
    with open(log, "ab") as fh:
        return subprocess.Popen(
            cmd, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process and every process of its session (like a machine losing power)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _pages_done(ctx: pipeline.Context) -> int:
    with ctx.catalog.tx() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(t.page).where(t.page.c.state.in_(DONE))
            ).scalar()
            or 0
        )


def _all_indexed(ctx: pipeline.Context, pages: int) -> bool:
    with ctx.catalog.tx() as conn:
        states = dict(
            conn.execute(select(t.page.c.state, func.count()).group_by(t.page.c.state)).all()
        )
    return states.get("indexed", 0) == pages


def _assert_exactly_once(ctx: pipeline.Context, *, pages: int, documents: int) -> None:
    home = ctx.home
    with ctx.catalog.tx() as conn:
        page_rows = conn.execute(
            select(t.page.c.id, t.page.c.document_id, t.page.c.seq, t.page.c.state)
        ).all()
        docs = conn.execute(
            select(
                t.document.c.id,
                t.document.c.source_key,
                t.document.c.state,
                t.document.c.page_count,
                t.document.c.pdf_file_id,
            )
        ).all()
        files = conn.execute(
            select(t.stored_file.c.id, t.stored_file.c.kind, t.stored_file.c.path)
        ).all()
        packaged = Counter(
            conn.execute(
                select(t.event.c.document_id).where(t.event.c.kind == "packaged")
            ).scalars()
        )
        indexed_events = Counter(
            conn.execute(select(t.event.c.document_id).where(t.event.c.kind == "indexed")).scalars()
        )
    # the catalog: every page once, every document once, all indexed
    assert len(page_rows) == pages
    assert {r.state for r in page_rows} == {"indexed"}
    assert len({(r.document_id, r.seq) for r in page_rows}) == pages
    assert len(docs) == documents
    assert len({d.source_key for d in docs}) == documents
    assert {d.state for d in docs} == {"indexed"}
    assert sum(d.page_count for d in docs) == pages
    # every document packaged exactly once, and indexed exactly once
    assert packaged == Counter({d.id: 1 for d in docs})
    assert indexed_events == Counter({d.id: 1 for d in docs})
    # stored files: one original per document file, one OCR output per page, one PDF/A each
    kinds = Counter(f.kind for f in files)
    assert kinds == Counter({"original": documents, "ocr": pages, "pdfa": documents})
    assert not any(Path(f.path).name.startswith(".tmp-") for f in files)
    by_id = {f.id: f for f in files}
    for d in docs:
        pdf_path = home / by_id[d.pdf_file_id].path
        with pikepdf.open(pdf_path) as pdf:
            assert len(pdf.pages) == d.page_count
    # the search index: each page id exactly once
    assert ctx.index.count() == pages
    # fixity: every stored file is intact and no file lies in the archive unlisted
    report = audit(ctx.catalog, home)
    assert report.missing == report.changed == report.unknown == report.unreadable == []
    assert report.checked == report.ok == len(files)
    # the work folder holds no page image of a packaged document
    work = home / "work"
    if work.exists():
        assert [p.name for p in work.iterdir() if not p.name.startswith(".tmp-")] == []


def _wait_for_more(ctx: pipeline.Context, before: int, proc: subprocess.Popen, limit: float) -> int:
    """Wait until more pages are done than ``before`` (or the process ends); returns the count."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        done = _pages_done(ctx)
        if done > before:
            return done
        time.sleep(0.1)
    return _pages_done(ctx)


# ---------------------------------------------------------------- (a) embedded


def test_embedded_ingest_killed_three_times_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    batch = tmp_path / "lo-crash"
    pages = quick_batch(batch, documents=DOCUMENTS, pages_per_document=2)
    home = tmp_path / "home"
    env = _env(home, SOHOA_WORKERS="2")
    cmd = _sohoa("ingest", str(batch), "--no-progress", "--fonds", "PHONG-C")
    log = tmp_path / "ingest.log"
    ctx = pipeline.open_context(load_settings(home=home))
    try:
        kills = 0
        done = 0
        # first kill: anywhere in the first seconds (intake, startup or the first pages)
        proc = _start(cmd, env, log)
        time.sleep(rng.uniform(0.5, 2.5))
        if proc.poll() is None:
            _kill(proc)
            kills += 1
        # then: kill again each time some more pages are done, at a random moment after
        while kills < 3:
            proc = _start(cmd, env, log)
            done = _wait_for_more(ctx, done, proc, limit=120)
            # short pages take a fraction of a second each: kill soon after progress, or an
            # idle machine finishes the batch before the third kill
            time.sleep(rng.uniform(0.0, 0.3))
            if proc.poll() is not None:
                break  # finished before we could kill it
            _kill(proc)
            kills += 1
        assert kills >= 3, f"the batch finished after {kills} kills: make it longer"
        assert _pages_done(ctx) < pages, "every page was done before the last kill"
        final = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr + log.read_text()
        _assert_exactly_once(ctx, pages=pages, documents=DOCUMENTS)
    finally:
        ctx.close()


# ------------------------------------------------------------- (b) distributed


@pytest.mark.service
def test_workers_killed_over_redis_and_postgres_lose_and_duplicate_nothing(
    tmp_path: Path, redis_server, postgres_server
) -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    redis_server.flush()
    database_url = postgres_server.create_database()
    batch = tmp_path / "lo-crash-40"
    pages = quick_batch(batch, documents=20, pages_per_document=2)
    assert pages == 40
    home = tmp_path / "shared-home"
    env = _env(
        home,
        SOHOA_BROKER=redis_server.url,
        SOHOA_DATABASE_URL=database_url,
        # a killed worker's messages and claims come back within seconds, not minutes
        SOHOA_BROKER_HEARTBEAT_MS="5000",
        SOHOA_LEASE_SECONDS="30",
    )
    settings = load_settings(home=home, database_url=database_url)
    worker_cmd = _sohoa("worker", "--processes", "1", "--threads", "1")
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers: list[subprocess.Popen] = []
    ctx = pipeline.open_context(settings)
    try:
        workers = [_start(worker_cmd, env, logs[i]) for i in range(2)]
        enqueue = subprocess.run(
            _sohoa("ingest", str(batch), "--no-wait", "--no-progress", "--fonds", "PHONG-D"),
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert enqueue.returncode == 0, enqueue.stdout + enqueue.stderr
        kills = 0
        done = 0
        while kills < 3 or (kills < 6 and _pages_done(ctx) < pages // 2):
            victim = rng.randrange(2)
            done = _wait_for_more(ctx, done, workers[victim], limit=180)
            time.sleep(rng.uniform(0.0, 2.0))
            if _all_indexed(ctx, pages):
                break
            _kill(workers[victim])
            kills += 1
            workers[victim] = _start(worker_cmd, env, logs[victim])
        assert kills >= 3, f"the batch finished after {kills} kills: make it longer"
        deadline = time.monotonic() + 300
        while not _all_indexed(ctx, pages) and time.monotonic() < deadline:
            for i, w in enumerate(workers):
                assert w.poll() is None, f"worker {i} exited: {logs[i].read_text()[-3000:]}"
            time.sleep(1)
        status = subprocess.run(
            _sohoa("status", "--json"), env=env, cwd=REPO, capture_output=True, text=True
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert _all_indexed(ctx, pages), status.stdout + logs[0].read_text()[-3000:]
        _assert_exactly_once(ctx, pages=pages, documents=20)
    finally:
        for w in workers:
            if w.poll() is None:
                _kill(w)
        ctx.close()
