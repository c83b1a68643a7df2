"""Commands about records (hồ sơ): record show, export (TT05 package), export-metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from sohoa.cli.console import boundary, open_ctx, out, print_json, size
from sohoa.config import load_settings


@click.group("record")
def record_group() -> None:
    """Records (hồ sơ): their TT05 fields, staff-entered and derived."""


def _print_summary(summary: dict[str, Any]) -> None:
    from archive.records import RECORD_LABELS

    table = Table(title=f"record {escape(summary['code'])} (fonds {escape(summary['fonds'])})")
    for col in ("TT05 tag", "field", "value", "source"):
        table.add_column(col)
    for tag, label in RECORD_LABELS.items():
        table.add_row(
            tag, label, escape(str(summary["tt05"][tag])), summary["sources"].get(tag, "")
        )
    out.print(table)
    out.print(f"PDF/A stored: {size(summary['derived']['totalSize'])}")
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


@record_group.command("show")
@click.argument("code")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def record_show(code: str, fonds: str | None, as_json: bool) -> None:
    """Show record CODE: manifest fields, derived dates and counts, its documents."""
    from sohoa.services import records

    ctx = open_ctx(load_settings())
    try:
        summary = records.summary(ctx, code, fonds=fonds)
    finally:
        ctx.close()
    if as_json:
        print_json(summary)
        return
    _print_summary(summary)


@click.command("export")
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
    from sohoa.services import records

    ctx = open_ctx(load_settings())
    try:
        path = records.export_package(ctx, record, fonds=fonds, out_dir=out_dir, as_zip=as_zip)
    finally:
        ctx.close()
    out.print(f"package written: {path}")


@click.command("export-metadata")
@click.option("--fonds", help="Only this fonds (default: every fonds).")
@click.option("--query", help="Only the documents this search finds.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@boundary
def export_metadata_cmd(fonds: str | None, query: str | None, fmt: str, out_path: Path) -> None:
    """Write the documents' metadata (TT05 fields, with provenance in JSON) as CSV or JSON."""
    from sohoa.services import records

    ctx = open_ctx(load_settings())
    try:
        count = records.export_metadata(ctx, fonds=fonds, query=query, fmt=fmt, out=out_path)
    finally:
        ctx.close()
    out.print(f"{count} documents written to {out_path}")
