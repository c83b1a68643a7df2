"""Corrections across header fields, and the checks of the number's symbol.

The unit name is spelled alike in the place and in the organ names, from the better reading;
the Đ that OCR drops is restored in the symbol's type abbreviation and agency part; a symbol
whose type disagrees with the type line, or whose legal year differs from the issue year, is
reported for a person to check.
"""

from __future__ import annotations

import re

from metadata.fields import revised
from metadata.folding import fold, mark_count
from metadata.patterns import LEGAL_YEAR_RE
from metadata.types import Field
from metadata.vocab import ABBREVIATIONS, CONG_VAN, TYPES

_UNIT_WORDS = ("tinh", "huyen", "xa", "thanh pho", "thi xa", "thi tran", "quan", "phuong")


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _unit_name(organ: str) -> tuple[str, str] | None:
    """("ỦY BAN NHÂN DÂN XÃ", "PHÚ LÂM") for an organ named after its administrative unit."""
    words = organ.split()
    folded = [fold(w) for w in words]
    for i in range(len(words) - 1, -1, -1):
        for unit in _UNIT_WORDS:
            size = len(unit.split())
            if " ".join(folded[i : i + size]) == unit and i + size < len(words):
                return " ".join(words[: i + size]), " ".join(words[i + size :])
    return None


def _spelling_score(text: str) -> tuple[int, int]:
    """Tesseract drops marks and spaces far more often than it invents them."""
    return mark_count(text), len(text.split())


def cross_spell(
    place: Field | None, organ: Field | None, parent: Field | None
) -> tuple[Field | None, Field | None, Field | None]:
    """Spell the unit name alike in the place and the organ names, from the better reading.

    "ỦY BAN NHÂN DÂN XÃ PHÚ LÂM" with the place "Phú Lam", or "HUYỆN NGASON" with the place
    "Nga Sơn": the two fold alike (spaces ignored), so the reading with more marks and word
    breaks wins for both.
    """
    if place is None:
        return place, organ, parent
    key = fold(place.value).replace(" ", "")
    out: list[Field | None] = []
    best_place = place.value
    for found in (organ, parent):
        split = _unit_name(found.value) if found is not None else None
        if found is None or split is None or fold(split[1]).replace(" ", "") != key:
            out.append(found)
            continue
        head, tail = split
        if _spelling_score(tail) > _spelling_score(best_place):
            best_place = " ".join(w[:1].upper() + w[1:].lower() for w in tail.split())
        if _spelling_score(place.value) > _spelling_score(tail):
            out.append(revised(found, f"{head} {place.value.upper()}", "place"))
        else:
            out.append(found)
    return revised(place, best_place, "organ"), out[0], out[1]


_AGENCY_ABBREVIATIONS = {"HDND": "HĐND", "HÐND": "HĐND"}


def _initial(word: str) -> str:
    return "Đ" if word[0] in "Đđ" else fold(word[0]).upper()


def _initials_spelling(part: str, organ: str) -> str:
    """``part`` spelled as the initials of the organ's first words when they fold alike.

    "SGDDT" and SỞ GIÁO DỤC VÀ ĐÀO TẠO (initials SGDĐT, "và" skipped) -> "SGDĐT": restores
    the Đ that OCR dropped from an agency abbreviation.
    """
    words = [w for w in re.split(r"[\s,\-–]+", organ) if w and fold(w) != "va"]
    initials = ""
    for word in words:
        initials += _initial(word)
        if fold(initials) == fold(part):
            return initials if part != initials else part
    return part


def check_notation(
    notation: Field,
    type_code: Field | None,
    issued: Field | None,
    warnings: list[str],
    organs: tuple[Field | None, ...] = (),
) -> Field:
    """Restore Đ lost by OCR in the symbol, and flag what a person should check.

    The type abbreviation is compared folded with the type line's ("QD" vs "Quyết định"
    -> "QĐ"). When the abbreviation as read is itself a valid one for another type (HD
    Hướng dẫn vs HĐ Hợp đồng, DA Dự án vs ĐA Đề án) the disagreement is also flagged.
    A legal number whose year differs from the issue year is flagged, never corrected.
    """
    value = notation.value
    legal = LEGAL_YEAR_RE.match(value)
    year = legal.group(0) if legal else ""
    parts = value[len(year) :].split("-")
    if type_code is not None and type_code.rule.startswith("type_line"):
        expected = [a for a, c in ABBREVIATIONS.items() if c == type_code.value]
        read_code = ABBREVIATIONS.get(parts[0])
        if read_code is not None and read_code != type_code.value:
            warnings.append(
                f"the symbol's type {parts[0]!r} ({TYPES[read_code]}) disagrees with the type "
                f"line ({TYPES[type_code.value]})"
            )
        for abbr in expected:
            if parts[0] == abbr:
                break
            same = fold(parts[0]) == fold(abbr)
            near = read_code is None and _edit_distance(fold(parts[0]), fold(abbr)) <= 1
            if same or (near and len(parts[0]) >= 2):
                parts[0] = abbr  # "QD", "QĐÐ" -> "QĐ"
                break
    # the agency parts: all but a leading type abbreviation (a công văn has none)
    typed = type_code is not None and type_code.value != CONG_VAN
    first = 1 if typed or parts[0] in ABBREVIATIONS else 0
    for i in range(first, len(parts)):
        parts[i] = _AGENCY_ABBREVIATIONS.get(parts[i].upper(), parts[i])
        for organ in organs:
            if organ is not None:
                parts[i] = _initials_spelling(parts[i], organ.value)
    if legal and issued is not None and legal.group(1) != issued.value[:4]:
        warnings.append(
            f"the year in the number ({legal.group(1)}) differs from the issue year "
            f"({issued.value[:4]}): check for a misread digit"
        )
    return revised(notation, year + "-".join(parts), "vocab") or notation
