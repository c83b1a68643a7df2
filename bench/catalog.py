"""The catalog at scale: build a catalog of N pages by bulk inserts (schema through the
migrations), then time the reads behind ``sohoa stats``, the dashboard, ``sohoa status``, the
document listing and the review queue, p50/p95 of several runs, PASS/FAIL against 1 s.

    nice -n 10 .venv/bin/python bench/catalog.py --pages 1000000 [--url postgresql+psycopg://...]

The SQLite catalog is cached under bench/out/ (rebuilt with --rebuild). The summary triggers
are dropped during the load and the summary rebuilt after it, as the migration backfills it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from archive import review as archive_review  # noqa: E402
from archive import schema as t  # noqa: E402
from archive import stats as archive_stats  # noqa: E402
from archive.catalog import Catalog, summary  # noqa: E402
from bench.common import format_table, human_bytes, machine_info  # noqa: E402
from sohoa.services import statistics as stats_service  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
PAGES_PER_DOC = 10
DOCS_PER_RECORD = 20
BATCH_PAGES = 100_000
CHUNK = 20_000


def build(catalog: Catalog, pages: int) -> None:
    """Fill an empty catalog with ``pages`` pages in documents, records, batches and files."""
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    docs = pages // PAGES_PER_DOC
    with catalog.tx() as conn:
        summary.drop_triggers(conn)
        conn.execute(
            insert(t.fonds), [{"id": i, "code": f"PHONG-{i:02d}", "name": ""} for i in range(1, 21)]
        )
        batches = max(1, pages // BATCH_PAGES)
        conn.execute(
            insert(t.batch),
            [
                {
                    "id": b,
                    "name": f"lo-{b}",
                    "source_path": "/in",
                    "operator": "",
                    "started_at": start + timedelta(days=b),
                    "finished_at": start + timedelta(days=b, hours=5),
                }
                for b in range(1, batches + 1)
            ],
        )
        records = docs // DOCS_PER_RECORD + 1
        for lo in range(1, records + 1, CHUNK):
            conn.execute(
                insert(t.record),
                [
                    {
                        "id": r,
                        "fonds_id": r % 20 + 1,
                        "code": f"HS-{r}",
                        "title": "",
                        "access_mode": "01",
                        "fields": {},
                    }
                    for r in range(lo, min(records + 1, lo + CHUNK))
                ],
            )
    page_id = 1
    for lo in range(1, docs + 1, CHUNK // PAGES_PER_DOC):
        hi = min(docs + 1, lo + CHUNK // PAGES_PER_DOC)
        files, documents, page_rows = [], [], []
        for d in range(lo, hi):
            batch = min(batches, (d - 1) * PAGES_PER_DOC // BATCH_PAGES + 1)
            day = start + timedelta(days=batch, minutes=d % 600)
            state = "indexed" if rng.random() < 0.97 else "failed"
            flagged = rng.random() < 0.1
            files.append(
                {
                    "id": 2 * d - 1,
                    "kind": "original",
                    "path": f"o/{d}.pdf",
                    "size": 2_000_000,
                    "sha256": f"{d:064d}",
                    "media_type": "application/pdf",
                    "original_name": f"{d}.pdf",
                    "created_at": day,
                }
            )
            files.append(
                {
                    "id": 2 * d,
                    "kind": "pdfa",
                    "path": f"p/{d}.pdf",
                    "size": 1_500_000,
                    "sha256": f"{d:063d}a",
                    "media_type": "application/pdf",
                    "original_name": "",
                    "created_at": day,
                }
            )
            fields = {
                "summary": {"value": "Về việc", "flags": ["low confidence"] if flagged else []},
                "needs_review": flagged,
            }
            documents.append(
                {
                    "id": d,
                    "record_id": d // DOCS_PER_RECORD + 1,
                    "batch_id": batch,
                    "seq": d % DOCS_PER_RECORD + 1,
                    "name": f"{d}.pdf",
                    "source_key": f"{d:064x}",
                    "state": state,
                    "page_count": PAGES_PER_DOC,
                    "pdf_file_id": 2 * d if state == "indexed" else None,
                    "number": f"{d}/QD-UBND",
                    "issued_date": "2020-01-01",
                    "summary": "Về việc",
                    "fields": fields,
                    "created_at": day,
                    "updated_at": day,
                }
            )
            for s in range(1, PAGES_PER_DOC + 1):
                page_rows.append(
                    {
                        "id": page_id,
                        "document_id": d,
                        "batch_id": batch,
                        "seq": s,
                        "source_file_id": 2 * d - 1,
                        "source_index": s - 1,
                        "source_kind": "pdf",
                        "state": "indexed" if state == "indexed" else "failed",
                        "attempts": 1,
                        "mean_conf": 60 + rng.random() * 40,
                        "text_source": "ocr",
                        "text": "Ủy ban nhân dân tỉnh " * 20,
                        "updated_at": day,
                    }
                )
                page_id += 1
        with catalog.tx() as conn:
            conn.execute(insert(t.stored_file), files)
            conn.execute(insert(t.document), documents)
            conn.execute(insert(t.page), page_rows)
            conn.execute(
                insert(t.event),
                [
                    {
                        "at": doc["updated_at"],
                        "kind": "indexed",
                        "actor": "sohoa",
                        "document_id": doc["id"],
                        "detail": {},
                    }
                    for doc in documents
                    if doc["state"] == "indexed"
                ],
            )
    with catalog.tx() as conn:
        summary.ensure_triggers(conn)
        summary.rebuild(conn)


def remigrate(catalog: Catalog, revision: str) -> None:
    """Downgrade ``catalog`` to ``revision`` and print how long the upgrade to head takes."""
    from alembic import command
    from alembic.config import Config

    from archive.catalog.core import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    began, cpu = time.perf_counter(), time.process_time()
    catalog.create()
    print(
        f"upgrade {revision} -> {catalog.schema_revision()}: "
        f"{time.perf_counter() - began:.1f} s ({time.process_time() - cpu:.1f} CPU s in this "
        "process)"
    )


def per_day_from_events(catalog: Catalog) -> None:
    """The two per-day queries ``collect()`` and ``series()`` ran before migration 0008."""
    from sqlalchemy import String, cast, func, select

    with catalog.tx() as conn:
        day = func.substr(cast(t.event.c.at, String), 1, 10)
        conn.execute(
            select(day, func.count()).where(t.event.c.kind == "indexed").group_by(day)
        ).all()
        conn.execute(
            select(day, func.coalesce(func.sum(t.document.c.page_count), 0))
            .select_from(t.event)
            .join(t.document, t.document.c.id == t.event.c.document_id)
            .where(t.event.c.kind == "indexed")
            .group_by(day)
        ).all()


def listing_memory(catalog: Catalog) -> None:
    """Print the peak Python memory of listing batch 1 in one read and streamed in pages."""
    import tracemalloc

    def one_read() -> None:
        archive_stats.documents(catalog, batch_id=1, limit=10**9)

    def streamed() -> None:
        for _doc in archive_stats.iter_documents(catalog, batch_id=1):
            pass

    peaks = []
    for fn in (one_read, streamed):
        tracemalloc.start()
        fn()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    print(
        f"whole-batch listing, peak Python memory (tracemalloc): one read "
        f"{human_bytes(peaks[0])}, streamed in pages of {archive_stats.LISTING_PAGE} "
        f"{human_bytes(peaks[1])}"
    )


def timed(fn, runs: int) -> tuple[float, float]:
    """p50 and p95 in seconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> None:
    """Build (or reuse) the catalog and print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5_000_000)
    parser.add_argument("--url", help="a PostgreSQL URL (default: an SQLite file in bench/out)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--remigrate",
        metavar="REV",
        help="downgrade the built catalog to revision REV, then time the upgrade back to head",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL (tests/services.py) and measure on it",
    )
    args = parser.parse_args()
    server = None
    if args.postgres:
        from tests.services import start_postgres

        server = start_postgres(timeout=120.0)
        args.url = server.create_database("bench_catalog")
    try:
        run(args)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace) -> None:
    """Build or reuse the catalog of ``args``, then time every read."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"catalog-{args.pages}.sqlite"
    if args.rebuild and path.exists() and not args.url:
        path.unlink()
    fresh = args.url is not None or not path.exists()
    catalog = Catalog(args.url or f"sqlite:///{path}")
    began, cpu = time.perf_counter(), time.process_time()
    catalog.create()
    print(
        f"schema up to date in {time.perf_counter() - began:.1f} s "
        f"({time.process_time() - cpu:.1f} CPU s in this process)"
    )
    if fresh:
        began = time.perf_counter()
        build(catalog, args.pages)
        print(f"build: {args.pages} pages in {time.perf_counter() - began:.1f} s")
    if args.remigrate:
        remigrate(catalog, args.remigrate)
    with catalog.tx() as conn:
        if conn.dialect.name == "sqlite":
            size = path.stat().st_size
        else:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    print(f"database size: {human_bytes(size)}  machine: {machine_info()}")

    def dashboard() -> None:
        archive_stats.collect(catalog)
        stats_service.batches(catalog, failure_limit=stats_service.DASHBOARD_BATCH_FAILURES)
        stats_service.failed_pages(catalog)
        catalog.low_confidence_pages(70.0, limit=50)
        stats_service.series(catalog)

    checks = {
        "sohoa stats": lambda: archive_stats.collect(catalog),
        "dashboard": dashboard,
        "dashboard series, from the summary (0008)": lambda: stats_service.series(catalog),
        "archived per day, from the event log (before 0008)": lambda: per_day_from_events(catalog),
        "sohoa status": lambda: archive_stats.batch_status(catalog),
        "review queue (every page, not served)": lambda: archive_review.documents_to_review(
            catalog
        ),
        "document listing (one batch)": lambda: archive_stats.documents(catalog, batch_id=1),
        "document listing (one batch), one read as before 0008": lambda: archive_stats.documents(
            catalog, batch_id=1, limit=10**9
        ),
        "document listing (one batch), streamed, first document": lambda: next(
            archive_stats.iter_documents(catalog, batch_id=1)
        ),
        "document listing, first page": lambda: archive_stats.documents(catalog, limit=50),
        "document listing, deep page": lambda: archive_stats.documents(
            catalog, after=args.pages // PAGES_PER_DOC - 1000, limit=50
        ),
    }
    last_doc = args.pages // PAGES_PER_DOC
    first = archive_review.review_page(catalog, limit=50)
    deep = archive_review.review_page(catalog, after=last_doc - 1000, limit=50)
    print(
        f"review queue: first page {len(first)} documents, deep page {len(deep)}, "
        f"{archive_review.count_to_review(catalog)} marked"
    )
    checks.update(
        {
            "review queue, first page (50)": lambda: archive_review.review_page(catalog, limit=50),
            "review queue, deep page (50)": lambda: archive_review.review_page(
                catalog, after=last_doc - 1000, limit=50
            ),
            "review queue, count marked": lambda: archive_review.count_to_review(catalog),
            "document listing, one batch, first page (50)": lambda: archive_stats.documents(
                catalog, batch_id=1, limit=50
            ),
        }
    )
    listing_memory(catalog)
    rows = []
    for name, fn in checks.items():
        cpu = time.process_time()
        p50, p95 = timed(fn, args.runs)
        cpu_ms = (time.process_time() - cpu) * 1000 / args.runs
        rows.append(
            (
                name,
                f"{p50 * 1000:.0f}",
                f"{p95 * 1000:.0f}",
                f"{cpu_ms:.0f}",
                "PASS" if p95 < 1 else "FAIL",
            )
        )
    print(format_table(("read", "p50 ms", "p95 ms", "client CPU ms", "< 1 s"), rows))
    catalog.close()


if __name__ == "__main__":
    main()
