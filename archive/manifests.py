"""Applying a checked manifest (``ingest.read_manifest``) to the catalog.

Record rows go to ``record.fields`` (TT05 tags; ``title`` and ``access_mode`` columns too);
document rows become document fields with rule ``manifest``, confidence 1.0 and no review
flag (:mod:`archive.staff_fields`), and the document columns (number, date, type, organ,
summary) follow them. Rows that match nothing are reported, not applied.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from archive import schema as t
from archive.catalog import Catalog, now
from archive.staff_fields import (
    MIRRORED_COLUMNS,
    STAFF_ONLY_FIELDS,
    merge_staff_fields,
    staff_document_fields,
)
from archive.tt05 import RECORD_LABELS
from ingest import Manifest, ManifestRow

log = logging.getLogger(__name__)

#: Manifest record columns that are not record fields (they say which record a row is).
_RECORD_SKIP = ("fonds", "fileCode")


@dataclass
class ManifestReport:
    """What :func:`apply_manifest` did: records and documents updated, problems found."""

    manifest: str
    records: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as the event and the CLI show it (at most 200 problems listed)."""
        return {
            "manifest": self.manifest,
            "records": len(self.records),
            "documents": len(self.documents),
            "problems": self.problems[:200],  # all of them are logged and returned
            "problem_count": len(self.problems),
            "warnings": self.warnings,
        }


def _record_id(conn: Connection, fonds: str, code: str) -> int | None:
    """The id of record ``code`` of fonds ``fonds``, if it is in the catalog."""
    return conn.execute(
        select(t.record.c.id)
        .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
        .where(t.fonds.c.code == fonds, t.record.c.code == code)
    ).scalar()


def _document_by_seq(conn: Connection, record_id: int, seq: int) -> int | None:
    """The id of a record's document number ``seq``, if there is one."""
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
        """The id of the document a manifest names (inside ``record`` when given), or None."""
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
    """Write a document row's staff fields; returns notes on what disagrees with the scan."""
    doc = conn.execute(select(t.document).where(t.document.c.id == doc_id)).mappings().one()
    staff = staff_document_fields(row.values, row.raw)
    columns = {
        "number": doc["number"],
        **{c: doc[c] for c in MIRRORED_COLUMNS.values()},
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
    """Write a record's staff fields (and its title and access mode columns)."""
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
                k: v
                for k, v in row.values.items()
                if k in RECORD_LABELS and k not in STAFF_ONLY_FIELDS
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
