"""Read-side helpers shared by the CLI (and later the web app)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from archive import schema as t
from sohoa.pipeline import Context


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
