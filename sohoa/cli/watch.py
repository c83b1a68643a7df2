"""The hot-folder command: watch a folder and archive the batches scanners drop into it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from sohoa.cli.console import boundary, login_name, out
from sohoa.config import load_settings

COLOURS = {
    "archived": "green",
    "failed": "red",
    "removed": "yellow",
    "vanished": "yellow",
    "push pushed": "green",
    "push failed": "red",
    "push partial": "yellow",
}


def _print_notice(notice: Any) -> None:
    colour = COLOURS.get(notice.kind, "cyan")
    name = notice.batch or ("centre" if notice.kind.startswith("push") else "(loose files)")
    out.print(f"[{colour}]{notice.kind}[/] {escape(name)}: {escape(notice.message)}")


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd stopping the unit) ends the watcher like Ctrl-C; it resumes later."""

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@click.command()
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True)
)
@click.option(
    "--stable",
    "stable_seconds",
    type=float,
    help="Seconds without change before a batch starts (default SOHOA_WATCH_STABLE_SECONDS, 30).",
)
@click.option(
    "--poll",
    is_flag=True,
    default=None,
    help="Poll instead of OS file events (network shares: NFS, SMB).",
)
@click.option(
    "--done",
    "done_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where finished batches go (default DIR/_done).",
)
@click.option(
    "--failed",
    "failed_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where batches with failures go, with a reasons file (default DIR/_failed).",
)
@click.option("--fonds", help="Fonds (phông) code for every record.")
@click.option("--record", help="Put every document into this record (hồ sơ) code.")
@click.option(
    "--push-every",
    "push_every",
    type=float,
    help="Push the outbox to the centre every SECONDS (default SOHOA_PUSH_INTERVAL; 0: never).",
)
@click.option("--once", is_flag=True, help="Stop when nothing is left to archive.")
@click.option("--operator", default=login_name, help="Who the batches are recorded for.")
@boundary
def watch(
    folder: Path | None,
    stable_seconds: float | None,
    poll: bool | None,
    done_dir: Path | None,
    failed_dir: Path | None,
    fonds: str | None,
    record: str | None,
    push_every: float | None,
    once: bool,
    operator: str,
) -> None:
    """Archive what scanners drop into FOLDER (default SOHOA_WATCH_DIR), as it completes.

    Each sub-folder is a batch (loose files at the top are gathered into one). A batch starts
    when nothing in it changed for the stable time, or at once when it holds a READY file.
    Finished batches go to the done folder; batches with failures to the failed folder with
    a SOHOA-FAILED.txt that says what to do. With a push interval (and SOHOA_TRANSFER_URL and
    SOHOA_TRANSFER_KEY) it also sends the outbox to the centre on schedule. Stop with Ctrl-C
    or SIGTERM: it resumes where it stopped when started again.
    """
    from sohoa.services.watch import watch as run_watch

    settings = load_settings(push_interval=push_every)
    _stop_on_sigterm()
    run_watch(
        settings,
        folder,
        once=once,
        on_notice=_print_notice,
        stable_seconds=stable_seconds,
        poll=poll,
        done_dir=done_dir,
        failed_dir=failed_dir,
        fonds=fonds,
        record=record,
        operator=operator,
    )
