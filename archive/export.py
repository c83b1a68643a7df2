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

The XML of a package is written by :mod:`archive.aip_xml`, the TT05 tags and document fields
come from :mod:`archive.tt05`; every file is written through
:func:`archive.storage.atomic_write`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive import records
from archive import schema as t
from archive.aip_xml import METS_NS, PREMIS_NS, XLINK_NS, ead_xml, mets_xml, premis_xml, xml_bytes
from archive.catalog import Catalog
from archive.storage import CHUNK, atomic_write
from archive.tt05 import (
    DOCUMENT_REQUIRED,
    DOCUMENT_STAFF_TAGS,
    DOCUMENT_TAGS,
    RECORD_DEFAULTS,
    RECORD_REQUIRED,
    RECORD_TAGS,
    doc_code,
    document_fields,
    tt05_date,
)
from errors import NotFoundError, QueryError, StorageError

__all__ = [
    "CSV_COLUMNS",
    "DOCUMENT_REQUIRED",
    "DOCUMENT_STAFF_TAGS",
    "DOCUMENT_TAGS",
    "METS_NS",
    "PREMIS_NS",
    "RECORD_DEFAULTS",
    "RECORD_REQUIRED",
    "RECORD_TAGS",
    "XLINK_NS",
    "doc_code",
    "export_metadata",
    "export_record",
    "tt05_date",
]

log = logging.getLogger(__name__)

_ARCHIVED = ("packaged", "indexed")


def _safe(code: str) -> str:
    """A code as a file name: characters other than letters, digits and -_. become _."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code) or "_"


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(data)


def _documents(
    catalog: Catalog, *, fonds: str | None, record: str | None, ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """Documents with their record, fonds and PDF/A, in order, filtered as given."""
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
    """The events of these documents and of their pages, in the order they happened."""
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
    docs = _archived_documents(catalog, fonds=fonds, record=record)
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
        values = document_fields(doc, record_fields)
        code = values["docCode"]
        doc_by_id[doc["id"]] = code
        pdf_rel = f"{data_dir}/{_safe(record)}.{seq:07d}.pdf"
        source = home / doc["pdf_path"]
        _copy_checked(source, package / pdf_rel, doc["pdf_sha256"])
        ead_rel = f"{meta_dir}/EAD_doc_{seq:07d}.xml"
        _write(package / ead_rel, xml_bytes(ead_xml("item", values, DOCUMENT_TAGS)))
        pdf_id, ead_id = f"file-pdf-{seq:07d}", f"file-ead-{seq:07d}"
        files.append((pdf_id, pdf_rel, "application/pdf", "Representations/rep1/data"))
        files.append((ead_id, ead_rel, "text/xml", "Representations/rep1/metadata"))
        mets_docs.append((code, pdf_id, ead_id))
        premis_files.append((pdf_rel, package / pdf_rel, doc["pdf_sha256"]))
    ead_rel = "metadata/descriptive/EAD.xml"
    _write(package / ead_rel, xml_bytes(ead_xml("file", record_fields, RECORD_TAGS)))
    premis_rel = "metadata/preservation/PREMIS.xml"
    events = _events(catalog, doc_by_id)
    _write(package / premis_rel, xml_bytes(premis_xml(premis_files, events, doc_by_id)))
    files.insert(0, ("file-premis", premis_rel, "text/xml", "Metadata/preservation"))
    files.insert(0, ("file-ead", ead_rel, "text/xml", "Metadata/descriptive"))
    mets = mets_xml(package, record_fields["fileCode"], files, mets_docs)
    _write(package / "METS.xml", xml_bytes(mets))
    log.info("exported record %s/%s: %d documents to %s", fonds, record, len(docs), package)
    return _zip_package(package, out_dir) if zip else package


def _archived_documents(catalog: Catalog, *, fonds: str, record: str) -> list[dict[str, Any]]:
    """A record's archived documents that have a PDF/A; ``NotFoundError`` when there is none."""
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
    return docs


def _zip_package(package: Path, out_dir: Path) -> Path:
    """Zip a package folder as ``<folder>.zip`` in ``out_dir``; returns the zip file."""
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
    """A document as one row of a metadata export (the columns of :data:`CSV_COLUMNS`)."""
    values = document_fields(doc, {**RECORD_DEFAULTS, "fileCode": doc["record_code"]})
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
