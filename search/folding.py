"""Vietnamese text normalisation and accent folding for search.

``normalize`` gives the canonical form stored and shown: NFC, with the tone mark of the open
syllables ``oa``, ``oe`` and ``uy`` placed on the first vowel (``hoà`` → ``hòa``, ``thuỷ`` →
``thủy``), which is how most administrative texts write them. ``fold`` maps a text to the form
matched by accent-insensitive search: lower case, tone and vowel marks removed, ``đ`` → ``d``.

``fold`` works character by character on ``normalize(text)``, so the folded text has exactly
the same length and offsets as the normalised one. A match found in the folded text can be
highlighted in the original at the same positions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np

__all__ = ["FOLD_VERSION", "fold", "fold_normalized", "lower", "lower_normalized", "normalize"]

# Bump when ``normalize`` or ``fold`` change their output: indexes built with another version
# must be rebuilt, because the stored folded text would no longer match the queries.
FOLD_VERSION = 1

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _toned(vowels: str) -> str:
    out = []
    for base in vowels:
        for mark in _TONES:
            out.append(unicodedata.normalize("NFC", base + mark))
    return "".join(out)


# Open syllables whose tone is written on the first vowel in the form we keep:
# o+a, o+e, u+y (not after q: in "quý" the u belongs to the consonant "qu"). One character
# class first keeps the scan fast; the pairing is checked in ``_move_tone``.
_OLD_TONE = re.compile("([oOuU])([" + _toned("aAeEyY") + r"])(?![^\W\d_])")
_PAIRS = {"o": "ae", "u": "y"}


def _move_tone(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    decomposed = unicodedata.normalize("NFD", second)
    base, marks = decomposed[0], decomposed[1:]
    if base.lower() not in _PAIRS[first.lower()]:
        return match.group(0)
    start = match.start()
    if first in "uU" and start > 0 and match.string[start - 1] in "qQ":
        return match.group(0)
    return unicodedata.normalize("NFC", first + marks) + base


_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize(text: str) -> str:
    """Return ``text`` in NFC with one tone placement (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``).

    Lone surrogates (undecodable bytes smuggled in by ``surrogateescape``) become U+FFFD.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", text))
    text = _OLD_TONE.sub(_move_tone, text)
    # Look-alikes OCR engines and old fonts produce: Ð ð (eth) for Đ đ.
    return text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")


class _CharMap(dict[int, str]):
    """A ``str.translate`` table computed lazily, one entry per code point."""

    def __init__(self, func: Callable[[str], str]) -> None:
        super().__init__()
        self._func = func

    def __missing__(self, code: int) -> str:
        value = self._func(chr(code))
        self[code] = value
        return value


def _lower_char(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch  # e.g. "İ".lower() has two characters: keep one


def _fold_char(ch: str) -> str:
    if ch in "đĐðÐ":
        return "d"
    if unicodedata.category(ch).startswith("M"):
        return " "  # a mark NFC could not compose (e.g. on đ): a word break, as in the index
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) > 1 and not unicodedata.combining(decomposed[0]):
        ch = decomposed[0]
    return _lower_char(ch)


_LOWER = _CharMap(_lower_char)
_FOLD = _CharMap(_fold_char)
for _code in [*range(0x250), *range(0x1E00, 0x1F00)]:  # Latin: warm the tables once
    _LOWER[_code] = _lower_char(chr(_code))
    _FOLD[_code] = _fold_char(chr(_code))


def lower(text: str) -> str:
    """Lower-case ``normalize(text)`` character by character (same length as the input form)."""
    return lower_normalized(normalize(text))


def lower_normalized(text: str) -> str:
    """``lower`` for a text already returned by ``normalize`` (skips normalising again)."""
    low = text.lower()
    # str.lower never shortens a character, so equal lengths mean no character expanded.
    return low if len(low) == len(text) else text.translate(_LOWER)


_TABLE_SIZE = 0x2000  # Latin, Vietnamese (U+1EA0-U+1EF9), combining marks
_fold_table: np.ndarray | None = None


def _table() -> np.ndarray:
    global _fold_table
    if _fold_table is None:
        table = np.arange(_TABLE_SIZE, dtype=np.uint32)
        for code in range(_TABLE_SIZE):
            table[code] = ord(_FOLD[code])
        _fold_table = table
    return _fold_table


def fold_normalized(text: str) -> str:
    """``fold`` for a text already returned by ``normalize`` (skips normalising again)."""
    if len(text) < 64 or text.isascii():
        return text.translate(_FOLD)
    # Long texts (pages): one array lookup per character, ten times faster than translate.
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if int(codes.max()) >= _TABLE_SIZE:
        return text.translate(_FOLD)
    return _table()[codes].tobytes().decode("utf-32-le")


def fold(text: str) -> str:
    """Lower-case ``normalize(text)`` and remove tone and vowel marks, ``đ`` → ``d``.

    A combining mark left over after NFC becomes a space (the index splits words there anyway).

    ``len(fold(s)) == len(normalize(s))`` and every character keeps its offset.
    """
    return normalize(text).translate(_FOLD)  # keep in step with fold_normalized
