"""The audit trail: events recorded for what people do, and reading them back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from archive import schema as t
from archive.accounts import User
from sohoa.pipeline import Context


def log_event(ctx: Context, kind: str, user: User | None, **ids: Any) -> None:
    """Record that ``user`` (None: someone not signed in) did ``kind``."""
    ctx.catalog.log_event(kind, actor=user.username if user else "anonymous", **ids)


def document_events(ctx: Context, doc_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """A document's events, newest first."""
    with ctx.catalog.tx() as conn:
        rows = (
            conn.execute(
                select(t.event)
                .where(t.event.c.document_id == doc_id)
                .order_by(t.event.c.id.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def _filters(kind: str, actor: str, document: int | None, since: str, until: str) -> list[Any]:
    """WHERE clauses for the filters given (a date that does not parse is ignored)."""
    where = []
    if kind:
        where.append(t.event.c.kind == kind)
    if actor:
        where.append(t.event.c.actor == actor)
    if document is not None:
        where.append(t.event.c.document_id == document)
    for text, op in ((since, "ge"), (until, "lt")):
        if text:
            try:
                moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            except ValueError:
                continue
            where.append(t.event.c.at >= moment if op == "ge" else t.event.c.at < moment)
    return where


def list_events(
    ctx: Context,
    *,
    kind: str = "",
    actor: str = "",
    document: int | None = None,
    since: str = "",
    until: str = "",
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many events match, one page of them newest first)."""
    where = _filters(kind, actor, document, since, until)
    with ctx.catalog.tx() as conn:
        total = conn.execute(select(func.count()).select_from(t.event).where(*where)).scalar()
        rows = (
            conn.execute(
                select(t.event)
                .where(*where)
                .order_by(t.event.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    return int(total or 0), [dict(r) for r in rows]
