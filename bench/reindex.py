"""``sohoa reindex`` at archive scale: rate, CPU, peak memory, and a kill mid-way.

    nice -n 10 .venv/bin/python bench/reindex.py --pages 1000000 [--kill-at 0.4]

Builds (or reuses) a catalog of N pages with ``bench/catalog.py``'s builder, gives every page
the text of ``bench/search.py``'s generator (about 2.5 KB of administrative Vietnamese, as a
real OCR page; the builder's own filler is 420 characters), then rebuilds a separate SQLite
index from it with ``sohoa.reindex.reindex`` in a child process (a fresh interpreter). With
``--kill-at F`` the child is SIGKILLed once a fraction F of the pages is checkpointed and a
second child resumes. Prints
the progress lines the reindex logs, pages per second (wall and per CPU second, children
only), each child's peak resident memory, and the merge. The machine may be shared: the CPU
figure is the one to compare.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from archive import schema as t  # noqa: E402
from archive.catalog import Catalog  # noqa: E402
from bench.catalog import build  # noqa: E402
from search import SqliteIndex  # noqa: E402
from sohoa.reindex import CHECKPOINT, reindex  # noqa: E402

OUT = ROOT / "bench" / "out"


def _generator() -> object:
    """bench/search.py's text generator (that file is named like the package it measures)."""
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Generator(1)


def catalog_of(pages: int) -> Catalog:
    """The cached catalog of ``pages`` pages with generated page texts."""
    path = OUT / f"reindex-catalog-{pages}.sqlite"
    ready = path.with_suffix(".ready")
    if not ready.exists():
        path.unlink(missing_ok=True)
        catalog = Catalog(f"sqlite:///{path}")
        catalog.create()
        began = time.perf_counter()
        build(catalog, pages)
        gen = _generator()
        last, meta = 0, ("", "", "", "", "2020-01-01", "")
        while True:
            with catalog.tx() as conn:
                ids = list(
                    conn.execute(
                        select(t.page.c.id).where(t.page.c.id > last).order_by(t.page.c.id)
                        .limit(20_000)
                    ).scalars()
                )  # fmt: skip
                if not ids:
                    break
                conn.exec_driver_sql(
                    "UPDATE page SET text = ? WHERE id = ?",
                    [(gen.page(i, 2, meta), i) for i in ids],  # type: ignore[attr-defined]
                )
            last = ids[-1]
        print(f"catalog: {pages} pages built in {time.perf_counter() - began:.0f} s ({path})")
        ready.write_text("ok")
    return Catalog(f"sqlite:///{path}")


def _child(catalog_url: str, index_path: Path, batch: int) -> None:
    logging.basicConfig(level=logging.INFO, format="  [child] %(message)s", stream=sys.stdout)
    ctx = SimpleNamespace(catalog=Catalog(catalog_url), index=SqliteIndex(index_path))
    reindex(ctx, batch_size=batch)
    ctx.index.close()
    # VmHWM: this interpreter's own peak (ru_maxrss may carry the parent's over the fork).
    status = Path("/proc/self/status").read_text()
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), "")
    logging.info("reindex child's own peak memory (VmHWM): %.0f MiB", int(peak or 0) / 1024)


def _checkpoint(index_path: Path) -> int:
    try:
        db = sqlite3.connect(index_path, timeout=30)
        row = db.execute("SELECT value FROM search_meta WHERE key = ?", (CHECKPOINT,)).fetchone()
        db.close()
    except sqlite3.OperationalError:
        return 0
    return 0 if row is None else int(json.loads(row[0])["done"])


def run_child(catalog: Catalog, index_path: Path, batch: int, kill_at: int | None) -> tuple:
    """Run a reindex in a child process; SIGKILL it once ``kill_at`` pages are checkpointed.
    Returns (wall s, CPU s, peak RSS MiB, killed)."""
    sys.stdout.flush()
    began = time.perf_counter()
    # A fresh interpreter, so its peak memory is the reindex's own.
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(catalog.engine.url), str(index_path),
         str(batch)]
    )  # fmt: skip
    pid = child.pid
    killed = False
    while kill_at is not None:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if _checkpoint(index_path) >= kill_at:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.2)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - began
    if not killed and os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the reindex child failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, killed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=200_000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--kill-at", type=float, default=0.0, help="fraction of pages, 0: no kill")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), int(args.child[2]))
        return
    OUT.mkdir(exist_ok=True)
    catalog = catalog_of(args.pages)
    with catalog.engine.connect() as conn:
        total = conn.exec_driver_sql(
            "SELECT count(*) FROM page p JOIN document d ON d.id = p.document_id "
            "WHERE d.state IN ('packaged', 'indexed')"
        ).scalar_one()
    index_path = OUT / f"reindex-index-{args.pages}.sqlite"
    for p in OUT.glob(index_path.name + "*"):
        p.unlink()
    print(f"reindex of {total} indexable pages, load {os.getloadavg()[0]:.2f}")
    runs = []
    kill_at = int(args.kill_at * total) if args.kill_at else None
    runs.append(run_child(catalog, index_path, args.batch_size, kill_at))
    if runs[0][3]:
        print(f"SIGKILLed after {_checkpoint(index_path)} checkpointed pages; resuming")
        runs.append(run_child(catalog, index_path, args.batch_size, None))
    wall = sum(r[0] for r in runs)
    cpu = sum(r[1] for r in runs)
    index = SqliteIndex(index_path)
    count = index.count()
    index.close()
    size = sum(p.stat().st_size for p in OUT.glob(index_path.name + "*"))
    print(
        f"reindexed {count} pages ({'killed and resumed' if len(runs) > 1 else 'one run'}): "
        f"{wall:.0f} s wall, {count / wall:.0f} pages/s wall, {count / cpu:.0f} pages per CPU "
        f"second (children), children's ru_maxrss {', '.join(f'{r[2]:.0f}' for r in runs)} MiB "
        "(carries this process's peak over the fork: the child's VmHWM line is its own), "
        f"index {size / 1e9:.2f} GB; this process's own peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    assert count == total, f"{count} pages indexed of {total}"


if __name__ == "__main__":
    main()
