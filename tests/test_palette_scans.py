"""Palette PNG scans (ingest.sources.load_page): a bilevel or grey page saved with a palette
is loaded as the bilevel or grey page it is, not widened to RGB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import ocr
from ingest.sources import load_page
from sohoa.synthetic.fonts import font


def _text(mode: str) -> Image.Image:
    page = Image.new("L", (900, 300), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 60), "Luật giao dịch điện tử", font=font(False, 40), fill=0)
    draw.rectangle((40, 200, 400, 240), fill=128)
    return page if mode == "L" else page.point(lambda v: 0 if v < 200 else 255).convert(mode)


def _load(path: Path):
    return load_page(path, 0, kind="image", max_pixels=10**8, default_dpi=200)


def test_two_colour_palette_scan_loads_bilevel(tmp_path: Path) -> None:
    bilevel = _text("1")
    bilevel.convert("P").save(tmp_path / "scan.png", dpi=(300, 300))
    assert Image.open(tmp_path / "scan.png").mode == "P"
    page = _load(tmp_path / "scan.png")
    assert page.image.mode == "1"
    assert round(page.dpi) == 300  # PNG stores pixels per metre
    assert np.array_equal(np.asarray(page.image), np.asarray(bilevel))
    # Kept bilevel through preparation, so the PDF/A stores it as a CCITT G4 page.
    assert ocr.prepare_page(page.image, orient=False).image.mode == "1"


def test_grey_palette_scan_loads_grey(tmp_path: Path) -> None:
    grey = _text("L")
    grey.quantize(16).convert("L").convert("P").save(tmp_path / "grey.png")
    page = _load(tmp_path / "grey.png")
    assert page.image.mode == "L"
    expected = np.asarray(Image.open(tmp_path / "grey.png").convert("L"))
    assert np.array_equal(np.asarray(page.image), expected)
    assert len(np.unique(expected)) > 2


def test_colour_or_transparent_palette_scan_loads_rgb(tmp_path: Path) -> None:
    rgb = _text("L").convert("RGB")
    ImageDraw.Draw(rgb).ellipse((600, 40, 800, 240), outline=(200, 20, 20), width=12)
    rgb.quantize(8).save(tmp_path / "stamp.png")
    loaded = _load(tmp_path / "stamp.png").image
    assert loaded.mode == "RGB"
    assert np.asarray(loaded)[140, 600 + 6].tolist() != [0, 0, 0]  # the red ring stays red
    clear = Image.new("P", (50, 50), 0)
    clear.putpalette([0, 0, 0, 255, 255, 255])
    clear.info["transparency"] = 0
    clear.save(tmp_path / "clear.png", transparency=0)
    out = _load(tmp_path / "clear.png").image
    assert out.mode == "RGB" and np.asarray(out).min() == 255  # transparent became white paper
