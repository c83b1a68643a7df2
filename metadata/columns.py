"""Column segments of any page: each OCR line cut where two columns stand side by side.

The header's agency column beside the motto, and the "Nơi nhận" list beside the signature,
are printed on the same lines; cutting a line at a wide gap near the middle of the page gives
one segment per column.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from metadata.folding import clean_ocr_text, fold_with_map
from metadata.layout import WordRun
from ocr import OcrResult, Word


@dataclass
class ColumnSegment(WordRun):
    """The words of one line in one column, their text and its folded form."""

    words: list[Word]
    text: str
    folded: str

    @property
    def height(self) -> float:
        """The median height of the words."""
        return float(statistics.median(w.height for w in self.words))


def column_segment(words: list[Word]) -> ColumnSegment:
    """The segment of ``words`` (in reading order)."""
    text = " ".join(w.text for w in words)
    return ColumnSegment(words, text, fold_with_map(text)[0])


def column_segments(page: OcrResult) -> tuple[list[ColumnSegment], int]:
    """Every line cut at a column gap (two columns side by side), sorted top to bottom, and
    the page width."""
    width = page.width or max((w.right for w in page.words), default=1)
    out: list[ColumnSegment] = []
    for line in page.lines:
        words = [
            Word(clean_ocr_text(w.text).strip(), w.left, w.top, w.width, w.height, w.conf)
            for w in line.words
        ]
        words = sorted((w for w in words if w.text), key=lambda w: w.left)
        if not words:
            continue
        cut = None
        if len(words) >= 2:
            height = statistics.median(w.height for w in words)
            gap, i = max((words[k + 1].left - words[k].right, k) for k in range(len(words) - 1))
            if (
                gap > 1.5 * height
                and words[i].right < 0.65 * width
                and words[i + 1].left > 0.35 * width
            ):
                cut = i + 1
        if cut is None:
            out.append(column_segment(words))
        else:
            out.extend((column_segment(words[:cut]), column_segment(words[cut:])))
    out.sort(key=lambda s: (s.top, s.left))
    return out, width
