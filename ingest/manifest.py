"""Manifests: staff-entered record (hồ sơ) and document (văn bản) metadata, CSV or XLSX.

A manifest is one file with a header row. Column names are TT05 tag names (``fileCode``,
``title``, ``issuedDate``...), the Vietnamese titles of those fields (``Mã hồ sơ``,
``Tiêu đề hồ sơ``...) or the names of Circular 02/2019/TT-BNV (``Thời hạn bảo quản``,
``Chú giải``...). Names are matched on folded text: case, accents, spaces and punctuation do
not matter (``Ngay thang nam van ban`` is ``Ngày, tháng, năm văn bản``).
:data:`ingest.columns.COLUMNS` is the one mapping table.

* CSV: UTF-8 with or without a BOM; the delimiter (``;``, ``,`` or tab) is read from the
  header line.
* XLSX: the first sheet; or, when the workbook has sheets named for records (``Hồ sơ``,
  ``HoSo``, ``records``) and/or documents (``Văn bản``, ``Tài liệu``, ``documents``), those
  (see :mod:`ingest.tables`).

A row describes a document when it has a file name, a sequence number (``docOrdinal``) or a
``docCode``; otherwise it describes a record. Values are checked and normalised (dates to
ISO, code lists to their two-digit codes, document types to TT05 code + name; see
:mod:`ingest.values`); each problem is one :class:`ManifestProblem` naming the file, row and
column, and a row with a problem is skipped while the others are kept. Matching rows to
ingested documents and records, and writing them to the catalog, is
``archive.records.apply_manifest``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from errors import InputError
from ingest.columns import COLUMN_BY_KEY, DOCUMENT, DOCUMENT_KEYS, RECORD, match_column
from ingest.tables import Table, read_tables
from ingest.values import normalise_value

log = logging.getLogger(__name__)

#: Names of a manifest found automatically at the top of a batch folder (never ingested).
MANIFEST_NAMES = ("manifest.csv", "manifest.xlsx")


@dataclass(frozen=True)
class ManifestProblem:
    """One problem in a manifest: ``str()`` is the message shown to staff."""

    file: str
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "")
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ManifestRow:
    """A valid row: ``values`` by canonical key (normalised), ``raw`` the cells as written,
    ``headers`` the column title each key came from."""

    kind: str  # RECORD or DOCUMENT
    row: int
    values: dict[str, str]
    raw: dict[str, str]
    headers: dict[str, str]
    sheet: str | None = None

    def problem(self, file: str, key: str | None, message: str) -> ManifestProblem:
        """A problem of this row, in the column the value ``key`` came from."""
        column = self.headers.get(key, key) if key else None
        return ManifestProblem(file, self.row, column, message, self.sheet)


@dataclass
class Manifest:
    """A manifest as read: its valid rows, its problems and the columns it ignored."""

    path: Path
    records: list[ManifestRow] = field(default_factory=list)
    documents: list[ManifestRow] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The manifest's file name, as messages name it."""
        return self.path.name

    def fonds_for(self, record_code: str) -> str | None:
        """The fonds the manifest gives for a record (its record row first), if any."""
        for row in (*self.records, *self.documents):
            if row.values.get("fileCode") == record_code and row.values.get("fonds"):
                return row.values["fonds"]
        return None

    @property
    def warnings(self) -> list[str]:
        """Messages about the manifest as a whole (unknown columns)."""
        if not self.unknown_columns:
            return []
        names = ", ".join(repr(c) for c in self.unknown_columns)
        return [
            f"{self.name}: column(s) {names} name no TT05 or Circular 02/2019 field and "
            "were ignored; check their spelling if they should be read."
        ]


def find_manifest(batch_dir: Path) -> Path | None:
    """``manifest.csv`` or ``manifest.xlsx`` at the top of a batch folder (any case)."""
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        return None
    found = sorted(
        p for p in batch_dir.iterdir() if p.is_file() and p.name.lower() in MANIFEST_NAMES
    )
    return found[0] if found else None


def read_manifest(path: Path) -> Manifest:
    """Read and check a manifest. Raises ``InputError`` only when the file as a whole cannot
    be used (missing, not CSV/XLSX, no header); problems with rows are in ``.problems``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"manifest {path} does not exist: check the path", path=path)
    tables = read_tables(path)
    manifest = Manifest(path=path)
    for table in tables:
        _read_table(manifest, table)
    _check_duplicates(manifest)
    log.info(
        "manifest %s: %d records, %d documents, %d problems",
        path.name,
        len(manifest.records),
        len(manifest.documents),
        len(manifest.problems),
    )
    return manifest


def _read_table(manifest: Manifest, table: Table) -> None:
    rows = [(n, cells) for n, cells in table.rows if any(cells)]
    if not rows:
        if table.sheet is None:
            raise InputError(f"manifest {manifest.name} is empty: it needs a header row")
        return
    header_no, header = rows[0]
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    for title in header:
        key = match_column(title) if title else None
        if title and key is None and title not in manifest.unknown_columns:
            manifest.unknown_columns.append(title)
        if key is not None and key in seen:
            manifest.problems.append(
                ManifestProblem(
                    manifest.name,
                    header_no,
                    title,
                    f"names the same field as column {seen[key]!r}; only the first is read",
                    table.sheet,
                )
            )
            key = None
        if key is not None:
            seen[key] = title
        keys.append(key)
    if not seen:
        raise InputError(
            f"manifest {manifest.name}: the header row names no TT05 or Circular 02/2019 "
            "field (e.g. 'Mã hồ sơ', 'fileCode', 'Tên tệp'); put the column names in row 1",
        )
    for number, cells in rows[1:]:
        row = _read_row(manifest, table, number, keys, header, cells)
        if row is not None:
            (manifest.documents if row.kind == DOCUMENT else manifest.records).append(row)


_Problem = tuple[str | None, str]  # (column title, message)


def _read_row(
    manifest: Manifest,
    table: Table,
    number: int,
    keys: Sequence[str | None],
    header: Sequence[str],
    cells: Sequence[str],
) -> ManifestRow | None:
    """One data row, or None when it is empty or has problems (added to the manifest)."""
    raw: dict[str, str] = {}
    headers: dict[str, str] = {}
    for key, title, cell in zip(keys, header, cells, strict=False):
        if key is not None and cell:
            raw[key] = cell
            headers[key] = title
    if not raw:
        return None
    kind = table.kind or (DOCUMENT if any(k in raw for k in DOCUMENT_KEYS) else RECORD)
    values, problems = _row_values(kind, raw, headers)
    missing = _missing_identity(kind, values, headers)
    if missing is not None:
        problems.append(missing)
    if problems:
        manifest.problems.extend(
            ManifestProblem(manifest.name, number, column, message, table.sheet)
            for column, message in problems
        )
        return None
    return ManifestRow(
        kind=kind, row=number, values=values, raw=raw, headers=headers, sheet=table.sheet
    )


def _row_values(
    kind: str, raw: dict[str, str], headers: dict[str, str]
) -> tuple[dict[str, str], list[_Problem]]:
    """The row's cells normalised, and the problems of those that cannot be used."""
    problems: list[_Problem] = []
    values: dict[str, str] = {}
    for key, cell in raw.items():
        col = COLUMN_BY_KEY[key]
        if kind == RECORD and col.scope == DOCUMENT:
            problems.append(
                (
                    headers[key],
                    "is a document field but the row has no file name or sequence number "
                    "('Tên tệp' / 'docOrdinal') to say which document it describes",
                )
            )
            continue
        try:
            values[key] = normalise_value(key, cell)
        except ValueError as exc:
            problems.append((headers[key], str(exc)))
    return values, problems


def _missing_identity(
    kind: str, values: dict[str, str], headers: dict[str, str]
) -> _Problem | None:
    """The problem of a row that does not say which record or document it describes."""
    if kind == RECORD and not values.get("fileCode"):
        return (None, "the row has no record code ('Mã hồ sơ' / 'fileCode'): which record is it?")
    if (
        kind == DOCUMENT
        and "fileName" not in values
        and "docCode" not in values
        and not values.get("fileCode")
    ):
        return (
            headers.get("docOrdinal"),
            "a sequence number needs the record code ('Mã hồ sơ') or a file name "
            "to say which document it is",
        )
    return None


def document_key(row: ManifestRow) -> tuple[str, ...]:
    """What identifies a document row: its file name, else its record code and sequence."""
    if "fileName" in row.values:
        return ("file", row.values.get("fileCode", ""), row.values["fileName"])
    if "docCode" in row.values:
        return ("code", row.values["docCode"])
    return ("seq", row.values.get("fileCode", ""), row.values.get("docOrdinal", ""))


def _check_duplicates(manifest: Manifest) -> None:
    """A second row for the same record or document is reported and skipped."""
    for attr, key_of in (
        ("records", lambda r: (r.values.get("fonds", ""), r.values["fileCode"])),
        ("documents", document_key),
    ):
        kept: list[ManifestRow] = []
        first: dict[tuple[str, ...], ManifestRow] = {}
        for row in getattr(manifest, attr):
            key = key_of(row)
            if key in first:
                earlier = first[key]
                same = "repeats" if earlier.values == row.values else "describes the same"
                what = "record" if attr == "records" else "document"
                manifest.problems.append(
                    row.problem(
                        manifest.name,
                        None,
                        f"{same} {what} as row {earlier.row}; only row {earlier.row} is used",
                    )
                )
                continue
            first[key] = row
            kept.append(row)
        setattr(manifest, attr, kept)


def problems_text(problems: Iterable[ManifestProblem]) -> list[str]:
    """The messages of ``problems``, as shown to staff."""
    return [str(p) for p in problems]
