"""Character error rate, shared by the OCR tests."""

from __future__ import annotations

import unicodedata

import numpy as np


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(hypothesis: str, truth: str) -> float:
    """Levenshtein distance / len(truth) over whitespace-normalised NFC text."""
    a, b = normalise(hypothesis), normalise(truth)
    if not b:
        return float(len(a) > 0)
    cols = np.arange(len(a) + 1)
    row = cols.astype(np.int64)
    a_codes = np.array([ord(c) for c in a], dtype=np.int64)
    for i, ch in enumerate(b, start=1):
        cost = (a_codes != ord(ch)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        # Insertions run left to right: D[j] = min_k(best[k] + j - k).
        row = np.minimum.accumulate(best - cols) + cols
    return float(row[-1]) / len(b)
