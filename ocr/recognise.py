"""Prepare and recognise a page with as few tesseract runs as possible.

Most scanned pages are upright, so orientation detection (a separate tesseract run costing
about a third of a recognition) is not run up front. The page is deskewed and recognised
once; only when the result looks like a page read sideways or upside down (few confident
words, or lines running down the page) is orientation detected, the page turned and recognised
again, keeping the better reading (``ocr.orient``: a page detection cannot place is turned only
when a turn reads clearly better). Why the page was turned and straightened, or left, is kept
in ``extra["geometry"]``.

With ``clean`` steps (:mod:`ocr.clean`), tesseract reads a cleaned grey copy written to a
temporary file beside the saved page, and only when some step applied; the saved page, which
the packager stores, stays as scanned. What was applied and why is kept in the reading's
``extra["preparation"]``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.clean import clean_for_ocr
from ocr.orient import (
    clear_winner,
    reading_suspect,
    rotate_clockwise,
    turn_wins,
    turns_to_try,
)
from ocr.prepare import PreparedPage, prepare_page
from ocr.tesseract import detect_orientation, run_ocr
from ocr.types import OcrResult

log = logging.getLogger(__name__)


def orientation_suspect(result: OcrResult) -> bool:
    """True when a reading looks like a turned page: few words, few confident ones, or its
    lines running down the page (``ocr.orient.reading_suspect``)."""
    return reading_suspect(result)


def recognise_page(
    image: Image.Image,
    *,
    dpi: float,
    save: Callable[[Image.Image], Path],
    languages: str = "vie+eng",
    ocr_timeout: float = 300,
    osd_timeout: float = 60,
    thresholding: int | None = None,
    clean: Sequence[str] = (),
    tessdata: str | Path | None = None,
) -> tuple[PreparedPage, OcrResult | None]:
    """Deskew, recognise, and turn the page only when the reading says it must.

    ``save`` writes the prepared image where tesseract (and later the packager) reads it and
    returns the path; it is called again if the page is turned. ``clean`` names the cleaning
    steps (``ocr.clean.STEPS``) that may prepare the copy tesseract reads. Returns the prepared
    page and the reading, or ``None`` as the reading for a blank page (nothing to recognise).
    ``tessdata`` is the folder of models tesseract uses (None: the system's).
    """
    prepared = prepare_page(image, orient=False)
    if prepared.blank:
        save(prepared.image)
        return prepared, None

    def tesseract(path: Path) -> OcrResult:
        return run_ocr(
            path,
            languages=languages,
            dpi=round(dpi),
            timeout=ocr_timeout,
            thresholding=thresholding,
            tessdata=tessdata,
        )

    def read(page: PreparedPage) -> OcrResult:
        path = save(page.image)
        if not clean:
            return tesseract(path)
        cleaning = clean_for_ocr(np.asarray(page.image), dpi=dpi, steps=clean)
        if cleaning.applied:
            result = _read_cleaned(cleaning.image, path.parent, tesseract)
        else:
            result = tesseract(path)
        return replace(result, extra={**result.extra, "preparation": cleaning.facts()})

    result = read(prepared)
    if not orientation_suspect(result):
        return prepared, _with_geometry(prepared, result, "upright: the reading is confident")
    rotation, confidence = detect_orientation(
        prepared.image, timeout=osd_timeout, dpi=dpi, tessdata=tessdata
    )
    best, best_result = prepared, result
    reason = f"left as it is: orientation detection unsure (confidence {confidence:.1f})"
    if rotation:
        reason = f"left as it is: detection said {rotation} (confidence {confidence:.1f})"
    turns = turns_to_try(result, rotation, confidence)
    turned = prepared
    readings = [result]
    for turn in turns:
        turned = replace(prepare_page(rotate_clockwise(image, turn), orient=False), rotation=turn)
        second = read(turned)
        readings.append(second)
        if turn_wins(second, best_result, detected=turn == rotation):
            how = "detection" if turn == rotation else "reading every turn"
            log.info("page read poorly; turning it %d degrees (%s)", turn, how)
            best, best_result = turned, second
            reason = (
                f"turned {turn}: {how} (confidence {confidence:.1f}), the turned reading is better"
            )
    if best.rotation not in (0, rotation) and not clear_winner(best_result, readings):
        # A tried turn won against the first reading, but another turn read nearly as well:
        # labels at every angle (a map), not a page that is clearly one way up.
        reason = f"left as it is: the turns read alike (detection confidence {confidence:.1f})"
        best, best_result = prepared, result
    if best is not turned:
        save(best.image)  # a turned image was saved last: put the kept one back for packaging
    return best, _with_geometry(best, best_result, reason)


def _with_geometry(page: PreparedPage, result: OcrResult, reason: str) -> OcrResult:
    """``result`` with why the page was turned and straightened in ``extra["geometry"]``."""
    rotation = {"applied": page.rotation, "reason": reason}
    return replace(result, extra={**result.extra, "geometry": {**page.facts, "rotation": rotation}})


def _read_cleaned(
    gray: np.ndarray, workdir: Path, tesseract: Callable[[Path], OcrResult]
) -> OcrResult:
    """Recognise a cleaned grey image through a temporary PGM in ``workdir``, removed after."""
    fd, name = tempfile.mkstemp(prefix=".tmp-clean-", suffix=".pnm", dir=workdir)
    os.close(fd)
    path = Path(name)
    try:
        Image.fromarray(gray, "L").save(path, format="PPM")
        return tesseract(path)
    finally:
        path.unlink(missing_ok=True)


#: Enlargement of the crops that metadata re-reads (600 dpi from a 300 dpi page).
REREAD_SCALE = 2.0


def read_region(
    image: Image.Image,
    box: tuple[int, int, int, int],
    *,
    dpi: float,
    scale: float | None = None,
    languages: str = "vie+eng",
    timeout: float = 300,
    workdir: Path | None = None,
    tessdata: str | Path | None = None,
) -> str:
    """Text of ``box`` (left, top, width, height in pixels of ``image``) read again by
    tesseract as one block (``--psm 6``) on a crop enlarged ``scale`` times (default
    :data:`REREAD_SCALE`). The crop is a temporary file in ``workdir``, removed after."""
    factor = REREAD_SCALE if scale is None else scale
    left, top, width, height = box
    crop = image.crop((left, top, left + width, top + height))
    crop = crop.resize(
        (round(crop.width * factor), round(crop.height * factor)), Image.Resampling.LANCZOS
    )
    fd, name = tempfile.mkstemp(prefix=".tmp-reread-", suffix=".pnm", dir=workdir)
    os.close(fd)
    path = Path(name)
    try:
        crop.save(path, format="PPM")
        return run_ocr(
            path,
            languages=languages,
            dpi=round(dpi * factor),
            psm=6,
            timeout=timeout,
            tessdata=tessdata,
        ).text
    finally:
        path.unlink(missing_ok=True)
