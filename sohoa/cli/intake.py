"""Commands that bring batches in and see them through: ingest, status, retry."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sohoa.cli.console import boundary, err, login_name, open_ctx, out, print_json
from sohoa.config import load_settings
from sohoa.exit_codes import ExitCode


def _print_intake(batch_dir: Path, report: Any) -> None:
    if report.manifest is not None:
        manifest = report.manifest
        err.print(
            f"manifest [bold]{escape(manifest.manifest)}[/]: {len(manifest.records)} records and "
            f"{len(manifest.documents)} documents updated; {len(manifest.problems)} problems"
        )
        for line in [*manifest.warnings, *manifest.problems]:
            err.print(f"  [yellow]-[/] {escape(line)}")
    err.print(
        f"batch [bold]{escape(batch_dir.name)}[/]: {len(report.new_documents)} new documents, "
        f"{report.pages} pages; {len(report.duplicates)} already archived; "
        f"{len(report.rejected)} rejected"
    )


def _page_bar(show: bool) -> Progress:
    return Progress(
        TextColumn("[bold]pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f} pages/min"),
        TextColumn("[red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
    )


@click.command()
@click.argument("batch_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--fonds", help="Fonds (phông) code for every record of the batch.")
@click.option("--record", help="Put every document into this record (hồ sơ) code.")
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV/XLSX of staff-entered record and document fields (default: manifest.csv or "
    "manifest.xlsx at the top of the batch).",
)
@click.option("--languages", "-l", help="Tesseract languages, e.g. vie+eng (the default).")
@click.option("--pdfa", type=click.Choice(["1", "2"]), help="PDF/A part: 1 (1b) or 2 (2b).")
@click.option("--workers", "-j", type=int, help="Pages processed in parallel (default: cores).")
@click.option("--operator", default=login_name, help="Who runs the batch.")
@click.option("--force-ocr", is_flag=True, default=None, help="OCR PDF pages that carry text.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs and scripts).")
@click.option(
    "--no-wait", is_flag=True, help="With SOHOA_BROKER: queue the work and return at once."
)
@boundary
def ingest(
    batch_dir: Path,
    fonds: str | None,
    record: str | None,
    manifest: Path | None,
    languages: str | None,
    pdfa: str | None,
    workers: int | None,
    operator: str,
    force_ocr: bool | None,
    no_progress: bool,
    no_wait: bool,
) -> None:
    """Archive a folder the scanner wrote: each subfolder is a record, each file a document.

    Without SOHOA_BROKER the pages are processed here, on all cores. With it, the work is
    queued for `sohoa worker` processes and this command shows progress until it is done.
    """
    from sohoa.services import batches

    settings = load_settings(
        languages=languages,
        pdfa=int(pdfa) if pdfa else None,
        workers=workers,
        force_ocr=force_ocr,
    )
    ctx = open_ctx(settings)
    try:
        report = batches.intake_batch(
            ctx, batch_dir, fonds=fonds, record=record, operator=operator, manifest=manifest
        )
        _print_intake(batch_dir, report)
        with _page_bar(not no_progress and err.is_terminal) as bar:
            task = bar.add_task("pages", total=None, rate=0.0, failed=0)

            def on_progress(p: Any) -> None:
                bar.update(
                    task,
                    total=p.total or None,
                    completed=p.done + p.failed,
                    rate=p.pages_per_minute,
                    failed=p.failed,
                )

            final = batches.process(
                ctx, {report.batch_id}, wait=not no_wait, on_progress=on_progress
            )
            if final is None:
                out.print(f"queued batch {report.batch_id}: `sohoa status` shows progress")
                return
        failures = batches.finish_batch(ctx, report.batch_id)
        out.print(
            f"archived {final.done} pages in {final.elapsed:.1f} s "
            f"({final.pages_per_minute:.1f} pages/min); "
            f"{final.documents_total - len(failures)} documents ok, {len(failures)} failed"
        )
        if failures:
            out.print("[bold red]failed:[/]")
            for item in failures:
                out.print(f"  - {escape(item['error'] or item['name'])}")
            sys.exit(ExitCode.PARTIAL)
    finally:
        ctx.close()


def _time_left(b: dict[str, Any]) -> str:
    eta = b["eta_seconds"]
    return "done" if b["done"] else (f"{eta // 60}m{eta % 60:02d}s" if eta else "?")


@click.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--low-confidence",
    is_flag=True,
    help="List pages read with a mean confidence under SOHOA_LOW_CONFIDENCE (to rescan).",
)
@click.option("--transfer", "show_transfer", is_flag=True, help="The outbox and the sites instead.")
@boundary
def status(batch_id: int | None, as_json: bool, low_confidence: bool, show_transfer: bool) -> None:
    """Each batch: pages per state, rate, estimated time left, failures and their reasons."""
    from sohoa.services import batches

    settings = load_settings()
    ctx = open_ctx(settings)
    try:
        if show_transfer:
            from sohoa.cli.transfer import print_transfer_status

            print_transfer_status(ctx.catalog, ctx.home, as_json=as_json)
            return
        outbox = None if as_json else _outbox_line(ctx)
        if low_confidence:
            pages = batches.low_confidence(ctx, batch_id=batch_id)
        else:
            rows = batches.batch_status(ctx, batch_id=batch_id)
    finally:
        ctx.close()
    if low_confidence:
        _print_low_confidence(pages, settings.low_confidence, as_json=as_json)
        return
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("no batches yet: `sohoa ingest FOLDER` starts one")
        return
    table = Table()
    for col in ("batch", "name", "pages", "states", "pages/min", "time left", "failed docs"):
        table.add_column(col)
    for b in rows:
        states = ", ".join(f"{k} {v}" for k, v in sorted(b["pages_by_state"].items()))
        table.add_row(
            str(b["batch"]),
            b["name"],
            str(b["pages"]),
            states,
            f"{b['pages_per_minute']:.1f}",
            _time_left(b),
            str(len(b["failures"])),
        )
    out.print(table)
    for b in rows:
        for f in b["failures"]:
            out.print(f"[red]batch {b['batch']}:[/] {escape(f['error'] or f['document'])}")
    if outbox:
        out.print(outbox)


def _outbox_line(ctx: Any) -> str | None:
    """One line on the transfer outbox, when this archive has ever pushed."""
    from sohoa.services.transfer import transfer_status

    counts = transfer_status(ctx.catalog)["outbox"]
    if not any(counts.values()):
        return None
    return "outbox: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + " (--transfer)"


def _print_low_confidence(pages: list[dict[str, Any]], threshold: float, *, as_json: bool) -> None:
    if as_json:
        print_json(pages)
        return
    if not pages:
        out.print(f"no page was read with a mean confidence under {threshold:g}")
        return
    table = Table(title=f"pages under confidence {threshold:g}: rescan or check them")
    for col in ("page", "record", "document", "p.", "confidence", "corrected", "prepared"):
        table.add_column(col)
    for p in pages:
        applied = ((p["processing"] or {}).get("preparation") or {}).get("applied") or []
        table.add_row(
            str(p["page"]),
            escape(p["record"]),
            escape(p["document_name"]),
            str(p["seq"]),
            f"{p['mean_conf']:.1f}",
            "" if p["words_corrected"] is None else str(p["words_corrected"]),
            ", ".join(applied),
        )
    out.print(table)


@click.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--no-wait", is_flag=True, help="With SOHOA_BROKER: queue and return at once.")
@boundary
def retry(batch_id: int | None, no_wait: bool) -> None:
    """Queue failed pages again (and documents that failed while packaging)."""
    from sohoa.services import batches

    ctx = open_ctx(load_settings())
    try:
        counts = batches.mark_for_retry(ctx, batch_id=batch_id, actor=login_name())
        out.print(
            f"retrying {counts['pages']} pages of {counts['documents']} documents and "
            f"packaging {counts['repackage']} documents again"
        )
        if counts["rejected_at_intake"]:
            out.print(
                f"{counts['rejected_at_intake']} documents were rejected at intake: fix the "
                "files and run `sohoa ingest` on them again"
            )
        final = batches.process(ctx, batches.batch_ids(ctx, batch_id), wait=not no_wait)
        failures = batches.failures(ctx, batch_id)
    finally:
        ctx.close()
    if final is not None:
        out.print(f"{final.done} pages done, {final.failed} failed")
    if failures:
        sys.exit(ExitCode.PARTIAL)
