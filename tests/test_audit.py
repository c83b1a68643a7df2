"""Fixity audit: a changed byte, a deleted file and an unknown file are found, nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from archive import Catalog
from archive import schema as t
from archive.fixity import AuditReport, audit, render_audit
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.runner import run_embedded
from tests.services import quick_batch

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archived_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small archive (3 documents, 4 pages): originals, OCR output and PDF/A files."""
    root = tmp_path_factory.mktemp("batch") / "lo-audit"
    quick_batch(root, documents=2, pages_per_document=1)
    quick_batch(root / "HS-03", documents=1, pages_per_document=2)
    home = tmp_path_factory.mktemp("home") / "sohoa-home"
    ctx = pipeline.open_context(load_settings(home=home, workers=2))
    try:
        report = pipeline.intake(ctx, root, fonds="PHONG-A")
        final = run_embedded(ctx, {report.batch_id})
        assert final.done == 4 and final.failed == 0
    finally:
        ctx.close()
    return home


@pytest.fixture
def home(archived_home: Path, tmp_path: Path) -> Path:
    """A private copy of the archive (the catalog URL follows the home folder)."""
    copy = tmp_path / "sohoa-home"
    shutil.copytree(archived_home, copy)
    return copy


def _catalog(home: Path) -> Catalog:
    return Catalog(f"sqlite:///{home / 'catalog.sqlite'}")


def _stored(catalog: Catalog) -> dict[str, str]:
    with catalog.tx() as conn:
        return dict(conn.execute(select(t.stored_file.c.path, t.stored_file.c.kind)).all())


def _damage(home: Path, stored: dict[str, str]) -> tuple[str, str, str, str]:
    """Flip one byte of a PDF/A, delete an OCR file, add an unknown file and a temp leftover."""
    pdf = sorted(p for p, kind in stored.items() if kind == "pdfa")[0]
    with open(home / pdf, "r+b") as fh:
        fh.seek(os.path.getsize(home / pdf) // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x01]))
    gone = sorted(p for p, kind in stored.items() if kind == "ocr")[-1]
    (home / gone).unlink()
    stranger = "originals/ab/unknown-scan.tif"
    (home / stranger).parent.mkdir(parents=True, exist_ok=True)
    (home / stranger).write_bytes(b"II*\x00 not archived")
    leftover = str(Path(pdf).parent / ".tmp-half-written.pdf")
    (home / leftover).write_bytes(b"%PDF-1.7 half")
    return pdf, gone, stranger, leftover


def test_clean_archive_passes_and_marks_files_checked(home: Path) -> None:
    catalog = _catalog(home)
    try:
        stored = _stored(catalog)
        assert {k for k in stored.values()} == {"original", "ocr", "pdfa"}
        seen: list[tuple[int, int]] = []
        report = audit(catalog, home, on_progress=lambda done, total: seen.append((done, total)))
        assert report.clean
        assert report.checked == report.ok == len(stored) == 3 + 4 + 3
        assert report.missing == report.changed == report.unknown == report.leftovers == []
        assert report.bytes_read == sum((home / p).stat().st_size for p in stored)
        assert seen[-1] == (len(stored), len(stored))
        with catalog.tx() as conn:
            unchecked = conn.execute(
                select(t.stored_file.c.id).where(t.stored_file.c.checked_at.is_(None))
            ).all()
        assert unchecked == []
        # checked just now: "not checked for 1 day" has nothing to do
        assert audit(catalog, home, older_than_days=1).checked == 0
    finally:
        catalog.close()


def test_reports_exactly_the_changed_missing_and_unknown_files(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.fixity as fixity

    # tiny chunks: the keyset pagination and the batched path lookups run several rounds
    monkeypatch.setattr(fixity, "CHUNK_ROWS", 3)
    monkeypatch.setattr(fixity, "LOOKUP_BATCH", 2)
    catalog = _catalog(home)
    try:
        stored = _stored(catalog)
        pdf, gone, stranger, leftover = _damage(home, stored)
        report = audit(catalog, home)
        assert report.changed == [pdf]
        assert report.missing == [gone]
        assert report.unknown == [stranger]
        assert report.leftovers == [leftover]
        assert not report.clean
        assert report.checked == len(stored)
        assert report.ok == len(stored) - 2
        text = render_audit(report)
        for path in (pdf, gone, stranger, leftover):
            assert path in text
        with catalog.tx() as conn:
            events = conn.execute(
                select(t.event.c.detail).where(t.event.c.kind == "audit")
            ).scalars()
            detail = list(events)[-1]
        assert (detail["changed"], detail["missing"], detail["unknown"]) == (1, 1, 1)
        assert detail["paths"]["changed"] == [pdf]
    finally:
        catalog.close()


def test_sample_and_age_limit_what_is_checked(home: Path) -> None:
    catalog = _catalog(home)
    try:
        stored = _stored(catalog)
        sampled = audit(catalog, home, sample=4, find_unknown=False)
        assert sampled.checked == sampled.ok == 4
        # the 4 just checked are skipped by an age limit; the others are due
        due = audit(catalog, home, older_than_days=0.5)
        assert due.checked == len(stored) - 4
        assert audit(catalog, home, older_than_days=0.5).checked == 0
        assert isinstance(sampled, AuditReport)
        json.dumps(sampled.to_dict())
    finally:
        catalog.close()


def test_cli_audit_exit_code_and_json(home: Path) -> None:
    env = {**os.environ, "SOHOA_HOME": str(home)}
    cmd = [sys.executable, "-m", "sohoa", "audit", "--json"]
    clean = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["clean"] is True
    catalog = _catalog(home)
    try:
        pdf, gone, stranger, _ = _damage(home, _stored(catalog))
    finally:
        catalog.close()
    bad = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 4, bad.stderr
    payload = json.loads(bad.stdout)
    assert (payload["changed"], payload["missing"], payload["unknown"]) == (
        [pdf],
        [gone],
        [stranger],
    )
