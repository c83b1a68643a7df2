"""Reading a manifest file as tables of cells: CSV (UTF-8, delimiter guessed) or XLSX.

* CSV: UTF-8 with or without a BOM; the delimiter (``;``, ``,`` or tab) is read from the
  header line.
* XLSX: the first sheet; or, when the workbook has sheets named for records (``Hồ sơ``,
  ``HoSo``, ``records``) and/or documents (``Văn bản``, ``Tài liệu``, ``documents``), those.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errors import InputError, UnsupportedFormatError
from ingest.columns import DOCUMENT, RECORD, column_key, match_column


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
class Table:
    """The rows of one CSV file or of one sheet, numbered as staff see them."""

    rows: list[tuple[int, list[str]]]  # (row number as staff see it, cells); header first
    sheet: str | None = None
    kind: str | None = None  # forced row kind for a sheet named for records or documents


def _read_csv(path: Path) -> list[Table]:
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
    return [Table(rows=rows)]


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


def _read_xlsx(path: Path) -> list[Table]:
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
            tables.append(Table(rows=rows, sheet=ws.title if named else None, kind=kind))
        return tables
    finally:
        book.close()


def read_tables(path: Path) -> list[Table]:
    """The tables of a manifest file, by its suffix (.csv, or .xlsx/.xlsm)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise UnsupportedFormatError(
        f"manifest {path.name}: use a .csv (UTF-8) or .xlsx file", path=path
    )
