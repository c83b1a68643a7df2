"""The package stage: a recognised document's metadata extracted and its PDF/A built.

Pages that hold several documents are split first (``SOHOA_SPLIT``). The PDF/A is built
under a private temporary name and published (renamed into place) by the catalog
transaction that records it, only while this process still holds the document's claim.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

import archive
import metadata
import ocr
from archive.storage import fsync_dir, sha256_file
from errors import SohoaError
from sohoa.pipeline.context import Context

log = logging.getLogger(__name__)

EMPTY_READING = ocr.OcrResult(lines=(), width=0, height=0, dpi=0.0)


def document_columns(
    meta: metadata.DocumentMetadata | None, staff_fields: dict[str, Any]
) -> dict[str, Any]:
    """The document's catalog columns from extracted metadata (every field with its
    provenance under ``fields``); staff-entered fields (a manifest, a review) win."""
    fields: dict[str, Any] = meta.to_dict() if meta is not None else {}
    if meta is not None:
        fields["needs_review"] = meta.needs_review
        if meta.warnings:
            fields["warnings"] = list(meta.warnings)

    def value(name: str) -> str:
        item = getattr(meta, name, None) if meta is not None else None
        return item.value if item is not None else ""

    columns = {
        "number": (meta.number_symbol or "") if meta is not None else "",
        "issued_date": value("issued_date"),
        "type_code": value("type_code"),
        "type_name": value("type_name"),
        "organ": value("organ"),
        "summary": value("summary"),
        "fields": fields,
    }
    return archive.merge_staff_fields(columns, staff_fields)


def load_ocr(ctx: Context, rel: str | None) -> ocr.OcrResult | None:
    """A page's stored reading (``ocr/…json`` under the home), or None without one."""
    if not rel:
        return None
    data = json.loads((ctx.home / rel).read_text(encoding="utf-8"))
    return ocr.OcrResult.from_dict(data)


def reread_for(ctx: Context, job: dict) -> metadata.Reread:
    """``reread(page, box, scale=, languages=)``: the box read again from the page image."""

    def reread(
        page_no: int,
        box: tuple[int, int, int, int],
        *,
        scale: float | None = None,
        languages: str | None = None,
    ) -> str:
        page = job["pages"][page_no - 1]
        if not page["work_path"] or page["text_source"] != "ocr":
            return ""
        work = ctx.home / page["work_path"]
        with Image.open(work) as img:
            return ocr.read_region(
                img,
                box,
                dpi=page["dpi"] or ctx.settings.default_dpi,
                scale=scale,
                languages=languages or ctx.settings.languages,
                timeout=ctx.settings.ocr_timeout,
                workdir=work.parent,
                tessdata=ctx.settings.tessdata or None,
            )

    return reread


def _safe_part(text: str) -> str:
    cleaned = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._")
    return cleaned or "x"


def pdfa_relpath(fonds: str, record: str, seq: int) -> str:
    """TT05 file name: the record code, a dot, the document's sequence number in the record."""
    rec = _safe_part(record)
    return f"pdfa/{_safe_part(fonds)}/{rec}/{rec}.{seq:07d}.pdf"


def package_document(
    ctx: Context, doc_id: int, *, on_split: Callable[[list[int]], None] | None = None
) -> bool:
    """Extract metadata and build the document's PDF/A. Returns True when it packaged.

    When the document's pages hold several documents (see :func:`metadata.document_starts`;
    off with ``SOHOA_SPLIT=0``), it is split first: it keeps its first part and the new
    documents, waiting for packaging, are passed to ``on_split`` (the actor queues them).
    """
    claim = ctx.catalog.claim_document(doc_id, lease=ctx.settings.lease)
    if claim is None:
        return False  # packaged already, failed, or another worker holds it
    with ctx.claims.holding("document", doc_id, claim):
        return _package_claimed(ctx, doc_id, claim, on_split=on_split)


def _split_at_starts(
    ctx: Context,
    doc_id: int,
    claim: str,
    job: dict,
    results: list[ocr.OcrResult | None],
    on_split: Callable[[list[int]], None] | None,
) -> tuple[dict, list[ocr.OcrResult | None]] | None:
    """Split off the documents that start inside this one; None when the claim was lost.

    Each page is judged on its own, so packaging the first part again (a resumed run)
    finds no further start in it and splits nothing twice.
    """
    readings = [r if r is not None else EMPTY_READING for r in results]
    starts = metadata.document_starts_detail(readings)
    if len(starts) < 2:
        return job, results
    page_ids = [p["id"] for p in job["pages"]]
    bounds = [s.page for s in starts] + [len(page_ids)]
    parts = [page_ids[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    detail = {
        "source": job["name"],
        "parts": [
            {"pages": [a + 1, b], "reason": s.reason, "confidence": s.confidence}
            for s, a, b in zip(starts, bounds, bounds[1:], strict=False)
        ],
    }
    new_ids = ctx.catalog.split_claimed_document(doc_id, claim=claim, parts=parts, detail=detail)
    if new_ids is None:
        return None
    log.info("document %s holds %d documents: split off %s", doc_id, len(parts), new_ids)
    if on_split is not None:
        on_split(new_ids)
    return ctx.catalog.document_job(doc_id), results[: len(parts[0])]


def _extract(ctx: Context, job: dict, results: list[ocr.OcrResult | None]) -> dict[str, Any]:
    """The document's columns from its pages' readings (boxes re-read unless all from PDF)."""
    readings = [r if r is not None else EMPTY_READING for r in results]
    from_pdf = all(p["text_source"] == "pdf" for p in job["pages"])
    fields_again = ctx.settings.reread_fields
    reread = reread_for(ctx, job) if fields_again and not from_pdf else None
    meta = (
        metadata.extract_document(readings, reread=reread, reread_fields=fields_again)
        if any(r.lines for r in readings)
        else None
    )
    return document_columns(meta, job["fields"] or {})


def _build(
    ctx: Context, job: dict, results: list[ocr.OcrResult | None], columns: dict, staging: Path
) -> None:
    """Write the document's PDF/A (page images with their text layer) to ``staging``."""
    pages = [
        archive.PdfPage(
            image_path=ctx.home / p["work_path"],
            dpi=p["dpi"] or ctx.settings.default_dpi,
            ocr=r if r is not None and r.lines else None,
        )
        for p, r in zip(job["pages"], results, strict=True)
    ]
    info = archive.PdfInfo(
        title=columns["summary"] or Path(job["name"]).stem,
        creator=columns["organ"],
        subject=columns["summary"],
        identifier=columns["number"],
        date=columns["issued_date"],
        doc_type=columns["type_name"],
        language="vi",
    )
    archive.build_pdfa(
        pages,
        staging,
        info=info,
        part=ctx.settings.pdfa,
        jpeg_quality=ctx.settings.jpeg_quality,
    )


def _package_claimed(
    ctx: Context,
    doc_id: int,
    claim: str,
    *,
    on_split: Callable[[list[int]], None] | None = None,
) -> bool:
    job = ctx.catalog.document_job(doc_id)
    try:
        results = [load_ocr(ctx, p["ocr_path"]) for p in job["pages"]]
        if ctx.settings.split and len(results) > 1:
            kept = _split_at_starts(ctx, doc_id, claim, job, results, on_split)
            if kept is None:
                log.info("document %s: claim lost to another worker before splitting", doc_id)
                return False
            job, results = kept
        columns = _extract(ctx, job, results)
        rel = pdfa_relpath(job["fonds_code"], job["record_code"], job["seq"])
        target = ctx.home / rel
        # Built under a private temporary name; published (renamed) only by the claim holder.
        staging = target.with_name(f".tmp-{claim}{target.suffix}")
        _build(ctx, job, results, columns, staging)
        pdf = {
            "path": rel,
            "size": staging.stat().st_size,
            "sha256": sha256_file(staging),
            "media_type": "application/pdf",
            "original_name": job["name"],
        }
    except (SohoaError, OSError, ValueError) as exc:
        message = f"{job['name']}: packaging failed: {exc}"
        log.warning("document %s: %s", doc_id, message)
        ctx.catalog.document_failed(doc_id, message, stage="package", claim=claim)
        return False

    def publish() -> None:
        os.replace(staging, target)
        fsync_dir(target.parent)

    try:
        published = ctx.catalog.document_packaged(
            doc_id, claim=claim, pdf=pdf, columns=columns, publish=publish
        )
    finally:
        staging.unlink(missing_ok=True)
    if not published:
        log.info("document %s: claim lost to another worker; its copy is kept", doc_id)
        return False
    drop_work_files(ctx, job)
    return True


def drop_work_files(ctx: Context, job: dict) -> None:
    """Remove a document's prepared page images: only needed until the PDF/A holds them."""
    for p in job["pages"]:
        if p["work_path"]:
            (ctx.home / p["work_path"]).unlink(missing_ok=True)
