"""Lossless quarter-turn rotations of page images."""

from __future__ import annotations

import numpy as np
from PIL import Image

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
