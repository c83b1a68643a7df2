"""Staff review of extracted metadata: what to check, and accepting or correcting fields.

Every decision is an event with who, when, the old and the new value (``archive.review``);
the document is re-indexed afterwards so the search shows the reviewed values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from archive import review as archive_review
from archive.accounts import User
from errors import InputError
from sohoa.pipeline import Context, refresh_index
from sohoa.services.documents import load_document

FIELD_NAME = re.compile(r"[a-z_]{1,40}")  # what the web accepts as a field name


def documents_to_review(ctx: Context) -> list[dict[str, Any]]:
    """Documents with flagged fields, each field with its value and the reasons."""
    return archive_review.documents_to_review(ctx.catalog)


def review_queue(ctx: Context, *, after: int | None = None, limit: int = 50) -> dict[str, Any]:
    """One page of the review queue from the id ``after``: its documents, how many are
    marked for review in all, and the ``after`` of the next page (None on the last one)."""
    docs = archive_review.review_page(ctx.catalog, after=after, limit=limit)
    more = bool(docs) and bool(
        archive_review.review_page(ctx.catalog, after=docs[-1]["id"], limit=1)
    )
    return {
        "documents": docs,
        "marked": archive_review.count_to_review(ctx.catalog),
        "next_after": docs[-1]["id"] if more else None,
    }


def review_fields(
    ctx: Context, doc_id: int, decisions: Iterable[tuple[str, str | None]], *, actor: str
) -> list[dict[str, Any]]:
    """Apply (field, value) decisions in order (value None accepts the field as read), then
    re-index the document; returns each field's old and new value."""
    changes = [
        archive_review.review_field(ctx.catalog, doc_id, field, value=value, actor=actor)
        for field, value in decisions
    ]
    refresh_index(ctx, doc_id)
    return changes


def review_as(
    ctx: Context, user: User, doc_id: int, field: str, value: str | None
) -> dict[str, Any]:
    """One decision by a signed-in user, on a document the user may see."""
    load_document(ctx, user, doc_id)  # NotFoundError when it does not exist
    if not FIELD_NAME.fullmatch(field):
        raise InputError(f"{field!r} is not a field name")
    (change,) = review_fields(ctx, doc_id, [(field, value)], actor=user.username)
    return change
