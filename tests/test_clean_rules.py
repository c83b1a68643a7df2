"""When cleaning must not fire (soft carbon copies, mild unevenness; a fold is lifted by its
own step, never flattened or binarised) and stamps of any colour (ocr.clean), on generated
pages with known ground truth."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr.clean import GRAIN_SHARE, STEPS, clean_for_ocr, grain_share, to_gray
from tests.test_clean import DPI, _read, _text_page
from tests.textmetrics import cer


def _carbon(page: Image.Image) -> Image.Image:
    """A soft blue carbon copy: ink spread (blur), faint and blue-violet on off-white."""
    import cv2

    ink = 1.0 - np.asarray(page, dtype=np.float32) / 255.0
    ink = cv2.GaussianBlur(ink, (0, 0), sigmaX=1.8) * 0.85
    paper = np.array([250.0, 248.0, 244.0])
    colour = np.array([0.35, 0.35, 0.75])  # transmittance of violet-blue carbon ink
    rgb = paper * (1.0 - ink[..., None] * (1.0 - colour))
    noise = np.random.default_rng(5).normal(0, 2, rgb.shape)
    return Image.fromarray((rgb + noise).clip(0, 255).astype(np.uint8), "RGB")


def _fold(page: Image.Image, depth: float) -> Image.Image:
    """A fold across the page: a shadow band with a sharp crease in the middle."""
    arr = np.asarray(page, dtype=np.float32)
    xx = np.arange(arr.shape[1], dtype=np.float32)[None, :]
    centre = arr.shape[1] * 0.45
    shade = 1.0 - depth * np.exp(-np.abs(xx - centre) / 40.0)
    noise = np.random.default_rng(4).normal(0, 2, arr.shape)
    return Image.fromarray((arr * shade + noise).clip(0, 255).astype(np.uint8))


def test_soft_carbon_copy_is_neither_binarised_nor_stamped(tmp_path) -> None:
    page, truth = _text_page()
    scan = _carbon(page)
    # Soft strokes are not grain: whatever its Otsu split, such a page is not binarised.
    assert grain_share(to_gray(np.asarray(scan))) < GRAIN_SHARE / 2
    cleaning = clean_for_ocr(np.asarray(scan), dpi=DPI, steps=STEPS)
    # Blue text is the text's own ink, and its soft edges are not grain.
    assert cleaning.applied == ()
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    cleaned = cer(_read(scan, tmp_path, STEPS).text, truth)
    assert cleaned <= plain + 0.001


def test_fold_shadow_and_mild_unevenness_are_neither_flattened_nor_binarised(tmp_path) -> None:
    page, truth = _text_page()
    scan = _fold(page, 0.55)
    cleaning = clean_for_ocr(np.asarray(scan), dpi=DPI, steps=STEPS)
    assert "binarise" not in cleaning.applied and "flatten" not in cleaning.applied
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    assert cer(_read(scan, tmp_path, STEPS).text, truth) <= plain + 0.001
    # Light falling by a fifth across the page: uneven, but far above the ink threshold.
    arr = np.asarray(page, dtype=np.float32)
    light = 1.0 - 0.2 * np.linspace(0.0, 1.0, arr.shape[1])[None, :]
    mild = (arr * light).clip(0, 255).astype(np.uint8)
    assert "flatten" not in clean_for_ocr(mild, dpi=DPI, steps=STEPS).applied


def _blue_stamp(page: Image.Image) -> Image.Image:
    """A blue round stamp (ring and letters) inked over the black text."""
    ink = Image.new("L", page.size, 0)
    draw = ImageDraw.Draw(ink)
    cx, cy, r = 900, 420, 260
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=14)
    draw.ellipse((cx - r + 40, cy - r + 40, cx + r - 40, cy + r - 40), outline=255, width=8)
    draw.rectangle((cx - 150, cy - 30, cx + 150, cy + 30), fill=255)
    a = np.asarray(ink, dtype=np.float32)[..., None] / 255.0 * 0.9
    colour = np.array([0.2, 0.3, 0.9], dtype=np.float32)  # transmittance of blue ink
    rgb = np.asarray(page.convert("RGB"), dtype=np.float32) * (1 - a + a * colour)
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8), "RGB")


def test_blue_stamp_no_longer_hides_the_text(tmp_path) -> None:
    page, truth = _text_page()
    scan = _blue_stamp(page)
    arr = np.asarray(scan)
    cleaning = clean_for_ocr(arr, dpi=DPI, steps=STEPS)
    assert "colour" in cleaning.applied
    black = np.asarray(page) < 60
    assert cleaning.image[black].mean() < 90  # black text stays black
    band = slice(390, 450), slice(750, 1050)  # the solid bar of the stamp
    assert cleaning.image[band].mean() > to_gray(arr)[band].mean()
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    cleaned = cer(_read(scan, tmp_path, ("colour",)).text, truth)
    assert cleaned < plain or plain == 0.0
    assert cleaned < 0.03
