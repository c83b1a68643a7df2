"""Commands that look into the archive: search, documents, stats."""

from __future__ import annotations

import re
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from sohoa.cli.console import (
    boundary,
    open_ctx,
    out,
    print_json,
    print_json_items,
    print_rows,
    size,
)
from sohoa.config import load_settings


def _highlight(snippet: str) -> str:
    return re.sub(r"\\\[\\\[(.+?)\]\]", r"[bold yellow]\1[/]", escape(snippet))


def _hits_json(found: Any) -> dict[str, Any]:
    results, paths = found.results, found.pdf_paths
    return {
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


def _print_hits(found: Any) -> None:
    results, paths = found.results, found.pdf_paths
    if not results.hits:
        out.print("no documents found")
        return
    total = results.total if results.total_exact else f"at least {results.total}"
    out.print(f"{total} documents found")
    for rank, h in enumerate(results.hits, start=1):
        head = " · ".join(x for x in (h.number, h.type_name, h.issued, h.organ) if x)
        out.print(f"[bold]{rank}. {escape(head or 'document ' + str(h.document_id))}[/]")
        if h.title:
            out.print(f"   {escape(h.title)}")
        pages = ", ".join(str(p.page_no) for p in h.pages)
        out.print(f"   pages {pages} · {escape(paths.get(h.document_id) or '')}")
        for p in [p for p in h.pages if p.snippet][:3]:
            out.print(f"   p.{p.page_no}: {_highlight(p.snippet)}")


@click.command("search")
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
    from sohoa.services import search

    ctx = open_ctx(load_settings())
    try:
        found = search.find_documents(
            ctx,
            " ".join(query),
            type=doc_type,
            organ=organ,
            date_from=date_from,
            date_to=date_to,
            number=number,
            limit=limit,
        )
    finally:
        ctx.close()
    if as_json:
        print_json(_hits_json(found))
        return
    _print_hits(found)


@click.command()
@click.option("--batch", "batch_id", type=int, help="Only this batch.")
@click.option("--after", type=int, help="Only documents with an id above this one.")
@click.option("--limit", type=int, help="At most this many documents (a page).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def documents(batch_id: int | None, after: int | None, limit: int | None, as_json: bool) -> None:
    """List documents with their files, metadata and page states."""
    from sohoa.services.documents import iter_documents, list_documents

    ctx = open_ctx(load_settings())
    try:
        # Without --limit the documents are read a keyset page at a time, and both the JSON
        # and the table are written as they come.
        if limit is None:
            docs = iter_documents(ctx, batch_id=batch_id, after=after)
        else:
            docs = iter(list_documents(ctx, batch_id=batch_id, after=after, limit=limit))
        if as_json:
            print_json_items(docs)
            return
        print_rows(
            ("id", "record", "name", "state", "number", "date", "type", "pages", "PDF/A"),
            (
                (
                    str(d["id"]),
                    d["record"] or "",
                    d["name"] or "",
                    d["state"] or "",
                    d["number"] or "",
                    d["issued_date"] or "",
                    d["type_name"] or "",
                    str(len(d["pages"])),
                    (d["pdfa"] or {}).get("path", ""),
                )
                for d in docs
            ),
        )
    finally:
        ctx.close()


def _summary_table(figures: dict[str, Any]) -> Table:
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
    summary.add_row("originals stored", size(b["originals"]))
    summary.add_row("PDF/A stored", size(b["pdfa"]))
    summary.add_row("OCR output stored", size(b["ocr"]))
    return summary


def _fonds_table(figures: dict[str, Any]) -> Table:
    table = Table(title="per fonds")
    for col in ("fonds", "records", "documents", "archived", "pages", "PDF/A"):
        table.add_column(col)
    for f in figures["per_fonds"]:
        table.add_row(
            f["fonds"],
            str(f["records"]),
            str(f["documents"]),
            str(f["documents_archived"]),
            str(f["pages"]),
            size(f["pdfa_bytes"]),
        )
    return table


def _batch_table(figures: dict[str, Any]) -> Table:
    table = Table(title="per batch")
    for col in ("batch", "name", "started", "documents", "pages", "failed pages"):
        table.add_column(col)
    for row in figures["per_batch"]:
        table.add_row(
            str(row["batch"]),
            row["name"],
            (row["started"] or "")[:19],
            str(row["documents"]),
            str(row["pages"]),
            str(row["pages_failed"]),
        )
    return table


def _record_table(rows: list[dict[str, Any]]) -> Table:
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
            size(r["totalSize"]),
        )
    return table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--records", "per_record", is_flag=True, help="Also each record: dates, documents, pages."
)
@click.option("--fonds", help="With --records: only this fonds.")
@boundary
def stats(as_json: bool, per_record: bool, fonds: str | None) -> None:
    """Pages, bytes stored, records and documents; per fonds and per batch."""
    from sohoa.services.statistics import archive_figures

    ctx = open_ctx(load_settings())
    try:
        figures = archive_figures(ctx, per_record=per_record, fonds=fonds)
    finally:
        ctx.close()
    if as_json:
        print_json(figures)
        return
    out.print(_summary_table(figures))
    out.print(_fonds_table(figures))
    out.print(_batch_table(figures))
    if per_record:
        out.print(_record_table(figures["per_record"]))
