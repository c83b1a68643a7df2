"""The intake stage: register a batch's documents, their stored originals and their pages.

Documents already archived (same files by checksum) are skipped; documents that failed
before are registered afresh. A file that cannot be read fails its document only. A
manifest supplies staff-entered record and document fields.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import archive
from archive import PageSource
from archive.storage import copy_atomic, sha256_file
from errors import InputError
from ingest import find_manifest, read_manifest
from ingest.discover import DocumentPlan, plan_batch
from ingest.sources import SourceFile, inspect_file
from sohoa.pipeline.context import Context
from sohoa.pipeline.indexing import refresh_index

log = logging.getLogger(__name__)


@dataclass
class IntakeReport:
    """What intake registered: new documents, duplicates, rejected files, the manifest."""

    batch_id: int
    new_documents: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    pages: int = 0
    # every document of the batch (name relative to the batch -> id), duplicates included
    documents: dict[str, int] = field(default_factory=dict)
    manifest: archive.ManifestReport | None = None


def _store_original(ctx: Context, path: Path, sha: str) -> int:
    """Keep the scanner's file under originals/, once per content (by SHA-256)."""
    existing = ctx.catalog.find_file("original", sha)
    if existing is not None and (ctx.home / existing["path"]).exists():
        return existing["id"]
    suffix = path.suffix.lower()[:10] if path.suffix else ""
    rel = f"originals/{sha[:2]}/{sha}{suffix}"
    copy_atomic(path, ctx.home / rel)
    return ctx.catalog.register_file(
        kind="original",
        path=rel,
        size=path.stat().st_size,
        sha256=sha,
        media_type="",
        original_name=str(path),
    )


def _already_archived(ctx: Context, name: str, source_key: str, report: IntakeReport) -> bool:
    """True (and noted as a duplicate) when the same files are archived or kept already."""
    existing = ctx.catalog.find_document(source_key)
    if existing is None:
        return False
    if existing["state"] != "failed":
        report.duplicates.append(name)
        report.documents[name] = existing["id"]
        return True
    if ctx.catalog.forget_failed_document(existing["id"]):
        return False
    log.warning(
        "%s: document %s failed after parts were split off it; run `sohoa retry` to redo it",
        name,
        existing["id"],
    )
    report.duplicates.append(name)
    report.documents[name] = existing["id"]
    return True


def _page_sources(ctx: Context, file_ids: list[int], files: list[Path]) -> list[PageSource]:
    """Every page of the document's files (raises InputError for a file it cannot read)."""
    pages: list[PageSource] = []
    for file_id, path in zip(file_ids, files, strict=True):
        src: SourceFile = inspect_file(
            path,
            max_pixels=ctx.settings.max_pixels,
            max_bytes=ctx.settings.max_file_bytes,
        )
        pages.extend(PageSource(file_id, i, src.kind) for i in range(src.pages))
    return pages


def _register_document(
    ctx: Context,
    report: IntakeReport,
    doc: DocumentPlan,
    *,
    record_id: int,
    hashes: list[str],
    source_key: str,
) -> None:
    """Store one document's originals and register it with its pages (or its rejection)."""
    file_ids = [_store_original(ctx, f, sha) for f, sha in zip(doc.files, hashes, strict=True)]
    error = None
    try:
        pages = _page_sources(ctx, file_ids, list(doc.files))
    except InputError as exc:
        error = str(exc)
        pages = []
    doc_id, page_ids = ctx.catalog.add_document(
        record_id=record_id,
        batch_id=report.batch_id,
        name=doc.name,
        source_key=source_key,
        source_files=file_ids,
        pages=pages,
        error=error,
    )
    report.documents[doc.name] = doc_id
    if error:
        report.rejected.append((doc.name, error))
    else:
        report.new_documents.append(doc_id)
        report.pages += len(page_ids)


def intake(
    ctx: Context,
    batch_dir: Path,
    *,
    fonds: str | None = None,
    record: str | None = None,
    operator: str = "",
    manifest: Path | None = None,
) -> IntakeReport:
    """Register a batch: every document, its stored originals and its pages.

    Documents already archived (same files by checksum) are skipped; documents that failed
    before are registered afresh. A file that cannot be read fails its document only.
    ``manifest`` (else a ``manifest.csv``/``.xlsx`` at the top of the batch) supplies
    staff-entered record and document fields; its bad rows are reported and skipped.
    """
    manifest = Path(manifest) if manifest is not None else find_manifest(batch_dir)
    staff = read_manifest(manifest) if manifest is not None else None
    plan = plan_batch(batch_dir, record=record, skip=[manifest] if manifest is not None else [])
    fonds_code = fonds or ctx.settings.fonds
    batch_id = ctx.catalog.begin_batch(plan.name, str(Path(batch_dir).resolve()), operator=operator)
    report = IntakeReport(batch_id=batch_id)
    for record_code, doc in plan.documents:
        hashes = [sha256_file(f) for f in doc.files]
        source_key = hashlib.sha256("\n".join(hashes).encode()).hexdigest()
        if _already_archived(ctx, doc.name, source_key, report):
            continue
        # --fonds, else the fonds the manifest gives for the record, else SOHOA_FONDS
        record_fonds = fonds or (staff and staff.fonds_for(record_code)) or fonds_code
        record_id = ctx.catalog.ensure_record(record_fonds, record_code)
        _register_document(
            ctx, report, doc, record_id=record_id, hashes=hashes, source_key=source_key
        )
    if staff is not None:
        report.manifest = archive.apply_manifest(
            ctx.catalog,
            staff,
            fonds=fonds_code,
            documents=report.documents,
            batch_id=batch_id,
            actor=operator or "sohoa",
            fonds_override=fonds is not None,
        )
        for doc_id in report.manifest.documents:
            refresh_index(ctx, doc_id)  # documents archived before: search shows staff values
    return report
