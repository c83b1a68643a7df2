"""The TT05 document fields and the package XML on their own, without a catalog or a pipeline."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

from archive.aip_xml import METS_NS, PREMIS_NS, XLINK_NS, ead_xml, mets_xml, premis_xml, xml_bytes
from archive.tt05 import DOCUMENT_TAGS, RECORD_DEFAULTS, doc_code, document_fields


def _doc(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "seq": 3,
        "number": "141/KH-UBND",
        "type_name": "Kế hoạch",
        "type_code": "08",
        "issued_date": "2025-03-14",
        "organ": "UBND huyện",
        "summary": "Kế hoạch năm",
        "page_count": 2,
        "fields": {},
    }
    doc.update(changes)
    return doc


def test_document_fields_from_the_catalog_columns() -> None:
    values = document_fields(_doc(), {**RECORD_DEFAULTS, "fileCode": "HS-1"})
    assert values["docCode"] == doc_code("HS-1", 3) == "HS-1.0000003"
    assert (values["codeNumber"], values["codeNotation"]) == ("141", "KH-UBND")
    assert values["issuedDate"] == "14/03/2025"
    assert values["needsReview"] == "0" and values["reviewReasons"] == ""
    assert set(DOCUMENT_TAGS) <= set(values)


def test_document_fields_flags_ask_for_review() -> None:
    fields = {"organ": {"value": "UBND", "flags": ["low confidence"]}, "warnings": ["no date"]}
    values = document_fields(
        _doc(type_name=None, fields=fields), {**RECORD_DEFAULTS, "fileCode": "X"}
    )
    assert values["typeName"] == "Khác"
    assert values["needsReview"] == "1"
    assert values["reviewReasons"] == "no date | organ: low confidence"


def test_ead_lists_every_tag_asked_for() -> None:
    root = ET.fromstring(xml_bytes(ead_xml("item", {"docCode": "HS-1.0000001"}, ("docCode", "x"))))
    desc = root.find("archdesc")
    assert desc is not None and desc.get("level") == "item"
    assert [(el.tag, el.text or "") for el in desc] == [("docCode", "HS-1.0000001"), ("x", "")]


def test_mets_gives_each_file_its_size_and_sha256(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.pdf").write_bytes(b"%PDF-1.7 test")
    files = [("file-pdf", "data/a.pdf", "application/pdf", "data")]
    root = ET.fromstring(xml_bytes(mets_xml(tmp_path, "HS-1", files, [("HS-1.1", "file-pdf", "")])))
    el = root.find(f".//{{{METS_NS}}}file")
    assert el is not None
    assert el.get("SIZE") == "13"
    assert el.get("CHECKSUM") == hashlib.sha256(b"%PDF-1.7 test").hexdigest()
    locat = el.find(f"{{{METS_NS}}}FLocat")
    assert locat is not None and locat.get(f"{{{XLINK_NS}}}href") == "data/a.pdf"


def test_premis_links_events_to_their_documents(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"x")
    at = dt.datetime(2025, 3, 14, tzinfo=dt.UTC)
    events = [
        {"id": 7, "kind": "packaged", "at": at, "actor": "", "detail": {}, "document_id": 5},
        {"id": 8, "kind": "resumed", "at": at, "actor": "op", "detail": {"n": 1}},
    ]
    root = ET.fromstring(xml_bytes(premis_xml([("a.pdf", pdf, "ab")], events, {5: "HS-1.1"})))
    p = f"{{{PREMIS_NS}}}"
    assert root.find(f".//{p}messageDigest").text == "ab"
    first, second = root.findall(f"{p}event")
    assert first.find(f".//{p}linkingObjectIdentifierValue").text == "HS-1.1"
    assert first.find(f".//{p}linkingAgentIdentifierValue").text == "sohoa"
    assert second.find(f".//{p}linkingObjectIdentifierValue") is None
    assert second.find(f".//{p}eventDetail").text == '{"n": 1}'
