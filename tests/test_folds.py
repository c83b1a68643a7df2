"""Fold shadows and creases (ocr.folds, the ``folds`` cleaning step), on generated pages
whose fold position and text are known."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ocr.clean import STEPS, clean_for_ocr
from ocr.folds import find_folds, lift_folds
from tests.test_clean import DPI, HEIGHT, WIDTH, _read, _text_page
from tests.textmetrics import cer


def _folded(page: Image.Image, *, x: int | None = None, y: int | None = None) -> np.ndarray:
    """``page`` folded down the page at column ``x`` and/or across it at row ``y``: a shadow
    about 6 mm wide on one side, a dark 2 px crease, paper noise."""
    arr = np.asarray(page, dtype=np.float32)
    shade = np.ones_like(arr)
    width = 6 * DPI / 25.4
    for pos, axis in ((x, 1), (y, 0)):
        if pos is None:
            continue
        coord = np.arange(arr.shape[axis], dtype=np.float32) - pos
        profile = 1.0 - 0.55 * np.exp(-((coord / width) ** 2)) * (coord < 0)
        profile -= 0.5 * (np.abs(coord) <= 1)
        shade *= profile[None, :] if axis == 1 else profile[:, None]
    noise = np.random.default_rng(7).normal(0, 2, arr.shape)
    return (arr * shade + noise).clip(0, 255).astype(np.uint8)


def test_fold_down_the_page_is_found_where_it_is() -> None:
    page, _ = _text_page()
    folds = find_folds(_folded(page, x=1010), dpi=DPI)
    assert folds.rows == ()
    assert len(folds.columns) == 1
    start, stop = folds.columns[0]
    assert start < 1010 <= stop  # the crease is inside the band
    assert stop - start < 0.2 * WIDTH


def test_fold_across_the_page_is_found_and_lifted() -> None:
    page, _ = _text_page()
    scan = _folded(page, y=400)
    folds = find_folds(scan, dpi=DPI)
    assert folds.columns == () and len(folds.rows) == 1
    start, stop = folds.rows[0]
    assert start < 400 <= stop
    lifted = lift_folds(scan, folds)
    paper = np.asarray(page) > 200
    band = np.zeros_like(paper)
    band[start:stop] = True
    # The shadowed paper is paper again; the ink in the band stays ink.
    assert lifted[band & paper].mean() > scan[band & paper].mean() + 20
    assert lifted[band & paper].mean() > 230
    assert lifted[band & (np.asarray(page) < 60)].mean() < 140


def test_ruled_lines_borders_and_uneven_light_are_not_folds() -> None:
    page, _ = _text_page()
    ruled = np.asarray(page).copy()
    ruled[:, 200:203] = 0  # table rules running the whole height and width
    ruled[:, 1800:1803] = 0
    ruled[150:153, :] = 0
    assert not find_folds(ruled, dpi=DPI)
    bordered = np.asarray(page).copy()
    bordered[:, :60] = 20  # a scanner's black border at the edge
    assert not find_folds(bordered, dpi=DPI)
    light = 1.0 - 0.3 * np.linspace(0.0, 1.0, WIDTH)[None, :]
    uneven = (np.asarray(page, dtype=np.float32) * light).astype(np.uint8)
    assert not find_folds(uneven, dpi=DPI)
    assert "folds" not in clean_for_ocr(np.asarray(page), dpi=DPI, steps=STEPS).applied


def test_folded_page_reads_better_with_the_fold_lifted(tmp_path) -> None:
    page, truth = _text_page()
    scan = Image.fromarray(_folded(page, x=1010, y=HEIGHT // 2))
    cleaning = clean_for_ocr(np.asarray(scan), dpi=DPI, steps=STEPS)
    assert "folds" in cleaning.applied
    assert "fold shadow" in cleaning.reasons["folds"]
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    cleaned = cer(_read(scan, tmp_path, ("folds",)).text, truth)
    assert cleaned < 0.03
    assert cleaned < plain  # the fold splits lines into columns (about 23 % CER unlifted)
