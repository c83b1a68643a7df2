"""Commands that keep the archive sound: audit (fixity) and reindex."""

from __future__ import annotations

import sys
import time

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sohoa.cli.console import boundary, err, open_ctx, out, print_json
from sohoa.config import load_settings
from sohoa.exit_codes import ExitCode


@click.command()
@click.option("--sample", type=int, help="Check this many stored files drawn at random.")
@click.option(
    "--older-than",
    "older_than",
    type=float,
    metavar="DAYS",
    help="Only files not checked for DAYS days (or never).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def audit(sample: int | None, older_than: float | None, as_json: bool) -> None:
    """Re-hash stored files against their SHA-256: missing, changed and unknown files.

    Exits with 4 when anything is wrong; the check is recorded as an event.
    """
    from archive.fixity import render_audit
    from sohoa.services import upkeep

    ctx = open_ctx(load_settings())
    try:
        report = upkeep.audit(ctx, sample=sample, older_than_days=older_than)
    finally:
        ctx.close()
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(render_audit(report), markup=False, highlight=False)
    if not report.clean:
        sys.exit(ExitCode.PARTIAL)


@click.command()
@click.option("--restart", is_flag=True, help="Start over instead of resuming.")
@click.option("--batch-size", type=int, default=500, show_default=True)
@boundary
def reindex(restart: bool, batch_size: int) -> None:
    """Rebuild the search index (SQLite or Elasticsearch) from the catalog; resumable.

    A killed or interrupted run continues from its last saved batch when started again (use
    --restart to start over). Progress: a bar on a terminal, otherwise a line on stderr every
    10 seconds with the rate and the time left.
    """
    from sohoa.reindex import LOG_EVERY, Meter
    from sohoa.services import upkeep

    ctx = open_ctx(load_settings())
    meter: Meter | None = None
    printed = [0.0]

    def plain(done: int, total: int) -> None:  # not a terminal: a line now and then
        nonlocal meter
        if meter is None:
            meter = Meter(start_done=done)
            return
        now = time.monotonic()
        if now - printed[0] >= LOG_EVERY or done >= total:
            printed[0] = now
            err.print(f"reindex: {meter.line(done, total)}", markup=False, highlight=False)

    try:
        with Progress(
            TextColumn("[bold]reindex"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("reindex", total=None)

            def progress(done: int, total: int) -> None:
                if err.is_terminal:
                    bar.update(task, completed=done, total=total)
                else:
                    plain(done, total)

            pages = upkeep.rebuild_index(
                ctx, restart=restart, batch_size=batch_size, on_progress=progress
            )
    finally:
        ctx.close()
    out.print(f"reindexed {pages} pages")
