"""Page geometry for extraction: OCR lines cut into column segments.

The two header columns of a Decree 30 document (agency and number on the left, national motto
and place/date on the right) sit side by side, so tesseract often returns one line holding
both. :func:`build_layout` cuts such lines at the wide gap between the columns, using word
positions, and keeps every segment's words so that values can be traced back to their boxes
and confidences.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from metadata.folding import clean_ocr_text, fold, fold_with_map
from ocr import OcrResult, Word

#: A gap wider than this many word heights between two words of a header line separates the
#: columns (word spaces are about a third of a word height).
COLUMN_GAP_HEIGHTS = 1.2
#: Lines starting above this fraction of the page height are searched for merged columns.
HEADER_FRACTION = 0.45


class WordRun:
    """The bounding box of a run of words (``self.words``), for segment classes."""

    words: list[Word]

    @property
    def left(self) -> int:
        """Left edge of the leftmost word."""
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        """Right edge of the rightmost word."""
        return max(w.right for w in self.words)

    @property
    def top(self) -> int:
        """Top of the highest word."""
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        """Bottom of the lowest word."""
        return max(w.bottom for w in self.words)


@dataclass
class Segment(WordRun):
    """A run of words on one line, in one column (or the whole line when not cut)."""

    words: list[Word]
    side: str  # "left", "right" or "full"
    text: str = ""
    folded: str = ""
    fold_index: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts: list[str] = []
        position = 0
        for word in self.words:
            if parts:
                position += 1
            parts.append(word.text)
            self.offsets.append((position, position + len(word.text)))
            position += len(word.text)
        self.text = " ".join(parts)
        self.folded, self.fold_index = fold_with_map(self.text)

    @property
    def centre(self) -> float:
        """Horizontal centre of the segment."""
        return (self.left + self.right) / 2

    @property
    def width(self) -> int:
        """Width of the segment in pixels."""
        return self.right - self.left

    @property
    def height(self) -> float:
        """Median word height: robust to a tall mark or a short punctuation box."""
        return float(statistics.median(w.height for w in self.words))

    def original(self, start: int, end: int) -> str:
        """The original text of the folded span ``[start, end)``."""
        if start >= end:
            return ""
        return self.text[self.fold_index[start] : self.fold_index[end - 1] + 1]

    def words_for(self, start: int, end: int) -> list[Word]:
        """Words overlapping the original-text span ``[start, end)``."""
        pairs = zip(self.words, self.offsets, strict=True)
        return [w for w, (a, b) in pairs if a < end and b > start]

    def words_for_folded(self, start: int, end: int) -> list[Word]:
        """Words overlapping the folded-text span ``[start, end)``."""
        if start >= end:
            return []
        return self.words_for(self.fold_index[start], self.fold_index[end - 1] + 1)


@dataclass
class Layout:
    """A page's lines, whole and cut into header columns, with its measures."""

    width: int
    height: int
    word_height: float  # median word height on the page
    boundary: float  # x separating the header columns
    segments: list[Segment]  # header lines cut into columns, sorted top to bottom
    lines: list[Segment]  # whole lines, sorted top to bottom


def _clean_words(words: tuple[Word, ...]) -> list[Word]:
    out = []
    for w in words:
        text = clean_ocr_text(w.text).strip()
        if text:
            out.append(Word(text, w.left, w.top, w.width, w.height, w.conf))
    return sorted(out, key=lambda w: w.left)


def _motto_left(lines: list[list[Word]]) -> int | None:
    """Left edge of the national motto ("CỘNG HÒA ..." / "Độc lập ..." / "ĐẢNG CỘNG SẢN ...")."""
    lefts = []
    for words in lines:
        folded = [fold(w.text).strip(".,:;-") for w in words]
        for i in range(len(folded) - 1):
            pair = (folded[i], folded[i + 1])
            if pair in (("cong", "hoa"), ("doc", "lap")) or (
                pair == ("dang", "cong") and i + 2 < len(folded) and folded[i + 2] == "san"
            ):
                lefts.append(words[i].left)
    return min(lefts) if lefts else None


def _real(word: Word) -> bool:
    return any(ch.isalnum() for ch in word.text)


def _split(words: list[Word], width: int, boundary: float) -> list[Segment]:
    """Cut a header line at its widest gap if that gap is a column gap; else give it a side.

    Words without a letter or digit (a rule read as "_", a smear) are ignored when measuring
    gaps, and go to the side of the cut they lie on.
    """
    real = [w for w in words if _real(w)]
    if len(real) >= 2:
        height = statistics.median(w.height for w in real)
        gap, index = max((real[i + 1].left - real[i].right, i) for i in range(len(real) - 1))
        start, end = real[index].right, real[index + 1].left
        if (
            gap >= max(COLUMN_GAP_HEIGHTS * height, 0.015 * width)
            and end > 0.25 * width
            and start < 0.8 * width
        ):
            cut = (start + end) / 2
            left = [w for w in words if (w.left + w.right) / 2 < cut]
            right = [w for w in words if (w.left + w.right) / 2 >= cut]
            return [Segment(left, "left"), Segment(right, "right")]
    left_votes = sum(1 for w in words if (w.left + w.right) / 2 < boundary)
    side = "left" if left_votes * 2 > len(words) else "right"
    return [Segment(words, side)]


def build_layout(page: OcrResult) -> Layout:
    """The layout of a recognised page: its lines sorted, header lines cut into columns."""
    raw_lines = [_clean_words(line.words) for line in page.lines]
    raw_lines = [words for words in raw_lines if words]
    raw_lines.sort(key=lambda ws: min(w.top for w in ws))
    width = page.width or max((w.right for ws in raw_lines for w in ws), default=1)
    height = page.height or max((w.bottom for ws in raw_lines for w in ws), default=1)
    all_heights = [w.height for ws in raw_lines for w in ws]
    word_height = float(statistics.median(all_heights)) if all_heights else 0.01 * height
    header = [ws for ws in raw_lines if min(w.top for w in ws) < HEADER_FRACTION * height]
    motto = _motto_left(header)
    boundary = motto - 0.5 * word_height if motto is not None else 0.48 * width
    segments: list[Segment] = []
    lines: list[Segment] = []
    for words in raw_lines:
        lines.append(Segment(list(words), "full"))
        if min(w.top for w in words) < HEADER_FRACTION * height:
            segments.extend(_split(words, width, boundary))
        else:
            segments.append(Segment(list(words), "full"))
    segments.sort(key=lambda s: (s.top, s.left))
    return Layout(width, height, word_height, boundary, segments, lines)
