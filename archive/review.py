"""Staff review of extracted metadata: what to check, and accepting or correcting a field.

Every decision is an event with who, when, the old and the new value; the catalog columns
that searches and listings use follow the corrected fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, select, text

from archive import schema as t
from archive.catalog import Catalog, now
from errors import InputError, NotFoundError
from metadata import DocumentMetadata

#: catalog column that mirrors each reviewable field (number/notation feed "number")
COLUMNS = {
    "issued_date": "issued_date",
    "type_code": "type_code",
    "type_name": "type_name",
    "organ": "organ",
    "summary": "summary",
}


def _flags(fields: dict[str, Any]) -> list[tuple[str, Any, list[str]]]:
    out = []
    for name, field in fields.items():
        if isinstance(field, dict) and field.get("flags"):
            out.append((name, field.get("value"), list(field["flags"])))
    return out


def has_flags(fields: dict[str, Any]) -> bool:
    """True when at least one of a document's fields carries review flags."""
    return bool(_flags(fields))


#: the partial index over the documents whose fields say ``needs_review`` (migration 0006)
REVIEW_INDEX = "ix_document_review"
#: states whose documents the queue lists (archived: their metadata is final until reviewed)
LISTED_STATES = ("packaged", "indexed")


def review_marked_sql(dialect: str, column: str = "fields") -> str:
    """The SQL test "the document's fields say needs_review", written exactly as the partial
    index :data:`REVIEW_INDEX` is, so that both databases' planners use the index for it."""
    if dialect == "postgresql":
        return f"({column} ->> 'needs_review') = 'true'"
    return f"json_extract({column}, '$.needs_review') = 1"


def listed_sql(dialect: str) -> str:
    """The SQL test for the documents the queue lists (marked, in a listed state)."""
    states = ", ".join(f"'{s}'" for s in LISTED_STATES)
    return f"{review_marked_sql(dialect, 'document.fields')} AND document.state IN ({states})"


def _document_by_index(dialect: str) -> str:
    """The document table, on SQLite told to read it through the partial index (its planner
    prefers the state index when the table has no statistics); PostgreSQL's finds it alone."""
    return f"document INDEXED BY {REVIEW_INDEX}" if dialect == "sqlite" else "document"


def _queue_item(row: Any) -> dict[str, Any] | None:
    flagged = _flags(row["fields"] or {})
    if not flagged:
        return None  # marked for its warnings only: nothing a reviewer can accept or correct
    return {
        "id": row["id"],
        "name": row["name"],
        "record": row["record"],
        "number": row["number"],
        "fields": [
            {"field": name, "value": value, "reasons": reasons} for name, value, reasons in flagged
        ],
    }


def review_page(
    catalog: Catalog, *, after: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Up to ``limit`` documents with flagged fields, in id order from the id ``after``
    (keyset pagination over the partial index: each page costs the same at any depth)."""
    if limit < 1:
        raise InputError(f"a page holds at least one document, not {limit}")
    out: list[dict[str, Any]] = []
    cursor = after if after is not None else 0
    with catalog.tx() as conn:
        query = text(
            f"SELECT document.id, document.name, document.number, document.fields, "
            f"record.code AS record FROM {_document_by_index(conn.dialect.name)} "
            f"JOIN record ON record.id = document.record_id "
            f"WHERE {listed_sql(conn.dialect.name)} AND document.id > :after "
            f"ORDER BY document.id LIMIT :chunk"
        ).columns(fields=JSON)
        while len(out) < limit:
            chunk = max(limit - len(out), 50)
            rows = conn.execute(query, {"after": cursor, "chunk": chunk}).mappings().all()
            for row in rows:
                item = _queue_item(row)
                if item is not None and len(out) < limit:
                    out.append(item)
            if len(rows) < chunk:
                break
            cursor = rows[-1]["id"]
    return out


def count_to_review(catalog: Catalog) -> int:
    """How many listed documents are marked ``needs_review`` (from the partial index; a few
    marked for document-level warnings alone are counted but have no field to list)."""
    with catalog.tx() as conn:
        query = text(
            f"SELECT COUNT(*) FROM {_document_by_index(conn.dialect.name)} "
            f"WHERE {listed_sql(conn.dialect.name)}"
        )
        return int(conn.execute(query).scalar() or 0)


def documents_to_review(catalog: Catalog) -> list[dict[str, Any]]:
    """Every archived document with at least one flagged field, each field with its reasons
    (all the pages of :func:`review_page`; the web and the CLI show one page at a time)."""
    out: list[dict[str, Any]] = []
    after = None
    while page := review_page(catalog, after=after, limit=1000):
        out.extend(page)
        after = page[-1]["id"]
    return out


def review_field(
    catalog: Catalog, doc_id: int, field: str, *, value: str | None = None, actor: str
) -> dict[str, Any]:
    """Accept a field as extracted (``value`` None) or correct it; returns old and new.

    The field loses its review flags and records the rule ``staff``; an event keeps who did
    it, when, and both values.
    """
    if not actor:
        raise InputError("say who reviews (--who NAME): every change is recorded with its author")
    with catalog.tx() as conn:
        row = conn.execute(
            select(t.document.c.fields, t.document.c.number).where(t.document.c.id == doc_id)
        ).first()
        if row is None:
            raise NotFoundError(f"document {doc_id} is not in the catalog")
        fields = dict(row.fields or {})
        current = fields.get(field)
        if current is None and value is None:
            raise InputError(f"document {doc_id} has no {field} to accept: give --set {field}=…")
        old = current.get("value") if isinstance(current, dict) else None
        new = old if value is None else value
        updated = dict(current or {"confidence": 1.0, "raw": "", "box": None, "page": 1})
        updated.update(
            value=new,
            flags=[],
            rule="staff" if value is not None else f"{updated.get('rule', '')}+accepted",
            confidence=1.0 if value is not None else updated.get("confidence", 1.0),
        )
        fields[field] = updated
        fields["needs_review"] = bool(_flags(fields))
        columns: dict[str, Any] = {"fields": fields, "updated_at": now()}
        if field in COLUMNS:
            columns[COLUMNS[field]] = new or ""
        if field in ("number", "notation"):
            columns["number"] = DocumentMetadata.from_dict(fields).number_symbol or ""
        conn.execute(t.document.update().where(t.document.c.id == doc_id).values(**columns))
        catalog.add_event(
            conn,
            "metadata_edited" if value is not None else "metadata_accepted",
            actor=actor,
            document_id=doc_id,
            detail={"field": field, "old": old, "new": new},
        )
    return {"field": field, "old": old, "new": new}
