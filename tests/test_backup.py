"""Backup and restore: a backup taken while `sohoa ingest` runs restores to a sound archive.

Real processes throughout: the ingest and the backup are separate `sohoa` processes; the
restored archive is checked with `sohoa audit` and searched like the source.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import search
from sohoa import pipeline
from sohoa.config import load_settings
from tests.hotfolder_helpers import env_for, make_lot, query, run, start, wait_for

pytestmark = [pytest.mark.timeout(400)]


def _snapshot(dest: Path) -> Path:
    [snap] = sorted((dest / "snapshots").iterdir())[-1:]
    return snap


def _found_pages(home: Path, text: str) -> set[tuple[int, int]]:
    ctx = pipeline.open_context(load_settings(home=home))
    try:
        found = ctx.index.search(search.SearchQuery(text=text, limit=100))
    finally:
        ctx.close()
    return {(h.document_id, p.page_id) for h in found.hits for p in h.pages}


@pytest.mark.slow
def test_backup_during_ingest_restores_a_clean_searchable_archive(tmp_path: Path) -> None:
    home, batch, dest, restored = (tmp_path / n for n in ("home", "batch", "bk", "restored"))
    make_lot(batch, "S", 8)
    env = env_for(home)
    ingest = start(["ingest", str(batch), "--no-progress"], env, tmp_path / "ingest.log")
    try:
        wait_for(
            lambda: query(home, "SELECT count(*) FROM document WHERE state = 'indexed'") >= [(2,)],
            timeout=200,
            what="two documents archived",
            step=0.1,
        )
        taken = run(["backup", str(dest)], env)
        assert taken.returncode == 0, taken.stdout + taken.stderr
        assert ingest.poll() is None, "the ingest ended before the backup: nothing concurrent"
    finally:
        assert ingest.wait(timeout=300) == 0, (tmp_path / "ingest.log").read_text()
    snap = _snapshot(dest)
    conn = sqlite3.connect(snap / "catalog.sqlite")
    in_backup = {
        row[0]
        for row in conn.execute(
            "SELECT p.id FROM page p JOIN document d ON d.id = p.document_id "
            "WHERE d.state IN ('packaged', 'indexed')"
        )
    }
    conn.close()
    assert 2 <= len(in_backup) < 8, "the backup should hold part of the batch"

    done = run(["restore", str(dest), str(restored)], env_for(restored))
    assert done.returncode == 0, done.stdout + done.stderr
    audit = run(["audit"], env_for(restored))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    for text in ("biên bản", "bien ban so hoa", '"tài liệu"'):
        source = {hit for hit in _found_pages(home, text) if hit[1] in in_backup}
        assert source and _found_pages(restored, text) == source

    # the restored archive finishes the work that was in progress
    retry = run(["retry"], env_for(restored))
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert query(restored, "SELECT DISTINCT state FROM document") == [("indexed",)]
    assert query(restored, "SELECT count(*) FROM page") == [(8,)]

    # the next backup copies only what is new
    again = run(["backup", str(dest), "--json"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    figures = json.loads(again.stdout)
    assert figures["reused"] > 0 and figures["copied"] < figures["files"]
    assert len(list((dest / "snapshots").iterdir())) == 2


def test_verify_detects_a_flipped_byte(tmp_path: Path) -> None:
    home, batch, dest = tmp_path / "home", tmp_path / "batch", tmp_path / "bk"
    make_lot(batch, "V", 1)
    env = env_for(home)
    assert run(["ingest", str(batch), "--no-progress"], env).returncode == 0
    assert run(["backup", str(dest)], env).returncode == 0
    clean = run(["backup", "--verify", str(dest)], env)
    assert clean.returncode == 0 and "intact" in clean.stdout, clean.stdout + clean.stderr
    entries = [
        json.loads(line) for line in (_snapshot(dest) / "manifest.jsonl").read_text().splitlines()
    ]
    pdf = next(e for e in entries if e["kind"] == "pdfa")
    victim = dest / "objects" / pdf["sha256"][:2] / pdf["sha256"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    damaged = run(["backup", "--verify", str(dest), "--json"], env)
    assert damaged.returncode == 4, damaged.stdout + damaged.stderr
    report = json.loads(damaged.stdout)
    assert report["damaged"] == [victim.relative_to(dest).as_posix()]
    assert report["affected"] == [f"{_snapshot(dest).name}: {pdf['path']}"]
    # a restore from the damaged backup says which file it could not restore
    restored = run(["restore", str(dest), str(tmp_path / "restored")], env)
    assert restored.returncode == 4 and pdf["path"] in restored.stdout


@pytest.mark.service
def test_postgres_catalog_backs_up_with_pg_dump_and_restores(
    tmp_path: Path, postgres_server
) -> None:
    source_db, target_db = postgres_server.create_database(), postgres_server.create_database()
    home, batch, dest, restored = (tmp_path / n for n in ("home", "batch", "bk", "restored"))
    make_lot(batch, "P", 1)
    env = env_for(home, SOHOA_DATABASE_URL=source_db)
    assert run(["ingest", str(batch), "--no-progress"], env).returncode == 0
    taken = run(["backup", str(dest)], env)
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert (_snapshot(dest) / "catalog.pgdump").is_file()
    env_restored = env_for(restored, SOHOA_DATABASE_URL=target_db)
    done = run(["restore", str(dest), str(restored), "--database-url", target_db], env_restored)
    assert done.returncode == 0, done.stdout + done.stderr
    audit = run(["audit"], env_restored)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    found = run(["search", "bien ban", "--json"], env_restored)
    assert found.returncode == 0 and "HS-P" in found.stdout, found.stdout + found.stderr
