"""Page cleaning for recognition: the image tesseract reads, never the image that is stored.

Each step measures the page first (on a copy reduced to about :data:`DETECT_DPI`, so the
measuring is cheap) and runs only when its defect is there; a clean page triggers none and
is read exactly as before. In order:

- ``colour``: a red stamp over black text (colour scans): inside stamp-sized red regions the
  grey is taken from the red channel, where red ink is as light as the paper and black stays
  black;
- ``margins``: black scanner borders and punch holes: dark areas thicker than any stroke that
  touch the edge of the page are painted paper colour (the page is not cropped, so word boxes
  keep their place);
- ``flatten``: uneven illumination, shadows of folds and bindings, stains: the page is divided
  by an estimate of its background (text removed by a max filter, then smoothed);
- ``specks``: dust and toner specks: tiny isolated dark specks far from any letter are erased
  (a diacritic sits next to its letter and is never touched);
- ``binarise``: a page whose grey does not split cleanly into paper and ink (tesseract's
  global Otsu threshold would misplace many pixels) is binarised locally
  (:mod:`ocr.binarise`).

:func:`clean_for_ocr` runs the requested steps and says which applied and why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ocr.binarise import MIN_SEPARABILITY, binarise, otsu_separability

#: Every step, in the order they run.
STEPS = ("colour", "margins", "flatten", "specks", "binarise")
#: The steps ``SOHOA_CLEAN=auto`` runs: those that read better where they applied and never
#: applied on a clean page in ``bench/clean.py`` (docs/benchmarks.md, "Page preparation").
AUTO_STEPS = ("colour", "margins", "flatten", "specks", "binarise")
#: Resolution of the copy the detectors look at.
DETECT_DPI = 75.0
#: Dark border: darker than this share of the paper's grey, and thicker than this (mm).
BORDER_DARK = 0.5
BORDER_MIN_MM = 3.0
#: ... and darker than this grey level: a lid is black, the shadowed side of a page is not.
BORDER_BLACK = 100
#: Inside a border at most this share of pixels may be edges (grey steps over BORDER_EDGE of
#: the paper's grey): text in a dark area is not border.
BORDER_EDGE = 0.3
BORDER_MAX_EDGES = 0.02
#: A border covering more than this share of the page is more likely a dark photograph.
BORDER_MAX_SHARE = 0.6
#: Red ink: red channel this much above the larger of green and blue.
RED_EXCESS = 40
#: A stamp: a red cluster at least this big (mm) in both directions (red text lines are not).
STAMP_MIN_MM = 15.0
#: A page with more than this share of blue or green is a picture or map: no stamp search
#: (a blue signature covers far less).
MAX_OTHER_COLOUR = 0.01
#: Uneven background: (bright - dark) / bright of the background estimate above this.
UNEVEN = 0.12
#: Specks: dark components of at most this area (px at 300 dpi) and this far (mm) from ink.
SPECK_AREA_300 = 4.0
SPECK_CLEAR_MM = 0.8
#: Specks are erased when at least this many isolated ones are found.
MIN_SPECKS = 150


@dataclass(frozen=True)
class Cleaning:
    """The image for OCR and what was done to make it."""

    image: np.ndarray  # uint8 grey, same size as the page
    applied: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        """The record kept in ``OcrResult.extra["preparation"]``."""
        return {
            "applied": list(self.applied),
            "reasons": dict(self.reasons),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def parse_steps(text: str, auto: Sequence[str]) -> tuple[str, ...]:
    """``SOHOA_CLEAN``: "auto" (the ``auto`` steps), "off"/"" (none), "all", or a comma list."""
    word = text.strip().lower()
    if word == "auto":
        return tuple(auto)
    if word in ("", "off", "none", "false", "0", "no"):
        return ()
    if word in ("all", "on", "true", "1", "yes"):
        return STEPS
    steps = tuple(s.strip() for s in word.split(",") if s.strip())
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise ValueError(
            f"unknown cleaning step(s) {', '.join(unknown)}; use auto, off, all or some of "
            + ", ".join(STEPS)
        )
    return tuple(s for s in STEPS if s in steps)


def to_gray(page: np.ndarray) -> np.ndarray:
    """A uint8 grey copy of a bool, grey or RGB page array."""
    if page.dtype == bool:
        return page.astype(np.uint8) * 255
    if page.ndim == 3:
        return cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    return page


def _reduce(image: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    scale = min(1.0, DETECT_DPI / dpi) if dpi else 1.0
    if scale >= 1.0:
        return image, 1.0
    rows, cols = image.shape[:2]
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def _mm(mm: float, dpi: float) -> int:
    return max(1, round(mm * dpi / 25.4))


def _odd(n: int) -> int:
    return max(3, n | 1)


def paper_level(gray: np.ndarray) -> int:
    """The paper's grey: the 90th percentile of the page (text covers far less than 10%)."""
    hist = cv2.calcHist([np.ascontiguousarray(gray)], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return int(np.searchsorted(cum, 0.9 * cum[-1]))


# --- colour: red stamps ------------------------------------------------------------------


def find_stamps(rgb: np.ndarray, *, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, full-size pixels) of stamp-sized red regions of an RGB page."""
    small, scale = _reduce(rgb, dpi)
    sdpi = dpi * scale
    s = small.astype(np.int16)
    excess = s[..., 0] - np.maximum(s[..., 1], s[..., 2])
    red = ((excess > RED_EXCESS) & (s[..., 0] > 90)).astype(np.uint8)
    if int(red.sum()) < _mm(2.0, sdpi) ** 2:
        return []
    # Much blue or green besides: a map or a photograph, not black text under a stamp.
    other = np.maximum(s[..., 1], s[..., 2]) - s[..., 0] > RED_EXCESS
    if float(other.mean()) > MAX_OTHER_COLOUR:
        return []
    joined = cv2.morphologyEx(red, cv2.MORPH_CLOSE, np.ones((_odd(_mm(3, sdpi)),) * 2, np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    boxes = []
    least = _mm(STAMP_MIN_MM, sdpi)
    pad = _mm(1.0, sdpi)
    for x, y, w, h, _area in stats[1:count]:
        if w >= least and h >= least:
            x0, y0 = max(0, x - pad), max(0, y - pad)
            x1, y1 = min(small.shape[1], x + w + pad), min(small.shape[0], y + h + pad)
            boxes.append(tuple(round(v / scale) for v in (x0, y0, x1, y1)))
    return boxes


def suppress_red(rgb: np.ndarray, gray: np.ndarray, boxes: Sequence[tuple]) -> np.ndarray:
    """Grey page with red ink inside ``boxes`` lifted to paper; black ink under it stays."""
    out = gray.copy()
    for x0, y0, x1, y1 in boxes:
        sub = rgb[y0:y1, x0:x1].astype(np.int16)
        red = sub[..., 0]
        excess = red - np.maximum(sub[..., 1], sub[..., 2])
        strong = excess > RED_EXCESS
        if not strong.any():
            continue
        ink_red = float(np.median(red[strong]))  # how light the stamp's ink is in red
        paper = float(paper_level(out[y0:y1, x0:x1]))
        reddish = cv2.dilate((excess > RED_EXCESS // 2).astype(np.uint8), np.ones((3, 3)))
        lifted = np.clip(red.astype(np.float32) * (paper / max(ink_red, 1.0)), 0, 255)
        region = out[y0:y1, x0:x1]
        np.copyto(region, lifted.astype(np.uint8), where=reddish.astype(bool))
    return out


# --- margins: black borders and punch holes ----------------------------------------------


def find_margins(gray: np.ndarray, *, dpi: float) -> tuple[np.ndarray | None, str]:
    """Mask (full size, bool) of dark borders and punch holes at the page's edges, or None.

    Dark means under ``BORDER_DARK`` of the paper's grey; an opening by a square of
    ``BORDER_MIN_MM`` removes every stroke of text, so what is left is solid dark area. Of
    that, what touches the page's edge is border; compact blobs near the edge are punch holes.
    """
    small, scale = _reduce(gray, dpi)
    sdpi = dpi * scale
    paper = paper_level(small)
    dark = (small < min(paper * BORDER_DARK, BORDER_BLACK)).astype(np.uint8)
    kernel = np.ones((_odd(_mm(BORDER_MIN_MM, sdpi)),) * 2, np.uint8)
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    if not solid.any():
        return None, ""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    # Text inside a dark area (a shadow, a dark photograph) has edges; a scanner lid has none.
    square = np.ones((3, 3), np.uint8)
    edges = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, square) > BORDER_EDGE * paper
    inner = cv2.erode(solid, square).astype(bool)
    edge_share = np.bincount(labels[inner & edges], minlength=count) / np.maximum(
        np.bincount(labels[inner], minlength=count), 1
    )
    rows, cols = small.shape
    near = _mm(25.0, sdpi)  # punch holes sit within about 25 mm of the edge
    keep = np.zeros(count, bool)
    sides: set[str] = set()
    holes = 0
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if edge_share[i] > BORDER_MAX_EDGES:
            continue
        touches = {
            "left": x == 0,
            "top": y == 0,
            "right": x + w >= cols,
            "bottom": y + h >= rows,
        }
        if any(touches.values()):
            keep[i] = True
            sides |= {k for k, v in touches.items() if v}
            continue
        hole_mm = (4.0 * sdpi / 25.4, 10.0 * sdpi / 25.4)
        edge_gap = min(x, y, cols - x - w, rows - y - h)
        if (
            edge_gap <= near
            and hole_mm[0] <= w <= hole_mm[1]
            and hole_mm[0] <= h <= hole_mm[1]
            and area >= 0.6 * w * h
        ):
            keep[i] = True
            holes += 1
    if not keep.any():
        return None, ""
    mask = keep[labels].astype(np.uint8)
    share = float(mask.mean())
    if share > BORDER_MAX_SHARE:
        return None, ""
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    full = cv2.resize(mask, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    parts = []
    if sides:
        parts.append(f"dark border at the {', '.join(sorted(sides))} edge")
    if holes:
        parts.append(f"{holes} punch hole(s)")
    return full.astype(bool), f"{' and '.join(parts)}: {100 * share:.1f}% of the page"


def paint_margins(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``gray`` with the ``mask`` pixels painted the paper's grey."""
    out = gray.copy()
    out[mask] = paper_level(gray[~mask]) if (~mask).any() else 255
    return out


# --- flatten: uneven illumination --------------------------------------------------------


def background(gray: np.ndarray, *, dpi: float) -> tuple[np.ndarray, float]:
    """The page's background estimated on the reduced copy, and the copy's scale."""
    small, scale = _reduce(gray, dpi)
    sdpi = dpi * scale
    bg = cv2.dilate(small, np.ones((_odd(_mm(2.0, sdpi)),) * 2, np.uint8))
    bg = cv2.medianBlur(bg, _odd(_mm(6.0, sdpi)))
    bg = cv2.GaussianBlur(bg, (0, 0), sigmaX=_mm(4.0, sdpi))
    return bg, scale


def unevenness(bg: np.ndarray) -> float:
    """(bright - dark) / bright of a background estimate, inside a 5% margin (0 = even)."""
    rows, cols = bg.shape
    dy, dx = rows // 20, cols // 20
    inner = bg[dy : rows - dy or None, dx : cols - dx or None]
    if inner.size == 0:
        return 0.0
    low, high = np.percentile(inner, (2, 98))
    return float((high - low) / max(high, 1.0))


def flatten(gray: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """``gray`` divided by the background ``bg`` (any size; resized): paper becomes white."""
    full = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(full, 1), scale=255)


# --- specks ------------------------------------------------------------------------------


def find_specks(gray: np.ndarray, *, dpi: float) -> tuple[np.ndarray, int]:
    """Pixels (bool mask) of tiny dark specks far from any larger mark, and their count."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    largest = max(1.0, SPECK_AREA_300 * (dpi / 300.0) ** 2)
    small = stats[:, cv2.CC_STAT_AREA] <= largest
    small[0] = False
    if not small.any():
        return np.zeros(gray.shape, bool), 0
    big = ~small
    big[0] = False
    marks = big[labels].astype(np.uint8)
    clear = _odd(2 * _mm(SPECK_CLEAR_MM, dpi))
    near = cv2.dilate(marks, np.ones((clear, clear), np.uint8)).astype(bool)
    lonely = small.copy()
    near_labels = np.unique(labels[near & small[labels]])
    lonely[near_labels] = False
    return lonely[labels], int(lonely.sum())


# --- the whole cleaning ------------------------------------------------------------------


def clean_for_ocr(page: np.ndarray, *, dpi: float, steps: Sequence[str]) -> Cleaning:
    """The grey image tesseract should read: ``steps`` (names in :data:`STEPS`) each run when
    the page measures as needing them; ``applied`` is empty, and the image the page's own
    grey, on a page that needs none."""
    applied: list[str] = []
    reasons: dict[str, str] = {}
    seconds: dict[str, float] = {}
    wanted = set(steps)
    gray = to_gray(page)

    def step(name: str, start: float, reason: str | None) -> None:
        seconds[name] = time.process_time() - start
        if reason:
            applied.append(name)
            reasons[name] = reason

    if "colour" in wanted and page.ndim == 3:
        t = time.process_time()
        boxes = find_stamps(page, dpi=dpi)
        if boxes:
            gray = suppress_red(page, gray, boxes)
        step("colour", t, f"{len(boxes)} stamp-sized red region(s)" if boxes else None)
    if "margins" in wanted:
        t = time.process_time()
        mask, why = find_margins(gray, dpi=dpi)
        if mask is not None:
            gray = paint_margins(gray, mask)
        step("margins", t, why or None)
    if "flatten" in wanted:
        t = time.process_time()
        bg, _ = background(gray, dpi=dpi)
        uneven = unevenness(bg)
        if uneven > UNEVEN:
            gray = flatten(gray, bg)
        step("flatten", t, f"uneven background ({100 * uneven:.0f}%)" if uneven > UNEVEN else None)
    t = time.process_time()
    split = otsu_separability(gray) if "binarise" in wanted else 1.0
    measure_split = time.process_time() - t
    if "specks" in wanted and split < MIN_SEPARABILITY:
        seconds["specks"] = 0.0  # grain, not specks: the binarisation smooths it away
    elif "specks" in wanted:
        t = time.process_time()
        specks, count = find_specks(gray, dpi=dpi)
        if count >= MIN_SPECKS:
            gray = gray.copy()
            gray[specks] = 255 if "flatten" in applied else paper_level(gray)
        step("specks", t, f"{count} isolated specks" if count >= MIN_SPECKS else None)
    if "binarise" in wanted:
        t = time.process_time()
        if split < MIN_SEPARABILITY:
            gray = binarise(gray, dpi=dpi)
        step(
            "binarise",
            t,
            f"paper and ink do not separate (Otsu {split:.2f})"
            if split < MIN_SEPARABILITY
            else None,
        )
    if "binarise" in wanted:
        seconds["binarise"] += measure_split
    if not applied:
        gray = to_gray(page)
    return Cleaning(image=gray, applied=tuple(applied), reasons=reasons, seconds=seconds)
