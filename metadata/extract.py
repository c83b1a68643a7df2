"""Rules that read the TT05 document fields from the first page of a document.

The rules follow the Decree 30/2020 layout (see DOMAIN.md):

* **Number and symbol**: the left-column line "Số: 141/KH-UBND", tolerant of OCR noise
  ("S6:", "Sô", "Số:141", spaces around "/" and "-"). ``number`` is the leading digits,
  ``notation`` the rest after the first separator: ``09/2025/QĐ-UBND`` gives ``09`` and
  ``2025/QĐ-UBND``; the Party form ``57-NQ/TW`` gives ``57`` and ``NQ/TW``.
* **Place and date**: "<place>, ngày d tháng m năm yyyy" in the right column, on or just above
  the "Số" line. Dates after "Căn cứ" (citations) are never used; the date must exist.
* **Organ and parent organ**: the upper-case lines of the left column above "Số". A line that
  starts with an agency head noun (ỦY BAN, SỞ, BỘ, PHÒNG, TRUNG TÂM, ...) starts a name, any
  other line continues the name above (a long name wrapped); the last name is the issuing
  organ, the one above it the parent.
* **Type**: the centred capital line under the header (QUYẾT ĐỊNH, KẾ HOẠCH, ...), compared
  folded; without one, "V/v" or an AGENCY-UNIT symbol means a công văn (code 22); failing
  that, the symbol's type abbreviation.
* **Summary**: the centred lines under the type name, up to the body; for a công văn the
  "V/v" line(s) under the number, without "V/v".

Keywords are matched on folded text (marks removed, đ→d, lower case); values are cut from the
original OCR text. Each field's confidence is the rule's certainty times the mean OCR
confidence of the words it was read from. The type and summary rules are in
:mod:`metadata.type_line`, the corrections across fields in :mod:`metadata.crosscheck`.
"""

from __future__ import annotations

import datetime as dt
import re

from metadata.crosscheck import check_notation, cross_spell
from metadata.fields import make_field, revised, trim_junk
from metadata.layout import Layout, Segment, build_layout
from metadata.patterns import (
    DATE_RE,
    NOTATION_RE,
    NUMBER_RE,
    OCR_DIGITS,
    SYMBOL_ONLY_RE,
    is_text,
    letters,
    ocr_int,
    starts_with,
    upper_ratio,
)
from metadata.restore import restore_agency_marks, restore_place_marks, restore_summary_marks
from metadata.type_line import (
    find_type_line,
    find_vv,
    summary_field,
    summary_lines,
    symbol_type,
    type_fields,
)
from metadata.types import DocumentMetadata, Field
from metadata.vocab import CONG_VAN, HEAD_NOUNS
from ocr import OcrResult, Word

# Rule certainties (multiplied by the words' mean OCR confidence).
CERT_NUMBER = 0.95
CERT_NUMBER_NO_LABEL = 0.6
CERT_DATE_ON_NUMBER_LINE = 0.95
CERT_DATE_IN_HEADER = 0.85
CERT_DATE_ANYWHERE = 0.6
CERT_CONG_VAN_VV = 0.9
CERT_CONG_VAN_SYMBOL = 0.7
CERT_TYPE_FROM_SYMBOL = 0.6
CERT_ORGAN = 0.9
CERT_ORGAN_WRAPPED = 0.85
CERT_PARENT = 0.85
CERT_SUMMARY = 0.85
CERT_SUMMARY_VV = 0.9

#: Largest vertical gap, in line heights, inside the agency column (and down to "Số"); the
#: organ of a document without parent organ sits level with the motto, well above "Số".
AGENCY_GAP_HEIGHTS = 4.5


def _head_noun(folded: str) -> bool:
    text = re.sub(r"[^a-z0-9 ]", " ", folded)
    text = " ".join(text.split())
    return any(text == k or text.startswith(k + " ") for k in HEAD_NOUNS)


def _vertical_overlap(a: Segment, b: Segment) -> float:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(0.0, overlap) / max(1.0, min(a.bottom - a.top, b.bottom - b.top))


# --------------------------------------------------------------------------------------------
# number and symbol
# --------------------------------------------------------------------------------------------


_SEPARATORS = ("/", "-", "–")


def _notation_from(seg: Segment, start: int) -> tuple[str, list[Word]] | None:
    """The notation starting at folded index ``start``: the words chained by "/" or "-"."""
    original_start = seg.fold_index[start]
    index = next((i for i, (a, b) in enumerate(seg.offsets) if a <= original_start < b), None)
    if index is None:
        return None
    first_start = original_start - seg.offsets[index][0]
    parts = [seg.words[index].text[first_start:]]
    words = [seg.words[index]]
    for word in seg.words[index + 1 :]:
        if parts[-1].endswith(_SEPARATORS) or word.text.startswith(_SEPARATORS):
            parts.append(word.text)
            words.append(word)
        else:
            break
    token = "".join(parts).replace("–", "-").rstrip(".,;:")
    if not token or not NOTATION_RE.match(token):
        return None
    return token, words


def _find_number(layout: Layout) -> tuple[Segment, Field, Field] | None:
    limit = 0.45 * layout.height
    ordered = [s for s in layout.segments if s.top < limit]
    for candidates, certainty, regex, rule in (
        ([s for s in ordered if s.side == "left"], CERT_NUMBER, NUMBER_RE, "so_line"),
        ([s for s in ordered if s.side != "left"], CERT_NUMBER * 0.9, NUMBER_RE, "so_line"),
        (
            [s for s in ordered if s.side == "left" and s.top < 0.35 * layout.height],
            CERT_NUMBER_NO_LABEL,
            SYMBOL_ONLY_RE,
            "symbol_only",
        ),
    ):
        for seg in candidates:
            search = regex.search if regex is SYMBOL_ONLY_RE else regex.match
            match = search(seg.folded)
            if not match:
                continue
            if not any(ch.isdigit() for ch in match.group("num")):
                continue  # "SỞ I-..." is not a number, however OCR-like
            number = seg.original(*match.span("num")).translate(OCR_DIGITS)
            if not number.isdigit():
                continue
            notation = _notation_from(seg, match.start("rest"))
            if notation is None:
                continue
            value, nota_words = notation
            party = match.group("sep") == "-"
            num_words = seg.words_for_folded(*match.span("num"))
            rule_name = rule + (":party" if party else "")
            return (
                seg,
                make_field(number, num_words, certainty, seg.text, rule_name),
                make_field(value, nota_words, certainty, seg.text, rule_name),
            )
    return None


# --------------------------------------------------------------------------------------------
# place and date
# --------------------------------------------------------------------------------------------


def _date_from(seg: Segment) -> tuple[dt.date, re.Match[str]] | None:
    for match in DATE_RE.finditer(seg.folded):
        if "can cu" in seg.folded[: match.start()]:
            continue
        day, month, year = (ocr_int(match.group(k)) for k in ("d", "m", "y"))
        if day is None or month is None or year is None:
            continue
        if not 1945 <= year <= dt.date.today().year + 1:
            continue
        try:
            return dt.date(year, month, day), match
        except ValueError:
            continue
    return None


_DateFound = tuple[Segment, Field, Field | None]


def _find_date(layout: Layout, anchor: Segment | None) -> _DateFound | None:
    header_limit = 0.45 * layout.height
    candidates: list[tuple[float, Segment]] = []
    if anchor is not None:
        reach = anchor.bottom + 2 * layout.word_height
        for seg in layout.segments:
            if seg is anchor or seg.side == "left" or seg.top > reach:
                continue
            on_line = _vertical_overlap(seg, anchor) > 0.3
            candidates.append((CERT_DATE_ON_NUMBER_LINE if on_line else CERT_DATE_IN_HEADER, seg))
        candidates.sort(key=lambda c: -c[0])
    else:
        candidates = [
            (CERT_DATE_IN_HEADER, s)
            for s in layout.segments
            if s.side == "right" and s.top < header_limit
        ]
    candidates += [(CERT_DATE_ANYWHERE, s) for s in layout.segments if s.top < header_limit]
    for certainty, seg in candidates:
        if seg.folded.lstrip().startswith("can cu"):
            continue
        found = _date_from(seg)
        if found is None:
            continue
        date, match = found
        prefix_end = match.start()
        if certainty == CERT_DATE_ANYWHERE and "," not in seg.folded[:prefix_end]:
            continue  # anywhere else, insist on the "<place>, ngày" shape
        date_words = seg.words_for_folded(*match.span())
        date_field = make_field(
            date.isoformat(), date_words, certainty, seg.text, "place_date_line"
        )
        place_field = None
        prefix = seg.original(0, prefix_end).strip(" ,.;:-") if prefix_end else ""
        if prefix and letters(prefix):
            place_words = seg.words_for_folded(0, prefix_end)
            place_field = make_field(prefix, place_words, certainty, seg.text, "place_date_line")
        return seg, date_field, place_field
    return None


# --------------------------------------------------------------------------------------------
# organ and parent organ
# --------------------------------------------------------------------------------------------


def _agency_lines(layout: Layout, anchor_top: float) -> list[Segment]:
    """Left-column text lines directly above ``anchor_top``, top to bottom."""
    above = [
        s
        for s in layout.segments
        if s.side == "left"
        and s.bottom <= anchor_top + 0.3 * layout.word_height
        and is_text(s.text)
    ]
    above = [
        s
        for s in above
        if not starts_with(s.folded, ("cong hoa", "doc lap")) and upper_ratio(s.text) >= 0.6
    ]
    above.sort(key=lambda s: s.top)
    block: list[Segment] = []
    limit = anchor_top
    for seg in reversed(above):
        if limit - seg.bottom > AGENCY_GAP_HEIGHTS * max(seg.height, layout.word_height):
            break
        block.insert(0, seg)
        limit = seg.top
    return block


def _find_organs(layout: Layout, anchor_top: float) -> tuple[Field | None, Field | None]:
    lines = _agency_lines(layout, anchor_top)
    if not lines:
        return None, None
    groups: list[list[Segment]] = []
    for seg in lines:
        if not groups or _head_noun(seg.folded):
            groups.append([seg])
        else:
            groups[-1].append(seg)

    def make(group: list[Segment], certainty: float, rule: str) -> Field:
        words = trim_junk([w for s in group for w in s.words])
        value = " ".join(w.text for w in words).strip(" -–_.,;:*")
        return make_field(value, words, certainty, "\n".join(s.text for s in group), rule)

    organ_group = groups[-1]
    organ = make(
        organ_group,
        CERT_ORGAN if len(organ_group) == 1 else CERT_ORGAN_WRAPPED,
        "agency_column" if len(organ_group) == 1 else "agency_column:wrapped",
    )
    parent = make(groups[-2], CERT_PARENT, "agency_column:parent") if len(groups) > 1 else None
    return organ, parent


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def _header_bounds(
    layout: Layout, anchor: Segment | None, date_seg: Segment | None
) -> tuple[float, float]:
    """(where the agency column ends, where the type line is looked for below): the "Số"
    line, else the date line, else a fifth of the page."""
    if anchor is not None:
        return anchor.top, anchor.top + 0.5 * anchor.height
    if date_seg is not None:
        return date_seg.top, date_seg.top + 0.5 * date_seg.height
    return 0.2 * layout.height, 0.0


_TypeAndSummary = tuple[Field | None, Field | None, Field | None]


def _type_and_summary(
    layout: Layout, anchor: Segment | None, notation: Field | None, after: float
) -> _TypeAndSummary:
    """(type code, type name, summary): from the type line, the "V/v" line or the symbol."""
    type_code = type_name = summary = None
    vv_lines = find_vv(layout, anchor) if anchor is not None else []
    type_line = find_type_line(layout, after)
    if type_line is not None:
        line, code, certainty = type_line
        type_code, type_name = type_fields(code, line.words, certainty, line.text, "type_line")
        lines = summary_lines(layout, line)
        if lines:
            summary = summary_field(lines, CERT_SUMMARY, "under_type_line", strip_vv=False)
    elif vv_lines:
        raw = "\n".join(s.text for s in vv_lines)
        type_code, type_name = type_fields(
            CONG_VAN, vv_lines[0].words[:1], CERT_CONG_VAN_VV, raw, "cong_van:vv"
        )
    elif notation is not None:
        code, agency_unit = symbol_type(notation.value)
        words = [] if anchor is None else anchor.words
        if agency_unit:
            type_code, type_name = type_fields(
                CONG_VAN, words, CERT_CONG_VAN_SYMBOL, notation.raw, "cong_van:symbol"
            )
        elif code is not None:
            type_code, type_name = type_fields(
                code, words, CERT_TYPE_FROM_SYMBOL, notation.raw, "symbol_abbreviation"
            )
    if summary is None and vv_lines:
        summary = summary_field(vv_lines, CERT_SUMMARY_VV, "vv_line", strip_vv=True)
    return type_code, type_name, summary


def header_fields(page: OcrResult) -> DocumentMetadata:
    """Read number/symbol, date and place, type, organs and summary from a first page.

    ``page`` is the OCR of an upright, deskewed page. Fields that cannot be read are None.
    This is the header part only; :func:`metadata.extract_document` adds the rest.
    """
    layout = build_layout(page)
    warnings: list[str] = []

    found_number = _find_number(layout)
    anchor = found_number[0] if found_number else None
    number = found_number[1] if found_number else None
    notation = found_number[2] if found_number else None

    found_date = _find_date(layout, anchor)
    date_seg = found_date[0] if found_date else None
    issued = found_date[1] if found_date else None
    place = found_date[2] if found_date else None

    anchor_top, after = _header_bounds(layout, anchor, date_seg)
    organ, parent = _find_organs(layout, anchor_top)
    type_code, type_name, summary = _type_and_summary(layout, anchor, notation, after)

    organ = revised(organ, restore_agency_marks(organ.value) if organ else "", "vocab")
    parent = revised(parent, restore_agency_marks(parent.value) if parent else "", "vocab")
    place = revised(place, restore_place_marks(place.value) if place else "", "vocab")
    place, organ, parent = cross_spell(place, organ, parent)
    summary = revised(summary, restore_summary_marks(summary.value) if summary else "", "vocab")
    if notation is not None:
        notation = check_notation(notation, type_code, issued, warnings, (organ, parent))
    return DocumentMetadata(
        number=number,
        notation=notation,
        issued_date=issued,
        place=place,
        type_code=type_code,
        type_name=type_name,
        organ=organ,
        parent_organ=parent,
        summary=summary,
        warnings=tuple(warnings),
    )
