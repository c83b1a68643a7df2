"""Staff review of extracted metadata: what to check, and accepting or correcting a field.

Every decision is an event with who, when, the old and the new value; the catalog columns
that searches and listings use follow the corrected fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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


def documents_to_review(catalog: Catalog) -> list[dict[str, Any]]:
    """Archived documents with at least one flagged field, each field with its reasons."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(
                t.document.c.id,
                t.document.c.name,
                t.document.c.number,
                t.document.c.fields,
                t.record.c.code.label("record"),
            )
            .join(t.record, t.record.c.id == t.document.c.record_id)
            .where(t.document.c.state.in_(("packaged", "indexed")))
            .order_by(t.document.c.id)
        ).mappings()
        out = []
        for row in rows:
            flagged = _flags(row["fields"] or {})
            if flagged:
                out.append(
                    {
                        "id": row["id"],
                        "name": row["name"],
                        "record": row["record"],
                        "number": row["number"],
                        "fields": [
                            {"field": name, "value": value, "reasons": reasons}
                            for name, value, reasons in flagged
                        ],
                    }
                )
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
