"""The manifest's columns: the one mapping table from column names to TT05 fields.

Column names are TT05 tag names (``fileCode``, ``title``, ``issuedDate``...), the Vietnamese
titles of those fields (``Mã hồ sơ``, ``Tiêu đề hồ sơ``...) or the names of Circular
02/2019/TT-BNV (``Thời hạn bảo quản``, ``Chú giải``...). Names are matched on folded text:
case, accents, spaces and punctuation do not matter (``Ngay thang nam van ban`` is ``Ngày,
tháng, năm văn bản``). :data:`COLUMNS` is the table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

#: Which rows a column belongs to: record rows, document rows or both.
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
