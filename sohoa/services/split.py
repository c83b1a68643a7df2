"""Split and join: staff override of the boundaries of archived documents.

Both work on archived (packaged or indexed) documents without OCR: the new PDF/A files are
assembled from the pages of the existing ones (images and invisible text layer copied as
they are, the PDF/A document parts made afresh), the metadata is extracted again from the
pages' stored OCR, and the catalog changes in one transaction fenced by the documents'
current pages. The files are built under private temporary names and renamed into place
inside that transaction; each replaced PDF/A is kept under ``.../superseded/`` (its catalog
row says so), so ``sohoa audit`` stays clean and nothing archived is ever deleted. The search
index is updated afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pikepdf
from sqlalchemy import func, select

import archive
import metadata
import ocr
from archive import schema as t
from archive.catalog import DocumentPart
from archive.storage import fsync_dir, sha256_file
from errors import InputError, NotFoundError
from sohoa import pipeline
from sohoa.pipeline import Context

log = logging.getLogger(__name__)

ARCHIVED = ("packaged", "indexed")


@dataclass
class _Plan:
    """One resulting document: its pages (catalog rows) and where they are in the PDF/As."""

    document_id: int | None
    seq: int
    pages: list[dict[str, Any]]
    sources: list[tuple[Path, list[int]]]
    origin: list[tuple[int, int, int]]  # (document id, first page, last page), 1-based
    staff_fields: dict[str, Any]
    name: str
    target: str = ""  # stored path of its PDF/A
    staging: Path | None = None


def _archived_job(ctx: Context, doc_id: int) -> dict[str, Any]:
    job = ctx.catalog.document_job(doc_id)
    if job["state"] not in ARCHIVED:
        raise InputError(
            f"document {doc_id} is {job['state']}: only archived documents can be split or "
            "joined; wait until it is archived (sohoa status)"
        )
    with ctx.catalog.tx() as conn:
        path = conn.execute(
            select(t.stored_file.c.path).where(t.stored_file.c.id == job["pdf_file_id"])
        ).scalar()
    if path is None or not (ctx.home / path).exists():
        raise NotFoundError(
            f"the PDF/A of document {doc_id} is missing; run sohoa audit and restore it first"
        )
    job["pdf_path"] = path
    return job


def _pdfa_part(path: Path, default: int) -> int:
    """The PDF/A part the file declares (1 or 2), so a rebuilt file keeps it."""
    with pikepdf.open(path) as pdf:
        status = pdf.open_metadata().pdfa_status
    return int(status[0]) if status[:1] in ("1", "2") else default


def _columns(ctx: Context, plan: _Plan) -> dict[str, Any]:
    empty = ocr.OcrResult(lines=(), width=0, height=0, dpi=0.0)
    readings = [pipeline.load_ocr(ctx, page["ocr_path"]) or empty for page in plan.pages]
    meta = metadata.extract_document(readings) if any(r.lines for r in readings) else None
    return pipeline.document_columns(meta, plan.staff_fields)


def _superseded_path(path: str, sha256: str) -> str:
    old = Path(path)
    return str(old.parent / "superseded" / f"{old.stem}.{sha256[:12]}{old.suffix}")


def _stored_sha(ctx: Context, path: str) -> str:
    with ctx.catalog.tx() as conn:
        sha = conn.execute(
            select(t.stored_file.c.sha256).where(t.stored_file.c.path == path)
        ).scalar()
    return sha or sha256_file(ctx.home / path)


def _build_part(
    ctx: Context, plan: _Plan, first: dict[str, Any], *, part_no: int, token: str
) -> DocumentPart:
    """Assemble one resulting document's PDF/A under a private name; its catalog part."""
    home = ctx.home
    plan.target = pipeline.pdfa_relpath(first["fonds_code"], first["record_code"], plan.seq)
    if plan.document_id is None and (home / plan.target).exists():
        raise InputError(
            f"{plan.target} already exists but belongs to no document; run sohoa audit"
        )
    columns = _columns(ctx, plan)
    info = archive.PdfInfo(
        title=columns["summary"] or Path(plan.name).stem,
        creator=columns["organ"],
        subject=columns["summary"],
        identifier=columns["number"],
        date=columns["issued_date"],
        doc_type=columns["type_name"],
        language="vi",
    )
    target = home / plan.target
    target.parent.mkdir(parents=True, exist_ok=True)
    plan.staging = target.with_name(f".tmp-{token}-{plan.seq}{target.suffix}")
    count = archive.copy_pages(plan.sources, plan.staging, info=info, part=part_no)
    if count != len(plan.pages):
        raise InputError(
            f"the PDF/A pages of document {plan.document_id or first['id']} do not match "
            "the catalog; run sohoa audit"
        )
    return DocumentPart(
        page_ids=tuple(p["id"] for p in plan.pages),
        pdf={
            "path": plan.target,
            "size": plan.staging.stat().st_size,
            "sha256": sha256_file(plan.staging),
            "media_type": "application/pdf",
            "original_name": plan.name,
        },
        columns=columns,
        document_id=plan.document_id,
        seq=plan.seq,
        name=plan.name,
        origin=tuple(plan.origin),
    )


def _publisher(
    home: Path, superseded: dict[str, str], replaced: list[str], plans: Sequence[_Plan]
) -> Callable[[], None]:
    """Inside the catalog transaction: old PDF/As to superseded/, new ones into place."""

    def publish() -> None:
        done: list[tuple[Path, Path]] = []
        try:
            for old, kept in superseded.items():
                (home / kept).parent.mkdir(parents=True, exist_ok=True)
                os.replace(home / old, home / kept)
                done.append((home / old, home / kept))
            for plan in plans:
                assert plan.staging is not None
                os.replace(plan.staging, home / plan.target)
                done.append((plan.staging, home / plan.target))
        except OSError:
            for source, moved in reversed(done):
                os.replace(moved, source)
            raise
        for folder in {(home / p).parent for p in [*superseded.values(), *replaced]}:
            fsync_dir(folder)

    return publish


def _reindex(ctx: Context, jobs: Sequence[dict[str, Any]], result: list[int]) -> None:
    """The old documents out of the search index, the resulting ones in."""
    for doc_id in {job["id"] for job in jobs}:
        ctx.index.delete_document(doc_id)
    for doc_id in result:
        if ctx.catalog.document_job(doc_id)["state"] == "indexed":
            pipeline.refresh_index(ctx, doc_id)
        else:
            pipeline.index_document(ctx, doc_id)


def _apply(
    ctx: Context,
    *,
    kind: str,
    jobs: Sequence[dict[str, Any]],
    plans: Sequence[_Plan],
    removed: Sequence[int],
    actor: str,
    detail: dict[str, Any],
) -> list[int]:
    """Build the PDF/As, commit the catalog change and publish the files, re-index."""
    first = jobs[0]
    part_no = _pdfa_part(ctx.home / first["pdf_path"], ctx.settings.pdfa)
    replaced = [job["pdf_path"] for job in jobs]  # every old PDF/A is superseded
    superseded = {path: _superseded_path(path, _stored_sha(ctx, path)) for path in replaced}
    token = uuid4().hex
    try:
        parts = [_build_part(ctx, plan, first, part_no=part_no, token=token) for plan in plans]
        result = ctx.catalog.restructure_documents(
            kind=kind,
            expected={job["id"]: [p["id"] for p in job["pages"]] for job in jobs},
            parts=parts,
            removed=removed,
            superseded=superseded,
            actor=actor,
            detail=detail,
            publish=_publisher(ctx.home, superseded, replaced, plans),
        )
    finally:
        for plan in plans:
            if plan.staging is not None:
                plan.staging.unlink(missing_ok=True)
    _reindex(ctx, jobs, result)
    log.info("%s: documents %s now %s", kind, [j["id"] for j in jobs], result)
    return result


def _next_free_seq(ctx: Context, record_id: int) -> int:
    with ctx.catalog.tx() as conn:
        current = conn.execute(
            select(func.max(t.document.c.seq)).where(t.document.c.record_id == record_id)
        ).scalar()
    return (current or 0) + 1


def split_document(
    ctx: Context, doc_id: int, *, at: Sequence[int], actor: str = "sohoa"
) -> list[int]:
    """Split archived document ``doc_id`` before each page number in ``at`` (1-based).

    The document keeps the pages before the first cut; each further part becomes a new
    document of the same record (next free sequence numbers, ``split_from`` = ``doc_id``).
    Returns the resulting document ids, ``doc_id`` first.
    """
    job = _archived_job(ctx, doc_id)
    count = len(job["pages"])
    cuts = sorted(set(at))
    if not cuts or cuts[0] < 2 or cuts[-1] > count:
        raise InputError(
            f"document {doc_id} has {count} pages: --at takes page numbers from 2 to {count} "
            "where new documents start"
        )
    pdf = ctx.home / job["pdf_path"]
    bounds = [1, *cuts, count + 1]
    seq = _next_free_seq(ctx, job["record_id"])
    plans = []
    for number, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        keep = number == 0
        plans.append(
            _Plan(
                document_id=doc_id if keep else None,
                seq=job["seq"] if keep else seq + number - 1,
                pages=job["pages"][a - 1 : b - 1],
                sources=[(pdf, list(range(a - 1, b - 1)))],
                origin=[(doc_id, a, b - 1)],
                staff_fields=(job["fields"] or {}) if keep else {},
                name=job["name"] if keep else f"{job['name']}#p{a}",
            )
        )
    detail = {
        "before": [{"document_id": doc_id, "seq": job["seq"], "pages": [1, count]}],
        "at": cuts,
    }
    return _apply(
        ctx,
        kind="document_split_manual",
        jobs=[job],
        plans=plans,
        removed=(),
        actor=actor,
        detail=detail,
    )


def join_documents(ctx: Context, first_id: int, second_id: int, *, actor: str = "sohoa") -> int:
    """Append the pages of archived document ``second_id`` to ``first_id`` (same record).

    ``second_id`` is removed (its events stay, its PDF/A is kept as superseded). Returns
    ``first_id``.
    """
    if first_id == second_id:
        raise InputError(f"cannot join document {first_id} with itself")
    first = _archived_job(ctx, first_id)
    second = _archived_job(ctx, second_id)
    if first["record_id"] != second["record_id"]:
        raise InputError(
            f"documents {first_id} ({first['record_code']}) and {second_id} "
            f"({second['record_code']}) are in different records; only documents of the same "
            "record can be joined"
        )
    n1, n2 = len(first["pages"]), len(second["pages"])
    plan = _Plan(
        document_id=first_id,
        seq=first["seq"],
        pages=[*first["pages"], *second["pages"]],
        sources=[
            (ctx.home / first["pdf_path"], list(range(n1))),
            (ctx.home / second["pdf_path"], list(range(n2))),
        ],
        origin=[(first_id, 1, n1), (second_id, 1, n2)],
        staff_fields=first["fields"] or {},
        name=first["name"],
    )
    detail = {
        "before": [
            {"document_id": first_id, "seq": first["seq"], "pages": [1, n1]},
            {"document_id": second_id, "seq": second["seq"], "pages": [1, n2]},
        ],
    }
    _apply(
        ctx,
        kind="document_joined",
        jobs=[first, second],
        plans=[plan],
        removed=[second_id],
        actor=actor,
        detail=detail,
    )
    return first_id
