"""Where documents start in a stream of pages: the national motto or Party header with "Số".

Every Decree 30 document opens with the national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
"Độc lập - Tự do - Hạnh phúc") or, for Party documents, "ĐẢNG CỘNG SẢN VIỆT NAM", in the top
right corner, and with its "Số: ..." number line in the left column a few lines below. A page
whose upper part holds both starts a document; continuation pages (body text, signature) do
not, even when a paragraph quotes the motto.

Matching is done on folded text (no marks, đ→d, letters and digits only) with an approximate
substring search, so OCR damage to diacritics or a letter or two does not hide a header. Each
page is judged on its own, so running the detection again over any run of pages that starts
at a document start gives the same answer for those pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from metadata.folding import fold
from metadata.layout import Segment, build_layout
from ocr import OcrResult

#: The header must start above this fraction of the page height.
TOP_FRACTION = 0.4
#: Largest edit distance, as a share of the phrase length, for a phrase to match.
MAX_ERROR_SHARE = 0.2
#: Share of a segment's letters the header phrase must cover (it stands alone in its column).
MIN_COVERAGE = 0.6
#: The header sits in the right half of the page: the matched words' centre lies right of this.
MIN_CENTRE_FRACTION = 0.4
#: The "Số" line lies at most this many word heights from the header (or this page share).
NUMBER_DISTANCE_HEIGHTS = 9.0
NUMBER_DISTANCE_SHARE = 0.13

#: (name, folded phrase without spaces, confidence it gives on its own)
PHRASES: tuple[tuple[str, str, float], ...] = (
    ("motto", "conghoaxahoichunghiavietnam", 0.8),
    ("motto_line2", "doclaptudohanhphuc", 0.8),
    ("party", "dangcongsanvietnam", 0.9),
)

_NUMBER_LINE_RE = re.compile(r"^\W{0,3}[s5]\s?[o06]\s*[:;.,]?\s*[0-9oil|]{1,5}\s*[/-]\s*\w")


@dataclass(frozen=True)
class DocumentStart:
    """A page that begins a document (``page`` is 0-based) and why."""

    page: int
    reason: str  # "first page", or the header found, e.g. "motto+motto_line2+number"
    confidence: float  # 0..1


@dataclass(frozen=True)
class _Match:
    name: str
    top: int
    confidence: float


def _letters(text: str) -> tuple[str, list[int]]:
    """Folded letters and digits of ``text`` and, for each, the index of its source word."""
    out: list[str] = []
    owners: list[int] = []
    for index, word in enumerate(text.split(" ")):
        folded = re.sub(r"[^a-z0-9]", "", fold(word))
        out.append(folded)
        owners.extend([index] * len(folded))
    return "".join(out), owners


def approximate_find(pattern: str, text: str) -> tuple[int, int, int]:
    """Best match of ``pattern`` inside ``text`` by edit distance (Sellers' algorithm).

    Returns ``(distance, start, end)`` of the best matching substring ``text[start:end]``.
    """
    if not pattern:
        return 0, 0, 0
    n = len(pattern)
    # column j holds (cost, start) of the best alignment of pattern[:i] ending at text[:j]
    previous = [(0, j) for j in range(len(text) + 1)]
    for i in range(1, n + 1):
        current = [(i, 0)]
        for j in range(1, len(text) + 1):
            sub_cost, sub_start = previous[j - 1]
            if pattern[i - 1] != text[j - 1]:
                sub_cost += 1
            best = (sub_cost, sub_start)
            up_cost, up_start = previous[j]
            if up_cost + 1 < best[0]:
                best = (up_cost + 1, up_start)
            left_cost, left_start = current[j - 1]
            if left_cost + 1 < best[0]:
                best = (left_cost + 1, left_start)
            current.append(best)
        previous = current
    end, (cost, start) = min(enumerate(previous), key=lambda item: (item[1][0], -item[0]))
    return cost, start, end


def _header_matches(segment: Segment, width: int) -> list[_Match]:
    letters, owners = _letters(segment.text)
    if not letters:
        return []
    found = []
    for name, phrase, confidence in PHRASES:
        if len(letters) < 0.7 * len(phrase):
            continue
        if (1 + MAX_ERROR_SHARE) * len(phrase) < MIN_COVERAGE * len(letters):
            continue  # too long a line for the phrase to stand alone in it
        cost, start, end = approximate_find(phrase, letters)
        if cost > MAX_ERROR_SHARE * len(phrase) or end <= start:
            continue
        if (end - start) < MIN_COVERAGE * len(letters):
            continue  # a phrase inside a longer sentence: a quotation, not a header
        words = segment.words[owners[start] : owners[end - 1] + 1]
        centre = (min(w.left for w in words) + max(w.right for w in words)) / 2
        if centre < MIN_CENTRE_FRACTION * width:
            continue
        quality = 1.0 - cost / len(phrase)
        found.append(_Match(name, min(w.top for w in words), confidence * quality))
    return found


def _number_line(segment: Segment) -> bool:
    return bool(_NUMBER_LINE_RE.match(segment.folded))


def page_start(page: OcrResult) -> tuple[str, float] | None:
    """``(reason, confidence)`` when ``page`` opens a document, else None."""
    if not page.lines:
        return None
    layout = build_layout(page)
    limit = TOP_FRACTION * layout.height
    top_segments = [s for s in layout.segments if s.top < limit]
    matches = [m for s in top_segments for m in _header_matches(s, layout.width)]
    if not matches:
        return None
    reach = max(NUMBER_DISTANCE_HEIGHTS * layout.word_height, NUMBER_DISTANCE_SHARE * layout.height)
    header_top = min(m.top for m in matches)
    numbers = [
        s
        for s in layout.segments
        if _number_line(s) and abs(s.top - header_top) <= reach and s.top < limit + reach
    ]
    if not numbers:
        return None
    names = sorted({m.name for m in matches}, key=[p[0] for p in PHRASES].index)
    best = max(m.confidence for m in matches)
    if "motto" in names and "motto_line2" in names:
        best = min(1.0, best + 0.15)
    return "+".join([*names, "number"]), round(best, 3)


def document_starts_detail(pages: Sequence[OcrResult]) -> list[DocumentStart]:
    """Every page that begins a document, with its reason and confidence (page 0 always)."""
    starts = [DocumentStart(0, "first page", 1.0)] if pages else []
    for index, page in enumerate(pages):
        if index == 0:
            continue
        found = page_start(page)
        if found is not None:
            starts.append(DocumentStart(index, found[0], found[1]))
    return starts


def document_starts(pages: Sequence[OcrResult]) -> list[int]:
    """0-based indices of the pages that begin a document; index 0 is always included."""
    return [s.page for s in document_starts_detail(pages)]
