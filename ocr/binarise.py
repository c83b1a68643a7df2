"""Adaptive binarisation (Sauvola, Wolf) and the cheap test that says when a page needs it.

Tesseract binarises a grey page with one global Otsu threshold. That is right when the page's
grey histogram splits cleanly into paper and ink, and wrong when it does not (noise, stains,
bleed-through, faint strokes next to dark ones). :func:`otsu_separability` measures exactly
that split: Otsu's between-class variance over the total variance (1.0 = two clean spikes).
Below :data:`MIN_SEPARABILITY` the page is handed to tesseract binarised by a local threshold.

The local mean and standard deviation come from box filters (OpenCV computes them with running
sums, the integral-image method): cost is independent of the window size.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Otsu separability under which a page is binarised locally (clean generated pages: >= 0.9).
MIN_SEPARABILITY = 0.8
#: Sauvola's k and dynamic range R (grey levels); Wolf's k.
SAUVOLA_K = 0.2
SAUVOLA_R = 128.0
WOLF_K = 0.5
#: Sigma (mm) of the smoothing before the threshold (0.8 px at 300 dpi).
SMOOTH_MM = 0.068
#: Side of the local window, in inches (about two text lines of 12 pt at any dpi).
WINDOW_INCH = 0.125


def otsu_separability(gray: np.ndarray) -> float:
    """Otsu's effectiveness on a uint8 grey image: between-class variance / total variance."""
    hist = cv2.calcHist([np.ascontiguousarray(gray)], [0], None, [256], [0, 256]).ravel()
    total = hist.sum()
    if total == 0:
        return 1.0
    p = hist / total
    levels = np.arange(256, dtype=np.float64)
    mean = float((p * levels).sum())
    var = float((p * (levels - mean) ** 2).sum())
    if var <= 1e-9:
        return 1.0
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * levels)
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - m0) ** 2 / (w0 * w1)
    between = np.nan_to_num(between, nan=0.0, posinf=0.0)
    return float(between.max() / var)


def _window(dpi: float) -> int:
    side = max(15, round(dpi * WINDOW_INCH))
    return side | 1


def _local_stats(gray: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    g = gray.astype(np.float32)
    size = (window, window)
    mean = cv2.boxFilter(g, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)
    sq = cv2.boxFilter(g * g, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    return mean, std


def sauvola(gray: np.ndarray, *, dpi: float, k: float = SAUVOLA_K) -> np.ndarray:
    """Sauvola's threshold T = m (1 + k (s / R - 1)); returns uint8 0 (ink) / 255 (paper)."""
    mean, std = _local_stats(gray, _window(dpi))
    threshold = mean * (1.0 + k * (std / SAUVOLA_R - 1.0))
    return np.where(gray.astype(np.float32) > threshold, 255, 0).astype(np.uint8)


def wolf(gray: np.ndarray, *, dpi: float, k: float = WOLF_K) -> np.ndarray:
    """Wolf-Jolion's threshold, Sauvola normalised by the page's own contrast; uint8 0/255.

    T = m - k (1 - s / max s) (m - min grey): unlike Sauvola it does not assume ink spans 128
    grey levels, so faint or low-contrast pages keep their strokes.
    """
    mean, std = _local_stats(gray, _window(dpi))
    smax = float(std.max()) or 1.0
    low = float(np.percentile(gray, 0.5))
    threshold = mean - k * (1.0 - std / smax) * (mean - low)
    return np.where(gray.astype(np.float32) > threshold, 255, 0).astype(np.uint8)


def binarise(gray: np.ndarray, *, dpi: float, method: str = "sauvola") -> np.ndarray:
    """Binarise a uint8 grey page with ``method`` ("sauvola" or "wolf"); uint8 0/255.

    The page is first smoothed by a Gaussian of :data:`SMOOTH_MM`: grain and scanner noise
    are what most often spoil the histogram, and a threshold on unsmoothed noise turns every
    grain into a speck.
    """
    gray = cv2.GaussianBlur(gray, (0, 0), sigmaX=max(0.3, SMOOTH_MM * dpi / 25.4))
    if method == "wolf":
        return wolf(gray, dpi=dpi)
    if method == "sauvola":
        return sauvola(gray, dpi=dpi)
    raise ValueError(f"unknown binarisation method {method!r}: use sauvola or wolf")
