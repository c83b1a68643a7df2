"""Validation: the reasons a person should check a document's metadata.

:func:`validate` flags fields and adds warnings; it never changes a value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from metadata.fields import flagged
from metadata.folding import clean_ocr_text, fold
from metadata.patterns import DATE_RE, ocr_int
from metadata.syllables import odd_syllables
from metadata.types import DocumentMetadata, Field
from ocr import OcrResult

#: Fields a document must have; a missing one is flagged for review.
REQUIRED = ("number", "notation", "issued_date", "type_code", "organ", "summary")


def _impossible_dates(page: OcrResult) -> list[str]:
    """Date lines in the header that read as a date that cannot exist."""
    out = []
    height = page.height or 1
    for line in page.lines:
        if line.top > 0.45 * height:
            continue
        folded = fold(" ".join(clean_ocr_text(w.text) for w in line.words))
        for match in DATE_RE.finditer(folded):
            if "can cu" in folded[: match.start()]:
                continue
            d, m, y = (ocr_int(match.group(k)) for k in ("d", "m", "y"))
            if d is None or m is None or y is None:
                continue
            try:
                date = dt.date(y, m, d)
            except ValueError:
                out.append(f"issued_date: the date line reads {d}/{m}/{y}, which is not a date")
                continue
            if not 1945 <= y <= dt.date.today().year + 1:
                out.append(f"issued_date: the date line reads {date.isoformat()}, out of range")
    return out


def validate(meta: DocumentMetadata, *, first_page: OcrResult | None = None) -> DocumentMetadata:
    """Flag what a person should check; values are never changed.

    * the symbol's type abbreviation disagrees with the type line (HĐ/HD, ĐA/DA);
    * the year inside a legal number differs from the issue year;
    * a date that cannot exist on the date line, or an issue date in the future;
    * low OCR confidence on a field's words (set when the field is read);
    * a summary word that cannot be a Vietnamese syllable (a misread mark: "thuc", "chầp");
    * a required field (:data:`REQUIRED`) is missing.
    """
    warnings = list(meta.warnings)
    changes: dict[str, Field | None] = {}
    for warning in meta.warnings:
        if "disagrees with the type" in warning:
            changes["notation"] = flagged(meta.notation, "symbol type disagrees with the type line")
            changes["type_code"] = flagged(meta.type_code, "type line disagrees with the symbol")
        if "issue year" in warning:
            changes["notation"] = flagged(
                changes.get("notation", meta.notation), "year differs from the issue year"
            )
            changes["issued_date"] = flagged(
                meta.issued_date, "issue year differs from the year in the number"
            )
    if meta.issued_date is not None and meta.issued_date.value > dt.date.today().isoformat():
        changes["issued_date"] = flagged(
            changes.get("issued_date", meta.issued_date), "issue date is in the future"
        )
    if first_page is not None:
        for reason in _impossible_dates(first_page):
            if reason not in warnings:
                warnings.append(reason)
    for name in REQUIRED:
        if getattr(meta, name) is None and name not in changes:
            reason = f"{name}: required field is missing"
            if reason not in warnings:
                warnings.append(reason)
    if meta.summary is not None:
        odd = odd_syllables(meta.summary.value)
        if odd:
            changes["summary"] = flagged(
                meta.summary, f"words that are not Vietnamese syllables: {', '.join(odd[:4])}"
            )
    if meta.type_name is not None and meta.type_code is not None:
        changes.setdefault("type_name", meta.type_name)
        if changes.get("type_code") is not None and changes["type_code"].flags:
            changes["type_name"] = flagged(meta.type_name, "type line disagrees with the symbol")
    return replace(meta, warnings=tuple(warnings), **changes)
