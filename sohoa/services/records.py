"""Records (hồ sơ): their TT05 summary, and their export as an archival package or as a
table of their documents' metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.export import export_metadata as write_metadata
from archive.export import export_record as write_package
from archive.records import find_record, record_summary
from sohoa.pipeline import Context
from sohoa.services.search import document_ids


def summary(ctx: Context, code: str, *, fonds: str | None = None) -> dict[str, Any]:
    """Record ``code``: its staff-entered and derived TT05 fields, conflicts, documents."""
    return record_summary(ctx.catalog, find_record(ctx.catalog, code, fonds=fonds))


def export_package(
    ctx: Context, record: str, *, fonds: str | None, out_dir: Path, as_zip: bool = False
) -> Path:
    """Write ``record`` (of ``fonds``, default SOHOA_FONDS) as a TT05 AIP_hoso package;
    returns the package folder, or the zip file with ``as_zip``."""
    return write_package(
        ctx.catalog,
        ctx.home,
        fonds=fonds or ctx.settings.fonds,
        record=record,
        out_dir=out_dir,
        zip=as_zip,
    )


def export_metadata(
    ctx: Context, *, fonds: str | None, query: str | None, fmt: str, out: Path
) -> int:
    """Write the documents' metadata (of ``fonds``, or those ``query`` finds) as CSV or
    JSON; returns how many documents were written."""
    ids = document_ids(ctx, query, limit=1000) if query else None
    return write_metadata(ctx.catalog, fonds=fonds, document_ids=ids, format=fmt, out=out)
