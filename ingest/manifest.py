"""Manifests: staff-entered record (hồ sơ) and document (văn bản) metadata, CSV or XLSX.

A manifest is one file with a header row. Column names are TT05 tag names (``fileCode``,
``title``, ``issuedDate``...), the Vietnamese titles of those fields (``Mã hồ sơ``,
``Tiêu đề hồ sơ``...) or the names of Circular 02/2019/TT-BNV (``Thời hạn bảo quản``,
``Chú giải``...). Names are matched on folded text: case, accents, spaces and punctuation do
not matter (``Ngay thang nam van ban`` is ``Ngày, tháng, năm văn bản``). :data:`COLUMNS` is
the one mapping table.

* CSV: UTF-8 with or without a BOM; the delimiter (``;``, ``,`` or tab) is read from the
  header line.
* XLSX: the first sheet; or, when the workbook has sheets named for records (``Hồ sơ``,
  ``HoSo``, ``records``) and/or documents (``Văn bản``, ``Tài liệu``, ``documents``), those.

A row describes a document when it has a file name, a sequence number (``docOrdinal``) or a
``docCode``; otherwise it describes a record. Values are checked and normalised here (dates to
ISO, code lists to their two-digit codes, document types to TT05 code + name); each problem is
one :class:`ManifestProblem` naming the file, row and column, and a row with a problem is
skipped while the others are kept. Matching rows to ingested documents and records, and
writing them to the catalog, is ``archive.records.apply_manifest``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errors import InputError, UnsupportedFormatError

log = logging.getLogger(__name__)

#: Names of a manifest found automatically at the top of a batch folder (never ingested).
MANIFEST_NAMES = ("manifest.csv", "manifest.xlsx")

RECORD, DOCUMENT, BOTH = "record", "document", "both"


@dataclass(frozen=True)
class Column:
    """One manifest column: its canonical key, which rows it belongs to, how its values are
    read, and the names it is known by."""

    key: str
    scope: str  # RECORD, DOCUMENT or BOTH
    kind: str  # text | date | int | mode | maintenance | language | format | confidence | ...
    tt05: tuple[str, ...] = ()  # Circular 05/2025/TT-BNV: machine tag and Vietnamese title
    c02: tuple[str, ...] = ()  # Circular 02/2019/TT-BNV field names (older databases)
    other: tuple[str, ...] = ()  # sohoa's own names and spellings common in spreadsheets
    max_len: int = 0


# The mapping table. ``tt05`` lists the TT05 tag and its Vietnamese title as DOMAIN.md gives
# them; ``c02`` the names used by Circular 02/2019/TT-BNV and by databases built under it
# (where the two circulars use the same title it is listed once, under tt05); ``other`` holds
# sohoa's own keys (fonds, fileName, numberSymbol, signer...) and usual spreadsheet spellings.
# The 02/2019 names are from implementers' spreadsheets, not a copy of the circular's annex.
COLUMNS: tuple[Column, ...] = (
    # --- identify the record (on record rows and document rows)
    Column("fonds", BOTH, "text", other=("fonds", "fondsCode", "Mã phông", "Phông"), max_len=100),
    Column(
        "fileCode",
        BOTH,
        "text",
        tt05=("fileCode", "Mã hồ sơ"),
        c02=("Số và ký hiệu hồ sơ", "Hồ sơ số"),
        other=("record", "record code", "recordCode"),
        max_len=100,
    ),
    # --- record fields
    Column("title", RECORD, "text", tt05=("title", "Tiêu đề hồ sơ"), max_len=1000),
    Column(
        "maintenance",
        RECORD,
        "maintenance",
        tt05=("maintenance", "Thời hạn lưu trữ"),
        c02=("Thời hạn bảo quản",),
        other=("retention",),
    ),
    Column("startDate", RECORD, "date", tt05=("startDate", "Thời gian bắt đầu")),
    Column("endDate", RECORD, "date", tt05=("endDate", "Thời gian kết thúc")),
    Column(
        "totalDoc",
        RECORD,
        "int",
        tt05=("totalDoc", "Tổng số văn bản"),
        c02=("Tổng số văn bản trong hồ sơ",),
    ),
    Column(
        "paperFileCode",
        RECORD,
        "text",
        tt05=("paperFileCode", "Mã hồ sơ gốc giấy"),
        c02=("Mã hồ sơ giấy gốc",),
        max_len=100,
    ),
    Column("riskRecovery", RECORD, "yesno", tt05=("riskRecovery", "Chế độ dự phòng")),
    Column(
        "riskRecoveryStatus", RECORD, "recovery", tt05=("riskRecoveryStatus", "Tình trạng dự phòng")
    ),
    # --- fields of records and documents alike
    Column(
        "mode", BOTH, "mode", tt05=("mode", "Chế độ sử dụng"), other=("access mode", "accessMode")
    ),
    Column("language", BOTH, "language", tt05=("language", "Ngôn ngữ")),
    Column("keyword", BOTH, "text", tt05=("keyword", "Từ khóa"), other=("keywords",)),
    Column("format", BOTH, "format", tt05=("format", "Tình trạng vật lý")),
    Column("inforSign", BOTH, "text", tt05=("inforSign", "Ký hiệu thông tin"), max_len=100),
    Column("confidenceLevel", BOTH, "confidence", tt05=("confidenceLevel", "Mức độ tin cậy")),
    Column(
        "description",
        BOTH,
        "text",
        tt05=("description", "Ghi chú"),
        c02=("Chú giải",),
        other=("notes",),
        max_len=2000,
    ),
    Column(
        "numberOfPage",
        BOTH,
        "int",
        tt05=("numberOfPage", "Số lượng trang"),
        c02=("Số lượng trang của văn bản", "Số trang"),
        other=("pages", "page count"),
    ),
    Column(
        "numberOfPaper",
        BOTH,
        "int",
        tt05=("numberOfPaper", "Số lượng tờ"),
        c02=("Số tờ",),
        other=("sheets",),
    ),
    # --- document rows: which document
    Column(
        "fileName",
        DOCUMENT,
        "path",
        c02=("Đường dẫn file", "Đường dẫn tệp"),
        other=("fileName", "file", "path", "Tên tệp", "Tên file", "Tệp", "Đường dẫn"),
    ),
    Column(
        "docOrdinal",
        DOCUMENT,
        "int",
        tt05=("docOrdinal", "Số thứ tự văn bản"),
        c02=("Số thứ tự văn bản trong hồ sơ",),
        other=("sequence", "seq"),
    ),
    Column("docCode", DOCUMENT, "text", tt05=("docCode", "Mã lưu trữ"), max_len=120),
    # --- document fields
    Column(
        "typeName",
        DOCUMENT,
        "type",
        tt05=("typeName", "Tên loại văn bản"),
        other=("Loại văn bản", "type", "typeCode"),
    ),
    Column(
        "codeNumber",
        DOCUMENT,
        "text",
        tt05=("codeNumber", "Số của văn bản"),
        other=("Số văn bản",),
        max_len=50,
    ),
    Column(
        "codeNotation",
        DOCUMENT,
        "text",
        tt05=("codeNotation", "Ký hiệu của văn bản"),
        other=("Ký hiệu văn bản",),
        max_len=150,
    ),
    Column(
        "numberSymbol",
        DOCUMENT,
        "number",
        other=("numberSymbol", "number", "Số và ký hiệu văn bản", "Số, ký hiệu", "Số hiệu"),
        max_len=200,
    ),
    Column(
        "issuedDate",
        DOCUMENT,
        "date",
        tt05=("issuedDate", "Ngày, tháng, năm văn bản"),
        other=("Ngày ban hành", "Ngày văn bản", "date"),
    ),
    Column(
        "organName",
        DOCUMENT,
        "text",
        tt05=("organName", "Tên cơ quan, tổ chức ban hành văn bản"),
        other=("Cơ quan ban hành", "organ"),
        max_len=1000,
    ),
    Column("parentOrganName", DOCUMENT, "text", other=("parentOrganName", "Cơ quan chủ quản")),
    Column(
        "subject",
        DOCUMENT,
        "text",
        tt05=("subject", "Trích yếu nội dung"),
        other=("Trích yếu", "summary"),
        max_len=2000,
    ),
    Column(
        "signerName",
        DOCUMENT,
        "text",
        other=("signer", "signerName", "Người ký", "Người ký văn bản", "Họ tên người ký"),
    ),
    Column("signerPosition", DOCUMENT, "text", other=("signerPosition", "Chức vụ người ký")),
    Column("autograph", DOCUMENT, "text", tt05=("autograph", "Bút tích")),
    Column("place", DOCUMENT, "text", other=("place", "Địa danh")),
)

COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
#: Columns whose presence makes a row a document row.
DOCUMENT_KEYS = ("fileName", "docOrdinal", "docCode")

# Code lists (TT05; DOMAIN.md). Keys are folded words staff write instead of the code.
MODE_WORDS = {"cong khai": "01", "han che": "02", "co dieu kien": "02", "mat": "03"}
MAINTENANCE_WORDS = {
    "vinh vien": "01",
    "70 nam": "02",
    "50 nam": "03",
    "30 nam": "04",
    "20 nam": "05",
    "10 nam": "06",
    "khac": "07",
}
LANGUAGE_WORDS = {
    "tieng viet": "01",
    "viet": "01",
    "vi": "01",
    "tieng anh": "02",
    "en": "02",
    "tieng phap": "03",
    "fr": "03",
    "tieng nga": "04",
    "ru": "04",
    "tieng trung": "05",
    "zh": "05",
    "khac": "11",
}
FORMAT_WORDS = {"tot": "01", "binh thuong": "02", "hu hong": "03", "hong": "03"}
CONFIDENCE_WORDS = {"goc dien tu": "01", "so hoa": "02", "hon hop": "03"}
YESNO_WORDS = {"co": "1", "yes": "1", "x": "1", "khong": "0", "no": "0"}
RECOVERY_WORDS = {"da du phong": "01", "chua du phong": "02"}

_CODE_LISTS: dict[str, tuple[tuple[str, ...], dict[str, str], str]] = {
    # kind: (valid codes, words, how to say it in a message)
    "mode": (("01", "02", "03"), MODE_WORDS, "01 public, 02 conditional or 03 secret"),
    "maintenance": (
        tuple(f"{i:02d}" for i in range(1, 8)),
        MAINTENANCE_WORDS,
        "01 permanent, 02 70 years, 03 50, 04 30, 05 20, 06 10 or 07 other",
    ),
    "language": (tuple(f"{i:02d}" for i in range(1, 12)), LANGUAGE_WORDS, "a code 01-11"),
    "format": (("01", "02", "03"), FORMAT_WORDS, "01 good, 02 normal or 03 damaged"),
    "confidence": (
        ("01", "02", "03"),
        CONFIDENCE_WORDS,
        "01 born digital, 02 digitised or 03 mixed",
    ),
    "yesno": (("0", "1"), YESNO_WORDS, "1 (a backup copy exists) or 0"),
    "recovery": (("01", "02"), RECOVERY_WORDS, "01 done or 02 not yet"),
}


# ------------------------------------------------------------------------------ folding


@functools.cache
def _fold_fn() -> Callable[[str], str]:
    # Imported on first use: metadata imports ocr, which imports ingest, so a module-level
    # import here would make the packages import each other while they initialise.
    from metadata import fold

    return fold


def fold(text: str) -> str:
    """Accent-insensitive lower-case form (``metadata.fold``)."""
    return _fold_fn()(text)


def column_key(name: str) -> str:
    """The matching key of a column name: folded, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


@functools.cache
def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for col in COLUMNS:
        for alias in (col.key, *col.tt05, *col.c02, *col.other):
            key = column_key(alias)
            if table.get(key, col.key) != col.key:
                raise AssertionError(f"manifest alias {alias!r} names two columns")
            table[key] = col.key
    return table


def match_column(name: str) -> str | None:
    """The canonical key of a header cell, or None when it names no known field."""
    return _alias_table().get(column_key(name))


# ------------------------------------------------------------------------------ data


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
        column = self.headers.get(key, key) if key else None
        return ManifestProblem(file, self.row, column, message, self.sheet)


@dataclass
class Manifest:
    path: Path
    records: list[ManifestRow] = field(default_factory=list)
    documents: list[ManifestRow] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def fonds_for(self, record_code: str) -> str | None:
        """The fonds the manifest gives for a record (its record row first), if any."""
        for row in (*self.records, *self.documents):
            if row.values.get("fileCode") == record_code and row.values.get("fonds"):
                return row.values["fonds"]
        return None

    @property
    def warnings(self) -> list[str]:
        if not self.unknown_columns:
            return []
        names = ", ".join(repr(c) for c in self.unknown_columns)
        return [
            f"{self.name}: column(s) {names} name no TT05 or Circular 02/2019 field and "
            "were ignored; check their spelling if they should be read."
        ]


# ------------------------------------------------------------------------------ values

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> str:
    """``dd/mm/yyyy`` (also ``-`` or ``.``) or ``yyyy-mm-dd`` -> ISO; ValueError otherwise."""
    text = text.strip()
    if m := _DMY.match(text):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _YMD.match(text.split(" ")[0].split("T")[0]):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        raise ValueError(f"{text!r} is not a date: write dd/mm/yyyy or yyyy-mm-dd")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a real date (day {day}, month {month})") from None


def _code(kind: str, text: str) -> str:
    codes, words, say = _CODE_LISTS[kind]
    value = text.strip()
    if value.isdigit():
        value = value.zfill(len(codes[0]))
        if value in codes:
            return value
    else:
        found = words.get(fold(value).strip(" ."))
        if found is not None:
            return found
    raise ValueError(f"{text!r} is not a valid value: use {say}")


def _languages(text: str) -> str:
    parts = [p for p in re.split(r"[,;+/]", text) if p.strip()]
    return ",".join(_code("language", p) for p in parts)


def _int(text: str) -> str:
    value = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", value):
        return str(int(float(value)))
    raise ValueError(f"{text!r} is not a whole number")


def _doc_type(text: str) -> str:
    """``"10"``, ``"Kế hoạch"`` or ``"ke hoach"`` -> ``"10|Kế hoạch"``."""
    from metadata import TYPES

    value = text.strip()
    if value.isdigit() and value.zfill(2) in TYPES:
        code = value.zfill(2)
        return f"{code}|{TYPES[code]}"
    wanted = fold(value)
    for code, name in TYPES.items():
        if fold(name) == wanted:
            return f"{code}|{name}"
    raise ValueError(
        f"{text!r} is not a TT05 document type: use a code 01-32 or a name such as 'Kế hoạch'"
    )


def _number(text: str) -> str:
    """``"141/KH-UBND"`` -> ``"141|KH-UBND|/"``; Party ``"57-NQ/TW"`` -> ``"57|NQ/TW|-"``."""
    value = re.sub(r"\s+", "", text)
    value = re.sub(r"^(s[oố]|no\.?)[:.]?", "", value, flags=re.IGNORECASE)
    m = re.fullmatch(r"(\d+[a-zA-Z]?)([/\-])(.+)", value)
    if not m:
        raise ValueError(f"{text!r} is not a number and symbol such as 141/KH-UBND or 57-NQ/TW")
    return f"{m.group(1)}|{m.group(3)}|{m.group(2)}"


def _path(text: str) -> str:
    value = text.strip().replace("\\", "/")
    while value.startswith("./"):
        value = value[2:]
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise ValueError(f"{text!r} must be a file name relative to the batch folder")
    return value


def normalise_value(key: str, text: str) -> str:
    """One cell's value in its stored form; ValueError with the reason when it is invalid."""
    col = COLUMN_BY_KEY[key]
    kind = col.kind
    if kind == "date":
        return parse_date(text)
    if kind == "int":
        return _int(text)
    if kind == "language":
        return _languages(text)
    if kind in _CODE_LISTS:
        return _code(kind, text)
    if kind == "type":
        return _doc_type(text)
    if kind == "number":
        return _number(text)
    if kind == "path":
        return _path(text)
    value = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())
    if col.max_len and len(value) > col.max_len:
        raise ValueError(f"the value is {len(value)} characters long; TT05 allows {col.max_len}")
    return value


# ------------------------------------------------------------------------------ reading


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class _Table:
    rows: list[tuple[int, list[str]]]  # (row number as staff see it, cells); header first
    sheet: str | None = None
    kind: str | None = None  # forced row kind for a sheet named for records or documents


def _read_csv(path: Path) -> list[_Table]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'",
            path=path,
        ) from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _sniff(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [(reader.line_num, [c.strip() for c in cells]) for cells in reader]
    return [_Table(rows=rows)]


def _sniff(header: str) -> str:
    """The delimiter that splits the header line into the most known column names (a title
    such as "Ngày, tháng, năm văn bản" holds commas, so counting them is not enough)."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(match_column(c) is not None for c in cells if c.strip()), len(cells)

    return max((";", ",", "\t"), key=score)


_SHEET_KINDS = {
    "hoso": RECORD,
    "records": RECORD,
    "record": RECORD,
    "vanban": DOCUMENT,
    "tailieu": DOCUMENT,
    "documents": DOCUMENT,
    "document": DOCUMENT,
}


def _read_xlsx(path: Path) -> list[_Table]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"{path.name} cannot be read as an Excel workbook (.xlsx): {exc}; "
            "save it again from the spreadsheet program",
            path=path,
        ) from exc
    try:
        named = [
            (ws, _SHEET_KINDS[column_key(ws.title)])
            for ws in book.worksheets
            if column_key(ws.title) in _SHEET_KINDS
        ]
        chosen = named or [(book.worksheets[0], None)]
        tables = []
        for ws, kind in chosen:
            rows = [
                (number, [_cell_text(v) for v in values])
                for number, values in enumerate(ws.iter_rows(values_only=True), start=1)
            ]
            tables.append(_Table(rows=rows, sheet=ws.title if named else None, kind=kind))
        return tables
    finally:
        book.close()


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
    suffix = path.suffix.lower()
    if suffix == ".csv":
        tables = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        tables = _read_xlsx(path)
    else:
        raise UnsupportedFormatError(
            f"manifest {path.name}: use a .csv (UTF-8) or .xlsx file", path=path
        )
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


def _read_table(manifest: Manifest, table: _Table) -> None:
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


def _read_row(
    manifest: Manifest,
    table: _Table,
    number: int,
    keys: Sequence[str | None],
    header: Sequence[str],
    cells: Sequence[str],
) -> ManifestRow | None:
    raw: dict[str, str] = {}
    headers: dict[str, str] = {}
    for key, title, cell in zip(keys, header, cells, strict=False):
        if key is not None and cell:
            raw[key] = cell
            headers[key] = title
    if not raw:
        return None
    kind = table.kind or (DOCUMENT if any(k in raw for k in DOCUMENT_KEYS) else RECORD)
    problems: list[ManifestProblem] = []
    values: dict[str, str] = {}
    for key, cell in raw.items():
        col = COLUMN_BY_KEY[key]
        if kind == RECORD and col.scope == DOCUMENT:
            problems.append(
                ManifestProblem(
                    manifest.name,
                    number,
                    headers[key],
                    "is a document field but the row has no file name or sequence number "
                    "('Tên tệp' / 'docOrdinal') to say which document it describes",
                    table.sheet,
                )
            )
            continue
        try:
            values[key] = normalise_value(key, cell)
        except ValueError as exc:
            problems.append(
                ManifestProblem(manifest.name, number, headers[key], str(exc), table.sheet)
            )
    if kind == RECORD and not values.get("fileCode"):
        problems.append(
            ManifestProblem(
                manifest.name,
                number,
                None,
                "the row has no record code ('Mã hồ sơ' / 'fileCode'): which record is it?",
                table.sheet,
            )
        )
    if (
        kind == DOCUMENT
        and "fileName" not in values
        and "docCode" not in values
        and not values.get("fileCode")
    ):
        problems.append(
            ManifestProblem(
                manifest.name,
                number,
                headers.get("docOrdinal"),
                "a sequence number needs the record code ('Mã hồ sơ') or a file name "
                "to say which document it is",
                table.sheet,
            )
        )
    if problems:
        manifest.problems.extend(problems)
        return None
    return ManifestRow(
        kind=kind, row=number, values=values, raw=raw, headers=headers, sheet=table.sheet
    )


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
    return [str(p) for p in problems]
