"""The hot folder: real `sohoa watch` processes over real files, killed and restarted.

A file still being written is not read; a READY marker starts a batch at once; a watcher
killed mid-batch finishes it exactly once after a restart; a file removed while its batch
waits is reported and the rest archived.
"""

from __future__ import annotations

import hashlib
import json
import signal
import time
from pathlib import Path

import pytest

from sohoa.hotfolder.scan import StabilityTracker, scan
from tests.hotfolder_helpers import env_for, kill, make_lot, query, run, start, wait_for

pytestmark = [pytest.mark.timeout(300)]


def _watch(home: Path, hot: Path, log: Path, stable: float, **extra: str):
    env = env_for(home, SOHOA_WATCH_STABLE_SECONDS=str(stable), **extra)
    return start(["watch", str(hot)], env, log)


def test_stability_tracker_needs_an_unchanged_signature(tmp_path: Path) -> None:
    hot = tmp_path / "hot"
    (hot / "lot").mkdir(parents=True)
    (hot / "lot" / "a.tif").write_bytes(b"x")
    (hot / "lot" / "b.tif.part").write_bytes(b"y")
    tracker = StabilityTracker(stable_seconds=5)
    [candidate] = scan(hot, marker="READY")
    tracker.observe([candidate], at=0.0)
    assert candidate.partial and not tracker.is_ready(candidate, at=100.0)
    (hot / "lot" / "b.tif.part").rename(hot / "lot" / "b.tif")
    [candidate] = scan(hot, marker="READY")
    tracker.observe([candidate], at=1.0)
    assert not tracker.is_ready(candidate, at=5.9)
    assert tracker.is_ready(candidate, at=6.0)


def test_file_still_being_written_is_not_read_until_stable(tmp_path: Path) -> None:
    home, hot, staging = tmp_path / "home", tmp_path / "hot", tmp_path / "staging"
    hot.mkdir()
    [rel] = make_lot(staging, "W", 1, pages=2)
    payload = (staging / rel).read_bytes()
    proc = _watch(home, hot, tmp_path / "watch.log", stable=2.0)
    try:
        target = hot / "lot" / rel
        target.parent.mkdir(parents=True)
        pieces = 6
        step = len(payload) // pieces + 1
        with open(target, "wb") as fh:
            for i in range(pieces):
                fh.write(payload[i * step : (i + 1) * step])
                fh.flush()
                time.sleep(0.7)  # shorter than the stable time: never stable while written
                assert query(home, "SELECT count(*) FROM batch") in ([], [(0,)]), (
                    "the watcher took the batch while a file was still being written"
                )
        wait_for(lambda: (hot / "_done" / "lot").is_dir(), timeout=120, what="the batch done")
    finally:
        kill(proc, signal.SIGTERM)
    sha = hashlib.sha256(payload).hexdigest()
    assert query(home, "SELECT count(*) FROM stored_file WHERE sha256 = ?", sha) == [(1,)]
    assert query(home, "SELECT state, page_count FROM document") == [("indexed", 2)]


def test_ready_marker_starts_a_batch_at_once(tmp_path: Path) -> None:
    home, hot = tmp_path / "home", tmp_path / "hot"
    make_lot(hot / "lot-a", "A", 1)
    (hot / "lot-a" / "READY").write_text("")
    make_lot(hot / "lot-b", "B", 1)  # no marker: waits for the (long) stable time
    began = time.monotonic()
    proc = _watch(home, hot, tmp_path / "watch.log", stable=300)
    try:
        wait_for(lambda: (hot / "_done" / "lot-a").is_dir(), timeout=120, what="lot-a done")
    finally:
        kill(proc, signal.SIGTERM)
    assert time.monotonic() - began < 300
    assert (hot / "lot-b" / "HS-B" / "vb001.tif").is_file()
    assert not (hot / "_done" / "lot-a" / "READY").exists()
    assert query(home, "SELECT name, state FROM document") == [("HS-A/vb001.tif", "indexed")]


@pytest.mark.slow
def test_watcher_killed_mid_batch_finishes_it_exactly_once(tmp_path: Path) -> None:
    home, hot = tmp_path / "home", tmp_path / "hot"
    names = make_lot(hot / "lot", "K", 6)
    log = tmp_path / "watch.log"
    proc = _watch(home, hot, log, stable=1.0)
    try:
        wait_for(
            lambda: query(home, "SELECT count(*) FROM page WHERE state != 'received'") > [(0,)],
            timeout=120,
            what="the first page worked on",
            step=0.05,
        )
    finally:
        kill(proc)  # SIGKILL mid-batch, like a power cut
    assert (hot / "lot").is_dir() and not (hot / "_done").exists()
    assert query(home, "SELECT count(*) FROM document WHERE state = 'indexed'") < [(6,)]
    proc = _watch(home, hot, log, stable=1.0)
    try:
        wait_for(lambda: (hot / "_done" / "lot").is_dir(), timeout=200, what="the batch done")
    finally:
        kill(proc, signal.SIGTERM)
    docs = query(home, "SELECT name, state FROM document ORDER BY name")
    assert docs == [(n, "indexed") for n in names]
    assert query(home, "SELECT count(*), count(DISTINCT document_id) FROM page") == [(6, 6)]
    packaged = query(
        home, "SELECT document_id, count(*) FROM event WHERE kind = 'packaged' GROUP BY 1"
    )
    assert sorted(n for _d, n in packaged) == [1] * 6
    assert sorted(p.name for p in (hot / "_done").iterdir()) == ["lot"]
    assert not (hot / "lot").exists()
    [state_file] = (home / "watch").glob("*.json")
    state = json.loads(state_file.read_text())
    assert state["batches"] == {} and [h["name"] for h in state["history"]] == ["lot"]
    audit = run(["audit"], env_for(home))
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_file_removed_while_queued_is_reported_not_lost(tmp_path: Path) -> None:
    home, hot = tmp_path / "home", tmp_path / "hot"
    make_lot(hot / "lot-a", "A", 3)
    (hot / "lot-a" / "READY").write_text("")
    make_lot(hot / "lot-b", "B", 2)
    (hot / "lot-b" / "READY").write_text("")
    log = tmp_path / "watch.log"
    proc = _watch(home, hot, log, stable=1.0)
    try:
        wait_for(
            lambda: query(home, "SELECT count(*) FROM batch") >= [(1,)],
            timeout=120,
            what="lot-a taken",
            step=0.05,
        )
        (hot / "lot-b" / "HS-B" / "vb002.tif").unlink()  # lot-b waits its turn meanwhile
        wait_for(lambda: (hot / "_done" / "lot-b").is_dir(), timeout=200, what="lot-b done")
        assert proc.poll() is None, "the watcher stopped"
    finally:
        kill(proc, signal.SIGTERM)
    output = log.read_text()
    assert "removed" in output and "HS-B/vb002.tif" in output
    report = (hot / "_done" / "lot-b" / "SOHOA-REPORT.txt").read_text()
    assert "HS-B/vb002.tif" in report
    assert query(home, "SELECT name FROM document WHERE name LIKE 'HS-B/%'") == [
        ("HS-B/vb001.tif",)
    ]
    assert query(home, "SELECT count(*) FROM event WHERE kind = 'watch_file_removed'") == [(1,)]
    assert query(home, "SELECT DISTINCT state FROM document") == [("indexed",)]


def test_failed_batch_goes_to_failed_with_reasons(tmp_path: Path) -> None:
    home, hot = tmp_path / "home", tmp_path / "hot"
    make_lot(hot / "lot", "F", 1)
    (hot / "lot" / "HS-F" / "broken.tif").write_bytes(b"II*\x00 not really a tiff")
    (hot / "lot" / "READY").write_text("")
    done = run(["watch", str(hot), "--once"], env_for(home))
    assert done.returncode == 0, done.stdout + done.stderr
    reasons = (hot / "_failed" / "lot" / "SOHOA-FAILED.txt").read_text()
    assert "HS-F/broken.tif" in reasons and "move the whole folder back" in reasons
    assert query(home, "SELECT name, state FROM document ORDER BY name") == [
        ("HS-F/broken.tif", "failed"),
        ("HS-F/vb001.tif", "indexed"),
    ]


def test_loose_files_become_one_batch(tmp_path: Path) -> None:
    home, hot, staging = tmp_path / "home", tmp_path / "hot", tmp_path / "staging"
    hot.mkdir()
    [rel] = make_lot(staging, "L", 1)
    (staging / rel).rename(hot / "scan.tif")
    (hot / "READY").write_text("")
    done = run(["watch", str(hot), "--once"], env_for(home))
    assert done.returncode == 0, done.stdout + done.stderr
    [batch] = (hot / "_done").iterdir()
    assert (batch / "scan.tif").is_file() and not (hot / "READY").exists()
    assert query(home, "SELECT state FROM document") == [("indexed",)]


def test_the_web_app_runs_the_watcher_when_told(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sohoa.config import load_settings
    from sohoa.web.app import create_app

    hot = tmp_path / "hot"
    make_lot(hot / "lot", "S", 1)
    (hot / "lot" / "READY").write_text("")
    settings = load_settings(
        home=tmp_path / "home", workers=1, watch_dir=hot, serve_watch=True, watch_poll=True
    )
    with TestClient(create_app(settings)):
        wait_for(lambda: (hot / "_done" / "lot").is_dir(), timeout=120, what="lot done")
    assert query(tmp_path / "home", "SELECT state FROM document") == [("indexed",)]
