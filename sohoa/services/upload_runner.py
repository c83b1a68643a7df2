"""Archiving an uploaded folder the way the hot folder archives a batch.

Intake runs in the request that finishes the upload (so the answer carries the batch id and
the files intake refused); the processing of the pages then runs in a background thread of
the web process: here (no ``SOHOA_BROKER``), or waiting on the workers (with one). One
uploaded batch is processed at a time per process, so uploads do not pile up OCR on the CPU.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from errors import SohoaError
from sohoa.config import Settings
from sohoa.pipeline import Context, IntakeReport

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Lock()
_threads: list[threading.Thread] = []


def intake(ctx: Context, folder: Path, *, fonds: str | None, operator: str) -> IntakeReport:
    """Register the uploaded batch folder (records, documents, stored originals, pages)."""
    from sohoa.services import batches

    return batches.intake_batch(ctx, folder, fonds=fonds, operator=operator)


def _process(settings: Settings, batch_id: int) -> None:
    from sohoa.pipeline import open_context
    from sohoa.services import batches

    with _ONE_AT_A_TIME:
        try:
            ctx = open_context(settings)
            try:
                batches.process(ctx, {batch_id}, wait=True)
                batches.finish_batch(ctx, batch_id)
            finally:
                ctx.close()
        except SohoaError as exc:
            log.error("uploaded batch %s: processing stopped: %s", batch_id, exc)
        except Exception:  # noqa: BLE001 - a bug must not pass unnoticed, nor kill the server
            log.exception("uploaded batch %s: processing stopped on an internal error", batch_id)


def process_later(ctx: Context, batch_id: int) -> threading.Thread:
    """Start processing ``batch_id`` in a background thread; the thread."""
    thread = threading.Thread(
        target=_process, args=(ctx.settings, batch_id), name=f"sohoa-upload-{batch_id}"
    )
    thread.daemon = True
    thread.start()
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    return thread


def wait_all(timeout: float | None = None) -> None:
    """Wait for the uploaded batches being processed (at shutdown, and in tests)."""
    for thread in list(_threads):
        thread.join(timeout)
