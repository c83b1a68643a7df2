"""Records (hồ sơ): a record found by its code, and its TT05 fields — staff-entered ones,
defaults, and the ones derived from the catalog: start and end date (earliest and latest issue
date of its documents), number of documents, pages, sheets and bytes stored.

Sheets (tờ, TT05 ``numberOfPaper``): a scan does not say whether a sheet was printed on both
sides, so each scanned page counts as one sheet unless the manifest gives the number of sheets
(for the record, or per document).

Staff values enter the catalog through :func:`archive.manifests.apply_manifest`; how they win
over extracted values is :func:`archive.staff_fields.merge_staff_fields`. Both, and the TT05
vocabulary of :mod:`archive.tt05`, can still be imported from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, cast, func, select

from archive import schema as t
from archive.catalog import Catalog
from archive.manifests import ManifestReport, apply_manifest
from archive.staff_fields import STAFF_RULES, merge_staff_fields, staff_document_fields
from archive.tt05 import DERIVED, RECORD_DEFAULTS, RECORD_LABELS, tt05_date
from errors import NotFoundError, QueryError

__all__ = [
    "DERIVED",
    "RECORD_DEFAULTS",
    "RECORD_LABELS",
    "STAFF_RULES",
    "ManifestReport",
    "apply_manifest",
    "derived_fields",
    "find_record",
    "merge_staff_fields",
    "record_summary",
    "records_overview",
    "staff_document_fields",
    "tt05_date",
]


def find_record(catalog: Catalog, code: str, *, fonds: str | None = None) -> int:
    """The id of record ``code`` (in ``fonds`` when given). Raises ``NotFoundError``, or
    ``QueryError`` when several fonds have a record with that code and none was given."""
    q = select(t.record.c.id, t.fonds.c.code).join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
    q = q.where(t.record.c.code == code)
    if fonds is not None:
        q = q.where(t.fonds.c.code == fonds)
    with catalog.tx() as conn:
        rows = conn.execute(q).all()
    if not rows:
        where = f" in fonds {fonds!r}" if fonds is not None else ""
        raise NotFoundError(
            f"no record {code!r}{where}: check the code with 'sohoa stats --records'"
        )
    if len(rows) > 1:
        codes = ", ".join(sorted(r[1] for r in rows))
        raise QueryError(f"record {code!r} exists in several fonds ({codes}): give --fonds")
    return int(rows[0][0])


_ARCHIVED = ("packaged", "indexed")


def _sheets(fields: Mapping[str, Any] | None, pages: int) -> int:
    """A document's sheets: the staff number when given, else one per scanned page."""
    item = (fields or {}).get("numberOfPaper")
    if isinstance(item, Mapping) and str(item.get("value", "")).isdigit():
        return int(item["value"])
    return pages  # one sheet per scanned page (see the module docstring)


def _derive(docs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The derived record fields of these documents (dates ISO, counts, bytes)."""
    dates = sorted(d["issued_date"] for d in docs if d["issued_date"])
    pages = sum(int(d["page_count"] or 0) for d in docs)
    return {
        "startDate": dates[0] if dates else "",
        "endDate": dates[-1] if dates else "",
        "totalDoc": len(docs),
        "numberOfPage": pages,
        "numberOfPaper": sum(_sheets(d["fields"], int(d["page_count"] or 0)) for d in docs),
        "totalSize": sum(int(d["pdf_size"] or 0) for d in docs),
    }


def derived_fields(
    catalog: Catalog, record_id: int, *, archived_only: bool = False
) -> dict[str, Any]:
    """Start/end date (ISO), documents, pages, sheets and PDF/A bytes of a record.

    Failed documents never count; with ``archived_only`` only packaged/indexed ones do.
    """
    return _derive(_record_documents(catalog, record_id, archived_only=archived_only))


def _record_documents(
    catalog: Catalog, record_id: int, *, archived_only: bool
) -> list[dict[str, Any]]:
    """A record's documents that count (never failed ones), in sequence order."""
    pdf = t.stored_file.alias("pdf")
    q = (
        select(
            t.document.c.id,
            t.document.c.seq,
            t.document.c.name,
            t.document.c.state,
            t.document.c.number,
            t.document.c.issued_date,
            t.document.c.type_name,
            t.document.c.page_count,
            t.document.c.fields,
            pdf.c.size.label("pdf_size"),
        )
        .outerjoin(pdf, pdf.c.id == t.document.c.pdf_file_id)
        .where(t.document.c.record_id == record_id, t.document.c.state != "failed")
        .order_by(t.document.c.seq)
    )
    if archived_only:
        q = q.where(t.document.c.state.in_(_ARCHIVED))
    with catalog.tx() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def record_summary(
    catalog: Catalog, record_id: int, *, archived_only: bool = False
) -> dict[str, Any]:
    """A record's staff-entered fields, derived fields and the full TT05 record fields.

    Returns ``{"id", "fonds", "code", "title", "access_mode", "fields" (staff, by TT05 tag),
    "derived" (startDate/endDate ISO, totalDoc, numberOfPage, numberOfPaper, totalSize bytes),
    "tt05" (every tag of :data:`RECORD_LABELS`, dates DD/MM/YYYY), "sources" (per tag:
    staff, derived, default or catalog), "conflicts" (staff values for derivable fields that
    disagree with the documents), "documents"}``. Precedence: defaults < staff fields <
    derived values (the number of sheets keeps the staff value when one was given).
    """
    with catalog.tx() as conn:
        rec = (
            conn.execute(
                select(t.record, t.fonds.c.code.label("fonds_code"))
                .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
                .where(t.record.c.id == record_id)
            )
            .mappings()
            .first()
        )
    if rec is None:
        raise NotFoundError(f"record {record_id} is not in the catalog")
    docs = _record_documents(catalog, record_id, archived_only=archived_only)
    derived = _derive(docs)
    staff = dict(rec["fields"] or {})
    tt05: dict[str, str] = {}
    sources: dict[str, str] = {}
    for tag in RECORD_LABELS:
        if tag in RECORD_DEFAULTS:
            tt05[tag], sources[tag] = RECORD_DEFAULTS[tag], "default"
        if staff.get(tag) not in (None, ""):
            tt05[tag], sources[tag] = str(staff[tag]), "staff"
    tt05["fileCode"], sources["fileCode"] = rec["code"], "catalog"
    if rec["title"]:
        tt05["title"], sources["title"] = rec["title"], "catalog"
    elif "title" not in tt05:
        tt05["title"], sources["title"] = rec["code"], "default"
    tt05["mode"] = rec["access_mode"] or tt05.get("mode", "01")
    sources["mode"] = "staff" if "mode" in staff else sources.get("mode", "default")
    conflicts = []
    for tag in (*DERIVED, "numberOfPaper"):
        value = derived[tag]
        if tag == "numberOfPaper" and staff.get(tag):
            continue
        if value in ("", None) and tag in staff:
            continue  # nothing to derive from: the staff value stays
        if tag in staff and str(staff[tag]) != str(value):
            conflicts.append(
                f"{tag} ({RECORD_LABELS[tag]}): the manifest says {staff[tag]}, "
                f"the archived documents give {value}"
            )
        tt05[tag], sources[tag] = str(value), "derived"
    for tag in ("startDate", "endDate"):
        tt05[tag] = tt05_date(tt05.get(tag, ""))
    if not tt05.get("paperFileCode"):
        tt05["paperFileCode"] = f"{rec['fonds_code']}.{rec['code']}"
        sources["paperFileCode"] = "default"
    return {
        "id": rec["id"],
        "fonds": rec["fonds_code"],
        "code": rec["code"],
        "title": tt05["title"],
        "access_mode": rec["access_mode"],
        "fields": staff,
        "derived": derived,
        "tt05": {tag: tt05.get(tag, "") for tag in RECORD_LABELS},
        "sources": {tag: sources.get(tag, "") for tag in RECORD_LABELS},
        "conflicts": conflicts,
        "documents": [
            {
                k: d[k]
                for k in (
                    "id",
                    "seq",
                    "name",
                    "state",
                    "number",
                    "issued_date",
                    "type_name",
                    "page_count",
                    "pdf_size",
                )
            }
            for d in docs
        ],
    }


def records_overview(catalog: Catalog, *, fonds: str | None = None) -> list[dict[str, Any]]:
    """Every record with its derived fields, in one grouped query (for ``sohoa stats``).

    Sheets follow :func:`record_summary`: the record's staff number, else per document the
    staff number or one per page.
    """
    pdf = t.stored_file.alias("pdf")
    live = t.document.c.state != "failed"
    q = (
        select(
            t.record.c.id,
            t.fonds.c.code.label("fonds"),
            t.record.c.code,
            t.record.c.title,
            t.record.c.access_mode,
            t.record.c.fields,
            func.count(t.document.c.id).label("totalDoc"),
            func.coalesce(func.sum(t.document.c.page_count), 0).label("numberOfPage"),
            func.min(func.nullif(t.document.c.issued_date, "")).label("startDate"),
            func.max(func.nullif(t.document.c.issued_date, "")).label("endDate"),
            func.coalesce(func.sum(pdf.c.size), 0).label("totalSize"),
        )
        .select_from(t.record)
        .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
        .outerjoin(t.document, (t.document.c.record_id == t.record.c.id) & live)
        .outerjoin(pdf, pdf.c.id == t.document.c.pdf_file_id)
        # by the primary key: PostgreSQL cannot group by a JSON column
        .group_by(t.record.c.id, t.fonds.c.code)
        .order_by(t.fonds.c.code, t.record.c.code)
    )
    if fonds is not None:
        q = q.where(t.fonds.c.code == fonds)
    # documents whose manifest row gave their number of sheets (few): counted one by one
    sheets_q = select(t.document.c.record_id, t.document.c.page_count, t.document.c.fields).where(
        live, cast(t.document.c.fields, String).like('%"numberOfPaper"%')
    )
    with catalog.tx() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        adjust: dict[int, int] = {}
        for rec_id, pages, fields in conn.execute(sheets_q):
            extra = _sheets(fields, int(pages or 0)) - int(pages or 0)
            adjust[rec_id] = adjust.get(rec_id, 0) + extra
    for r in rows:
        staff = r.pop("fields") or {}
        sheets = int(r["numberOfPage"]) + adjust.get(r["id"], 0)
        r["numberOfPaper"] = int(staff.get("numberOfPaper") or sheets)
        r["startDate"], r["endDate"] = r["startDate"] or "", r["endDate"] or ""
        for key in ("totalDoc", "numberOfPage", "totalSize"):
            r[key] = int(r[key])
    return rows
