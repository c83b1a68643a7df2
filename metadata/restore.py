"""Diacritic restoration: the marks of well-known words put back where OCR lost them.

A run of words that folds like a phrase of :mod:`metadata.phrases` takes that phrase's
spelling, keeping the case as read; multi-word names run together ("BẮCNINH") are split.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from metadata.folding import fold
from metadata.phrases import (
    AGENCY_PHRASES,
    NAME_PARTS,
    POSITION_PHRASES,
    PROVINCES,
    RECIPIENT_PHRASES,
    SUMMARY_PHRASES,
)


def _phrase_table(phrases: Iterable[str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase in phrases:
        words = tuple(unicodedata.normalize("NFC", phrase).split())
        table[tuple(fold(w) for w in words)] = words
    return table


def _joined_table(phrases: Iterable[str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Multi-word names that OCR ran together ("BẮCNINH") keyed by their one folded word."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase in phrases:
        words = tuple(unicodedata.normalize("NFC", phrase).split())
        if len(words) > 1 and "-" not in words:
            table[("".join(fold(w) for w in words),)] = words
    return table


_AGENCY_TABLE = {**_joined_table(PROVINCES), **_phrase_table(AGENCY_PHRASES + PROVINCES)}
_PLACE_TABLE = {**_joined_table(PROVINCES), **_phrase_table(PROVINCES)}
_LONGEST = max(len(k) for k in _AGENCY_TABLE)


def _with_case(canonical: str, original: str) -> str:
    letters = [ch for ch in original if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        return canonical.upper()
    if letters and letters[0].isupper():
        return canonical[:1].upper() + canonical[1:]
    return canonical


_TRAILING = ",.;:"


#: One-word head nouns restored only as a name's first word: inside a name "PHONG" is more
#: likely a place (Yên Phong) than "PHÒNG" (the phrases "văn phòng", "đảng bộ" cover the rest).
_HEAD_ONLY = frozenset({("phong",), ("so",), ("bo",), ("cuc",), ("vu",)})


def _restore(text: str, table: dict[tuple[str, ...], tuple[str, ...]]) -> str:
    words = text.split()
    folded = [fold(w).rstrip(_TRAILING) for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            key = tuple(folded[i : i + size])
            canonical = table.get(key)
            if canonical is not None and i > 0 and key in _HEAD_ONLY:
                canonical = None
            if canonical is not None:
                if size == 1 and len(canonical) > 1:  # words run together: split them
                    core = words[i].rstrip(_TRAILING)
                    joined = " ".join(_with_case(right, core) for right in canonical)
                    out.append(joined + words[i][len(core) :])
                for original, right in zip(words[i : i + size], canonical, strict=False):
                    if size == 1 and len(canonical) > 1:
                        break
                    core = original.rstrip(_TRAILING)
                    out.append(_with_case(right, core) + original[len(core) :])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def restore_agency_marks(text: str) -> str:
    """Restore the marks of well-known agency-name words and provinces, keeping the case."""
    return _restore(text, _AGENCY_TABLE)


def restore_place_marks(text: str) -> str:
    """Restore the marks of province and city names in a place."""
    return _restore(text, _PLACE_TABLE)


_DATE_WORDS = {"nam": "năm", "thang": "tháng", "ngay": "ngày"}
_YEAR_RE = re.compile(r"^(1[89]\d\d|20\d\d)\W*$")
_SMALL_NUMBER_RE = re.compile(r"^\d{1,2}\W*$")


def restore_date_words(text: str) -> str:
    """ "nam 2024" -> "năm 2024", "thang 3" -> "tháng 3": before a number these are certain."""
    words = text.split()
    for i, word in enumerate(words[:-1]):
        key = fold(word)
        if key not in _DATE_WORDS or word == _DATE_WORDS[key]:
            continue
        nxt = words[i + 1]
        if (key == "nam" and _YEAR_RE.match(nxt)) or (key != "nam" and _SMALL_NUMBER_RE.match(nxt)):
            if word[:1].islower():
                words[i] = _DATE_WORDS[key]
    return " ".join(words)


_SUMMARY_TABLE = _phrase_table(SUMMARY_PHRASES)


def restore_summary_marks(text: str) -> str:
    """Date words before numbers ("nam 2024") and :data:`SUMMARY_PHRASES` spelled right."""
    return _restore(restore_date_words(text), _SUMMARY_TABLE)


_POSITION_TABLE = {**_phrase_table(POSITION_PHRASES + AGENCY_PHRASES)}
_NAME_TABLE = _phrase_table(NAME_PARTS)
_RECIPIENT_TABLE = _phrase_table(
    tuple(p.replace(",", "") for p in RECIPIENT_PHRASES) + AGENCY_PHRASES
)


_KNOWN_POSTS = frozenset(fold(p) for p in POSITION_PHRASES)


def known_position(text: str) -> bool:
    """True when ``text`` folds to a post of :data:`POSITION_PHRASES` ("PHÓ CHỦ TỊCH")."""
    return " ".join(fold(text).split()) in _KNOWN_POSTS


def restore_position_marks(text: str) -> str:
    """Restore the marks of posts and bodies in a signature line ("CHỦ TICH" -> "CHỦ TỊCH")."""
    return _restore(text, _POSITION_TABLE)


def restore_name_marks(text: str) -> str:
    """Restore the marks of common family and middle names ("Dang Văn An" -> "Đặng Văn An")."""
    return _restore(text, _NAME_TABLE)


def restore_recipient_marks(text: str) -> str:
    """Restore the marks of words common in "Nơi nhận" lists; "Luu:" -> "Lưu:"."""
    text = _restore(text, _RECIPIENT_TABLE)
    text = re.sub(
        r"\(\s*(\S{1,3})\s+b/c\s*\)",
        lambda m: "(để b/c)" if fold(m.group(1)) == "de" else m.group(0),
        text,
    )
    if fold(text).startswith(("luu:", "luu ")):
        text = "Lưu" + text[3:]
    return text
