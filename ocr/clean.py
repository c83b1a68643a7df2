"""Page cleaning for recognition: the image tesseract reads, never the image that is stored.

Each step measures the page first (on a copy reduced to about :data:`DETECT_DPI`, so the
measuring is cheap) and runs only when its defect is there; a clean page triggers none and
is read exactly as before. In order:

- ``colour``: a coloured stamp (red, blue, violet) or a coloured signature over the text
  (colour scans): inside stamp-sized regions of a saturated hue that is not the text's own
  ink, the grey is taken from the colour channel in which that ink is as light as the paper,
  where black stays black (so a blue carbon copy's text is never taken for a stamp);
- ``margins``: black scanner borders and punch holes: dark areas thicker than any stroke that
  touch the edge of the page are painted paper colour (the page is not cropped, so word boxes
  keep their place);
- ``folds``: a fold's shadow and crease running across the whole sheet (:mod:`ocr.folds`):
  each row or column of the band is divided by its own paper level;
- ``flatten``: uneven illumination, shadows of bindings, stains: the page is divided by an
  estimate of its background (text removed by a max filter, then smoothed), but only when the
  background's darkest part comes down to near tesseract's global threshold, where ink there
  would be lost; a milder unevenness reads as well unflattened, and dividing it out only
  moves faint strokes (and the sharp edge of a fold) across the threshold;
- ``specks``: dust and toner specks: tiny isolated dark specks far from any letter are erased
  (a diacritic sits next to its letter and is never touched);
- ``binarise``: a page whose grey does not split cleanly into paper and ink (tesseract's
  global Otsu threshold would misplace many pixels) *because of grain* (pixel noise on the
  paper that is large against the ink's contrast) is binarised locally (:mod:`ocr.binarise`).
  A poor split from soft strokes (carbon copies, faded ink), a ghost of the back page or a
  fold's shadow is not grain: a local threshold breaks those strokes up and is not used.

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
from ocr.folds import find_folds, lift_folds

#: Every step, in the order they run.
STEPS = ("colour", "margins", "folds", "flatten", "specks", "binarise")
#: The steps ``SOHOA_CLEAN=auto`` runs: those that read better where they applied and never
#: applied on a clean page in ``bench/clean.py`` (docs/benchmarks.md, "Page preparation").
AUTO_STEPS = ("colour", "margins", "folds", "flatten", "specks", "binarise")
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
#: Coloured ink: largest minus smallest channel at least this (grey and black ink have ~0).
COLOUR_EXCESS = 40
#: Hue classes of coloured ink, in OpenCV's 0-180 hue: red/orange, yellow/green, blue,
#: violet/magenta (a class is its lower bound; red wraps around 180).
HUE_CLASSES = ((0, "red"), (20, "green"), (85, "blue"), (130, "violet"), (165, "red"))
#: A stamp: a red cluster at least this big (mm) in both directions (red text lines are not).
STAMP_MIN_MM = 15.0
#: A page with more than this share of coloured ink in hues other than the stamp's (and the
#: text's) is a picture or map: no stamp search.
MAX_OTHER_COLOUR = 0.01
#: Uneven background: (bright - dark) / bright of the background estimate above this.
UNEVEN = 0.12
#: ... and its darkest part (2nd percentile) within this share of the gap between the paper
#: and the global Otsu threshold above that threshold (0 = at the threshold, below 0 =
#: paper there reads as ink).
FLATTEN_REACH = 0.25
#: Grain: robust sigma of neighbouring paper pixels' difference, as a share of the contrast
#: between paper and ink, above which a poor Otsu split is noise (binarise) and not blur.
GRAIN_SHARE = 0.05
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


# --- colour: stamps and signatures in a colour that is not the text's -------------------


def _hue_class(hue: np.ndarray) -> np.ndarray:
    """Index into :data:`HUE_CLASSES`' names (red 0, green 1, blue 2, violet 3) per hue."""
    names = [name for _, name in HUE_CLASSES]
    order = sorted(set(names), key=names.index)
    bounds = np.array([lo for lo, _ in HUE_CLASSES])
    idx = np.searchsorted(bounds, hue, side="right") - 1
    return np.array([order.index(name) for name in names])[idx]


def _colour_classes(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel of an int16 RGB array: coloured (bool) and its hue class (0-3)."""
    chroma = s.max(axis=2) - s.min(axis=2)
    gray = cv2.cvtColor(s.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    # Ink is darker than the paper: yellowed or tinted paper is coloured but is not ink.
    darker = gray.astype(np.int16) < paper_level(gray) - COLOUR_EXCESS
    coloured = (chroma > COLOUR_EXCESS) & (s.max(axis=2) > 90) & darker
    hsv = cv2.cvtColor(s.astype(np.uint8), cv2.COLOR_RGB2HSV)
    return coloured, _hue_class(hsv[..., 0])


def text_ink_class(s: np.ndarray, coloured: np.ndarray, classes: np.ndarray) -> int:
    """The text's ink: -1 for black/grey, else the hue class most of the dark ink has."""
    gray = cv2.cvtColor(s.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    ink = gray < threshold
    counts = np.bincount(classes[ink & coloured], minlength=4)
    neutral = int((ink & ~coloured).sum())
    return -1 if neutral >= counts.max() else int(counts.argmax())


def find_stamps(rgb: np.ndarray, *, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, full-size pixels) of stamp-sized regions of an RGB page inked
    in a saturated colour that is not the text's (red, blue or violet stamps over black
    text; a red stamp on a blue carbon copy)."""
    small, scale = _reduce(rgb, dpi)
    sdpi = dpi * scale
    s = small.astype(np.int16)
    coloured, classes = _colour_classes(s)
    if int(coloured.sum()) < _mm(2.0, sdpi) ** 2:
        return []
    text = text_ink_class(s, coloured, classes)
    foreign = coloured & (classes != text)
    if int(foreign.sum()) < _mm(2.0, sdpi) ** 2:
        return []
    # Much colour of more than one hue besides: a map or a photograph, not text and stamps.
    shares = np.bincount(classes[foreign], minlength=4) / foreign.size
    if float(shares.sum() - shares.max()) > MAX_OTHER_COLOUR:
        return []
    ink = foreign & (classes == int(shares.argmax()))
    joined = cv2.morphologyEx(
        ink.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((_odd(_mm(3, sdpi)),) * 2, np.uint8)
    )
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


def suppress_colour(rgb: np.ndarray, gray: np.ndarray, boxes: Sequence[tuple]) -> np.ndarray:
    """Grey page with the coloured ink inside ``boxes`` lifted to paper; black ink under it
    stays. The grey there comes from the channel in which the coloured ink is lightest."""
    out = gray.copy()
    for x0, y0, x1, y1 in boxes:
        sub = rgb[y0:y1, x0:x1].astype(np.int16)
        chroma = sub.max(axis=2) - sub.min(axis=2)
        strong = chroma > COLOUR_EXCESS
        if not strong.any():
            continue
        channel = int(np.argmax([np.median(sub[..., c][strong]) for c in range(3)]))
        light = sub[..., channel]
        ink_level = float(np.median(light[strong]))  # how light the stamp's ink is there
        paper = float(paper_level(out[y0:y1, x0:x1]))
        tinted = cv2.dilate((chroma > COLOUR_EXCESS // 2).astype(np.uint8), np.ones((3, 3)))
        lifted = np.clip(light.astype(np.float32) * (paper / max(ink_level, 1.0)), 0, 255)
        region = out[y0:y1, x0:x1]
        np.copyto(region, lifted.astype(np.uint8), where=tinted.astype(bool))
    return out


#: The name this step had when it knew only red stamps.
suppress_red = suppress_colour


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


def background_reach(gray: np.ndarray, bg: np.ndarray) -> float:
    """How far the darkest background (2nd percentile of ``bg``) stays above the page's
    global Otsu threshold, as a share of the paper's distance to it (1 = as bright as the
    paper, 0 = at the threshold, below 0 = paper there reads as ink)."""
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    low = float(np.percentile(bg, 2))
    paper = float(paper_level(gray))
    return (low - threshold) / max(paper - threshold, 1.0)


def needs_flattening(gray: np.ndarray, bg: np.ndarray) -> tuple[bool, str]:
    """Whether the background is uneven enough to cost ink under a global threshold."""
    uneven = unevenness(bg)
    if uneven <= UNEVEN:
        return False, ""
    reach = background_reach(gray, bg)
    if reach >= FLATTEN_REACH:
        return False, ""
    return True, f"uneven background ({100 * uneven:.0f}%) reaching the ink threshold"


def flatten(gray: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """``gray`` divided by the background ``bg`` (any size; resized): paper becomes white."""
    full = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(full, 1), scale=255)


# --- grain ------------------------------------------------------------------------------


def grain_share(gray: np.ndarray) -> float:
    """The paper's pixel noise as a share of the contrast between paper and ink.

    Noise is the robust sigma (1.4826 MAD / sqrt 2) of the difference between horizontally
    neighbouring pixels that are both paper (above the Otsu threshold), on every fourth row;
    contrast is the paper's grey minus the ink's (1st percentile). Grain and scanner noise
    give 0.1 and more; blur, fading, a ghost of the back page or a shadow leave it near 0.01.
    """
    rows = np.ascontiguousarray(gray[::4])
    threshold, _ = cv2.threshold(rows, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    left, right = rows[:, :-1].astype(np.int16), rows[:, 1:].astype(np.int16)
    paper = (left > threshold) & (right > threshold)
    diff = (right - left)[paper]
    if diff.size < 100:
        return 0.0
    sigma = 1.4826 * float(np.median(np.abs(diff - np.median(diff)))) / np.sqrt(2.0)
    contrast = float(paper_level(gray)) - float(np.percentile(rows, 1))
    return sigma / max(contrast, 1.0)


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
            gray = suppress_colour(page, gray, boxes)
        step("colour", t, f"{len(boxes)} stamp-sized coloured region(s)" if boxes else None)
    if "margins" in wanted:
        t = time.process_time()
        mask, why = find_margins(gray, dpi=dpi)
        if mask is not None:
            gray = paint_margins(gray, mask)
        step("margins", t, why or None)
    if "folds" in wanted:
        t = time.process_time()
        folds = find_folds(gray, dpi=dpi)
        if folds:
            gray = lift_folds(gray, folds)
        step("folds", t, folds.describe() if folds else None)
    if "flatten" in wanted:
        t = time.process_time()
        bg, _ = background(gray, dpi=dpi)
        uneven, why = needs_flattening(_reduce(gray, dpi)[0], bg)
        if uneven:
            gray = flatten(gray, bg)
        step("flatten", t, why or None)
    t = time.process_time()
    split = otsu_separability(gray) if "binarise" in wanted else 1.0
    grain = grain_share(gray) if split < MIN_SEPARABILITY else 0.0
    grainy = split < MIN_SEPARABILITY and grain > GRAIN_SHARE
    measure_split = time.process_time() - t
    if "specks" in wanted and grainy:
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
        if grainy:
            gray = binarise(gray, dpi=dpi)
        step(
            "binarise",
            t,
            f"grain (noise {100 * grain:.0f}% of the ink's contrast) spoils the split of "
            f"paper and ink (Otsu {split:.2f})"
            if grainy
            else None,
        )
    if "binarise" in wanted:
        seconds["binarise"] += measure_split
    if not applied:
        gray = to_gray(page)
    return Cleaning(image=gray, applied=tuple(applied), reasons=reasons, seconds=seconds)
