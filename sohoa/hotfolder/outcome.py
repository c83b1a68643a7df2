"""How a hot-folder batch ended: which of its documents are archived and which failed, and why.

The batch's documents are the ones intake named (those archived before a restart included) and
the documents split off them. A failed document's reason is its own error, else its failed
pages' errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from archive import Catalog
from archive import schema as t

FINISHED_STATES = ("indexed",)


def batch_outcome(
    catalog: Catalog, documents: dict[str, int], *, removed: Iterable[str] = ()
) -> dict[str, Any]:
    """``{"ok", "archived", "failed", "removed"}`` for the documents intake named."""
    ids = sorted(set(documents.values()))
    names = {doc_id: name for name, doc_id in documents.items()}
    with catalog.tx() as conn:
        rows = conn.execute(
            select(
                t.document.c.id,
                t.document.c.name,
                t.document.c.state,
                t.document.c.error,
                t.document.c.split_from,
            ).where(or_(t.document.c.id.in_(ids), t.document.c.split_from.in_(ids)))
        ).all()
        page_errors: dict[int, list[str]] = {}
        for doc_id, error in conn.execute(
            select(t.page.c.document_id, t.page.c.error).where(
                t.page.c.document_id.in_([r.id for r in rows]),
                t.page.c.state == "failed",
            )
        ).all():
            page_errors.setdefault(doc_id, []).append(error or "failed")
    archived: list[str] = []
    failed: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: r.id):
        name = names.get(row.id) or row.name
        if row.state in FINISHED_STATES:
            archived.append(name)
        elif row.state == "failed":
            reason = row.error or "; ".join(page_errors.get(row.id, [])) or "failed"
            failed.append({"name": name, "document": row.id, "error": reason})
        else:
            failed.append(
                {
                    "name": name,
                    "document": row.id,
                    "error": f"not finished (state {row.state}): run `sohoa retry`",
                }
            )
    removed = sorted(removed)
    return {
        "ok": not failed,
        "archived": archived,
        "failed": failed,
        "removed": removed,
    }
