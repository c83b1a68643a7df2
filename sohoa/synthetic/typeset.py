"""Lines of text on a page: placing, wrapping and drawing them.

:class:`Line` is one line placed in millimetres; :func:`render_lines` draws a list of them on a
white page; :func:`wrap` and :func:`balanced_wrap` cut text to a width; :func:`paragraph_page`
sets plain paragraphs as a full page with its ground-truth text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from sohoa.synthetic.fonts import (
    A4_MM,
    font,
    greedy_wrap,
    mm_to_px,
    nfc,
    pt_to_px,
    text_width_mm,
)


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


def render_lines(
    lines: list[Line], *, dpi: int = 300, page_mm: tuple[float, float] = A4_MM
) -> Image.Image:
    """Draw lines on a white greyscale page (mode ``L``) at ``dpi``."""
    width, height = mm_to_px(page_mm[0], dpi), mm_to_px(page_mm[1], dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for line in lines:
        text = nfc(line.text)
        face = font(line.bold, pt_to_px(line.size_pt, dpi))
        length = face.getlength(text)
        x = mm_to_px(line.x_mm, dpi)
        if line.align == "center":
            x -= length / 2
        elif line.align == "right":
            x -= length
        y = mm_to_px(line.y_mm, dpi)
        draw.text((x, y), text, font=face, fill=0)
        if line.underline:
            ascent, descent = face.getmetrics()
            uy = y + ascent + descent + max(2, dpi // 100)
            draw.line(
                (x + length * 0.25, uy, x + length * 0.75, uy), fill=0, width=max(1, dpi // 150)
            )
    return page


@lru_cache(maxsize=4096)
def _wrap_cached(text: str, width_mm: float, size_pt: float, bold: bool) -> tuple[str, ...]:
    def too_long(line: str) -> bool:
        return text_width_mm(line, size_pt=size_pt, bold=bold) > width_mm

    return tuple(greedy_wrap(nfc(text), too_long))


def wrap(text: str, *, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` to ``width_mm`` at the given font size (memoised)."""
    return list(_wrap_cached(text, width_mm, size_pt, bold))


def balanced_wrap(text: str, *, width_mm: float, size_pt: float, bold: bool = False) -> list[str]:
    """Wrap like :func:`wrap`, but split a two-line result where both lines are most even.

    Clerks balance centred header lines by hand ("SỞ VĂN HÓA, THỂ THAO / VÀ DU LỊCH").
    """
    lines = wrap(text, width_mm=width_mm, size_pt=size_pt, bold=bold)
    if len(lines) != 2:
        return lines
    words = text.split()
    best = lines
    best_width = max(text_width_mm(t, size_pt=size_pt, bold=bold) for t in lines)
    for cut in range(1, len(words)):
        a, b = " ".join(words[:cut]), " ".join(words[cut:])
        widest = max(text_width_mm(t, size_pt=size_pt, bold=bold) for t in (a, b))
        if widest <= width_mm and widest < best_width:
            best, best_width = [a, b], widest
    return best


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
