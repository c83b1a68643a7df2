"""The stages wired together: intake, recognise a page, package a document, index it.

Each stage is a plain function of ``(Context, id)`` that reads what it needs from the catalog,
does its work, and records the result in the catalog. Each is idempotent: a stage called
again for work already done returns without doing anything, which is what makes resuming
after a crash and re-delivered queue messages safe. The Dramatiq actors in
``sohoa.actors`` are thin wrappers around these functions.

One module per stage: ``context`` (what every stage needs), ``registration`` (intake),
``recognise``, ``package`` and ``indexing``; their public names are importable from here.
"""

from __future__ import annotations

from sohoa.pipeline.context import Context, open_context
from sohoa.pipeline.indexing import index_document, index_entries, page_entry, refresh_index
from sohoa.pipeline.package import (
    document_columns,
    drop_work_files,
    load_ocr,
    package_document,
    pdfa_relpath,
    reread_for,
)
from sohoa.pipeline.recognise import recognise_page, record_page_crash
from sohoa.pipeline.registration import IntakeReport, intake

__all__ = [
    "Context",
    "IntakeReport",
    "document_columns",
    "drop_work_files",
    "index_document",
    "index_entries",
    "intake",
    "load_ocr",
    "open_context",
    "package_document",
    "page_entry",
    "pdfa_relpath",
    "recognise_page",
    "record_page_crash",
    "refresh_index",
    "reread_for",
]
