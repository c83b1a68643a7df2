"""Make a page image upright and straight before recognition.

Order: blank check, orientation (tesseract OSD), deskew. A page is never made worse: a blank
or textless page keeps its angle, a skew under ``MIN_SKEW`` degrees is left alone, and a
low-confidence orientation answer is ignored. The skew comes from a table's ruled lines when
the page has them, else from its text lines (``ocr.deskew.measure_skew``); what was done and
why is kept in ``PreparedPage.facts`` (``{"skew": {...}, "rotation": {...}}``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ocr.deskew import deskew as deskew_array
from ocr.deskew import ink_mask, measure_skew
from ocr.orient import rotate_array_clockwise, rotate_clockwise
from ocr.tesseract import detect_orientation

log = logging.getLogger(__name__)

#: Skews smaller than this (degrees) are not corrected: resampling would cost more than it gains.
MIN_SKEW = 0.05
#: Fraction of the page (inside the border) that must be ink for it not to be blank.
BLANK_INK_FRACTION = 0.0001
#: Border (fraction of each side) ignored by the blank check: scanner edges, punch holes.
BLANK_BORDER = 0.05


@dataclass(frozen=True)
class PreparedPage:
    image: Image.Image  # upright, deskewed; same mode as input ("1", "L" or "RGB")
    rotation: int  # clockwise quarter-turn degrees applied
    skew: float  # degrees of skew removed (0.0 when left alone)
    blank: bool
    #: Why the page was (or was not) turned and straightened: "skew" and "rotation" entries.
    facts: dict[str, Any] = field(default_factory=dict, compare=False)


def is_blank(gray: np.ndarray) -> bool:
    """True when a uint8 grey (or bool) page has no marks besides specks and its border.

    Ink is anything at least 60 grey levels darker than the paper; specks smaller than about
    0.1 mm² are ignored, as is a border of ``BLANK_BORDER`` of each side.
    """
    g = np.asarray(gray)
    if g.dtype == bool:
        g = g.astype(np.uint8) * 255
    if g.ndim == 3:
        g = cv2.cvtColor(g, cv2.COLOR_RGB2GRAY)
    rows, cols = g.shape
    if min(rows, cols) >= 1000:
        g = cv2.resize(g, (cols // 2, rows // 2), interpolation=cv2.INTER_AREA)
        rows, cols = g.shape
    dy, dx = int(rows * BLANK_BORDER), int(cols * BLANK_BORDER)
    inner = np.ascontiguousarray(g[dy : rows - dy, dx : cols - dx])
    if inner.size == 0:
        return True
    mask = ink_mask(inner, min_contrast=60.0)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    ink = int(areas[areas >= 6].sum())
    return ink < BLANK_INK_FRACTION * inner.size


def _normalise(image: Image.Image) -> Image.Image:
    """Bring unusual modes to "1", "L" or "RGB"."""
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        out = Image.fromarray((arr * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    elif image.mode in ("LA", "La"):
        out = Image.new("L", image.size, 255)
        out.paste(image.convert("L"), mask=image.getchannel("A"))
    elif "A" in image.getbands() or image.mode == "P" and "transparency" in image.info:
        rgba = image.convert("RGBA")
        out = Image.new("RGB", image.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
    else:
        out = image.convert("RGB")
    out.info.update({k: v for k, v in image.info.items() if k == "dpi"})
    return out


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image if image.mode == "L" else image.convert("L"))


def prepare_page(
    image: Image.Image,
    *,
    orient: bool = True,
    deskew: bool = True,
    osd_timeout: float = 60,
) -> PreparedPage:
    """Blank check, then orientation by OSD, then deskew; returns the prepared page.

    Modes other than "1", "L" and "RGB" are converted first (16-bit grey to "L", palette and
    alpha images to "RGB" on white). Colour pages are measured in grey and rotated in colour.
    Raises ``ToolTimeoutError``/``ToolError`` when orientation detection fails.
    """
    image = _normalise(image)
    gray = _gray(image)
    if is_blank(gray):
        log.debug("blank page: left as it is")
        facts = {"skew": {"applied": 0.0, "method": "none", "reason": "blank page"}}
        return PreparedPage(image=image, rotation=0, skew=0.0, blank=True, facts=facts)
    rotation = 0
    facts: dict[str, Any] = {}
    if orient:
        rotation, conf = detect_orientation(image, timeout=osd_timeout)
        facts["rotation"] = {
            "applied": rotation,
            "reason": f"orientation detection (confidence {conf:.1f})",
        }
        if rotation:
            log.debug("rotating %d degrees clockwise (OSD confidence %.2f)", rotation, conf)
            image = rotate_clockwise(image, rotation)
            gray = rotate_array_clockwise(gray, rotation)
    skew = 0.0
    if deskew:
        measure = measure_skew(gray)
        reason = measure.reason
        if measure.angle is not None and abs(measure.angle) >= MIN_SKEW:
            straight = deskew_array(np.asarray(image), measure.angle)
            out = Image.fromarray(straight)
            if out.mode != image.mode:
                out = out.convert(image.mode)
            out.info.update(image.info)
            image = out
            skew = measure.angle
        elif measure.angle is not None:
            reason += f"; under {MIN_SKEW} degrees, left as it is"
        else:
            log.debug("skew left as it is: %s", reason)
        facts["skew"] = {"applied": skew, "method": measure.method, "reason": reason}
    return PreparedPage(image=image, rotation=rotation, skew=skew, blank=False, facts=facts)
