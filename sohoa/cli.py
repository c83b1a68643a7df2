"""The ``sohoa`` command line: a thin layer over the pipeline, catalog and search APIs.

This is the boundary where errors become exit codes (see ``sohoa.errors``) and the only
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

from ingest import SohoaError
from sohoa.config import Settings, load_settings
from sohoa.errors import ExitCode, exit_code_for

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
        report = pipeline.intake(ctx, batch_dir, fonds=fonds, record=record, operator=operator)
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
    from sohoa.archive_view import pdf_paths

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
@boundary
def stats(as_json: bool) -> None:
    """Pages, bytes stored, records and documents; per fonds and per batch."""
    from archive import stats as archive_stats

    ctx = _context(load_settings())
    try:
        figures = archive_stats.collect(ctx.catalog)
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
    from ingest import InputError
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


@cli.command("make-sample")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=0, show_default=True)
@boundary
def make_sample(folder: Path, seed: int) -> None:
    """Write a generated sample batch (Vietnamese administrative scans) into FOLDER."""
    from sohoa.synthetic_docs import make_sample_batch

    info = make_sample_batch(folder, seed=seed)
    out.print(f"sample batch written to {folder} ({len(info.get('documents', []))} documents)")


def main() -> None:
    cli(prog_name="sohoa")


if __name__ == "__main__":
    main()
