"""Backups of the archive: take one while it is in use, check one, restore one.

The work is done by ``archive.backup``; this adds the archive's context, the events, and the
search index rebuild after a restore (the index is derived from the catalog).
"""

from __future__ import annotations

from pathlib import Path

from archive.backup import (
    BackupReport,
    RestoreReport,
    VerifyReport,
    restore_backup,
    take_backup,
    verify_backup,
)
from sohoa.config import Settings
from sohoa.pipeline import Context, open_context
from sohoa.reindex import reindex


def backup(ctx: Context, dest: Path) -> BackupReport:
    """Write a new snapshot of the archive into the backup folder ``dest`` (an event)."""
    report = take_backup(ctx.catalog, ctx.home, Path(dest))
    ctx.catalog.log_event(
        "backup",
        detail={
            "dest": str(Path(dest).resolve()),
            "snapshot": report.snapshot,
            "files": report.files,
            "copied": report.copied,
            "missing": len(report.missing),
        },
    )
    return report


def verify(dest: Path, *, snapshot: str | None = None) -> VerifyReport:
    """Re-hash the backup folder ``dest`` (every snapshot, or one) and report any damage."""
    return verify_backup(Path(dest), snapshot=snapshot)


def restore(
    src: Path, settings: Settings, *, snapshot: str | None = None
) -> tuple[RestoreReport, int]:
    """Rebuild the archive ``settings.home`` from a backup; (report, pages indexed).

    The catalog goes to ``settings.database_url`` when it names a PostgreSQL database, else
    into ``catalog.sqlite`` in the home; then the search index is rebuilt from it.
    """
    report = restore_backup(
        Path(src), settings.home, snapshot=snapshot, database_url=settings.database_url
    )
    ctx = open_context(settings)  # brings the restored schema up to date
    try:
        pages = reindex(ctx, restart=True)
        ctx.catalog.log_event(
            "restored",
            detail={"from": str(Path(src).resolve()), **report.to_dict(), "indexed": pages},
        )
    finally:
        ctx.close()
    return report, pages
