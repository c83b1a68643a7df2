"""Upkeep of the archive: the fixity audit of stored files and the search index rebuild."""

from __future__ import annotations

from collections.abc import Callable

from archive.fixity import AuditReport
from archive.fixity import audit as run_audit
from sohoa.pipeline import Context
from sohoa.reindex import reindex


def audit(
    ctx: Context, *, sample: int | None = None, older_than_days: float | None = None
) -> AuditReport:
    """Re-hash stored files against their SHA-256 (recorded as an event); the findings."""
    return run_audit(ctx.catalog, ctx.home, sample=sample, older_than_days=older_than_days)


def rebuild_index(
    ctx: Context,
    *,
    restart: bool = False,
    batch_size: int = 500,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the search index from the catalog (resumable); pages written."""
    return reindex(ctx, restart=restart, batch_size=batch_size, on_progress=on_progress)
