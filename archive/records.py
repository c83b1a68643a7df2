"""Records (hồ sơ): staff-entered fields from manifests, and the fields derived from the catalog.

* :func:`apply_manifest` writes a checked manifest (``ingest.read_manifest``) into the catalog:
  record rows go to ``record.fields`` (TT05 tags; ``title`` and ``access_mode`` columns too),
  document rows become document fields with rule ``manifest``, confidence 1.0 and no review
  flag, and the document columns (number, date, type, organ, summary) follow them.
* :func:`merge_staff_fields` is how the package stage keeps staff values over the values it
  extracts from the text.
* :func:`record_summary` gives a record's TT05 fields: staff-entered ones, defaults, and the
  derived ones — start and end date (earliest and latest issue date of its documents), number
  of documents, pages, sheets and bytes stored.

Sheets (tờ, TT05 ``numberOfPaper``): a scan does not say whether a sheet was printed on both
sides, so each scanned page counts as one sheet unless the manifest gives the number of sheets
(for the record, or per document).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, String, cast, func, select

from archive import schema as t
from archive.catalog import Catalog, now
from errors import NotFoundError, QueryError
from ingest import Manifest, ManifestRow

log = logging.getLogger(__name__)

#: Record fields the catalog does not derive; staff values (manifest) override them. Codes:
#: maintenance 01 permanent; mode 01 public; language 01 Vietnamese; format 01 good;
#: confidenceLevel 02 digitised; riskRecovery 0 (no backup copy); riskRecoveryStatus 02 not yet.
RECORD_DEFAULTS: dict[str, str] = {
    "maintenance": "01",
    "mode": "01",
    "language": "01",
    "format": "01",
    "confidenceLevel": "02",
    "riskRecovery": "0",
    "riskRecoveryStatus": "02",
    "keyword": "",
    "inforSign": "",
    "description": "",
}

#: TT05 record tags with their Vietnamese titles, in the order they are shown.
RECORD_LABELS: dict[str, str] = {
    "fileCode": "Mã hồ sơ",
    "title": "Tiêu đề hồ sơ",
    "maintenance": "Thời hạn lưu trữ",
    "mode": "Chế độ sử dụng",
    "language": "Ngôn ngữ",
    "startDate": "Thời gian bắt đầu",
    "endDate": "Thời gian kết thúc",
    "totalDoc": "Tổng số văn bản",
    "numberOfPaper": "Số lượng tờ",
    "numberOfPage": "Số lượng trang",
    "keyword": "Từ khóa",
    "format": "Tình trạng vật lý",
    "inforSign": "Ký hiệu thông tin",
    "confidenceLevel": "Mức độ tin cậy",
    "paperFileCode": "Mã hồ sơ gốc giấy",
    "riskRecovery": "Chế độ dự phòng",
    "riskRecoveryStatus": "Tình trạng dự phòng",
    "description": "Ghi chú",
}

#: Derived from the record's documents (staff values for these are only compared).
DERIVED = ("startDate", "endDate", "totalDoc", "numberOfPage")
#: Rules of fields that people entered: they win over what extraction reads.
STAFF_RULES = ("manifest", "staff")

# manifest key -> document field name (metadata.DocumentMetadata names where one exists)
_DOC_FIELD = {
    "codeNumber": "number",
    "codeNotation": "notation",
    "issuedDate": "issued_date",
    "organName": "organ",
    "parentOrganName": "parent_organ",
    "subject": "summary",
    "signerName": "signer_name",
    "signerPosition": "signer_position",
    "place": "place",
}
# staff-only document fields, kept under their TT05 tag
_DOC_EXTRA = (
    "keyword",
    "description",
    "inforSign",
    "autograph",
    "format",
    "language",
    "mode",
    "confidenceLevel",
    "numberOfPaper",
    "numberOfPage",
)
# document field -> catalog column that mirrors it
_COLUMNS = {
    "issued_date": "issued_date",
    "type_code": "type_code",
    "type_name": "type_name",
    "organ": "organ",
    "summary": "summary",
}
_RECORD_SKIP = ("fonds", "fileCode")


def tt05_date(iso: str) -> str:
    """``"2025-03-14"`` -> ``"14/03/2025"`` (empty or invalid gives "")."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""
    except ValueError:
        return ""


# --------------------------------------------------------------------------------------------
# staff values over extracted ones
# --------------------------------------------------------------------------------------------


def _entry(value: str, raw: str, rule: str = "manifest") -> dict[str, Any]:
    return {
        "value": value,
        "confidence": 1.0,
        "raw": raw,
        "rule": rule,
        "box": None,
        "page": 1,
        "flags": [],
    }


def staff_document_fields(values: Mapping[str, str], raw: Mapping[str, str]) -> dict[str, Any]:
    """A manifest document row as document fields (rule ``manifest``, confidence 1.0)."""
    out: dict[str, Any] = {}
    if "numberSymbol" in values:
        number, notation, sep = values["numberSymbol"].split("|")
        rule = "manifest:party" if sep == "-" else "manifest"
        out["number"] = _entry(number, raw["numberSymbol"], rule)
        out["notation"] = _entry(notation, raw["numberSymbol"], rule)
    if "typeName" in values:
        code, name = values["typeName"].split("|", 1)
        out["type_code"] = _entry(code, raw["typeName"])
        out["type_name"] = _entry(name, raw["typeName"])
    for key, name in _DOC_FIELD.items():
        if key in values:
            out[name] = _entry(values[key], raw.get(key, values[key]))
    notation = out.get("notation", {}).get("value", "")
    if "number" in out and re.fullmatch(r"[^\W\d_]+/[^\W_]+", notation):
        # a Party notation (NQ/TW, HD/VPTW): the number is joined with "-" (57-NQ/TW)
        out["number"]["rule"] = out["notation"]["rule"] = "manifest:party"
    for key in _DOC_EXTRA:
        if key in values:
            out[key] = _entry(values[key], raw.get(key, values[key]))
    return out


def _is_staff(item: Any) -> bool:
    return isinstance(item, Mapping) and str(item.get("rule", "")).split(":")[0] in STAFF_RULES


def _warning_settled(warning: str, names: set[str]) -> bool:
    """A document warning that staff values make moot."""
    if any(warning.startswith(f"{n}:") for n in names):
        return True
    if "disagrees with the type" in warning and names & {"notation", "type_code", "type_name"}:
        return True
    return "differs from the issue year" in warning and bool(names & {"notation", "issued_date"})


def merge_staff_fields(extracted: dict[str, Any], staff: Mapping[str, Any]) -> dict[str, Any]:
    """Document columns with staff-entered fields taking precedence over extracted ones.

    ``extracted`` is a document's columns as the package stage computes them (``number``,
    ``issued_date``, ``type_code``, ``type_name``, ``organ``, ``summary`` and ``fields``, the
    extracted fields with provenance); ``staff`` is a document's ``fields`` from the catalog,
    of which only the entries people entered (rule ``manifest`` or ``staff``) are taken.
    Returns new columns: those fields replace the extracted ones (the extracted value is kept
    as ``extracted``), the columns follow them, warnings they settle are dropped and
    ``needs_review`` is recomputed. Without staff fields ``extracted`` is returned as is.
    """
    chosen = {k: dict(v) for k, v in staff.items() if _is_staff(v)}
    if not chosen:
        return extracted
    out = dict(extracted)
    fields = dict(extracted.get("fields") or {})
    for name, item in chosen.items():
        old = fields.get(name)
        if isinstance(old, Mapping) and not _is_staff(old) and old.get("value") != item["value"]:
            item["extracted"] = old.get("value")
        fields[name] = item
    names = set(chosen)
    warnings = [w for w in fields.get("warnings", []) or [] if not _warning_settled(w, names)]
    if warnings:
        fields["warnings"] = warnings
    else:
        fields.pop("warnings", None)
    fields["needs_review"] = bool(warnings) or any(
        isinstance(v, Mapping) and v.get("flags") for v in fields.values()
    )
    out["fields"] = fields
    for name, column in _COLUMNS.items():
        if name in chosen:
            out[column] = chosen[name]["value"]
    if names & {"number", "notation"}:
        from metadata import DocumentMetadata

        known = {k: v for k, v in fields.items() if k in DocumentMetadata.FIELD_NAMES}
        out["number"] = DocumentMetadata.from_dict(known).number_symbol or out.get("number", "")
    return out


# --------------------------------------------------------------------------------------------
# applying a manifest
# --------------------------------------------------------------------------------------------


@dataclass
class ManifestReport:
    """What :func:`apply_manifest` did: records and documents updated, problems found."""

    manifest: str
    records: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "records": len(self.records),
            "documents": len(self.documents),
            "problems": self.problems[:200],  # all of them are logged and returned
            "problem_count": len(self.problems),
            "warnings": self.warnings,
        }


def _record_id(conn: Connection, fonds: str, code: str) -> int | None:
    return conn.execute(
        select(t.record.c.id)
        .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
        .where(t.fonds.c.code == fonds, t.record.c.code == code)
    ).scalar()


def _document_by_seq(conn: Connection, record_id: int, seq: int) -> int | None:
    return conn.execute(
        select(t.document.c.id).where(t.document.c.record_id == record_id, t.document.c.seq == seq)
    ).scalar()


class _Names:
    """Batch-relative document names -> ids, matched exactly, then without case, then by the
    last part of the name when that is unique in the batch."""

    def __init__(self, documents: Mapping[str, int]) -> None:
        self.exact = {n.replace("\\", "/"): i for n, i in documents.items()}
        self.folded = {n.casefold(): i for n, i in self.exact.items()}
        tails: dict[str, list[int]] = {}
        for n, i in self.exact.items():
            tails.setdefault(n.rsplit("/", 1)[-1].casefold(), []).append(i)
        self.tails = tails

    def find(self, name: str, record: str = "") -> int | None:
        tries = [f"{record}/{name}", name] if record else [name]
        for candidate in tries:
            if candidate in self.exact:
                return self.exact[candidate]
        for candidate in tries:
            if candidate.casefold() in self.folded:
                return self.folded[candidate.casefold()]
        if "/" not in name:
            found = self.tails.get(name.casefold(), [])
            if len(found) == 1:
                return found[0]
        return None


def _match_document(
    conn: Connection, row: ManifestRow, names: _Names, fonds_of: Callable[[str], str], file: str
) -> tuple[int | None, str | None]:
    """The document a row describes, or (None, problem message)."""
    values = row.values
    if "fileName" in values:
        doc_id = names.find(values["fileName"], values.get("fileCode", ""))
        if doc_id is None:
            return None, str(
                row.problem(
                    file,
                    "fileName",
                    f"file {values['fileName']!r} is not in this batch; give its name "
                    "relative to the batch folder (e.g. HS-2025-01/vb01.tif)",
                )
            )
        return doc_id, None
    code, seq = values.get("fileCode", ""), values.get("docOrdinal", "")
    if "docCode" in values and not (code and seq):
        m = re.fullmatch(r"(.+)\.(\d{1,7})", values["docCode"])
        if m is None:
            return None, str(
                row.problem(file, "docCode", "is not a record code, a dot and a sequence number")
            )
        code, seq = m.group(1), m.group(2)
    fonds = fonds_of(code)
    record_id = _record_id(conn, fonds, code)
    if record_id is None:
        return None, str(
            row.problem(file, "fileCode", f"record {code!r} (fonds {fonds!r}) is not archived")
        )
    doc_id = _document_by_seq(conn, record_id, int(seq))
    if doc_id is None:
        return None, str(
            row.problem(
                file,
                "docOrdinal" if "docOrdinal" in values else "docCode",
                f"record {code!r} has no document number {int(seq)}",
            )
        )
    return doc_id, None


def _update_document(conn: Connection, doc_id: int, row: ManifestRow) -> list[str]:
    doc = conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings().one()
    staff = staff_document_fields(row.values, row.raw)
    columns = {
        "number": doc["number"],
        **{c: doc[c] for c in _COLUMNS.values()},
        "fields": dict(doc["fields"] or {}),
    }
    merged = merge_staff_fields(columns, staff)
    conn.execute(
        t.document.update().where(t.document.c.id == doc_id).values(**merged, updated_at=now())
    )
    notes = []
    pages = row.values.get("numberOfPage")
    if pages and doc["page_count"] and int(pages) != doc["page_count"]:
        notes.append(f"says {pages} pages but the scan has {doc['page_count']}")
    return notes


def _update_record(conn: Connection, record_id: int, values: Mapping[str, str]) -> None:
    current = conn.execute(select(t.record.c.fields).where(t.record.c.id == record_id)).scalar_one()
    fields = dict(current or {})
    fields.update({k: v for k, v in values.items() if k not in _RECORD_SKIP})
    columns: dict[str, Any] = {"fields": fields}
    if values.get("title"):
        columns["title"] = values["title"]
    if values.get("mode"):
        columns["access_mode"] = values["mode"]
    conn.execute(t.record.update().where(t.record.c.id == record_id).values(**columns))


def apply_manifest(
    catalog: Catalog,
    manifest: Manifest,
    *,
    fonds: str,
    documents: Mapping[str, int],
    batch_id: int | None = None,
    actor: str = "sohoa",
    fonds_override: bool = False,
) -> ManifestReport:
    """Write a manifest's rows into the catalog; rows that match nothing are reported.

    ``documents`` maps each document of the batch (its name relative to the batch folder) to
    its id; ``fonds`` is the batch's fonds, used when the manifest names none for a record
    (and always with ``fonds_override``, as when the operator gave ``--fonds``).
    Document rows are matched by file name (relative to the batch, or to the record folder
    when the row has a record code), else by record code + sequence (or ``docCode``). A
    document row may carry record-only fields (a one-sheet manifest): they go to its record
    unless a record row sets them. One ``manifest_applied`` event records the counts and the
    problems.
    """
    name = manifest.name
    report = ManifestReport(manifest=name, warnings=manifest.warnings)
    report.problems = [str(p) for p in manifest.problems]
    names = _Names(documents)
    record_values: dict[int, dict[str, str]] = {}

    def fonds_of(code: str) -> str:
        return fonds if fonds_override else manifest.fonds_for(code) or fonds

    with catalog.tx() as conn:
        for row in manifest.documents:
            doc_id, problem = _match_document(conn, row, names, fonds_of, name)
            if doc_id is None:
                report.problems.append(problem or "")
                continue
            for note in _update_document(conn, doc_id, row):
                report.problems.append(str(row.problem(name, "numberOfPage", note)))
            report.documents.append(doc_id)
            rec_only = {
                k: v for k, v in row.values.items() if k in RECORD_LABELS and k not in _DOC_EXTRA
            }
            rec_only.pop("fileCode", None)
            if rec_only:
                record_id = conn.execute(
                    select(t.document.c.record_id).where(t.document.c.id == doc_id)
                ).scalar_one()
                target = record_values.setdefault(record_id, {})
                for key, value in rec_only.items():
                    target.setdefault(key, value)
        for row in manifest.records:
            code = row.values["fileCode"]
            row_fonds = fonds_of(code)
            record_id = _record_id(conn, row_fonds, code)
            if record_id is None:
                report.problems.append(
                    str(
                        row.problem(
                            name,
                            "fileCode",
                            f"record {code!r} (fonds {row_fonds!r}) is neither in this batch "
                            "nor archived; the record code is the record's folder name",
                        )
                    )
                )
                continue
            record_values.setdefault(record_id, {}).update(row.values)
        for record_id, values in record_values.items():
            _update_record(conn, record_id, values)
            report.records.append(record_id)
        catalog.add_event(
            conn, "manifest_applied", actor=actor, batch_id=batch_id, detail=report.to_dict()
        )
    for problem in report.problems:
        log.warning("%s", problem)
    return report


# --------------------------------------------------------------------------------------------
# derived fields and the record summary
# --------------------------------------------------------------------------------------------


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
    item = (fields or {}).get("numberOfPaper")
    if isinstance(item, Mapping) and str(item.get("value", "")).isdigit():
        return int(item["value"])
    return pages  # one sheet per scanned page (see the module docstring)


def _derive(docs: list[Mapping[str, Any]]) -> dict[str, Any]:
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
