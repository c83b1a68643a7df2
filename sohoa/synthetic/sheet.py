"""A printed sheet before it ages: text set in a serif or a typewriter face, as ink coverage.

The degradation model (:mod:`sohoa.synthetic.paper`) works on how much ink covers each
point of the sheet, not on a finished image: :func:`print_sheet` sets paragraphs on an A4
sheet and returns that coverage (0 = bare paper, 1 = full ink) with the ground-truth text,
one line of text per printed line. Two faces: the serif the decree on administrative
documents prescribes (Times New Roman; Liberation Serif or DejaVu Serif here, both with the
Vietnamese glyphs), and a typewriter-like monospaced face (Liberation Mono / DejaVu Sans
Mono) for the pages typed in the 1970s-1990s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sohoa.synthetic.fonts import A4_MM, find_font, greedy_wrap, mm_to_px, nfc, pt_to_px

_MONO_FILES = (
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
)

#: The faces a sheet can be printed in.
FACES = ("serif", "mono")


def face_path(face: str) -> Path:
    """The TrueType file of ``face`` (``serif`` or ``mono``), both with Vietnamese glyphs."""
    if face == "serif":
        return find_font()
    if face == "mono":
        for name in _MONO_FILES:
            if Path(name).exists():
                return Path(name)
        raise FileNotFoundError("no monospaced font: install fonts-liberation2 or fonts-dejavu")
    raise ValueError(f"unknown face {face!r}: expected one of {FACES}")


@lru_cache(maxsize=32)
def _font(face: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face_path(face)), px)


@dataclass(frozen=True)
class Sheet:
    """Ink on an A4 sheet at ``dpi``: ``ink`` is coverage in 0..1, shape (height, width).

    ``truth`` is the printed text, one line per printed line; ``text_box`` the (left, top,
    right, bottom) pixel box the text occupies.
    """

    ink: np.ndarray
    truth: str
    dpi: int
    text_box: tuple[int, int, int, int]


def print_sheet(
    paragraphs: list[str],
    *,
    face: str = "serif",
    size_pt: float = 13.0,
    dpi: int = 300,
    margin_mm: tuple[float, float, float, float] = (30.0, 20.0, 20.0, 20.0),
    line_spacing: float = 1.3,
    max_lines: int | None = None,
) -> Sheet:
    """Set ``paragraphs`` on an A4 sheet; return its ink coverage and ground truth.

    ``margin_mm`` is (left, top, right, bottom) as the decree sets them (30/20/15-20/20 mm);
    text that does not fit (or lies past ``max_lines``) is dropped from page and truth alike.
    """
    width, height = mm_to_px(A4_MM[0], dpi), mm_to_px(A4_MM[1], dpi)
    page = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(page)
    font = _font(face, pt_to_px(size_pt, dpi))
    left, top, right, bottom = (mm_to_px(m, dpi) for m in margin_mm)
    step = pt_to_px(size_pt * line_spacing, dpi)
    y = top
    truth: list[str] = []
    limit = max_lines if max_lines is not None else 10**9
    for para in paragraphs:
        for text in greedy_wrap(
            nfc(para), lambda line: font.getlength(line) > width - left - right
        ):
            if y + step > height - bottom or len(truth) >= limit:
                break
            draw.text((left, y), text, font=font, fill=255)
            truth.append(text)
            y += step
        y += step // 3
    ink = np.asarray(page, dtype=np.float32) / 255.0
    return Sheet(ink=ink, truth="\n".join(truth), dpi=dpi, text_box=(left, top, width - right, y))
