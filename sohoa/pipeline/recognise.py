"""The recognise stage: one page loaded, prepared (orientation, deskew) and read by OCR.

A PDF page that carries text keeps it (no OCR); every other page goes through
``ocr.recognise_page`` and, with ``SOHOA_CORRECT`` on, ``ocr.correct_result``: the JSON keeps
the raw words in ``extra["correction"]``, the catalog text (hence the index and the PDF/A text
layer) is the corrected one. The prepared image waits under ``work/`` for the package stage and
the reading is stored as JSON under ``ocr/``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

import ocr
from archive.storage import atomic_path, atomic_write
from errors import InputError, SohoaError, ToolError, ToolTimeoutError
from ingest.sources import load_page, pdf_page_text
from sohoa.pipeline.context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Reading:
    """A page as prepared and read: its image facts, its text, where its files are."""

    dpi: float
    prepared: ocr.PreparedPage
    result: ocr.OcrResult
    from_pdf: bool
    work: Path


def _work_path(ctx: Context, page_id: int) -> Path:
    return ctx.home / "work" / f"{page_id}.pnm"


def _save_pnm(image: Image.Image, target: Path) -> None:
    """Uncompressed PBM/PGM/PPM: the fastest format for tesseract and the packager to read."""
    with atomic_path(target) as tmp:
        image.save(tmp, format="PPM")


def recognise_page(ctx: Context, page_id: int) -> int | None:
    """Prepare and recognise one page. Returns the document id when this page completed its
    document (the caller then queues packaging), otherwise None."""
    job = ctx.catalog.claim_page(page_id, lease=ctx.settings.lease)
    if job is None:
        return None  # done already, failed, or another worker holds it
    try:
        with ctx.claims.holding("page", page_id, job["claim"]):
            return _recognise_claimed(ctx, page_id, job)
    except BaseException:
        # A bug or an interruption: give the page back so a retry (or a resumed run) can
        # take it at once instead of waiting for the lease to expire.
        ctx.catalog.release_page(page_id, claim=job["claim"])
        raise


def _read_page(ctx: Context, page_id: int, job: dict) -> _Reading:
    """Load the page, keep a PDF's own text or prepare and OCR the image."""
    s = ctx.settings
    source = ctx.home / job["source_path"]
    text_layer = None
    if job["source_kind"] == "pdf" and not s.force_ocr:
        text_layer = pdf_page_text(source, job["source_index"], dpi=s.rasterise_dpi)
    loaded = load_page(
        source,
        job["source_index"],
        kind=job["source_kind"],
        max_pixels=s.max_pixels,
        default_dpi=s.default_dpi,
        rasterise_dpi=s.rasterise_dpi,
    )
    work = _work_path(ctx, page_id)

    def save(image: Image.Image) -> Path:
        _save_pnm(image, work)
        return work

    if text_layer is not None:
        # The page keeps its own text and geometry: no rotation, no deskew, no OCR.
        prepared = ocr.PreparedPage(image=loaded.image, rotation=0, skew=0.0, blank=False)
        save(prepared.image)
        return _Reading(loaded.dpi, prepared, text_layer, from_pdf=True, work=work)
    prepared, reading = ocr.recognise_page(
        loaded.image,
        dpi=loaded.dpi,
        save=save,
        languages=s.languages,
        ocr_timeout=s.ocr_timeout,
        osd_timeout=s.osd_timeout,
        thresholding=s.thresholding,
        clean=s.clean_steps,
        tessdata=s.tessdata or None,
    )
    if reading is not None and s.correct:
        reading = ocr.correct_result(reading)
    result = reading or ocr.OcrResult(
        lines=(),
        width=prepared.image.width,
        height=prepared.image.height,
        dpi=loaded.dpi,
        engine="none (blank page)",
        languages=s.languages,
    )
    return _Reading(loaded.dpi, prepared, result, from_pdf=False, work=work)


def _store_reading(ctx: Context, doc_id: int, seq: int, result: ocr.OcrResult) -> int:
    """Write the reading as JSON under ``ocr/`` and register the file; returns its id."""
    ocr_rel = f"ocr/{doc_id}/{seq:04d}.json"
    payload = json.dumps(result.to_dict(), ensure_ascii=False).encode()
    with atomic_write(ctx.home / ocr_rel) as fh:
        fh.write(payload)
    return ctx.catalog.register_file(
        kind="ocr",
        path=ocr_rel,
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        media_type="application/json",
    )


def _facts(ctx: Context, reading: _Reading, ocr_file_id: int) -> dict[str, Any]:
    """The page's catalog columns once recognised."""
    prepared, result = reading.prepared, reading.result
    processing = processing_facts(result)
    return {
        "dpi": reading.dpi,
        "width": prepared.image.width,
        "height": prepared.image.height,
        "rotation": prepared.rotation,
        "skew": round(prepared.skew, 3),
        "blank": prepared.blank,
        "text_source": "pdf" if reading.from_pdf else "ocr",
        "ocr_engine": result.engine,
        "languages": result.languages,
        "mean_conf": result.mean_conf,
        "words_corrected": processing.get("words_corrected"),
        "processing": processing or None,
        "text": result.text,
        "ocr_file_id": ocr_file_id,
        "work_path": str(reading.work.relative_to(ctx.home)),
    }


def processing_facts(result: ocr.OcrResult) -> dict[str, Any]:
    """What was done to a page before and after recognition, as stored in the catalog: the
    preparation steps applied (and why), why it was turned and deskewed (or left), the words
    the post-correction changed."""
    facts: dict[str, Any] = {}
    preparation = result.extra.get("preparation")
    if preparation:
        facts["preparation"] = {
            "applied": list(preparation.get("applied", [])),
            "reasons": dict(preparation.get("reasons", {})),
        }
    geometry = result.extra.get("geometry")
    if geometry:  # why the page was turned and straightened, or left as it was
        facts["geometry"] = {k: dict(v) for k, v in geometry.items()}
    correction = result.extra.get("correction")
    if correction is not None:
        facts["words_corrected"] = int(correction.get("changed", 0))
    return facts


def _recognise_claimed(ctx: Context, page_id: int, job: dict) -> int | None:
    doc_id = job["document_id"]
    claim = job["claim"]
    name = f"{job['source_name']}"
    try:
        reading = _read_page(ctx, page_id, job)
        ocr_file_id = _store_reading(ctx, doc_id, job["seq"], reading.result)
    except (InputError, ToolTimeoutError) as exc:
        _fail_page(ctx, page_id, doc_id, _page_error(name, job["source_index"], exc), claim)
        return None
    except ToolError as exc:
        if not exc.permanent and job["attempts"] < 3:
            raise  # released by recognise_page; the actor's retry policy tries again
        _fail_page(ctx, page_id, doc_id, _page_error(name, job["source_index"], exc), claim)
        return None
    facts = _facts(ctx, reading, ocr_file_id)
    return doc_id if ctx.catalog.page_recognised(page_id, doc_id, facts, claim=claim) else None


def _page_error(name: str, index: int, exc: SohoaError) -> str:
    """One sentence naming the file and page (messages from intake already name the file)."""
    text = str(exc)
    if name in text:
        return f"{text} (page {index + 1})"
    return f"{name}, page {index + 1}: {text}"


def record_page_crash(ctx: Context, page_id: int, exc: BaseException) -> None:
    """A bug, not bad input: fail the page with the exception so the batch can finish."""
    job = ctx.catalog.page_job(page_id)
    _fail_page(ctx, page_id, job["document_id"], f"internal error: {exc!r} (see the log)")


def _fail_page(
    ctx: Context, page_id: int, doc_id: int, message: str, claim: str | None = None
) -> None:
    log.warning("page %s failed: %s", page_id, message)
    ctx.catalog.page_failed(page_id, doc_id, message, stage="recognise", claim=claim)
