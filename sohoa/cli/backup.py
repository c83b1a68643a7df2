"""Commands that keep copies of the archive: backup (and its check) and restore."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from sohoa.cli.console import boundary, open_ctx, out, print_json, size
from sohoa.config import load_settings
from sohoa.exit_codes import ExitCode

LISTED = 20  # problems printed per kind (all of them with --json)


def _print_list(title: str, items: list[str]) -> None:
    if not items:
        return
    out.print(f"[bold red]{title}: {len(items)}[/]")
    for item in items[:LISTED]:
        out.print(f"  - {escape(item)}")
    if len(items) > LISTED:
        out.print(f"  ... and {len(items) - LISTED} more (--json lists all)")


def _verify(dest: Path, snapshot: str | None, as_json: bool) -> None:
    from sohoa.services import backup as service

    report = service.verify(dest, snapshot=snapshot)
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(
            f"checked {report.snapshots} snapshots and {report.objects} files "
            f"({size(report.bytes_read)})"
        )
        _print_list("damaged files in the backup", report.damaged)
        _print_list("archive files whose backup copy is damaged", report.affected)
        _print_list("archive files with no backup copy", report.missing)
        _print_list("damaged catalog copies or manifests", report.bad_snapshots)
        if report.clean:
            out.print("[green]the backup is intact[/]")
        else:
            out.print(
                "delete the damaged files listed and run `sohoa backup` again: it copies them "
                "afresh from the archive (or restore from another copy)"
            )
    if not report.clean:
        sys.exit(ExitCode.PARTIAL)


@click.command()
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@click.option("--verify", "check", is_flag=True, help="Re-hash the backup and report damage.")
@click.option("--snapshot", help="With --verify: only this snapshot (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def backup(dest: Path, check: bool, snapshot: str | None, as_json: bool) -> None:
    """Write a consistent, incremental snapshot of the archive into DEST (safe while in use).

    Stored files go in once per content (named by SHA-256); the catalog is copied with
    SQLite's online backup or pg_dump; each snapshot has a manifest of every file's hash.
    With --verify, re-hash DEST instead. Exits with 4 when something is missing or damaged.
    """
    if check:
        _verify(dest, snapshot, as_json)
        return
    from sohoa.services import backup as service

    ctx = open_ctx(load_settings())
    try:
        report = service.backup(ctx, dest)
    finally:
        ctx.close()
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(
            f"snapshot [bold]{report.snapshot}[/]: {report.files} files, {report.copied} copied "
            f"({size(report.bytes_copied)}), {report.reused} already in the backup; "
            f"{report.seconds:.1f} s"
        )
        _print_list("stored files that could not be backed up", report.missing)
    if not report.complete:
        out.print("run `sohoa audit` on the archive, then `sohoa backup` again")
        sys.exit(ExitCode.PARTIAL)


@click.command()
@click.argument("src", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("dest_archive", type=click.Path(path_type=Path, file_okay=False))
@click.option("--snapshot", help="The snapshot to restore (default: the newest).")
@click.option(
    "--database-url",
    default="",
    help="PostgreSQL backups: the empty database to load the catalog into.",
)
@click.option("--search", default="", help="Elasticsearch URL to index into (default: SQLite).")
@boundary
def restore(
    src: Path, dest_archive: Path, snapshot: str | None, database_url: str, search: str
) -> None:
    """Rebuild a working archive in the empty folder DEST_ARCHIVE from the backup SRC.

    Every file is checked against its checksum as it is copied; the search index is rebuilt
    from the restored catalog. Then point SOHOA_HOME at DEST_ARCHIVE.
    """
    from sohoa.services import backup as service

    settings = load_settings(home=dest_archive, database_url=database_url, search=search)
    report, pages = service.restore(src, settings, snapshot=snapshot)
    out.print(
        f"restored snapshot [bold]{report.snapshot}[/] into {escape(str(dest_archive))}: "
        f"{report.files} files ({size(report.bytes)}), {pages} pages indexed"
    )
    if report.pages_redone:
        out.print(
            f"{report.pages_redone} pages were in progress: run `sohoa retry` with "
            f"SOHOA_HOME={escape(str(dest_archive))} to finish them"
        )
    _print_list("files whose backup copy is damaged (not restored)", report.damaged)
    if report.damaged:
        sys.exit(ExitCode.PARTIAL)
