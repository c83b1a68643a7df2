"""Figures: the archive's totals per fonds, batch and record, and the staff dashboard's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from archive import schema as t
from archive import stats as archive_stats
from archive.catalog import Catalog, summary
from archive.records import records_overview
from sohoa.pipeline import Context

DONE = ("recognised", "packaged", "indexed")


def archive_figures(
    ctx: Context, *, per_record: bool = False, fonds: str | None = None
) -> dict[str, Any]:
    """Pages, bytes stored, records and documents, per fonds and per batch; with
    ``per_record`` also each record (of ``fonds`` only, when given) under ``per_record``."""
    figures = archive_stats.collect(ctx.catalog)
    if per_record:
        figures["per_record"] = records_overview(ctx.catalog, fonds=fonds)
    return figures


#: failed documents listed per batch on the dashboard (it lists failed pages on its own; at
#: 5 M pages every batch's whole list was 15,000 documents, half the dashboard's time)
DASHBOARD_BATCH_FAILURES = 20


def batches(catalog: Catalog, *, failure_limit: int | None = None) -> list[dict[str, Any]]:
    """``sohoa status`` figures per batch (at most ``failure_limit`` failures each, when
    given), plus done pages and a percentage."""
    out = []
    for b in archive_stats.batch_status(catalog, failure_limit=failure_limit):
        states = b["pages_by_state"]
        done = sum(states.get(s, 0) for s in DONE)
        failed = states.get("failed", 0)
        total = b["pages"]
        out.append(
            {
                **b,
                "pages_done": done,
                "pages_failed": failed,
                "percent": round(100.0 * (done + failed) / total, 1) if total else 100.0,
            }
        )
    return out


def failed_pages(catalog: Catalog, *, limit: int = 200) -> list[dict[str, Any]]:
    """Failed pages (and documents rejected at intake) with their reasons."""
    with catalog.tx() as conn:
        pages = conn.execute(
            select(
                t.page.c.id.label("page_id"),
                t.page.c.seq,
                t.page.c.error,
                t.page.c.attempts,
                t.document.c.id.label("document_id"),
                t.document.c.name,
                t.batch.c.name.label("batch"),
            )
            .join(t.document, t.document.c.id == t.page.c.document_id)
            .join(t.batch, t.batch.c.id == t.page.c.batch_id)
            .where(t.page.c.state == "failed")
            .order_by(t.page.c.id)
            .limit(limit)
        ).mappings()
        out = [dict(r) for r in pages]
        rejected = conn.execute(
            select(
                t.document.c.id.label("document_id"),
                t.document.c.name,
                t.document.c.error,
                t.batch.c.name.label("batch"),
            )
            .join(t.batch, t.batch.c.id == t.document.c.batch_id)
            .where(t.document.c.state == "failed", t.document.c.page_count == 0)
            .order_by(t.document.c.id)
            .limit(limit)
        ).mappings()
        out.extend({**dict(r), "page_id": None, "seq": None, "attempts": 0} for r in rejected)
    return out


def series(catalog: Catalog) -> dict[str, list[tuple[str, float]]]:
    """Pages archived per day and cumulative bytes stored per day (both from the summary the
    catalog's triggers keep: the pages each day's ``indexed`` documents held then)."""
    with catalog.tx() as conn:
        per_day = [(day, pages) for day, _docs, pages in summary.archived_per_day(conn)]
        per_file_day = summary.totals(conn, "file", "day")
    stored = sorted((d, size) for d, (_n, size) in per_file_day.items())
    running = 0.0
    storage = []
    for d, size in stored:
        running += float(size)
        storage.append((str(d), running))
    return {
        "pages_per_day": [(str(d), float(n)) for d, n in per_day],
        "storage": storage,
    }


def dashboard(ctx: Context) -> dict[str, Any]:
    """Everything the staff dashboard shows (also the JSON the page polls)."""
    catalog = ctx.catalog
    figures = archive_stats.collect(catalog)
    return {
        "totals": {
            "pages": figures["pages"],
            "pages_archived": figures["pages_archived"],
            "pages_failed": figures["pages_failed"],
            "documents": figures["documents"],
            "documents_archived": figures["documents_archived"],
            "records": figures["records"],
            "bytes": figures["bytes"]["total"],
            "bytes_by_kind": figures["bytes"],
        },
        "per_fonds": figures["per_fonds"],
        "batches": batches(catalog, failure_limit=DASHBOARD_BATCH_FAILURES),
        "failures": failed_pages(catalog),
        "low_confidence": {
            "threshold": ctx.settings.low_confidence,
            "pages": catalog.low_confidence_pages(ctx.settings.low_confidence, limit=50),
        },
        "series": series(catalog),
    }
