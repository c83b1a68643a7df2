"""Batches: intake, the processing of their pages, their status, and retrying failures.

Processing runs in this process (no ``SOHOA_BROKER``: ``sohoa.runner.run_embedded``) or is
queued for ``sohoa worker`` processes (with one), optionally waiting until it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from archive import stats as archive_stats
from sohoa.actors import Actors, declare_actors, make_broker
from sohoa.pipeline import Context, IntakeReport, intake
from sohoa.runner import Progress, enqueue_unfinished, run_embedded, wait_for_batches


def intake_batch(
    ctx: Context,
    batch_dir: Path,
    *,
    fonds: str | None = None,
    record: str | None = None,
    operator: str = "",
    manifest: Path | None = None,
) -> IntakeReport:
    """Register a batch folder: its records, documents, stored originals and pages."""
    return intake(ctx, batch_dir, fonds=fonds, record=record, operator=operator, manifest=manifest)


def queue_unfinished(ctx: Context) -> Actors:
    """With a broker: queue every unfinished page and document the catalog lists."""
    actors = declare_actors(ctx, make_broker(ctx.settings))
    enqueue_unfinished(ctx, actors)
    return actors


def process(
    ctx: Context,
    batch_ids: set[int],
    *,
    wait: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress | None:
    """Do the unfinished work: here, or queued for the workers (None when not waiting)."""
    if not ctx.settings.broker:
        return run_embedded(ctx, batch_ids, on_progress=on_progress)
    actors = queue_unfinished(ctx)
    if not wait:
        return None
    return wait_for_batches(ctx, actors, batch_ids, on_progress=on_progress)


def finish_batch(ctx: Context, batch_id: int) -> list[dict[str, Any]]:
    """Record that a batch's processing ended; returns its failures."""
    ctx.catalog.finish_batch(batch_id)
    return failures(ctx, batch_id)


def failures(ctx: Context, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Failed documents (of one batch, or of all) with their reasons."""
    return ctx.catalog.failures(batch_id)


def batch_status(ctx: Context, *, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Each batch: pages per state, rate, estimated time left, failures and their reasons."""
    return archive_stats.batch_status(ctx.catalog, batch_id=batch_id)


def batch_ids(ctx: Context, batch_id: int | None = None) -> set[int]:
    """``{batch_id}``, or every batch's id when None."""
    if batch_id is not None:
        return {batch_id}
    return {b["batch"] for b in batch_status(ctx)}


def mark_for_retry(ctx: Context, *, actor: str, batch_id: int | None = None) -> dict[str, Any]:
    """Mark failed pages (and documents failed while packaging) for another try; counts."""
    return ctx.catalog.retry_failed(batch_id=batch_id, actor=actor)


def queue_retry(ctx: Context, *, actor: str) -> dict[str, Any]:
    """Mark failed pages for another try; with a broker, queue them at once.

    Without a broker the web server does not run OCR itself (it would compete with the
    requests it serves): the pages wait, and ``sohoa retry`` or the next ``sohoa ingest``
    processes them. The result says which of the two happened (``queued``).
    """
    counts = ctx.catalog.retry_failed(actor=actor)
    queued = False
    if ctx.settings.broker and (counts["pages"] or counts["repackage"]):
        queue_unfinished(ctx)
        queued = True
    return {**counts, "queued": queued}


def low_confidence(
    ctx: Context, *, batch_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Pages read with a mean confidence under ``SOHOA_LOW_CONFIDENCE``, worst first."""
    return ctx.catalog.low_confidence_pages(
        ctx.settings.low_confidence, batch_id=batch_id, limit=limit
    )
