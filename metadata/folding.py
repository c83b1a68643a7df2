"""Folding: the accent-insensitive form of Vietnamese text used for matching.

Matching is done on *folded* text (tone and vowel marks removed, đ→d, lower case) so that OCR
damage to the diacritics does not lose a field; values are always cut from the original text.
"""

from __future__ import annotations

import re
import unicodedata

_MARKS_RE = re.compile(r"[\u0300-\u036f]")


def fold_char(ch: str) -> str:
    """Fold one character: marks removed, đ→d, lower case (may return "" for a lone mark)."""
    if ch in "đĐðÐ":
        return "d"
    base = _MARKS_RE.sub("", unicodedata.normalize("NFD", ch))
    return base.lower()


def fold(text: str) -> str:
    """Accent-insensitive form used for matching: ``"Quyết Định"`` -> ``"quyet dinh"``."""
    return "".join(fold_char(ch) for ch in unicodedata.normalize("NFC", text))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and map each folded character back to its index in ``text``.

    ``text`` should already be NFC. A span ``[a, b)`` of the folded string corresponds to
    ``text[index[a] : index[b - 1] + 1]``.
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def clean_ocr_text(text: str) -> str:
    """NFC, and the look-alike eth (Ð, ð) that OCR emits for Đ, đ mapped back."""
    return unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")


def mark_count(text: str) -> int:
    """How many letters of ``text`` carry a mark (or are đ): what folding takes away."""
    return sum(1 for ch in text if fold(ch) != ch.lower())
