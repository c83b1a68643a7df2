"""Synthetic scans with known ground truth.

Renders Vietnamese text with a font that has every glyph, then degrades the page the way a
scanner does (skew, quarter turns, blur, noise, faint print). Used by the sample batch, the
tests and the benchmarks: every generated page knows its text and geometry.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

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
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_font(bold=bold)), px)


def pt_to_px(points: float, dpi: int) -> int:
    return max(1, round(points * dpi / 72.0))


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


@dataclass(frozen=True)
class Line:
    """One line of text placed on the page.

    ``x_mm`` is the left edge for ``align='left'``, the centre for ``'center'`` and the right
    edge for ``'right'``; ``y_mm`` is the top of the line box.
    """

    text: str
    x_mm: float
    y_mm: float
    size_pt: float = 13.0
    bold: bool = False
    align: str = "left"
    underline: bool = False


def text_width_mm(text: str, *, size_pt: float, bold: bool = False, dpi: int = 300) -> float:
    font = _font(bold, pt_to_px(size_pt, dpi))
    return font.getlength(nfc(text)) * 25.4 / dpi


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def render_lines(
    lines: list[Line], *, dpi: int = 300, page_mm: tuple[float, float] = A4_MM
) -> Image.Image:
    """Draw lines on a white greyscale page (mode ``L``) at ``dpi``."""
    width, height = mm_to_px(page_mm[0], dpi), mm_to_px(page_mm[1], dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for line in lines:
        text = nfc(line.text)
        font = _font(line.bold, pt_to_px(line.size_pt, dpi))
        length = font.getlength(text)
        x = mm_to_px(line.x_mm, dpi)
        if line.align == "center":
            x -= length / 2
        elif line.align == "right":
            x -= length
        y = mm_to_px(line.y_mm, dpi)
        draw.text((x, y), text, font=font, fill=0)
        if line.underline:
            ascent, descent = font.getmetrics()
            uy = y + ascent + descent + max(2, dpi // 100)
            draw.line(
                (x + length * 0.25, uy, x + length * 0.75, uy), fill=0, width=max(1, dpi // 150)
            )
    return page


def wrap(text: str, *, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` to ``width_mm`` at the given font size."""
    words = nfc(text).split()
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width_mm(candidate, size_pt=size_pt, bold=bold) > width_mm:
            out.append(current)
            current = word
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def paragraph_page(
    paragraphs: list[str],
    *,
    dpi: int = 300,
    size_pt: float = 13.0,
    margin_mm: tuple[float, float, float, float] = (30.0, 20.0, 20.0, 20.0),
    line_spacing: float = 1.35,
) -> tuple[Image.Image, str]:
    """Render paragraphs as a full page; return the page and its ground-truth text.

    ``margin_mm`` is (left, top, right, bottom). The ground truth has one line of text per
    rendered line, in reading order; text that does not fit on the page is dropped from both.
    """
    left, top, right, bottom = margin_mm
    width_mm = A4_MM[0] - left - right
    step_mm = size_pt * 25.4 / 72.0 * line_spacing
    y = top
    lines: list[Line] = []
    truth: list[str] = []
    for para in paragraphs:
        for text in wrap(para, width_mm=width_mm, size_pt=size_pt):
            if y + step_mm > A4_MM[1] - bottom:
                break
            lines.append(Line(text, left, y, size_pt))
            truth.append(text)
            y += step_mm
        y += step_mm * 0.4
    return render_lines(lines, dpi=dpi), "\n".join(truth)


def degrade(
    page: Image.Image,
    *,
    angle: float = 0.0,
    quarter_turns: int = 0,
    blur: float = 0.0,
    noise: float = 0.0,
    faint: float = 0.0,
    background: int = 255,
    seed: int = 0,
) -> Image.Image:
    """Make a clean page look scanned.

    ``angle`` rotates counter-clockwise in degrees (the skew to undo is ``-angle``),
    ``quarter_turns`` rotates by 90 degrees counter-clockwise that many times, ``blur`` is a
    Gaussian radius in pixels, ``noise`` the standard deviation of grey noise (0-255 scale),
    ``faint`` in 0..1 lightens the ink (0.5 turns black into mid grey).
    """
    img = page.convert("L")
    if faint:
        arr = np.asarray(img, dtype=np.float32)
        arr = 255 - (255 - arr) * (1 - faint)
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if angle:
        img = img.rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=background
        )
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        arr = np.asarray(img, dtype=np.float32) + rng.normal(0, noise, (img.height, img.width))
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if quarter_turns % 4:
        img = img.rotate(90 * (quarter_turns % 4), expand=True)
    return img


def rng_for(seed: int) -> random.Random:
    return random.Random(seed)
