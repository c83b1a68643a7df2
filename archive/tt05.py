"""The TT05 vocabulary: record tags with their titles and defaults, the record tags derived
from the documents, and dates written as TT05 writes them."""

from __future__ import annotations

import datetime as dt

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


def tt05_date(iso: str) -> str:
    """``"2025-03-14"`` -> ``"14/03/2025"`` (empty or invalid gives "")."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""
    except ValueError:
        return ""
