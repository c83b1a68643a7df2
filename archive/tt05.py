"""The TT05 vocabulary: record and document tags (with the record tags' titles and defaults,
and which ones an EAD must carry), dates written as TT05 writes them, and a catalog document
as TT05 document fields, as packages and metadata exports give them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

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


def doc_code(file_code: str, seq: int) -> str:
    """TT05 docCode: the record's fileCode and the 7-digit sequence (``HS-A.0000001``)."""
    return f"{file_code}.{seq:07d}"


def _field_value(fields: Mapping[str, Any], name: str) -> str:
    """The value of an extracted or entered field, "" when there is none."""
    item = fields.get(name)
    if isinstance(item, Mapping):
        return str(item.get("value") or "")
    return ""


def _review(fields: Mapping[str, Any]) -> list[str]:
    """Why a document needs review: its warnings and every field's flags."""
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


def document_fields(doc: Mapping[str, Any], record_fields: Mapping[str, str]) -> dict[str, str]:
    """A catalog document (with its record's TT05 fields) as TT05 document fields."""
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
