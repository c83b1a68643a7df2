"""Backup and restore of a generated 10,000-page archive (part of ``bench/transfer.py``).

The archive is filled without OCR by ``bench/web.py``'s ``fill`` (generated Vietnamese
text straight into the catalog, then the search index from the catalog). ``fill`` links
every document's PDF to one of a few rendered templates; here each document's PDF is then
rewritten with a line of its own appended after the end of the PDF, so every stored PDF
has its own content and SHA-256, as a real archive's do (a backup stores files by
content, so shared files would make it look cheaper than it is). Then, each as a real
``sohoa`` process (wall and CPU seconds of the process and its children):

1. ``sohoa backup DEST`` (the first, full snapshot)
2. ``sohoa backup --verify DEST``
3. ``sohoa restore DEST NEW``, then ``sohoa audit`` on NEW (must be clean) and the same
   searches on both archives (must find the same pages)
4. a small batch archived with ``sohoa ingest`` (real OCR), then ``sohoa backup DEST``
   again: the incremental snapshot
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import run_measured

QUERIES = ("quyết định", "ke hoach", "bao cao", "ủy ban nhân dân", "tài chính")


def _sohoa(home: Path, *args: str, out: Path | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), OMP_THREAD_LIMIT="1", SOHOA_WORKERS="1")
    return run_measured([sys.executable, "-m", "sohoa", *args], env=env, stdout=out, stderr=out)


def _row(step: str, m: Any, **extra: Any) -> dict[str, Any]:
    if not m.ok:
        raise SystemExit(f"{step} failed ({m.returncode}): {m.command}")
    return {"step": step, "wall_s": round(m.wall_s, 2), "cpu_s": round(m.cpu_s, 2), **extra}


def build_archive(home: Path, pages: int) -> dict[str, Any]:
    """A ``pages``-page archive in ``home`` with one distinct PDF per document."""
    from sqlalchemy import select, update

    from archive import schema as t
    from archive.storage import atomic_write
    from bench.web import fill
    from sohoa.config import load_settings
    from sohoa.pipeline import open_context

    ctx = open_context(load_settings(home=home))
    try:
        made = fill(ctx, pages=pages, seed=7)
        with ctx.catalog.tx() as conn:
            files = conn.execute(
                select(t.stored_file.c.id, t.stored_file.c.path).where(
                    t.stored_file.c.kind == "pdfa"
                )
            ).all()
        total = 0
        for file_id, rel in files:
            data = (home / rel).read_bytes() + f"\n%sohoa-bench file {file_id}\n".encode()
            (home / rel).unlink()  # a hard link to a template: write a file of its own
            with atomic_write(home / rel) as fh:
                fh.write(data)
            total += len(data)
            with ctx.catalog.tx() as conn:
                conn.execute(
                    update(t.stored_file)
                    .where(t.stored_file.c.id == file_id)
                    .values(size=len(data), sha256=hashlib.sha256(data).hexdigest())
                )
    finally:
        ctx.close()
    return {**made, "pdf_files": len(files), "pdf_bytes": total}


def _search(home: Path, work: Path) -> dict[str, list]:
    found = {}
    for q in QUERIES:
        out = work / "search.json"
        m = _sohoa(home, "search", q, "--limit", "50", "--json", out=out)
        if not m.ok:
            raise SystemExit(f"search {q!r} failed on {home}: {out.read_text()[-500:]}")
        found[q] = _hits(json.loads(out.read_text()))
    return found


def _hits(answer: dict[str, Any]) -> list:
    """The total and the (document, pages) a ``sohoa search --json`` answer lists."""
    pages = [(h["document_id"], [p["page"] for p in h["pages"]]) for h in answer["hits"]]
    return [answer["total"], pages]


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(work: Path, pages: int) -> list[dict[str, Any]]:
    """Build the archive, then time backup, verify, restore, audit and an incremental backup."""
    from tests.hotfolder_helpers import make_lot

    home, dest, restored = work / "archive", work / "backup", work / "restored"
    home.mkdir(parents=True, exist_ok=True)
    began = time.process_time(), time.perf_counter()
    made = build_archive(home, pages)
    rows: list[dict[str, Any]] = [
        {
            "step": f"build {made['pages']} pages, {made['documents']} documents (in-process)",
            "wall_s": round(time.perf_counter() - began[1], 1),
            "cpu_s": round(time.process_time() - began[0], 1),
            "pdf_files": made["pdf_files"],
            "pdf_bytes": made["pdf_bytes"],
        }
    ]
    log = work / "backup.log"
    rows.append(_row("sohoa backup DEST (full)", _sohoa(home, "backup", str(dest), out=log)))
    rows[-1]["backup_bytes"] = _dir_bytes(dest)
    rows.append(_row("sohoa backup --verify DEST", _sohoa(home, "backup", "--verify", str(dest))))
    rows.append(
        _row("sohoa restore DEST NEW", _sohoa(home, "restore", str(dest), str(restored), out=log))
    )
    audit = _sohoa(restored, "audit", out=work / "audit.log")
    rows.append(_row("sohoa audit (restored)", audit, clean=audit.returncode == 0))
    before, after = _search(home, work), _search(restored, work)
    same = before == after and all(v[0] for v in before.values())
    rows.append({"step": "searches on both archives", "queries": len(QUERIES), "same_pages": same})
    if not same:
        raise SystemExit(f"the restored archive finds other pages: {before} != {after}")
    lot = work / "lot"
    make_lot(lot, "INC", 3)
    rows.append(
        _row("sohoa ingest (3 pages, OCR)", _sohoa(home, "ingest", str(lot), "--no-progress"))
    )
    size_before = _dir_bytes(dest)
    rows.append(_row("sohoa backup DEST (incremental)", _sohoa(home, "backup", str(dest), out=log)))
    rows[-1]["bytes_added"] = _dir_bytes(dest) - size_before
    return rows
