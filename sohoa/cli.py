"""The ``sohoa`` command line: a thin layer over the pipeline, catalog and search APIs.

This is the boundary where errors become exit codes (see ``sohoa.exit_codes``) and the only
place that prints.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from errors import SohoaError
from sohoa.config import Settings, load_settings
from sohoa.exit_codes import ExitCode, exit_code_for

F = TypeVar("F", bound=Callable[..., Any])

# Piped output (no terminal) gets a wide console so tables are not squeezed to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=verbose > 1)],
    )
    logging.getLogger("dramatiq").setLevel(max(level, logging.WARNING))


def boundary(fn: F) -> F:
    """Turn sohoa errors into one clear message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SohoaError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            sys.exit(exit_code_for(exc))
        except KeyboardInterrupt:
            err.print("[yellow]interrupted:[/] run the same command again to resume")
            sys.exit(ExitCode.INTERRUPTED)

    return wrapper  # type: ignore[return-value]


def _context(settings: Settings) -> Any:
    from sohoa.pipeline import open_context

    return open_context(settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="sohoa")
def cli(verbose: int) -> None:
    """sohoa: scans in, PDF/A and a searchable archive out.

    Settings come from SOHOA_* environment variables (SOHOA_HOME is where the archive
    lives, default ./sohoa-data); see the README for all of them and the exit codes.
    """
    _setup_logging(verbose)


# ------------------------------------------------------------------------ ingest


@cli.command()
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
@click.option("--operator", default=lambda: os.environ.get("USER", ""), help="Who runs the batch.")
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
    from sohoa import pipeline
    from sohoa.actors import declare_actors, make_broker
    from sohoa.runner import enqueue_unfinished, run_embedded, wait_for_batches

    settings = load_settings(
        languages=languages,
        pdfa=int(pdfa) if pdfa else None,
        workers=workers,
        force_ocr=force_ocr,
    )
    ctx = _context(settings)
    try:
        report = pipeline.intake(
            ctx, batch_dir, fonds=fonds, record=record, operator=operator, manifest=manifest
        )
        if report.manifest is not None:
            _print_manifest(report.manifest)
        err.print(
            f"batch [bold]{escape(batch_dir.name)}[/]: {len(report.new_documents)} new documents, "
            f"{report.pages} pages; {len(report.duplicates)} already archived; "
            f"{len(report.rejected)} rejected"
        )
        show = not no_progress and err.is_terminal
        with Progress(
            TextColumn("[bold]pages"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} pages/min"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=err,
            disable=not show,
        ) as bar:
            task = bar.add_task("pages", total=None, rate=0.0, failed=0)

            def on_progress(p: Any) -> None:
                bar.update(
                    task,
                    total=p.total or None,
                    completed=p.done + p.failed,
                    rate=p.pages_per_minute,
                    failed=p.failed,
                )

            if settings.broker:
                actors = declare_actors(ctx, make_broker(settings))
                enqueue_unfinished(ctx, actors)
                if no_wait:
                    out.print(f"queued batch {report.batch_id}: `sohoa status` shows progress")
                    return
                final = wait_for_batches(ctx, actors, {report.batch_id}, on_progress=on_progress)
            else:
                final = run_embedded(ctx, {report.batch_id}, on_progress=on_progress)
        ctx.catalog.finish_batch(report.batch_id)
        failures = ctx.catalog.failures(report.batch_id)
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


def _print_manifest(report: Any) -> None:
    err.print(
        f"manifest [bold]{escape(report.manifest)}[/]: {len(report.records)} records and "
        f"{len(report.documents)} documents updated; {len(report.problems)} problems"
    )
    for line in [*report.warnings, *report.problems]:
        err.print(f"  [yellow]-[/] {escape(line)}")


# ------------------------------------------------------------------------ search


def _highlight(snippet: str) -> str:
    return re.sub(r"\\\[\\\[(.+?)\]\]", r"[bold yellow]\1[/]", escape(snippet))


@cli.command("search")
@click.argument("query", nargs=-1)
@click.option("--type", "doc_type", help="Document type code (10) or name (Kế hoạch).")
@click.option("--organ", help="Issuing body (accent-insensitive, part of the name).")
@click.option("--from", "date_from", help="Issued on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Issued on or before (YYYY-MM-DD).")
@click.option("--number", help="Document number and symbol, e.g. 141/KH-UBND.")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def search_cmd(
    query: tuple[str, ...],
    doc_type: str | None,
    organ: str | None,
    date_from: str | None,
    date_to: str | None,
    number: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Find pages: accent-insensitive words, "quoted phrases", document numbers."""
    import search
    from sohoa.services.documents import pdf_paths

    settings = load_settings()
    ctx = _context(settings)
    try:
        results = ctx.index.search(
            search.SearchQuery(
                text=" ".join(query),
                type=doc_type,
                organ=organ,
                date_from=date_from,
                date_to=date_to,
                number=number,
                limit=limit,
            )
        )
        paths = pdf_paths(ctx, [h.document_id for h in results.hits])
    finally:
        ctx.close()
    if as_json:
        payload = {
            "total": results.total,
            "total_exact": results.total_exact,
            "hits": [
                {
                    "document_id": h.document_id,
                    "number": h.number,
                    "type": h.type_name,
                    "organ": h.organ,
                    "issued": h.issued,
                    "title": h.title,
                    "record": h.record,
                    "fonds": h.fonds,
                    "exact": h.exact,
                    "score": h.score,
                    "pdfa": paths.get(h.document_id),
                    "pages": [{"page": p.page_no, "snippet": p.snippet} for p in h.pages],
                }
                for h in results.hits
            ],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if not results.hits:
        out.print("no documents found")
        return
    found = results.total if results.total_exact else f"at least {results.total}"
    out.print(f"{found} documents found")
    for rank, h in enumerate(results.hits, start=1):
        head = " · ".join(x for x in (h.number, h.type_name, h.issued, h.organ) if x)
        out.print(f"[bold]{rank}. {escape(head or 'document ' + str(h.document_id))}[/]")
        if h.title:
            out.print(f"   {escape(h.title)}")
        pages = ", ".join(str(p.page_no) for p in h.pages)
        out.print(f"   pages {pages} · {escape(paths.get(h.document_id) or '')}")
        for p in [p for p in h.pages if p.snippet][:3]:
            out.print(f"   p.{p.page_no}: {_highlight(p.snippet)}")


# ------------------------------------------------------------------- statistics


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{n} B"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--records", "per_record", is_flag=True, help="Also each record: dates, documents, pages."
)
@click.option("--fonds", help="With --records: only this fonds.")
@boundary
def stats(as_json: bool, per_record: bool, fonds: str | None) -> None:
    """Pages, bytes stored, records and documents; per fonds and per batch."""
    from archive import stats as archive_stats
    from archive.records import records_overview

    ctx = _context(load_settings())
    try:
        figures = archive_stats.collect(ctx.catalog)
        if per_record:
            figures["per_record"] = records_overview(ctx.catalog, fonds=fonds)
    finally:
        ctx.close()
    if as_json:
        out.print_json(json.dumps(figures, ensure_ascii=False, default=str))
        return
    b = figures["bytes"]
    summary = Table(title="sohoa archive", show_header=False)
    summary.add_row(
        "pages",
        f"{figures['pages']} ({figures['pages_archived']} archived, "
        f"{figures['pages_failed']} failed)",
    )
    summary.add_row(
        "documents",
        f"{figures['documents']} ({figures['documents_archived']} "
        f"archived, {figures['documents_failed']} failed)",
    )
    summary.add_row("records", str(figures["records"]))
    summary.add_row("originals stored", _size(b["originals"]))
    summary.add_row("PDF/A stored", _size(b["pdfa"]))
    summary.add_row("OCR output stored", _size(b["ocr"]))
    out.print(summary)
    fonds = Table(title="per fonds")
    for col in ("fonds", "records", "documents", "archived", "pages", "PDF/A"):
        fonds.add_column(col)
    for f in figures["per_fonds"]:
        fonds.add_row(
            f["fonds"],
            str(f["records"]),
            str(f["documents"]),
            str(f["documents_archived"]),
            str(f["pages"]),
            _size(f["pdfa_bytes"]),
        )
    out.print(fonds)
    batches = Table(title="per batch")
    for col in ("batch", "name", "started", "documents", "pages", "failed pages"):
        batches.add_column(col)
    for row in figures["per_batch"]:
        batches.add_row(
            str(row["batch"]),
            row["name"],
            (row["started"] or "")[:19],
            str(row["documents"]),
            str(row["pages"]),
            str(row["pages_failed"]),
        )
    out.print(batches)
    if per_record:
        _print_records(figures["per_record"])


def _print_records(rows: list[dict[str, Any]]) -> None:
    from archive.records import tt05_date

    table = Table(title="per record (sheets: one per scanned page unless the manifest says)")
    for col in ("fonds", "record", "title", "from", "to", "documents", "pages", "sheets", "PDF/A"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["fonds"],
            r["code"],
            r["title"],
            tt05_date(r["startDate"]),
            tt05_date(r["endDate"]),
            str(r["totalDoc"]),
            str(r["numberOfPage"]),
            str(r["numberOfPaper"]),
            _size(r["totalSize"]),
        )
    out.print(table)


@cli.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def documents(batch_id: int | None, as_json: bool) -> None:
    """List documents with their files, metadata and page states."""
    from archive import stats as archive_stats

    ctx = _context(load_settings())
    try:
        docs = archive_stats.documents(ctx.catalog, batch_id=batch_id)
    finally:
        ctx.close()
    if as_json:
        out.print_json(json.dumps(docs, ensure_ascii=False, default=str))
        return
    table = Table()
    for col in ("id", "record", "name", "state", "number", "date", "type", "pages", "PDF/A"):
        table.add_column(col)
    for d in docs:
        table.add_row(
            str(d["id"]),
            d["record"],
            d["name"],
            d["state"],
            d["number"],
            d["issued_date"],
            d["type_name"],
            str(len(d["pages"])),
            (d["pdfa"] or {}).get("path", ""),
        )
    out.print(table)


@cli.command()
@click.option("--processes", "-p", type=int, default=1, show_default=True, help="Processes.")
@click.option("--threads", "-t", type=int, default=None, help="Threads per process (cores).")
@boundary
def worker(processes: int, threads: int | None) -> None:
    """Work on queued pages and documents (needs SOHOA_BROKER; stops on Ctrl-C or SIGTERM).

    Run it on every machine that mounts the same SOHOA_HOME and reaches the broker and the
    catalog (SOHOA_DATABASE_URL).
    """
    from sohoa.workers import run_workers

    settings = load_settings()
    run_workers(settings, processes=processes, threads=threads or settings.workers)


@cli.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def status(batch_id: int | None, as_json: bool) -> None:
    """Each batch: pages per state, rate, estimated time left, failures and their reasons."""
    from archive import stats as archive_stats

    ctx = _context(load_settings())
    try:
        batches = archive_stats.batch_status(ctx.catalog, batch_id=batch_id)
    finally:
        ctx.close()
    if as_json:
        out.print_json(json.dumps(batches, ensure_ascii=False, default=str))
        return
    if not batches:
        out.print("no batches yet: `sohoa ingest FOLDER` starts one")
        return
    table = Table()
    for col in ("batch", "name", "pages", "states", "pages/min", "time left", "failed docs"):
        table.add_column(col)
    for b in batches:
        states = ", ".join(f"{k} {v}" for k, v in sorted(b["pages_by_state"].items()))
        eta = b["eta_seconds"]
        left = "done" if b["done"] else (f"{eta // 60}m{eta % 60:02d}s" if eta else "?")
        table.add_row(
            str(b["batch"]),
            b["name"],
            str(b["pages"]),
            states,
            f"{b['pages_per_minute']:.1f}",
            left,
            str(len(b["failures"])),
        )
    out.print(table)
    for b in batches:
        for f in b["failures"]:
            out.print(f"[red]batch {b['batch']}:[/] {escape(f['error'] or f['document'])}")


@cli.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--no-wait", is_flag=True, help="With SOHOA_BROKER: queue and return at once.")
@boundary
def retry(batch_id: int | None, no_wait: bool) -> None:
    """Queue failed pages again (and documents that failed while packaging)."""
    from archive import stats as archive_stats
    from sohoa.actors import declare_actors, make_broker
    from sohoa.runner import enqueue_unfinished, run_embedded, wait_for_batches

    settings = load_settings()
    ctx = _context(settings)
    try:
        counts = ctx.catalog.retry_failed(batch_id=batch_id, actor=os.environ.get("USER", ""))
        out.print(
            f"retrying {counts['pages']} pages of {counts['documents']} documents and "
            f"packaging {counts['repackage']} documents again"
        )
        if counts["rejected_at_intake"]:
            out.print(
                f"{counts['rejected_at_intake']} documents were rejected at intake: fix the "
                "files and run `sohoa ingest` on them again"
            )
        batches = (
            {batch_id}
            if batch_id is not None
            else {b["batch"] for b in archive_stats.batch_status(ctx.catalog)}
        )
        if settings.broker:
            actors = declare_actors(ctx, make_broker(settings))
            enqueue_unfinished(ctx, actors)
            final = None if no_wait else wait_for_batches(ctx, actors, batches)
        else:
            final = run_embedded(ctx, batches)
        failures = ctx.catalog.failures(batch_id)
    finally:
        ctx.close()
    if final is not None:
        out.print(f"{final.done} pages done, {final.failed} failed")
    if failures:
        sys.exit(ExitCode.PARTIAL)


@cli.command()
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
    from archive.fixity import audit as run_audit
    from archive.fixity import render_audit

    ctx = _context(load_settings())
    try:
        report = run_audit(ctx.catalog, ctx.home, sample=sample, older_than_days=older_than)
    finally:
        ctx.close()
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out.print(render_audit(report), markup=False, highlight=False)
    if not report.clean:
        sys.exit(ExitCode.PARTIAL)


@cli.command()
@click.option("--restart", is_flag=True, help="Start over instead of resuming.")
@click.option("--batch-size", type=int, default=500, show_default=True)
@boundary
def reindex(restart: bool, batch_size: int) -> None:
    """Rebuild the search index (SQLite or Elasticsearch) from the catalog; resumable."""
    from sohoa.reindex import reindex as run_reindex

    ctx = _context(load_settings())
    try:
        with Progress(
            TextColumn("[bold]reindex"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("reindex", total=None)
            pages = run_reindex(
                ctx,
                restart=restart,
                batch_size=batch_size,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        ctx.close()
    out.print(f"reindexed {pages} pages")


@cli.command()
@click.argument("document_id", type=int, required=False)
@click.option("--accept", "accepts", multiple=True, metavar="FIELD", help="Keep FIELD as read.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Correct FIELD.")
@click.option("--who", default=lambda: os.environ.get("USER", ""), help="Who reviews.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def review(
    document_id: int | None,
    accepts: tuple[str, ...],
    sets: tuple[str, ...],
    who: str,
    as_json: bool,
) -> None:
    """List documents with fields to check, or accept/correct fields of DOCUMENT_ID.

    Every decision is recorded as an event with who, when, the old and the new value.
    """
    from archive import review as archive_review
    from errors import InputError
    from sohoa.pipeline import refresh_index

    ctx = _context(load_settings())
    try:
        if document_id is None:
            todo = archive_review.documents_to_review(ctx.catalog)
            if as_json:
                out.print_json(json.dumps(todo, ensure_ascii=False))
                return
            if not todo:
                out.print("nothing to review")
            for doc in todo:
                out.print(f"[bold]document {doc['id']}[/] {escape(doc['number'] or doc['name'])}")
                for f in doc["fields"]:
                    reasons = "; ".join(f["reasons"])
                    out.print(f"  {f['field']}: {escape(str(f['value']))}  [red]{escape(reasons)}")
            return
        changes = []
        for field in accepts:
            changes.append(archive_review.review_field(ctx.catalog, document_id, field, actor=who))
        for item in sets:
            field, sep, value = item.partition("=")
            if not sep or not field:
                raise InputError(f"--set needs FIELD=VALUE, got {item!r}")
            changes.append(
                archive_review.review_field(
                    ctx.catalog, document_id, field.strip(), value=value.strip(), actor=who
                )
            )
        refresh_index(ctx, document_id)
    finally:
        ctx.close()
    for c in changes:
        out.print(f"{c['field']}: {escape(str(c['old']))} -> {escape(str(c['new']))}")


@cli.group("record")
def record_group() -> None:
    """Records (hồ sơ): their TT05 fields, staff-entered and derived."""


@record_group.command("show")
@click.argument("code")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def record_show(code: str, fonds: str | None, as_json: bool) -> None:
    """Show record CODE: manifest fields, derived dates and counts, its documents."""
    from archive.records import RECORD_LABELS, find_record, record_summary

    ctx = _context(load_settings())
    try:
        summary = record_summary(ctx.catalog, find_record(ctx.catalog, code, fonds=fonds))
    finally:
        ctx.close()
    if as_json:
        out.print_json(json.dumps(summary, ensure_ascii=False, default=str))
        return
    table = Table(title=f"record {escape(summary['code'])} (fonds {escape(summary['fonds'])})")
    for col in ("TT05 tag", "field", "value", "source"):
        table.add_column(col)
    for tag, label in RECORD_LABELS.items():
        table.add_row(
            tag, label, escape(str(summary["tt05"][tag])), summary["sources"].get(tag, "")
        )
    out.print(table)
    out.print(f"PDF/A stored: {_size(summary['derived']['totalSize'])}")
    for line in summary["conflicts"]:
        out.print(f"[yellow]check:[/] {escape(line)}")
    docs = Table(title="documents")
    for col in ("seq", "name", "state", "number", "date", "type", "pages"):
        docs.add_column(col)
    for d in summary["documents"]:
        docs.add_row(
            str(d["seq"]),
            escape(d["name"]),
            d["state"],
            escape(d["number"] or ""),
            d["issued_date"] or "",
            escape(d["type_name"] or ""),
            str(d["page_count"]),
        )
    out.print(docs)


@cli.command("export")
@click.argument("record")
@click.option("--fonds", help="Fonds of the record (default SOHOA_FONDS).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the package into.",
)
@click.option("--zip", "as_zip", is_flag=True, help="Also zip the package for transfer.")
@boundary
def export_cmd(record: str, fonds: str | None, out_dir: Path, as_zip: bool) -> None:
    """Write RECORD as a TT05 archival package (AIP_hoso: METS, EAD, PREMIS, PDF/A files)."""
    from archive.export import export_record

    settings = load_settings()
    ctx = _context(settings)
    try:
        path = export_record(
            ctx.catalog,
            ctx.home,
            fonds=fonds or settings.fonds,
            record=record,
            out_dir=out_dir,
            zip=as_zip,
        )
    finally:
        ctx.close()
    out.print(f"package written: {path}")


@cli.command("export-metadata")
@click.option("--fonds", help="Only this fonds (default: every fonds).")
@click.option("--query", help="Only the documents this search finds.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@boundary
def export_metadata_cmd(fonds: str | None, query: str | None, fmt: str, out_path: Path) -> None:
    """Write the documents' metadata (TT05 fields, with provenance in JSON) as CSV or JSON."""
    import search
    from archive.export import export_metadata

    ctx = _context(load_settings())
    try:
        ids = None
        if query:
            found = ctx.index.search(search.SearchQuery(text=query, limit=1000))
            ids = [h.document_id for h in found.hits]
        count = export_metadata(
            ctx.catalog, fonds=fonds, document_ids=ids, format=fmt, out=out_path
        )
    finally:
        ctx.close()
    out.print(f"{count} documents written to {out_path}")


def _page_numbers(text: str) -> list[int]:
    from errors import InputError

    try:
        return [int(part) for part in re.split(r"[,\s]+", text.strip()) if part]
    except ValueError as exc:
        raise InputError(f"--at takes page numbers such as 3 or 3,5, not {text!r}") from exc


@cli.command("split")
@click.argument("document_id", type=int)
@click.option(
    "--at", "at", required=True, metavar="PAGES", help="Pages (1-based) that start a document: 3,5"
)
@click.option("--actor", default=lambda: os.environ.get("USER", ""), help="Who splits.")
@boundary
def split_cmd(document_id: int, at: str, actor: str) -> None:
    """Split archived DOCUMENT_ID where new documents start (no OCR is run again).

    The document keeps its first pages; each further part becomes a new document of the
    same record with its own PDF/A, metadata and index entries. Recorded as an event.
    """
    from sohoa.services.split import split_document

    ctx = _context(load_settings())
    try:
        ids = split_document(ctx, document_id, at=_page_numbers(at), actor=actor or "sohoa")
        jobs = [ctx.catalog.document_job(i) for i in ids]
    finally:
        ctx.close()
    for job in jobs:
        out.print(
            f"document {job['id']}: {job['page_count']} pages, "
            f"{escape(job['number'] or job['name'])}"
        )


@cli.command("join")
@click.argument("document_id", type=int)
@click.argument("other_id", type=int)
@click.option("--actor", default=lambda: os.environ.get("USER", ""), help="Who joins.")
@boundary
def join_cmd(document_id: int, other_id: int, actor: str) -> None:
    """Append the pages of OTHER_ID to DOCUMENT_ID (same record), e.g. to undo a split.

    OTHER_ID is removed; its old PDF/A is kept as superseded. Recorded as an event.
    """
    from sohoa.services.split import join_documents

    ctx = _context(load_settings())
    try:
        join_documents(ctx, document_id, other_id, actor=actor or "sohoa")
        job = ctx.catalog.document_job(document_id)
    finally:
        ctx.close()
    out.print(
        f"document {job['id']}: {job['page_count']} pages, {escape(job['number'] or job['name'])}"
    )


@cli.command("make-sample")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=0, show_default=True)
@boundary
def make_sample(folder: Path, seed: int) -> None:
    """Write a generated sample batch (Vietnamese administrative scans) into FOLDER."""
    from sohoa.synthetic_docs import make_sample_batch

    info = make_sample_batch(folder, seed=seed)
    out.print(f"sample batch written to {folder} ({len(info.get('documents', []))} documents)")


# --------------------------------------------------------------- web app: serve, people, access


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--workers",
    "web_workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes (each opens the catalog).",
)
@boundary
def serve(host: str, port: int, web_workers: int) -> None:
    """Run the web app (search, documents, dashboard, review, users) with uvicorn."""
    import uvicorn

    settings = load_settings()
    if web_workers > 1:
        # Migrate the catalog, check the index layout and create the session key once, here:
        # worker processes starting together would otherwise race for them (a rebuild of the
        # index holds its lock for minutes; two generated keys would split the sessions).
        from sohoa.pipeline import open_context
        from sohoa.web.security import secret_key

        open_context(settings).close()
        secret_key(settings)
        # each process builds its own app from the same SOHOA_* environment
        os.environ.setdefault("SOHOA_HOME", str(settings.home))
        uvicorn.run(
            "sohoa.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=web_workers,
            proxy_headers=False,
        )
        return
    from sohoa.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False)


def _catalog() -> Any:
    from archive import Catalog

    catalog = Catalog(load_settings().catalog_url)
    catalog.create()
    return catalog


def _password(value: str | None) -> str:
    if value:
        return value
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@cli.group("unit")
def unit_group() -> None:
    """Units (đơn vị): officials see the conditional (02) records of their own unit."""


@unit_group.command("add")
@click.argument("code")
@click.option("--name", default="", help="Full name of the unit.")
@boundary
def unit_add(code: str, name: str) -> None:
    from archive import accounts

    unit_id = accounts.create_unit(_catalog(), code, name=name, actor=os.environ.get("USER", ""))
    out.print(f"unit {code} (id {unit_id})")


@unit_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def unit_list(as_json: bool) -> None:
    from archive import accounts

    units = accounts.list_units(_catalog())
    if as_json:
        out.print_json(json.dumps(units, ensure_ascii=False, default=str))
        return
    for u in units:
        out.print(f"{escape(u['code'])}\t{escape(u['name'])}")


@cli.group("user")
def user_group() -> None:
    """Web app users: admin, staff (digitisation) and official (search) roles."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staff", "official"]), required=True)
@click.option("--unit", help="Unit code (officials see their unit's conditional records).")
@click.option("--full-name", default="")
@click.option("--password", help="The password (prompted when omitted).")
@boundary
def user_add(
    username: str, role: str, unit: str | None, full_name: str, password: str | None
) -> None:
    from archive import accounts

    catalog = _catalog()
    user_id = accounts.create_user(
        catalog,
        username,
        _password(password),
        role=role,
        unit=unit,
        full_name=full_name,
        actor=os.environ.get("USER", ""),
    )
    out.print(f"user {username} ({role}, id {user_id})")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def user_list(as_json: bool) -> None:
    from archive import accounts

    users = accounts.list_users(_catalog())
    if as_json:
        out.print_json(json.dumps(users, ensure_ascii=False, default=str))
        return
    table = Table()
    for col in ("user", "name", "role", "unit", "active", "failed logins"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u["username"],
            u["full_name"],
            u["role"],
            u["unit"] or "",
            str(u["active"]),
            str(u["failed_logins"]),
        )
    out.print(table)


@user_group.command("deactivate")
@click.argument("username")
@boundary
def user_deactivate(username: str) -> None:
    from archive import accounts

    accounts.set_active(_catalog(), username, False, actor=os.environ.get("USER", ""))
    out.print(f"user {username} deactivated")


@user_group.command("activate")
@click.argument("username")
@boundary
def user_activate(username: str) -> None:
    from archive import accounts

    accounts.set_active(_catalog(), username, True, actor=os.environ.get("USER", ""))
    out.print(f"user {username} activated (failed logins reset)")


@user_group.command("password")
@click.argument("username")
@click.option("--password", help="The new password (prompted when omitted).")
@boundary
def user_password(username: str, password: str | None) -> None:
    from archive import accounts

    accounts.set_password(
        _catalog(), username, _password(password), actor=os.environ.get("USER", "")
    )
    out.print(f"password of {username} changed")


@cli.command("access")
@click.argument("record")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option(
    "--mode",
    type=click.Choice(["01", "02", "03"]),
    help="01 public, 02 conditional (own unit), 03 secret (explicit grant).",
)
@click.option("--unit", help="Unit that owns the record.")
@click.option("--no-unit", is_flag=True, help="The record belongs to no unit.")
@boundary
def access_cmd(
    record: str, fonds: str | None, mode: str | None, unit: str | None, no_unit: bool
) -> None:
    """Show or set a record's access mode and unit (its documents are re-indexed)."""
    from archive import accounts
    from sohoa.services.access import set_record_access

    ctx = _context(load_settings())
    try:
        record_id = accounts.find_record(ctx.catalog, record, fonds=fonds)
        if mode or unit or no_unit:
            docs = set_record_access(
                ctx,
                record_id,
                mode=mode,
                unit=unit,
                clear_unit=no_unit,
                actor=os.environ.get("USER", ""),
            )
            out.print(f"{len(docs)} documents re-indexed")
        info = accounts.record_info(ctx.catalog, record_id)
    finally:
        ctx.close()
    out.print(
        f"{escape(info['fonds'])}/{escape(info['code'])}: access {info['access_mode']}, "
        f"unit {escape(info['unit'] or '-')}"
    )


@cli.command("grant")
@click.argument("record")
@click.argument("username")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option("--revoke", is_flag=True, help="Withdraw the grant instead.")
@boundary
def grant_cmd(record: str, username: str, fonds: str | None, revoke: bool) -> None:
    """Let USERNAME see RECORD whatever its access mode (or --revoke)."""
    from archive import accounts

    catalog = _catalog()
    record_id = accounts.find_record(catalog, record, fonds=fonds)
    actor = os.environ.get("USER", "")
    if revoke:
        done = accounts.revoke(catalog, record_id, username, actor=actor)
        out.print(f"grant of {record} to {username} {'revoked' if done else 'did not exist'}")
    else:
        accounts.grant(catalog, record_id, username, actor=actor)
        out.print(f"{username} may see {record}")


def main() -> None:
    cli(prog_name="sohoa")


if __name__ == "__main__":
    main()
