"""Lossless quarter-turn rotations of page images, and judging which way up a reading is."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ocr.types import OcrResult

_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # PIL's ROTATE_n turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def _check(degrees: int) -> int:
    if degrees % 90:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {degrees}")
    return degrees % 360


def rotate_clockwise(image: Image.Image, degrees: int) -> Image.Image:
    """Turn ``image`` clockwise by a multiple of 90 degrees (no resampling; keeps ``info``)."""
    degrees = _check(degrees)
    if degrees == 0:
        return image
    out = image.transpose(_TRANSPOSE[degrees])
    out.info.update(image.info)
    return out


def rotate_array_clockwise(array: np.ndarray, degrees: int) -> np.ndarray:
    """Turn an image array (rows first) clockwise by a multiple of 90 degrees."""
    degrees = _check(degrees)
    return np.ascontiguousarray(np.rot90(array, k=-(degrees // 90))) if degrees else array


# Judging a reading's orientation. Tesseract reads a page turned a quarter either way with
# confidence (it finds the vertical lines and turns them itself), so a confident reading
# still has to run across the page: its word boxes must be wider than tall.

#: A word read with at least this confidence counts as confidently read.
CONFIDENT_WORD = 80.0
#: Below this share of confident words a page is suspected of being turned.
MIN_CONFIDENT_SHARE = 0.6
#: Fewer words than this on a non-blank page is suspicious too.
MIN_WORDS = 5
#: Above this share of (3+ letter) words boxed taller than wide, the lines run down the page.
SIDEWAYS_SHARE = 0.5
#: When orientation detection cannot tell, pages with fewer words than this are read at the
#: other quarter turns (such pages are quick to read) ...
TRIAL_MAX_WORDS = 80
#: ... and a turn wins only with this many confident words, at least twice the first reading's,
TRIAL_MIN_CONFIDENT = 4
#: ... read with at least ``MIN_CONFIDENT_SHARE`` confidence overall, or, when the best
#: reading so far is poorer, twice its share and at least this much: a map's labels among its
#: line art (read as noise words at every turn) never reach 0.6 even upright.
TRIAL_MIN_SHARE = 0.3


def confident_share(result: OcrResult) -> float:
    """Share of a reading's words read with at least ``CONFIDENT_WORD`` confidence."""
    words = [w for w in result.words if w.conf >= 0]
    if not words:
        return 0.0
    return sum(1 for w in words if w.conf >= CONFIDENT_WORD) / len(words)


def sideways_share(result: OcrResult) -> float:
    """Share of a reading's words of 3+ characters whose boxes are taller than wide."""
    words = [w for w in result.words if len(w.text) >= 3]
    if not words:
        return 0.0
    return sum(1 for w in words if w.height > w.width) / len(words)


def _across_share(result: OcrResult) -> float:
    """Confident share of a reading whose lines run across the page (0 when they run down)."""
    return 0.0 if sideways_share(result) > SIDEWAYS_SHARE else confident_share(result)


def _confident_across(result: OcrResult) -> int:
    """Confident words of a reading whose lines run across the page (0 when they run down)."""
    if sideways_share(result) > SIDEWAYS_SHARE:
        return 0
    return sum(1 for w in result.words if w.conf >= CONFIDENT_WORD)


def reading_suspect(result: OcrResult) -> bool:
    """True when a reading looks like a turned page: few words, few confident ones, or its
    lines running down the page."""
    return (
        len(result.words) < MIN_WORDS
        or confident_share(result) < MIN_CONFIDENT_SHARE
        or sideways_share(result) > SIDEWAYS_SHARE
    )


def turns_to_try(first: OcrResult, osd_rotation: int, osd_confidence: float) -> tuple[int, ...]:
    """The clockwise turns worth reading a suspect page at, given orientation detection.

    A confident detection's turn, unless it contradicts a sideways reading (then both quarter
    turns are tried); when detection cannot tell, the quarter turns of a sideways reading, or
    every turn of a page with little text. Nothing for a full page detection cannot place.
    """
    sideways = sideways_share(first) > SIDEWAYS_SHARE
    if osd_rotation and not (sideways and osd_rotation == 180):
        return (osd_rotation,)
    if sideways:
        return (90, 270)
    if len(first.words) < TRIAL_MAX_WORDS:
        return (90, 180, 270)
    return ()


def turn_wins(turned: OcrResult, best: OcrResult, *, detected: bool) -> bool:
    """Whether a turned reading replaces the best so far.

    After a confident detection the turned reading needs only to be no worse (or, against a
    reading whose lines run down the page, confident across it); a tried turn
    must be clearly better (``TRIAL_MIN_CONFIDENT`` confident words running across the page,
    at least twice as many as the best so far, and a confident share of 0.6, or twice the
    best's and ``TRIAL_MIN_SHARE``), so a page is never turned on a guess.
    """
    if detected:
        if sideways_share(turned) > SIDEWAYS_SHARE:
            return False
        if sideways_share(best) > SIDEWAYS_SHARE:
            return confident_share(turned) >= MIN_CONFIDENT_SHARE
        score = (confident_share(turned), len(turned.words))
        return score >= (confident_share(best), len(best.words))
    gained = _confident_across(turned)
    share = min(MIN_CONFIDENT_SHARE, max(TRIAL_MIN_SHARE, 2 * _across_share(best)))
    return (
        gained >= TRIAL_MIN_CONFIDENT
        and confident_share(turned) >= share
        and gained >= 2 * _confident_across(best)
    )


def clear_winner(best: OcrResult, readings: list[OcrResult]) -> bool:
    """Whether ``best`` (a tried turn's reading) has at least twice the confident words running
    across the page of every other reading in ``readings`` (the first and the other turns)."""
    others = [_confident_across(r) for r in readings if r is not best]
    return _confident_across(best) >= 2 * max(others, default=0)
