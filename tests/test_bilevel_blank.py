"""A bilevel (1-bit) scan with text is not blank: Otsu puts its threshold at 0, the ink."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

import ocr
from sohoa.synthetic.fonts import font


def _page(mode: str) -> Image.Image:
    page = Image.new("L", (640, 480), 255)
    draw = ImageDraw.Draw(page)
    for row in range(8):
        draw.text((40, 40 + 50 * row), "Luật giao dịch điện tử 2005", font=font(False, 28), fill=0)
    return page.convert(mode)


def test_a_bilevel_page_with_text_is_not_blank():
    for mode in ("1", "L"):
        assert not ocr.prepare_page(_page(mode), orient=False).blank, mode
        assert ocr.is_blank(np.asarray(_page(mode))) is False


def test_an_empty_bilevel_page_is_blank():
    assert ocr.prepare_page(Image.new("1", (640, 480), 1), orient=False).blank
