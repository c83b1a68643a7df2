"""Patterns of header lines and tests of OCR'd text shared by the extraction rules.

The regular expressions run on folded text (see :mod:`metadata.folding`) and tolerate the
usual OCR damage: "S6:" for "Số:", "o" and "l" for 0 and 1 in numbers, "Vlv" for "V/v".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Letters OCR reads in place of digits inside numbers.
OCR_DIGITS = str.maketrans({"o": "0", "O": "0", "i": "1", "l": "1", "I": "1", "|": "1"})

#: The "Số: 141/KH-UBND" line (folded): ``num``, ``sep`` ("/", or "-" for the Party form),
#: ``rest`` (the notation and what follows).
NUMBER_RE = re.compile(
    r"^\W{0,3}[s5]\s?[o06]\s*[:;.,]?\s*(?P<num>[0-9oil|]{1,5})\s*(?P<sep>[/-])\s*(?P<rest>\S.*)$"
)
#: A number and symbol without the "Số:" label: "141/KH-UBND", "09/2025/QĐ-UBND".
SYMBOL_ONLY_RE = re.compile(
    r"(?<![\w/])(?P<num>\d{1,5})\s*(?P<sep>/)\s*"
    r"(?P<rest>(?:\d{4}\s*/\s*)?[a-z][a-z0-9]*\s*-\s*[a-z0-9][a-z0-9-]*)"
)
#: "ngày d tháng m năm yyyy" (folded), digits possibly read as letters: ``d``, ``m``, ``y``.
DATE_RE = re.compile(
    r"ngay\s*(?P<d>[0-9oil|]{1,2})\s*[,.]?\s*thang\s*(?P<m>[0-9oil|]{1,2})\s*[,.]?\s*"
    r"nam\s*(?P<y>[0-9oil|]{4})"
)
#: "V/v", also as OCR damages it: "V/V", "V/", "Vlv", "V|v".
VV_RE = re.compile(r"^\W{0,2}v\s*(?:[/|\\](?:\s*v(?![a-z]))?|[l1i]\s*v(?![a-z]))\s*[.:,]?\s*")
#: A notation as printed: "KH-UBND", "2025/QĐ-UBND", "NQ/TW".
NOTATION_RE = re.compile(r"^(?:\d{4}/)?[^\W\d_][\w.]*(?:[-/][\w.]+)*$")
#: The year of a legal (normative) notation: "2025/" of "2025/QĐ-UBND".
LEGAL_YEAR_RE = re.compile(r"^(\d{4})/")


def ocr_int(text: str) -> int | None:
    """The number in ``text`` with OCR's letter-for-digit slips undone, or None."""
    digits = text.translate(OCR_DIGITS)
    return int(digits) if digits.isdigit() else None


def letters(text: str) -> list[str]:
    """The letters of ``text``."""
    return [ch for ch in text if ch.isalpha()]


def upper_ratio(text: str) -> float:
    """The share of upper-case letters among the letters of ``text`` (0 without letters)."""
    found = letters(text)
    return sum(ch.isupper() for ch in found) / len(found) if found else 0.0


def letters_key(folded: str) -> str:
    """Folded text reduced to its letters and single spaces: "KẾ HOẠCH:" -> "ke hoach"."""
    return " ".join(re.sub(r"[^a-z ]", " ", folded).split())


def is_text(text: str) -> bool:
    """Not a rule, a stamp smear or stray marks: a letter, mostly letters and digits."""
    compact = text.replace(" ", "")
    alnum = [ch for ch in compact if ch.isalnum()]
    return bool(letters(compact)) and len(alnum) >= 2 and len(alnum) >= 0.5 * len(compact)


def starts_with(folded: str, keys: Iterable[str]) -> bool:
    """True when ``folded``, past leading dashes and bullets, starts with one of ``keys``."""
    text = folded.lstrip(" -–•*")
    return any(text.startswith(k) for k in keys)
