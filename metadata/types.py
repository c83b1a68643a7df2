"""Plain data produced by metadata extraction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Field:
    """One extracted value with where it came from and how sure the extractor is.

    ``confidence`` in 0..1 is the rule's certainty times the mean OCR confidence of the words
    used (words without a confidence, e.g. text taken from a PDF, count as certain).
    ``raw`` is the OCR text the value was read from (lines joined by newlines); ``box`` is
    (left, top, width, height) in page pixels.
    """

    value: str
    confidence: float
    raw: str
    rule: str
    box: tuple[int, int, int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": self.confidence,
            "raw": self.raw,
            "rule": self.rule,
            "box": list(self.box) if self.box is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        box = data.get("box")
        return cls(
            value=data["value"],
            confidence=float(data["confidence"]),
            raw=data.get("raw", ""),
            rule=data.get("rule", ""),
            box=tuple(box) if box is not None else None,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class DocumentMetadata:
    """The TT05 document fields read from a document's first page.

    Conventions: ``number`` is the leading digits of the number/symbol and ``notation`` the
    rest after the first separator (``141/KH-UBND`` -> ``141`` + ``KH-UBND``; the legal
    ``09/2025/QĐ-UBND`` -> ``09`` + ``2025/QĐ-UBND``; the Party ``57-NQ/TW`` -> ``57`` +
    ``NQ/TW``). ``issued_date`` is ISO (``2025-03-14``). ``type_code`` is the TT05 code
    (``22`` for a công văn). ``summary`` has no ``V/v`` prefix and a summary printed on several
    lines is joined with single spaces.

    ``warnings`` lists disagreements a person should review (they do not change the values):
    a legal number whose year differs from the issue year, or a symbol whose type abbreviation
    disagrees with the type line (HĐ read as HD...).
    """

    number: Field | None = None
    notation: Field | None = None
    issued_date: Field | None = None
    place: Field | None = None
    type_code: Field | None = None
    type_name: Field | None = None
    organ: Field | None = None
    parent_organ: Field | None = None
    summary: Field | None = None
    warnings: tuple[str, ...] = ()

    FIELD_NAMES = (
        "number",
        "notation",
        "issued_date",
        "place",
        "type_code",
        "type_name",
        "organ",
        "parent_organ",
        "summary",
    )

    @property
    def number_symbol(self) -> str | None:
        """``"141/KH-UBND"``, or None unless both parts were read."""
        if self.number is None or self.notation is None:
            return None
        separator = "-" if self._party_style else "/"
        return f"{self.number.value}{separator}{self.notation.value}"

    @property
    def _party_style(self) -> bool:
        return self.number is not None and self.number.rule.endswith(":party")

    def to_dict(self) -> dict[str, Any]:
        """``{name: {"value", "confidence", "raw", "rule", "box"} or None}`` for every field."""
        return {
            name: (getattr(self, name).to_dict() if getattr(self, name) is not None else None)
            for name in self.FIELD_NAMES
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, warnings: tuple[str, ...] = ()) -> DocumentMetadata:
        known = {f.name for f in fields(cls)}
        values = {
            name: Field.from_dict(value) if value is not None else None
            for name, value in data.items()
            if name in known and name != "warnings"
        }
        return cls(**values, warnings=tuple(warnings))
