"""Documents as people see them: listings, one document with its pages, PDF/A paths.

The web's reads take the signed-in user and apply the access rule (``archive.accounts``):
a document the user may not see raises ``NotFoundError``, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import and_, select

from archive import accounts
from archive import schema as t
from archive import stats as archive_stats
from archive.accounts import User
from errors import NotFoundError
from sohoa.pipeline import Context

VISIBLE_STATES = ("packaged", "indexed")  # officials only see archived documents


def list_documents(
    ctx: Context, *, batch_id: int | None = None, after: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Every document (or a batch's) with its files, metadata and page states; with ``limit``
    one page of them after the id ``after``."""
    return archive_stats.documents(ctx.catalog, batch_id=batch_id, after=after, limit=limit)


def iter_documents(
    ctx: Context, *, batch_id: int | None = None, after: int | None = None
) -> Iterator[dict[str, Any]]:
    """The documents ``list_documents`` lists without a limit, read a keyset page at a time
    (memory and the time to the first one bounded at any catalog size)."""
    return archive_stats.iter_documents(ctx.catalog, batch_id=batch_id, after=after)


def document_job(ctx: Context, doc_id: int) -> dict[str, Any]:
    """One document's catalog row with its record, fonds and pages (no access check)."""
    return ctx.catalog.document_job(doc_id)


def pdf_paths(ctx: Context, document_ids: Sequence[int]) -> dict[int, str]:
    """Absolute PDF/A paths of the given documents (those that have one)."""
    if not document_ids:
        return {}
    with ctx.catalog.tx() as conn:
        rows = conn.execute(
            select(t.document.c.id, t.stored_file.c.path)
            .join(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
            .where(t.document.c.id.in_(list(document_ids)))
        ).all()
    return {doc_id: str((ctx.home / path).resolve()) for doc_id, path in rows}


def _visible_documents(user: User) -> Any:
    clause = accounts.visible_records_clause(user)
    if not user.sees_everything:
        clause = and_(clause, t.document.c.state.in_(VISIBLE_STATES))
    return clause


def _document_row(conn: Any, user: User, doc_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(
                t.document,
                t.record.c.code.label("record_code"),
                t.record.c.title.label("record_title"),
                t.record.c.access_mode,
                t.record.c.fields.label("record_fields"),
                t.unit.c.code.label("unit_code"),
                t.unit.c.name.label("unit_name"),
                t.fonds.c.code.label("fonds_code"),
                t.fonds.c.name.label("fonds_name"),
                t.stored_file.c.path.label("pdf_path"),
                t.stored_file.c.size.label("pdf_size"),
                t.stored_file.c.sha256.label("pdf_sha256"),
            )
            .join(t.record, t.record.c.id == t.document.c.record_id)
            .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
            .outerjoin(t.unit, t.unit.c.id == t.record.c.unit_id)
            .outerjoin(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
            .where(t.document.c.id == doc_id, _visible_documents(user))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _page_rows(conn: Any, doc_id: int) -> list[dict[str, Any]]:
    pages = (
        conn.execute(
            select(
                t.page.c.id,
                t.page.c.seq,
                t.page.c.state,
                t.page.c.width,
                t.page.c.height,
                t.page.c.dpi,
                t.page.c.mean_conf,
                t.page.c.error,
                t.page.c.rotation,
                t.page.c.skew,
                t.page.c.text_source,
                t.page.c.words_corrected,
                t.page.c.processing,
            )
            .where(t.page.c.document_id == doc_id)
            .order_by(t.page.c.seq)
        )
        .mappings()
        .all()
    )
    return [dict(p) for p in pages]


def load_document(ctx: Context, user: User, doc_id: int) -> dict[str, Any]:
    """A document with its record, PDF/A file and pages, if ``user`` may see it."""
    with ctx.catalog.tx() as conn:
        row = _document_row(conn, user, doc_id)
        if row is None:
            raise NotFoundError(f"document {doc_id} is not in the catalog")
        pages = _page_rows(conn, doc_id)
    return {**row, "pages": pages}


def load_page(ctx: Context, user: User, page_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, page) for a page id, if ``user`` may see its document."""
    with ctx.catalog.tx() as conn:
        doc_id = conn.execute(select(t.page.c.document_id).where(t.page.c.id == page_id)).scalar()
    if doc_id is None:
        raise NotFoundError(f"page {page_id} is not in the catalog")
    doc = load_document(ctx, user, doc_id)
    page = next(p for p in doc["pages"] if p["id"] == page_id)
    return doc, page
