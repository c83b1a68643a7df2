"""Rules for the document's type and summary (see :mod:`metadata.extract` for the layout).

* **Type**: the centred capital line under the header (QUYẾT ĐỊNH, KẾ HOẠCH, ...), compared
  folded, exactly or fuzzily; without one, "V/v" or an AGENCY-UNIT symbol means a công văn
  (code 22); failing that, the symbol's type abbreviation.
* **Summary**: the centred lines under the type name, up to the body; for a công văn the
  "V/v" line(s) under the number, without "V/v".
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from metadata.fields import make_field, trim_junk
from metadata.layout import Layout, Segment
from metadata.patterns import (
    LEGAL_YEAR_RE,
    VV_RE,
    is_text,
    letters,
    letters_key,
    starts_with,
    upper_ratio,
)
from metadata.types import Field
from metadata.vocab import (
    BODY_STARTS,
    SUMMARY_STOPS,
    TYPES,
    abbreviation_code,
    folded_type_names,
    type_code_for,
)
from ocr import Word

# Rule certainties (multiplied by the words' mean OCR confidence).
CERT_TYPE_EXACT = 0.95
CERT_TYPE_FUZZY = 0.8

#: Smallest similarity (0..1) between a folded line and a folded type name for a fuzzy match.
TYPE_MATCH_RATIO = 0.82

#: Urgency and secrecy marks (folded), stamped under the number and above "V/v".
_MARK_KEYS = frozenset({"hoa toc", "thuong khan", "khan", "tuyet mat", "toi mat", "mat"})
#: A line of numbers only ("2020", "2021-2025") that ends a summary wrapped before it.
_NUMBERS_ONLY_RE = re.compile(r"^\s*\d{1,4}(?:\s*[-–/]\s*\d{1,4})*\s*[.;]?\s*$")


def _match_type(seg: Segment) -> tuple[str, float] | None:
    key = letters_key(seg.folded)
    if not key or len(key) > 24 or upper_ratio(seg.text) < 0.6:
        return None
    code = type_code_for(key)
    if code is not None:
        return code, CERT_TYPE_EXACT
    best: tuple[float, str] | None = None
    for name, candidate in folded_type_names().items():
        ratio = SequenceMatcher(None, key, name).ratio()
        if ratio >= TYPE_MATCH_RATIO and (best is None or ratio > best[0]):
            best = (ratio, candidate)
    if best is not None:
        return best[1], CERT_TYPE_FUZZY
    return None


def find_type_line(layout: Layout, after: float) -> tuple[Segment, str, float] | None:
    """The centred type line among the six lines below ``after``: (line, code, certainty)."""
    following = [ln for ln in layout.lines if ln.top > after][:6]
    for line in following:
        if abs(line.centre - 0.52 * layout.width) > 0.15 * layout.width:
            continue
        found = _match_type(line)
        if found is not None:
            return line, found[0], found[1]
    return None


def summary_lines(layout: Layout, type_line: Segment) -> list[Segment]:
    """The centred lines under the type line that make up the summary, top to bottom."""
    out: list[Segment] = []
    previous = type_line
    for line in layout.lines:
        if line.top <= type_line.top + 0.5 * type_line.height or line is type_line:
            continue
        gap = line.top - previous.bottom
        height = max(previous.height, line.height)
        if gap > 1.0 * height:
            break
        if abs(line.centre - type_line.centre) > 0.06 * layout.width:
            break
        if out and _NUMBERS_ONLY_RE.match(line.text):
            out.append(line)  # "... năm" / "2020": a year wrapped onto a line of its own
            break
        if not is_text(line.text) or starts_with(line.folded, SUMMARY_STOPS):
            break
        if out and upper_ratio(line.text) > 0.8:
            break
        out.append(line)
        previous = line
    return out


def summary_field(
    lines: list[Segment], certainty: float, rule: str, strip_vv: bool
) -> Field | None:
    """The summary read from ``lines``, without its "V/v" when ``strip_vv``; None if empty."""
    words = trim_junk([w for s in lines for w in s.words])
    if not words:
        return None
    joined = Segment(words, "full")
    start = 0
    if strip_vv:
        match = VV_RE.match(joined.folded)
        if match:
            end = match.end()
            start = joined.fold_index[end] if end < len(joined.folded) else len(joined.text)
    text = " ".join(joined.text[start:].split()).strip(" -–_")
    if not letters(text):
        return None
    used = joined.words_for(start, len(joined.text))
    return make_field(text, used, certainty, "\n".join(s.text for s in lines), rule)


def find_vv(layout: Layout, anchor: Segment) -> list[Segment]:
    """The "V/v" line(s) of a công văn under the "Số:" line ``anchor``, or []."""
    below = [
        s
        for s in layout.segments
        if s.side == "left" and s.top > anchor.top + 0.5 * anchor.height and s is not anchor
    ]
    below.sort(key=lambda s: s.top)
    bottom = anchor.bottom
    for i, seg in enumerate(below):
        if seg.top - bottom > 4 * layout.word_height:
            break
        if letters_key(seg.folded) in _MARK_KEYS:
            bottom = seg.bottom  # "THƯỢNG KHẨN", "MẬT" stamped between "Số" and "V/v"
            continue
        if not VV_RE.match(seg.folded):
            continue
        lines = [seg]
        for nxt in below[i + 1 :]:
            gap = nxt.top - lines[-1].bottom
            if gap > 1.0 * max(nxt.height, lines[-1].height) or not is_text(nxt.text):
                break
            if starts_with(nxt.folded, BODY_STARTS):
                break
            lines.append(nxt)
        return lines
    return []


def type_fields(
    code: str, words: list[Word], certainty: float, raw: str, rule: str
) -> tuple[Field, Field]:
    """The type code and type name fields of TT05 type ``code``."""
    return (
        make_field(code, words, certainty, raw, rule),
        make_field(TYPES[code], words, certainty, raw, rule),
    )


def symbol_type(notation: str) -> tuple[str | None, bool]:
    """(type code from the symbol's abbreviation, symbol looks like AGENCY-UNIT)."""
    body = LEGAL_YEAR_RE.sub("", notation)
    first = re.split(r"[-/]", body)[0]
    code = abbreviation_code(first)
    agency_unit = code is None and "-" in body
    return code, agency_unit
