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
    (left, top, width, height) in pixels of page ``page`` (1-based, in the document).
    ``flags`` lists the reasons a person should check this value (empty when none).
    """

    value: str
    confidence: float
    raw: str
    rule: str
    box: tuple[int, int, int, int] | None = None
    page: int = 1
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The field as JSON-ready values."""
        return {
            "value": self.value,
            "confidence": self.confidence,
            "raw": self.raw,
            "rule": self.rule,
            "box": list(self.box) if self.box is not None else None,
            "page": self.page,
            "flags": list(self.flags),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        """The field stored by :meth:`to_dict`."""
        box = data.get("box")
        return cls(
            value=data["value"],
            confidence=float(data["confidence"]),
            raw=data.get("raw", ""),
            rule=data.get("rule", ""),
            box=tuple(box) if box is not None else None,  # type: ignore[arg-type]
            page=int(data.get("page", 1)),
            flags=tuple(data.get("flags", ())),
        )


@dataclass(frozen=True)
class DocumentMetadata:
    """The TT05 document fields read from a document's pages.

    Conventions: ``number`` is the leading digits of the number/symbol and ``notation`` the
    rest after the first separator (``141/KH-UBND`` -> ``141`` + ``KH-UBND``; the legal
    ``09/2025/QĐ-UBND`` -> ``09`` + ``2025/QĐ-UBND``; the Party ``57-NQ/TW`` -> ``57`` +
    ``NQ/TW``). ``family`` names the number's family: ``administrative``, ``cong_van``,
    ``legal`` (number/year/TYPE-AGENCY), ``law`` (number/year/QH15) or ``party``.
    ``issued_date`` is ISO (``2025-03-14``). ``type_code`` is the TT05 code (``22`` for a công
    văn). ``summary`` has no ``V/v`` prefix and a summary printed on several lines is joined
    with single spaces.

    Signature block (from the last page): ``signer_prefix`` holds the authority lines
    (``TM. ỦY BAN NHÂN DÂN``, ``KT. CHỦ TỊCH``) joined by ``"\n"``; ``signer_position`` and
    ``signer_name`` as printed. ``recipients`` holds the "Nơi nhận:" items joined by ``"; "``,
    each without its leading ``-`` and trailing ``;``/``.`` (see :attr:`recipient_list`);
    ``addressees`` the "Kính gửi:" text of a công văn. ``urgency`` is ``HỎA TỐC``,
    ``THƯỢNG KHẨN`` or ``KHẨN``; ``secrecy`` is ``TUYỆT MẬT``, ``TỐI MẬT`` or ``MẬT``.

    ``warnings`` lists document-level reasons for review (a required field missing, a
    disagreement between fields, a date that cannot exist); each field's own reasons are in
    its ``flags``. :attr:`review_reasons` gathers both.
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
    family: Field | None = None
    signer_prefix: Field | None = None
    signer_position: Field | None = None
    signer_name: Field | None = None
    recipients: Field | None = None
    addressees: Field | None = None
    urgency: Field | None = None
    secrecy: Field | None = None

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
        "family",
        "signer_prefix",
        "signer_position",
        "signer_name",
        "recipients",
        "addressees",
        "urgency",
        "secrecy",
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

    @property
    def recipient_list(self) -> tuple[str, ...]:
        """The "Nơi nhận" items as a tuple."""
        if self.recipients is None or not self.recipients.value:
            return ()
        return tuple(self.recipients.value.split("; "))

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Every reason for review: the document's warnings, then ``"<field>: <flag>"``."""
        out = list(self.warnings)
        for name in self.FIELD_NAMES:
            item = getattr(self, name)
            if item is not None:
                out.extend(f"{name}: {flag}" for flag in item.flags)
        return tuple(out)

    @property
    def needs_review(self) -> bool:
        """True when a person should check the metadata (any :attr:`review_reasons`)."""
        return bool(self.review_reasons)

    def flagged(self, name: str) -> bool:
        """True when field ``name`` should be checked: flagged, missing-required, or in a
        document-level warning naming it."""
        item = getattr(self, name)
        if item is not None and item.flags:
            return True
        return any(w.startswith(f"{name}:") or f"'{name}'" in w for w in self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """``{name: {"value", "confidence", "raw", "rule", "box", "page", "flags"} or None}``."""
        return {
            name: (getattr(self, name).to_dict() if getattr(self, name) is not None else None)
            for name in self.FIELD_NAMES
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, warnings: tuple[str, ...] = ()) -> DocumentMetadata:
        """Inverse of :meth:`to_dict`; a ``"warnings"`` list in ``data`` is read too."""
        known = {f.name for f in fields(cls)}
        values = {
            name: Field.from_dict(value) if value is not None else None
            for name, value in data.items()
            if name in known and name != "warnings"
        }
        found = tuple(warnings) or tuple(data.get("warnings", ()))
        return cls(**values, warnings=found)
