"""The index stage: a packaged document's pages into the search index, and re-indexing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import search
from sohoa.pipeline.context import Context
from sohoa.pipeline.package import drop_work_files


def page_entry(doc: Mapping[str, Any], page: Mapping[str, Any]) -> search.PageEntry:
    """One page as the index holds it, with its document's fields and who may see it
    (``doc`` and ``page`` may be one row, as in ``sohoa reindex``)."""
    return search.PageEntry(
        page_id=page["id"],
        document_id=page["document_id"],
        page_no=page["seq"],
        text=page["text"] or "",
        number=doc["number"],
        type_code=doc["type_code"],
        type_name=doc["type_name"],
        organ=doc["organ"],
        issued=doc["issued_date"],
        title=doc["summary"] or doc["name"],
        record=doc["record_code"],
        fonds=doc["fonds_code"],
        unit=doc.get("unit_code") or "",
        access=doc.get("access_mode") or "01",
    )


def index_entries(job: dict) -> list[search.PageEntry]:
    """The index entries of every page of a document job (``Catalog.document_job``)."""
    return [page_entry(job, {**p, "document_id": job["id"]}) for p in job["pages"]]


def index_document(ctx: Context, doc_id: int) -> bool:
    """Put a packaged document's pages into the search index (idempotent by page id)."""
    job = ctx.catalog.document_job(doc_id)
    if job["state"] != "packaged":
        return False
    # A run killed between publishing the PDF/A and removing the page images resumes here.
    drop_work_files(ctx, job)
    ctx.index.index_pages(index_entries(job))  # idempotent: keyed by page id
    return ctx.catalog.document_indexed(doc_id)


def refresh_index(ctx: Context, doc_id: int) -> None:
    """Re-index an archived document after its metadata changed (staff review)."""
    job = ctx.catalog.document_job(doc_id)
    if job["state"] == "indexed":
        ctx.index.index_pages(index_entries(job))
