"""The stages wired together: intake, recognise a page, package a document, index it.

Each stage is a plain function of ``(Context, id)`` that reads what it needs from the catalog,
does its work, and records the result in the catalog. Each is idempotent: a stage called
again for work already done returns without doing anything, which is what makes resuming
after a crash and re-delivered queue messages safe. The Dramatiq actors in
``sohoa.actors`` are thin wrappers around these functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

import archive
import metadata
import ocr
import search
from archive import Catalog, PageSource
from archive.storage import atomic_path, atomic_write, copy_atomic, fsync_dir, sha256_file
from errors import InputError, SohoaError, ToolError, ToolTimeoutError
from ingest import find_manifest, read_manifest
from ingest.discover import plan_batch
from ingest.sources import SourceFile, inspect_file, load_page, pdf_page_text
from sohoa.claims import ClaimKeeper
from sohoa.config import Settings

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    "tiff": "image/tiff",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}
SUFFIXES = {"tiff": ".tif", "jpeg": ".jpg", "png": ".png", "pdf": ".pdf"}


@dataclass
class Context:
    """What every stage needs; built once per process by :func:`open_context`."""

    settings: Settings
    catalog: Catalog
    index: search.SearchIndex
    claims: ClaimKeeper

    @property
    def home(self) -> Path:
        return self.settings.home

    def close(self) -> None:
        self.claims.close()
        self.index.close()
        self.catalog.close()


def open_context(settings: Settings) -> Context:
    settings.home.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.catalog_url)
    catalog.create()
    index_path = catalog.sqlite_path or str(settings.home / "search.sqlite")
    index = search.open_index(
        settings.search or index_path,
        username=settings.search_user or None,
        password=settings.search_password or None,
        api_key=settings.search_api_key or None,
        ca_certs=settings.search_ca_certs or None,
        verify_certs=settings.search_verify,
    )
    claims = ClaimKeeper(catalog, lease=settings.lease)
    return Context(settings=settings, catalog=catalog, index=index, claims=claims)


# ---------------------------------------------------------------------- intake


@dataclass
class IntakeReport:
    batch_id: int
    new_documents: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    pages: int = 0
    # every document of the batch (name relative to the batch -> id), duplicates included
    documents: dict[str, int] = field(default_factory=dict)
    manifest: archive.ManifestReport | None = None


def _safe_part(text: str) -> str:
    cleaned = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._")
    return cleaned or "x"


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
        existing = ctx.catalog.find_document(source_key)
        if existing is not None:
            if existing["state"] != "failed":
                report.duplicates.append(doc.name)
                report.documents[doc.name] = existing["id"]
                continue
            if not ctx.catalog.forget_failed_document(existing["id"]):
                log.warning(
                    "%s: document %s failed after parts were split off it; "
                    "run `sohoa retry` to redo it",
                    doc.name,
                    existing["id"],
                )
                report.duplicates.append(doc.name)
                report.documents[doc.name] = existing["id"]
                continue
        # --fonds, else the fonds the manifest gives for the record, else SOHOA_FONDS
        record_fonds = fonds or (staff and staff.fonds_for(record_code)) or fonds_code
        record_id = ctx.catalog.ensure_record(record_fonds, record_code)
        file_ids = [_store_original(ctx, f, sha) for f, sha in zip(doc.files, hashes, strict=True)]
        pages: list[PageSource] = []
        error = None
        try:
            for file_id, path in zip(file_ids, doc.files, strict=True):
                src: SourceFile = inspect_file(
                    path,
                    max_pixels=ctx.settings.max_pixels,
                    max_bytes=ctx.settings.max_file_bytes,
                )
                pages.extend(PageSource(file_id, i, src.kind) for i in range(src.pages))
        except InputError as exc:
            error = str(exc)
            pages = []
        doc_id, page_ids = ctx.catalog.add_document(
            record_id=record_id,
            batch_id=batch_id,
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


# ------------------------------------------------------------------- recognise


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


def _recognise_claimed(ctx: Context, page_id: int, job: dict) -> int | None:
    doc_id = job["document_id"]
    claim = job["claim"]
    source = ctx.home / job["source_path"]
    name = f"{job['source_name']}"
    s = ctx.settings
    try:
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
            result = text_layer
        else:
            prepared, reading = ocr.recognise_page(
                loaded.image,
                dpi=loaded.dpi,
                save=save,
                languages=s.languages,
                ocr_timeout=s.ocr_timeout,
                osd_timeout=s.osd_timeout,
                thresholding=s.thresholding,
            )
            result = reading or ocr.OcrResult(
                lines=(),
                width=prepared.image.width,
                height=prepared.image.height,
                dpi=loaded.dpi,
                engine="none (blank page)",
                languages=s.languages,
            )
        ocr_rel = f"ocr/{doc_id}/{job['seq']:04d}.json"
        payload = json.dumps(result.to_dict(), ensure_ascii=False).encode()
        with atomic_write(ctx.home / ocr_rel) as fh:
            fh.write(payload)
        ocr_file_id = ctx.catalog.register_file(
            kind="ocr",
            path=ocr_rel,
            size=len(payload),
            sha256=hashlib.sha256(payload).hexdigest(),
            media_type="application/json",
        )
    except (InputError, ToolTimeoutError) as exc:
        _fail_page(ctx, page_id, doc_id, _page_error(name, job["source_index"], exc), claim)
        return None
    except ToolError as exc:
        if not exc.permanent and job["attempts"] < 3:
            raise  # released by recognise_page; the actor's retry policy tries again
        _fail_page(ctx, page_id, doc_id, _page_error(name, job["source_index"], exc), claim)
        return None
    facts = {
        "dpi": loaded.dpi,
        "width": prepared.image.width,
        "height": prepared.image.height,
        "rotation": prepared.rotation,
        "skew": round(prepared.skew, 3),
        "blank": prepared.blank,
        "text_source": "pdf" if text_layer is not None else "ocr",
        "ocr_engine": result.engine,
        "languages": result.languages,
        "mean_conf": result.mean_conf,
        "text": result.text,
        "ocr_file_id": ocr_file_id,
        "work_path": str(work.relative_to(ctx.home)),
    }
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


# --------------------------------------------------------------------- package


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
    if not rel:
        return None
    data = json.loads((ctx.home / rel).read_text(encoding="utf-8"))
    return ocr.OcrResult.from_dict(data)


def _reread_for(ctx: Context, job: dict) -> metadata.Reread:
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
            )

    return reread


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
    empty = ocr.OcrResult(lines=(), width=0, height=0, dpi=0.0)
    starts = metadata.document_starts_detail([r if r is not None else empty for r in results])
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
        readings = [
            r if r is not None else ocr.OcrResult(lines=(), width=0, height=0, dpi=0.0)
            for r in results
        ]
        from_pdf = all(p["text_source"] == "pdf" for p in job["pages"])
        fields_again = ctx.settings.reread_fields
        reread = _reread_for(ctx, job) if fields_again and not from_pdf else None
        meta = (
            metadata.extract_document(readings, reread=reread, reread_fields=fields_again)
            if any(r.lines for r in readings)
            else None
        )
        columns = document_columns(meta, job["fields"] or {})
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
        rel = pdfa_relpath(job["fonds_code"], job["record_code"], job["seq"])
        target = ctx.home / rel
        # Built under a private temporary name; published (renamed) only by the claim holder.
        staging = target.with_name(f".tmp-{claim}{target.suffix}")
        archive.build_pdfa(
            pages,
            staging,
            info=info,
            part=ctx.settings.pdfa,
            jpeg_quality=ctx.settings.jpeg_quality,
        )
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
    _drop_work_files(ctx, job)
    return True


def _drop_work_files(ctx: Context, job: dict) -> None:
    """The prepared page images are only needed until the PDF/A holds them."""
    for p in job["pages"]:
        if p["work_path"]:
            (ctx.home / p["work_path"]).unlink(missing_ok=True)


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


def _index_entries(job: dict) -> list[search.PageEntry]:
    return [page_entry(job, {**p, "document_id": job["id"]}) for p in job["pages"]]


def index_document(ctx: Context, doc_id: int) -> bool:
    """Put a packaged document's pages into the search index (idempotent by page id)."""
    job = ctx.catalog.document_job(doc_id)
    if job["state"] != "packaged":
        return False
    # A run killed between publishing the PDF/A and removing the page images resumes here.
    _drop_work_files(ctx, job)
    ctx.index.index_pages(_index_entries(job))  # idempotent: keyed by page id
    return ctx.catalog.document_indexed(doc_id)


def refresh_index(ctx: Context, doc_id: int) -> None:
    """Re-index an archived document after its metadata changed (staff review)."""
    job = ctx.catalog.document_job(doc_id)
    if job["state"] == "indexed":
        ctx.index.index_pages(_index_entries(job))
