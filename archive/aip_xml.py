"""The XML of a TT05 package: EAD descriptions (of the record and of each document), PREMIS
preservation metadata (files with their fixity, processing events) and the METS map that lists
every other file with its size and SHA-256."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archive.storage import sha256_file

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
PREMIS_NS = "http://www.loc.gov/premis/v3"
ET.register_namespace("mets", METS_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("premis", PREMIS_NS)


def xml_bytes(root: ET.Element) -> bytes:
    """An element tree as indented UTF-8 with an XML declaration."""
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    """A child element holding ``value`` as text (None gives an empty element)."""
    el = ET.SubElement(parent, tag)
    el.text = "" if value is None else str(value)
    return el


def ead_xml(level: str, values: Mapping[str, str], tags: Sequence[str]) -> ET.Element:
    """An EAD description at ``level`` (``file``: the record, ``item``: a document) of ``tags``."""
    root = ET.Element("ead")
    control = ET.SubElement(root, "control")
    _text(control, "recordid", values.get("docCode") or values.get("fileCode"))
    _text(control, "maintenanceagency", "sohoa")
    _text(control, "created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    desc = ET.SubElement(root, "archdesc", level=level)
    for tag in tags:
        _text(desc, tag, values.get(tag, ""))
    return root


def premis_xml(
    files: Sequence[tuple[str, Path, str]],
    events: Sequence[Mapping[str, Any]],
    doc_by_id: Mapping[int, str],
) -> ET.Element:
    """PREMIS for ``files`` (identifier, path, SHA-256) and the ``events`` of their documents.

    ``doc_by_id`` maps a document id to the identifier its events are linked to.
    """
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


def mets_xml(
    package: Path,
    record_id: str,
    files: Sequence[tuple[str, str, str, str]],
    docs: Sequence[tuple[str, str, str]],
) -> ET.Element:
    """The METS map of ``package``: its files with size and SHA-256, and its documents.

    ``files``: (ID, relative path, MIME type, group); ``docs``: (docCode, pdf ID, EAD ID).
    """
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
