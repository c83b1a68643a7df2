"""Folds and creases: a band darkened along the whole length of the sheet.

A sheet folded for filing, once flattened on the scanner, shows each fold as a band of shadow
with a sharp crease inside, running from edge to edge. Text is sparse along any full row or
column (the paper between letters and words shows through), so the lightest tenth of a row or
column is the paper itself; along a fold it is the paper in shadow. :func:`find_folds` finds
bands of rows or columns whose lightest tenth is clearly darker than the paper, at least a
millimetre wide (a ruled line or a lone crease is thinner) and narrower than a fifth of the
page (a wider darkening is uneven light, the ``flatten`` step's work), not touching the page's
edge (a scanner border is the ``margins`` step's). :func:`lift_folds` divides each such row or
column by its own paper level, so the shadow goes and the ink in it stays as dark against the
paper as elsewhere: tesseract no longer takes the crease for a column rule, nor reads the
shadowed letters as ink blots.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Resolution of the copy the bands are looked for in.
DETECT_DPI = 75.0
#: A row or column is in shadow when its lightest tenth is at least this share of the
#: paper's grey below the paper.
FOLD_DARKEN = 0.05
#: A band narrower than this (mm) is a ruled line or a crease without shadow: left alone.
FOLD_MIN_MM = 1.0
#: A band wider than this share of the page is uneven light, not a fold.
FOLD_MAX_SHARE = 0.2
#: Share of a line's pixels that are paper even where text is densest (its lightest tenth).
LIGHTEST = 90.0


@dataclass(frozen=True)
class Folds:
    """Bands in shadow: (start, stop) pixel ranges of rows and of columns, full resolution."""

    rows: tuple[tuple[int, int], ...] = ()
    columns: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns)

    def describe(self) -> str:
        """Where the folds are, for the page's processing facts."""
        parts = []
        if self.rows:
            parts.append(f"{len(self.rows)} across the page")
        if self.columns:
            parts.append(f"{len(self.columns)} down the page")
        return "fold shadow (" + ", ".join(parts) + ")"


def _bands(dark: np.ndarray, *, min_width: int, max_width: int) -> list[tuple[int, int]]:
    """Runs of True in ``dark`` at least ``min_width`` and at most ``max_width`` long that
    touch neither end."""
    padded = np.concatenate(([False], dark, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    out = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if start == 0 or stop == dark.size:
            continue
        if min_width <= stop - start <= max_width:
            out.append((int(start), int(stop)))
    return out


def _paper(gray: np.ndarray) -> float:
    """The paper's grey: the lightest tenth of the whole page."""
    return float(np.percentile(gray, LIGHTEST))


def find_folds(gray: np.ndarray, *, dpi: float) -> Folds:
    """The fold bands of a uint8 grey page (see the module's docstring)."""
    scale = min(1.0, DETECT_DPI / dpi) if dpi else 1.0
    small = gray
    if scale < 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    paper = _paper(small)
    if paper <= 0:
        return Folds()
    min_width = max(2, round(FOLD_MIN_MM * dpi * scale / 25.4))
    found = []
    for axis in (1, 0):  # rows (a fold across the page), then columns
        light = np.percentile(small, LIGHTEST, axis=axis)
        dark = light < paper * (1.0 - FOLD_DARKEN)
        length = dark.size
        bands = _bands(dark, min_width=min_width, max_width=int(FOLD_MAX_SHARE * length))
        full = gray.shape[0] if axis == 1 else gray.shape[1]
        found.append(
            tuple(
                (max(0, int(start / scale) - 1), min(full, int(np.ceil(stop / scale)) + 1))
                for start, stop in bands
            )
        )
    return Folds(rows=found[0], columns=found[1])


def lift_folds(gray: np.ndarray, folds: Folds) -> np.ndarray:
    """``gray`` with each fold band's rows or columns divided by their own paper level."""
    out = gray.astype(np.float32)
    paper = _paper(gray)
    for start, stop in folds.rows:
        light = np.percentile(out[start:stop], LIGHTEST, axis=1)
        gain = paper / np.maximum(light, 1.0)
        out[start:stop] *= np.maximum(gain, 1.0)[:, None]
    for start, stop in folds.columns:
        light = np.percentile(out[:, start:stop], LIGHTEST, axis=0)
        gain = paper / np.maximum(light, 1.0)
        out[:, start:stop] *= np.maximum(gain, 1.0)[None, :]
    return out.clip(0, 255).astype(np.uint8)
