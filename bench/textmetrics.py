"""Character and word error rates of a reading against its ground truth, with and without marks.

Both texts are put in Unicode NFC and their whitespace collapsed to single spaces (a line
break is a space: the layout is not judged here). CER is the Levenshtein distance over code
points divided by the truth's length; WER the same over words. "Without marks" folds both
texts first (:func:`fold_marks`: every combining mark dropped, đ/Đ to d/D), which shows how
much of the error is in the Vietnamese tone and vowel marks alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np


def normalise(text: str) -> str:
    """``text`` in NFC with runs of whitespace as single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold_marks(text: str) -> str:
    """``text`` without its diacritics (tone and vowel marks, đ as d), in NFC."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Levenshtein distance between two sequences of integer codes (numpy, row by row)."""
    if not b:
        return len(a)
    cols = np.arange(len(a) + 1, dtype=np.int64)
    row = cols.copy()
    codes = np.asarray(a, dtype=np.int64)
    for i, code in enumerate(b, start=1):
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + (codes != code))
        # An insertion carries a cell to its right neighbour: D[j] = min_k best[k] + j - k.
        row = np.minimum.accumulate(best - cols) + cols
    return int(row[-1])


def _rate(errors: int, length: int, hyp_len: int) -> float:
    if length == 0:
        return float(hyp_len > 0)
    return errors / length


def cer(hypothesis: str, truth: str, *, marks: bool = True) -> float:
    """Character error rate of ``hypothesis`` against ``truth`` (folded when not ``marks``)."""
    a, b = normalise(hypothesis), normalise(truth)
    if not marks:
        a, b = fold_marks(a), fold_marks(b)
    return _rate(distance([ord(c) for c in a], [ord(c) for c in b]), len(b), len(a))


def wer(hypothesis: str, truth: str, *, marks: bool = True) -> float:
    """Word error rate of ``hypothesis`` against ``truth`` (folded when not ``marks``)."""
    a, b = normalise(hypothesis), normalise(truth)
    if not marks:
        a, b = fold_marks(a), fold_marks(b)
    vocab: dict[str, int] = {}
    wa = [vocab.setdefault(w, len(vocab)) for w in a.split()]
    wb = [vocab.setdefault(w, len(vocab)) for w in b.split()]
    return _rate(distance(wa, wb), len(wb), len(wa))


def scores(hypothesis: str, truth: str) -> dict[str, float]:
    """CER and WER, with and without marks: keys ``cer``, ``wer``, ``cer_nomarks``, ..."""
    return {
        "cer": cer(hypothesis, truth),
        "wer": wer(hypothesis, truth),
        "cer_nomarks": cer(hypothesis, truth, marks=False),
        "wer_nomarks": wer(hypothesis, truth, marks=False),
    }
