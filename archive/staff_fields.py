"""Staff values over extracted ones: a manifest's document row as document fields (rule
``manifest``, confidence 1.0), and document columns where the fields people entered win over
the fields the package stage extracts from the text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Rules of fields that people entered: they win over what extraction reads.
STAFF_RULES = ("manifest", "staff")

#: Manifest key -> document field name (metadata.DocumentMetadata names where one exists)
MANIFEST_DOCUMENT_FIELDS = {
    "codeNumber": "number",
    "codeNotation": "notation",
    "issuedDate": "issued_date",
    "organName": "organ",
    "parentOrganName": "parent_organ",
    "subject": "summary",
    "signerName": "signer_name",
    "signerPosition": "signer_position",
    "place": "place",
}
#: Document fields only staff enter, kept under their TT05 tag.
STAFF_ONLY_FIELDS = (
    "keyword",
    "description",
    "inforSign",
    "autograph",
    "format",
    "language",
    "mode",
    "confidenceLevel",
    "numberOfPaper",
    "numberOfPage",
)
#: Document field -> the catalog column that mirrors it.
MIRRORED_COLUMNS = {
    "issued_date": "issued_date",
    "type_code": "type_code",
    "type_name": "type_name",
    "organ": "organ",
    "summary": "summary",
}


def _entry(value: str, raw: str, rule: str = "manifest") -> dict[str, Any]:
    """One field as people entered it: certain, unflagged, on the first page."""
    return {
        "value": value,
        "confidence": 1.0,
        "raw": raw,
        "rule": rule,
        "box": None,
        "page": 1,
        "flags": [],
    }


def staff_document_fields(values: Mapping[str, str], raw: Mapping[str, str]) -> dict[str, Any]:
    """A manifest document row as document fields (rule ``manifest``, confidence 1.0)."""
    out: dict[str, Any] = {}
    if "numberSymbol" in values:
        number, notation, sep = values["numberSymbol"].split("|")
        rule = "manifest:party" if sep == "-" else "manifest"
        out["number"] = _entry(number, raw["numberSymbol"], rule)
        out["notation"] = _entry(notation, raw["numberSymbol"], rule)
    if "typeName" in values:
        code, name = values["typeName"].split("|", 1)
        out["type_code"] = _entry(code, raw["typeName"])
        out["type_name"] = _entry(name, raw["typeName"])
    for key, name in MANIFEST_DOCUMENT_FIELDS.items():
        if key in values:
            out[name] = _entry(values[key], raw.get(key, values[key]))
    notation = out.get("notation", {}).get("value", "")
    if "number" in out and re.fullmatch(r"[^\W\d_]+/[^\W_]+", notation):
        # a Party notation (NQ/TW, HD/VPTW): the number is joined with "-" (57-NQ/TW)
        out["number"]["rule"] = out["notation"]["rule"] = "manifest:party"
    for key in STAFF_ONLY_FIELDS:
        if key in values:
            out[key] = _entry(values[key], raw.get(key, values[key]))
    return out


def _is_staff(item: Any) -> bool:
    return isinstance(item, Mapping) and str(item.get("rule", "")).split(":")[0] in STAFF_RULES


def _warning_settled(warning: str, names: set[str]) -> bool:
    """A document warning that staff values make moot."""
    if any(warning.startswith(f"{n}:") for n in names):
        return True
    if "disagrees with the type" in warning and names & {"notation", "type_code", "type_name"}:
        return True
    return "differs from the issue year" in warning and bool(names & {"notation", "issued_date"})


def merge_staff_fields(extracted: dict[str, Any], staff: Mapping[str, Any]) -> dict[str, Any]:
    """Document columns with staff-entered fields taking precedence over extracted ones.

    ``extracted`` is a document's columns as the package stage computes them (``number``,
    ``issued_date``, ``type_code``, ``type_name``, ``organ``, ``summary`` and ``fields``, the
    extracted fields with provenance); ``staff`` is a document's ``fields`` from the catalog,
    of which only the entries people entered (rule ``manifest`` or ``staff``) are taken.
    Returns new columns: those fields replace the extracted ones (the extracted value is kept
    as ``extracted``), the columns follow them, warnings they settle are dropped and
    ``needs_review`` is recomputed. Without staff fields ``extracted`` is returned as is.
    """
    chosen = {k: dict(v) for k, v in staff.items() if _is_staff(v)}
    if not chosen:
        return extracted
    out = dict(extracted)
    fields = dict(extracted.get("fields") or {})
    for name, item in chosen.items():
        old = fields.get(name)
        if isinstance(old, Mapping) and not _is_staff(old) and old.get("value") != item["value"]:
            item["extracted"] = old.get("value")
        fields[name] = item
    names = set(chosen)
    warnings = [w for w in fields.get("warnings", []) or [] if not _warning_settled(w, names)]
    if warnings:
        fields["warnings"] = warnings
    else:
        fields.pop("warnings", None)
    fields["needs_review"] = bool(warnings) or any(
        isinstance(v, Mapping) and v.get("flags") for v in fields.values()
    )
    out["fields"] = fields
    for name, column in MIRRORED_COLUMNS.items():
        if name in chosen:
            out[column] = chosen[name]["value"]
    if names & {"number", "notation"}:
        from metadata import DocumentMetadata

        known = {k: v for k, v in fields.items() if k in DocumentMetadata.FIELD_NAMES}
        out["number"] = DocumentMetadata.from_dict(known).number_symbol or out.get("number", "")
    return out
