"""Fonts and units of the generated pages: a serif font with Vietnamese glyphs, mm and pt.

Widths are measured at 300 dpi unless told otherwise and memoised: layouts are recomputed
many times while a document is filled to its page count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

#: An A4 page (width, height) in millimetres.
A4_MM = (210.0, 297.0)

_FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/noto",
)
_FONT_FILES = {
    False: ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf", "NotoSerif-Regular.ttf"),
    True: ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf", "NotoSerif-Bold.ttf"),
}


def find_font(*, bold: bool = False) -> Path:
    """Return a serif TrueType font with Vietnamese glyphs (Times-like when available)."""
    for name in _FONT_FILES[bold]:
        for folder in _FONT_DIRS:
            path = Path(folder) / name
            if path.exists():
                return path
    raise FileNotFoundError(
        "no font with Vietnamese glyphs found: install fonts-liberation2 or fonts-dejavu-core"
    )


@lru_cache(maxsize=64)
def font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    """The serif font (:func:`find_font`) at ``px`` pixels, loaded once."""
    return ImageFont.truetype(str(find_font(bold=bold)), px)


def pt_to_px(points: float, dpi: int) -> int:
    """A font size in points as whole pixels at ``dpi`` (at least 1)."""
    return max(1, round(points * dpi / 72.0))


def mm_to_px(mm: float, dpi: int) -> int:
    """A length in millimetres as whole pixels at ``dpi``."""
    return round(mm * dpi / 25.4)


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (one code point per accented letter)."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=16384)
def text_width_mm(text: str, *, size_pt: float, bold: bool = False, dpi: int = 300) -> float:
    """The printed width of ``text`` in millimetres, measured at ``dpi`` (memoised)."""
    face = font(bold, pt_to_px(size_pt, dpi))
    return face.getlength(nfc(text)) * 25.4 / dpi


def greedy_wrap(text: str, too_long: Callable[[str], bool]) -> list[str]:
    """Lines of ``text``'s words, each as long as it can be before ``too_long`` says it is."""
    out: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and too_long(candidate):
            out.append(current)
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    return out
