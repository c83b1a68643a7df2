"""Export packages (TT05 ``AIP_hoso``) and metadata exports (CSV, JSON).

:func:`export_record` writes one record (hồ sơ) as an E-ARK-style folder laid out as TT05
asks (see DOMAIN.md)::

    AIP_hoso_<record>/
      METS.xml                                       every other file with SIZE and SHA-256
      metadata/descriptive/EAD.xml                   the record's TT05 fields
      metadata/preservation/PREMIS.xml               files, fixity and processing events
      representations/rep1/data/<record>.<seq 7>.pdf the archived PDF/A copies
      representations/rep1/metadata/descriptive/EAD_doc_<seq 7>.xml   one per document

and, with ``zip=True``, the folder zipped as ``AIP_hoso_<record>.zip`` beside it. Record and
document fields use the TT05 tag names (fileCode, title, maintenance, ..., docCode, typeName,
codeNumber, codeNotation, issuedDate DD/MM/YYYY, organName, subject, numberOfPage ...).
Record fields come from :func:`archive.records.record_summary`: the staff-entered fields of
the record (a manifest: retention, access mode, paper record code...), the values derived from
the packaged documents (start and end date, numbers of documents, pages and sheets), and the
defaults in :data:`RECORD_DEFAULTS`; ``record_info`` overrides the staff and default values.
Document fields entered by staff (rule ``manifest``) are the document's values.

:func:`export_metadata` writes the document metadata of a fonds, or of a list of documents
(a search result), as CSV (UTF-8 with BOM, one row per document) or JSON (every field with
its provenance).

Every file is written through :func:`archive.storage.atomic_write`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive import records
from archive import schema as t
from archive.catalog import Catalog
from archive.storage import CHUNK, atomic_write, sha256_file
from errors import NotFoundError, QueryError, StorageError

log = logging.getLogger(__name__)

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
PREMIS_NS = "http://www.loc.gov/premis/v3"
ET.register_namespace("mets", METS_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("premis", PREMIS_NS)

#: Record fields not held by the catalog (see ``archive.records``); staff-entered record fields
#: (a manifest) and then ``record_info`` override them.
RECORD_DEFAULTS = records.RECORD_DEFAULTS

#: TT05 record tags every EAD.xml must carry (non-empty).
RECORD_REQUIRED = (
    "fileCode",
    "title",
    "maintenance",
    "mode",
    "language",
    "startDate",
    "endDate",
    "totalDoc",
    "numberOfPaper",
    "numberOfPage",
    "format",
    "confidenceLevel",
    "paperFileCode",
)
RECORD_TAGS = RECORD_REQUIRED + (
    "keyword",
    "inforSign",
    "riskRecovery",
    "riskRecoveryStatus",
    "description",
)

#: TT05 document tags only staff enter (from a manifest); empty unless a manifest gave them.
DOCUMENT_STAFF_TAGS = ("keyword", "inforSign", "format", "description", "numberOfPaper")

#: TT05 document tags every EAD_doc must carry (non-empty).
DOCUMENT_REQUIRED = (
    "docCode",
    "fileCode",
    "docOrdinal",
    "typeName",
    "codeNumber",
    "codeNotation",
    "issuedDate",
    "organName",
    "subject",
    "language",
    "numberOfPage",
    "mode",
    "maintenance",
    "confidenceLevel",
)
DOCUMENT_TAGS = DOCUMENT_REQUIRED + (
    "typeCode",
    "place",
    "parentOrganName",
    "signerPrefix",
    "signerPosition",
    "autograph",
    "recipients",
    "urgency",
    "secrecy",
    "needsReview",
    "reviewReasons",
    *DOCUMENT_STAFF_TAGS,
)

_ARCHIVED = ("packaged", "indexed")


def tt05_date(iso: str) -> str:
    """``"2025-03-14"`` -> ``"14/03/2025"`` (empty stays empty)."""
    if not iso:
        return ""
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return ""


def _safe(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code) or "_"


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _write(path: Path, data: bytes) -> None:
    with atomic_write(path) as fh:
        fh.write(data)


def _text(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = "" if value is None else str(value)
    return el


# --------------------------------------------------------------------------------------------
# reading the catalog
# --------------------------------------------------------------------------------------------


def _field_value(fields: Mapping[str, Any], name: str) -> str:
    item = fields.get(name)
    if isinstance(item, Mapping):
        return str(item.get("value") or "")
    return ""


def _review(fields: Mapping[str, Any]) -> list[str]:
    reasons = [str(w) for w in fields.get("warnings", []) or []]
    for name, item in fields.items():
        if isinstance(item, Mapping):
            reasons.extend(f"{name}: {flag}" for flag in item.get("flags", []) or [])
    return reasons


def _split_number(number: str, fields: Mapping[str, Any]) -> tuple[str, str]:
    """(codeNumber, codeNotation) from the extracted fields, else from "141/KH-UBND"."""
    num, notation = _field_value(fields, "number"), _field_value(fields, "notation")
    if num or notation:
        return num, notation
    for sep in ("/", "-"):
        if sep in number:
            head, tail = number.split(sep, 1)
            if head.isdigit():
                return head, tail
    return "", number


def _documents(
    catalog: Catalog, *, fonds: str | None, record: str | None, ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    q = (
        select(
            t.document,
            t.record.c.code.label("record_code"),
            t.record.c.title.label("record_title"),
            t.fonds.c.code.label("fonds_code"),
            t.fonds.c.name.label("fonds_name"),
            t.stored_file.c.path.label("pdf_path"),
            t.stored_file.c.sha256.label("pdf_sha256"),
            t.stored_file.c.size.label("pdf_size"),
        )
        .join(t.record, t.record.c.id == t.document.c.record_id)
        .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
        .outerjoin(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
        .order_by(t.fonds.c.code, t.record.c.code, t.document.c.seq)
    )
    if fonds is not None:
        q = q.where(t.fonds.c.code == fonds)
    if record is not None:
        q = q.where(t.record.c.code == record)
    if ids is not None:
        q = q.where(t.document.c.id.in_(list(ids)))
    with catalog.tx() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def _events(catalog: Catalog, doc_ids: Iterable[int]) -> list[dict[str, Any]]:
    ids = list(doc_ids)
    with catalog.tx() as conn:
        rows = conn.execute(
            select(t.event).where(t.event.c.document_id.in_(ids)).order_by(t.event.c.id)
        ).mappings()
        events = [dict(r) for r in rows]
        page_rows = conn.execute(
            select(t.event, t.page.c.document_id.label("page_document"))
            .join(t.page, t.page.c.id == t.event.c.page_id)
            .where(t.page.c.document_id.in_(ids), t.event.c.document_id.is_(None))
            .order_by(t.event.c.id)
        ).mappings()
        for r in page_rows:
            item = dict(r)
            item["document_id"] = item.pop("page_document")
            events.append(item)
    events.sort(key=lambda e: e["id"])
    return events


# --------------------------------------------------------------------------------------------
# TT05 package
# --------------------------------------------------------------------------------------------


def doc_code(file_code: str, seq: int) -> str:
    """TT05 docCode: the record's fileCode and the 7-digit sequence (``HS-A.0000001``)."""
    return f"{file_code}.{seq:07d}"


def _document_fields(doc: Mapping[str, Any], record_fields: Mapping[str, str]) -> dict[str, str]:
    fields = doc["fields"] or {}
    number, notation = _split_number(doc["number"] or "", fields)
    reasons = _review(fields)
    return {
        "docCode": doc_code(record_fields["fileCode"], doc["seq"]),
        "fileCode": record_fields["fileCode"],
        "docOrdinal": str(doc["seq"]),
        "typeName": doc["type_name"] or "Khác",
        "typeCode": doc["type_code"] or "32",
        "codeNumber": number,
        "codeNotation": notation,
        "issuedDate": tt05_date(doc["issued_date"] or ""),
        "organName": doc["organ"] or "",
        "subject": doc["summary"] or "",
        "language": _field_value(fields, "language") or record_fields["language"],
        "numberOfPage": str(doc["page_count"] or 0),
        "mode": _field_value(fields, "mode") or record_fields["mode"],
        "maintenance": record_fields["maintenance"],
        "confidenceLevel": (
            _field_value(fields, "confidenceLevel") or record_fields["confidenceLevel"]
        ),
        "place": _field_value(fields, "place"),
        "parentOrganName": _field_value(fields, "parent_organ"),
        "signerPrefix": _field_value(fields, "signer_prefix").replace("\n", " / "),
        "signerPosition": _field_value(fields, "signer_position"),
        "autograph": _field_value(fields, "autograph") or _field_value(fields, "signer_name"),
        "recipients": _field_value(fields, "recipients"),
        "urgency": _field_value(fields, "urgency"),
        "secrecy": _field_value(fields, "secrecy"),
        "needsReview": "1" if reasons else "0",
        "reviewReasons": " | ".join(reasons),
        # entered by staff (a manifest), empty otherwise
        **{tag: _field_value(fields, tag) for tag in DOCUMENT_STAFF_TAGS},
    }


def _ead(level: str, values: Mapping[str, str], tags: Sequence[str]) -> ET.Element:
    root = ET.Element("ead")
    control = ET.SubElement(root, "control")
    _text(control, "recordid", values.get("docCode") or values.get("fileCode"))
    _text(control, "maintenanceagency", "sohoa")
    _text(control, "created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    desc = ET.SubElement(root, "archdesc", level=level)
    for tag in tags:
        _text(desc, tag, values.get(tag, ""))
    return root


def _premis(
    files: Sequence[tuple[str, Path, str]],
    events: Sequence[Mapping[str, Any]],
    doc_by_id: Mapping[int, str],
) -> ET.Element:
    p = f"{{{PREMIS_NS}}}"
    root = ET.Element(f"{p}premis", version="3.0")
    for ident, path, sha in files:
        obj = ET.SubElement(root, f"{p}object")
        obj.set("{http://www.w3.org/2001/XMLSchema-instance}type", "premis:file")
        oid = ET.SubElement(obj, f"{p}objectIdentifier")
        _text(oid, f"{p}objectIdentifierType", "local")
        _text(oid, f"{p}objectIdentifierValue", ident)
        chars = ET.SubElement(obj, f"{p}objectCharacteristics")
        fixity = ET.SubElement(chars, f"{p}fixity")
        _text(fixity, f"{p}messageDigestAlgorithm", "SHA-256")
        _text(fixity, f"{p}messageDigest", sha)
        _text(chars, f"{p}size", path.stat().st_size)
        fmt = ET.SubElement(ET.SubElement(chars, f"{p}format"), f"{p}formatDesignation")
        _text(fmt, f"{p}formatName", "application/pdf")
        _text(fmt, f"{p}formatVersion", "PDF/A")
    for event in events:
        el = ET.SubElement(root, f"{p}event")
        eid = ET.SubElement(el, f"{p}eventIdentifier")
        _text(eid, f"{p}eventIdentifierType", "local")
        _text(eid, f"{p}eventIdentifierValue", f"event-{event['id']}")
        _text(el, f"{p}eventType", event["kind"])
        at = event["at"]
        _text(el, f"{p}eventDateTime", at.isoformat() if hasattr(at, "isoformat") else at)
        detail = event.get("detail") or {}
        if detail:
            info = ET.SubElement(el, f"{p}eventDetailInformation")
            _text(info, f"{p}eventDetail", json.dumps(detail, ensure_ascii=False, default=str))
        agent = ET.SubElement(el, f"{p}linkingAgentIdentifier")
        _text(agent, f"{p}linkingAgentIdentifierType", "local")
        _text(agent, f"{p}linkingAgentIdentifierValue", event.get("actor") or "sohoa")
        target = doc_by_id.get(event.get("document_id") or -1)
        if target:
            link = ET.SubElement(el, f"{p}linkingObjectIdentifier")
            _text(link, f"{p}linkingObjectIdentifierType", "local")
            _text(link, f"{p}linkingObjectIdentifierValue", target)
    return root


def _mets(
    package: Path,
    record_id: str,
    files: Sequence[tuple[str, str, str, str]],
    docs: Sequence[tuple[str, str, str]],
) -> ET.Element:
    """``files``: (ID, relative path, MIME type, group); ``docs``: (docCode, pdf ID, EAD ID)."""
    m, x = f"{{{METS_NS}}}", f"{{{XLINK_NS}}}"
    root = ET.Element(
        f"{m}mets",
        {"OBJID": record_id, "TYPE": "AIP_hoso", "LABEL": f"AIP_hoso {record_id}"},
    )
    hdr = ET.SubElement(
        root, f"{m}metsHdr", CREATEDATE=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    agent = ET.SubElement(hdr, f"{m}agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _text(agent, f"{m}name", "sohoa")
    dmd = ET.SubElement(root, f"{m}dmdSec", ID="dmd-record")
    ET.SubElement(
        dmd,
        f"{m}mdRef",
        {
            "LOCTYPE": "URL",
            "MDTYPE": "EAD",
            f"{x}type": "simple",
            f"{x}href": "metadata/descriptive/EAD.xml",
        },
    )
    amd = ET.SubElement(root, f"{m}amdSec", ID="amd-record")
    digi = ET.SubElement(amd, f"{m}digiprovMD", ID="premis-record")
    ET.SubElement(
        digi,
        f"{m}mdRef",
        {
            "LOCTYPE": "URL",
            "MDTYPE": "PREMIS",
            f"{x}type": "simple",
            f"{x}href": "metadata/preservation/PREMIS.xml",
        },
    )
    file_sec = ET.SubElement(root, f"{m}fileSec")
    groups: dict[str, ET.Element] = {}
    for ident, rel, mime, group in files:
        if group not in groups:
            groups[group] = ET.SubElement(file_sec, f"{m}fileGrp", USE=group)
        path = package / rel
        el = ET.SubElement(
            groups[group],
            f"{m}file",
            {
                "ID": ident,
                "MIMETYPE": mime,
                "SIZE": str(path.stat().st_size),
                "CHECKSUM": sha256_file(path),
                "CHECKSUMTYPE": "SHA-256",
            },
        )
        ET.SubElement(el, f"{m}FLocat", {"LOCTYPE": "URL", f"{x}type": "simple", f"{x}href": rel})
    smap = ET.SubElement(root, f"{m}structMap", TYPE="PHYSICAL", LABEL="AIP_hoso")
    top = ET.SubElement(smap, f"{m}div", LABEL=record_id, DMDID="dmd-record", ADMID="amd-record")
    for code, pdf_id, ead_id in docs:
        div = ET.SubElement(top, f"{m}div", LABEL=code, TYPE="document")
        ET.SubElement(div, f"{m}fptr", FILEID=pdf_id)
        ET.SubElement(div, f"{m}fptr", FILEID=ead_id)
    return root


def export_record(
    catalog: Catalog,
    home: Path,
    *,
    fonds: str,
    record: str,
    out_dir: Path,
    zip: bool = False,  # noqa: A002 - the CLI option's name
    record_info: Mapping[str, str] | None = None,
) -> Path:
    """Write record ``record`` of fonds ``fonds`` as a TT05 ``AIP_hoso`` package.

    ``home`` is the archive folder the catalog's stored-file paths are relative to.
    Returns the package folder, or the zip file when ``zip`` is true. ``record_info``
    supplies record fields the catalog does not hold (``fileCode``, ``title``,
    ``maintenance``, ``mode``, ``paperFileCode``...; see :data:`RECORD_DEFAULTS`).
    Raises ``NotFoundError`` when the record has no archived document.
    """
    home, out_dir = Path(home), Path(out_dir)
    docs = [
        d
        for d in _documents(catalog, fonds=fonds, record=record, ids=None)
        if d["state"] in _ARCHIVED and d["pdf_path"]
    ]
    if not docs:
        raise NotFoundError(
            f"record {record!r} of fonds {fonds!r} has no archived document to export; "
            "check the codes with 'sohoa status' or wait for its documents to be packaged."
        )
    summary = records.record_summary(catalog, docs[0]["record_id"], archived_only=True)
    derived = {tag: summary["tt05"][tag] for tag in records.DERIVED}
    record_fields = {**summary["tt05"], **(record_info or {}), **derived}
    package = out_dir / f"AIP_hoso_{_safe(record)}"
    if package.exists():
        shutil.rmtree(package)
    data_dir = "representations/rep1/data"
    meta_dir = "representations/rep1/metadata/descriptive"
    files: list[tuple[str, str, str, str]] = []
    mets_docs: list[tuple[str, str, str]] = []
    premis_files: list[tuple[str, Path, str]] = []
    doc_by_id: dict[int, str] = {}
    for doc in docs:
        seq = doc["seq"]
        values = _document_fields(doc, record_fields)
        code = values["docCode"]
        doc_by_id[doc["id"]] = code
        pdf_rel = f"{data_dir}/{_safe(record)}.{seq:07d}.pdf"
        source = home / doc["pdf_path"]
        _copy_checked(source, package / pdf_rel, doc["pdf_sha256"])
        ead_rel = f"{meta_dir}/EAD_doc_{seq:07d}.xml"
        _write(package / ead_rel, _xml_bytes(_ead("item", values, DOCUMENT_TAGS)))
        pdf_id, ead_id = f"file-pdf-{seq:07d}", f"file-ead-{seq:07d}"
        files.append((pdf_id, pdf_rel, "application/pdf", "Representations/rep1/data"))
        files.append((ead_id, ead_rel, "text/xml", "Representations/rep1/metadata"))
        mets_docs.append((code, pdf_id, ead_id))
        premis_files.append((pdf_rel, package / pdf_rel, doc["pdf_sha256"]))
    ead_rel = "metadata/descriptive/EAD.xml"
    _write(package / ead_rel, _xml_bytes(_ead("file", record_fields, RECORD_TAGS)))
    premis_rel = "metadata/preservation/PREMIS.xml"
    events = _events(catalog, doc_by_id)
    _write(package / premis_rel, _xml_bytes(_premis(premis_files, events, doc_by_id)))
    files.insert(0, ("file-premis", premis_rel, "text/xml", "Metadata/preservation"))
    files.insert(0, ("file-ead", ead_rel, "text/xml", "Metadata/descriptive"))
    mets = _mets(package, record_fields["fileCode"], files, mets_docs)
    _write(package / "METS.xml", _xml_bytes(mets))
    log.info("exported record %s/%s: %d documents to %s", fonds, record, len(docs), package)
    if not zip:
        return package
    target = out_dir / f"{package.name}.zip"
    with atomic_write(target) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                zf.write(path, f"{package.name}/{path.relative_to(package).as_posix()}")
    return target


def _copy_checked(source: Path, target: Path, sha256: str) -> None:
    """Copy a stored file, checking on the way that it still has its recorded SHA-256."""
    digest = hashlib.sha256()
    try:
        with open(source, "rb") as src, atomic_write(target) as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
            if sha256 and digest.hexdigest() != sha256:
                raise StorageError(
                    f"{source}: the stored file no longer matches its recorded SHA-256; "
                    "run the fixity audit and restore it from a backup before exporting.",
                    path=source,
                )
    except OSError as exc:
        raise StorageError(f"cannot copy {source}: {exc.strerror}", path=source) from exc


# --------------------------------------------------------------------------------------------
# CSV and JSON
# --------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "document_id",
    "fonds",
    "record",
    "docCode",
    "seq",
    "state",
    "codeNumber",
    "codeNotation",
    "number",
    "issuedDate",
    "typeCode",
    "typeName",
    "organName",
    "parentOrganName",
    "place",
    "subject",
    "signerPrefix",
    "signerPosition",
    "autograph",
    "recipients",
    "urgency",
    "secrecy",
    "numberOfPage",
    "pdf",
    "pdf_sha256",
    "needsReview",
    "reviewReasons",
)


def _row(doc: Mapping[str, Any]) -> dict[str, Any]:
    values = _document_fields(doc, {**RECORD_DEFAULTS, "fileCode": doc["record_code"]})
    return {
        "document_id": doc["id"],
        "fonds": doc["fonds_code"],
        "record": doc["record_code"],
        "docCode": values["docCode"],
        "seq": doc["seq"],
        "state": doc["state"],
        "number": doc["number"] or "",
        "issuedDate": values["issuedDate"],
        "typeCode": doc["type_code"] or "",
        "typeName": doc["type_name"] or "",
        "pdf": doc["pdf_path"] or "",
        "pdf_sha256": doc["pdf_sha256"] or "",
        **{
            k: values[k]
            for k in (
                "codeNumber",
                "codeNotation",
                "organName",
                "parentOrganName",
                "place",
                "subject",
                "signerPrefix",
                "signerPosition",
                "autograph",
                "recipients",
                "urgency",
                "secrecy",
                "numberOfPage",
                "needsReview",
                "reviewReasons",
            )
        },
    }


def export_metadata(
    catalog: Catalog,
    *,
    fonds: str | None = None,
    document_ids: Sequence[int] | None = None,
    format: str = "csv",  # noqa: A002 - the CLI option's name
    out: Path,
) -> int:
    """Write the metadata of a fonds' documents, or of ``document_ids``, to ``out``.

    ``format`` is ``"csv"`` (one row per document, the columns of :data:`CSV_COLUMNS`,
    UTF-8 with a BOM so spreadsheet programs read the Vietnamese text) or ``"json"`` (a list
    of the same rows, each with ``"fields"``: every extracted field with its provenance).
    Returns the number of documents written. With neither filter, every document is written.
    """
    if format not in ("csv", "json"):
        raise QueryError(f"unknown export format {format!r}: use 'csv' or 'json'.")
    docs = _documents(catalog, fonds=fonds, record=None, ids=document_ids)
    if fonds is not None and not docs:
        raise NotFoundError(f"fonds {fonds!r} has no document; check the code with 'sohoa stats'.")
    rows = [_row(d) for d in docs]
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8-sig")
    else:
        for row, doc in zip(rows, docs, strict=True):
            row["fields"] = doc["fields"] or {}
        data = json.dumps(rows, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    _write(Path(out), data)
    return len(rows)
