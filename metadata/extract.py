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
confidence of the words it was read from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import replace
from difflib import SequenceMatcher

from metadata.layout import Layout, Segment, build_layout
from metadata.types import DocumentMetadata, Field
from metadata.vocab import (
    ABBREVIATIONS,
    BODY_STARTS,
    CONG_VAN,
    HEAD_NOUNS,
    SUMMARY_STOPS,
    TYPES,
    abbreviation_code,
    fold,
    folded_type_names,
    restore_agency_marks,
    restore_place_marks,
    restore_summary_marks,
    type_code_for,
)
from ocr import OcrResult, Word

# Rule certainties (multiplied by the words' mean OCR confidence).
CERT_NUMBER = 0.95
CERT_NUMBER_NO_LABEL = 0.6
CERT_DATE_ON_NUMBER_LINE = 0.95
CERT_DATE_IN_HEADER = 0.85
CERT_DATE_ANYWHERE = 0.6
CERT_TYPE_EXACT = 0.95
CERT_TYPE_FUZZY = 0.8
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

#: Smallest similarity (0..1) between a folded line and a folded type name for a fuzzy match.
TYPE_MATCH_RATIO = 0.82

_OCR_DIGITS = str.maketrans({"o": "0", "O": "0", "i": "1", "l": "1", "I": "1", "|": "1"})

_NUMBER_RE = re.compile(
    r"^\W{0,3}[s5]\s?[o06]\s*[:;.,]?\s*(?P<num>[0-9oil|]{1,5})\s*(?P<sep>[/-])\s*(?P<rest>\S.*)$"
)
_SYMBOL_ONLY_RE = re.compile(
    r"(?<![\w/])(?P<num>\d{1,5})\s*(?P<sep>/)\s*"
    r"(?P<rest>(?:\d{4}\s*/\s*)?[a-z][a-z0-9]*\s*-\s*[a-z0-9][a-z0-9-]*)"
)
_DATE_RE = re.compile(
    r"ngay\s*(?P<d>[0-9oil|]{1,2})\s*[,.]?\s*thang\s*(?P<m>[0-9oil|]{1,2})\s*[,.]?\s*"
    r"nam\s*(?P<y>[0-9oil|]{4})"
)
#: "V/v", also as OCR damages it: "V/V", "V/", "Vlv", "V|v".
_VV_RE = re.compile(r"^\W{0,2}v\s*(?:[/|\\](?:\s*v(?![a-z]))?|[l1i]\s*v(?![a-z]))\s*[.:,]?\s*")
_NOTATION_RE = re.compile(r"^(?:\d{4}/)?[^\W\d_][\w.]*(?:[-/][\w.]+)*$")
_LEGAL_YEAR_RE = re.compile(r"^(\d{4})/")
#: Urgency and secrecy marks (folded), stamped under the number and above "V/v".
_MARK_KEYS = frozenset({"hoa toc", "thuong khan", "khan", "tuyet mat", "toi mat", "mat"})
#: A line of numbers only ("2020", "2021-2025") that ends a summary wrapped before it.
_NUMBERS_ONLY_RE = re.compile(r"^\s*\d{1,4}(?:\s*[-–/]\s*\d{1,4})*\s*[.;]?\s*$")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _confidence(words: Iterable[Word], certainty: float) -> float:
    confs = [w.conf for w in words if w.conf >= 0]
    mean = sum(confs) / len(confs) / 100.0 if confs else 1.0
    return round(max(0.0, min(1.0, certainty * mean)), 3)


def _box(words: list[Word]) -> tuple[int, int, int, int] | None:
    if not words:
        return None
    left = min(w.left for w in words)
    top = min(w.top for w in words)
    return (left, top, max(w.right for w in words) - left, max(w.bottom for w in words) - top)


#: A field whose weakest word has a lower OCR confidence (0-100) is flagged for review.
LOW_WORD_CONF = 45.0
#: A field whose words' mean OCR confidence is lower than this is flagged for review.
LOW_MEAN_CONF = 70.0


def confidence_flags(words: Iterable[Word]) -> tuple[str, ...]:
    """``("low OCR confidence ...",)`` when the words were read unsurely, else ``()``."""
    confs = [w.conf for w in words if w.conf >= 0]
    if not confs:
        return ()
    low, mean = min(confs), sum(confs) / len(confs)
    if low < LOW_WORD_CONF or mean < LOW_MEAN_CONF:
        return (f"low OCR confidence on the field's words (min {low:.0f}, mean {mean:.0f})",)
    return ()


def _field(value: str, words: list[Word], certainty: float, raw: str, rule: str) -> Field:
    return Field(
        value, _confidence(words, certainty), raw, rule, _box(words), flags=confidence_flags(words)
    )


def _revised(found: Field | None, value: str, suffix: str, factor: float = 0.95) -> Field | None:
    """``found`` with a corrected value, its rule marked and its confidence lowered."""
    if found is None or value == found.value:
        return found
    return replace(
        found,
        value=value,
        rule=f"{found.rule}+{suffix}",
        confidence=round(found.confidence * factor, 3),
    )


def _letters(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha()]


def _upper_ratio(text: str) -> float:
    letters = _letters(text)
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


def _is_text(seg: Segment) -> bool:
    """Not a rule, a stamp smear or stray marks: a letter, mostly letters and digits."""
    compact = seg.text.replace(" ", "")
    alnum = [ch for ch in compact if ch.isalnum()]
    return bool(_letters(compact)) and len(alnum) >= 2 and len(alnum) >= 0.5 * len(compact)


def _trim_junk(words: list[Word]) -> list[Word]:
    """Drop leading and trailing words without a letter or digit (rules, smears)."""

    def real(w: Word) -> bool:
        return any(ch.isalnum() for ch in w.text)

    start = next((i for i, w in enumerate(words) if real(w)), len(words))
    end = next((i for i in range(len(words), 0, -1) if real(words[i - 1])), 0)
    return words[start:end]


def _starts_with(folded: str, keys: Iterable[str]) -> bool:
    text = folded.lstrip(" -–•*")
    return any(text.startswith(k) for k in keys)


def _head_noun(folded: str) -> bool:
    text = re.sub(r"[^a-z0-9 ]", " ", folded)
    text = " ".join(text.split())
    return any(text == k or text.startswith(k + " ") for k in HEAD_NOUNS)


def _vertical_overlap(a: Segment, b: Segment) -> float:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(0.0, overlap) / max(1.0, min(a.bottom - a.top, b.bottom - b.top))


def _ocr_int(text: str) -> int | None:
    digits = text.translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() else None


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
    if not token or not _NOTATION_RE.match(token):
        return None
    return token, words


def _find_number(layout: Layout) -> tuple[Segment, Field, Field] | None:
    limit = 0.45 * layout.height
    ordered = [s for s in layout.segments if s.top < limit]
    for candidates, certainty, regex, rule in (
        ([s for s in ordered if s.side == "left"], CERT_NUMBER, _NUMBER_RE, "so_line"),
        ([s for s in ordered if s.side != "left"], CERT_NUMBER * 0.9, _NUMBER_RE, "so_line"),
        (
            [s for s in ordered if s.side == "left" and s.top < 0.35 * layout.height],
            CERT_NUMBER_NO_LABEL,
            _SYMBOL_ONLY_RE,
            "symbol_only",
        ),
    ):
        for seg in candidates:
            search = regex.search if regex is _SYMBOL_ONLY_RE else regex.match
            match = search(seg.folded)
            if not match:
                continue
            if not any(ch.isdigit() for ch in match.group("num")):
                continue  # "SỞ I-..." is not a number, however OCR-like
            number = seg.original(*match.span("num")).translate(_OCR_DIGITS)
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
                _field(number, num_words, certainty, seg.text, rule_name),
                _field(value, nota_words, certainty, seg.text, rule_name),
            )
    return None


# --------------------------------------------------------------------------------------------
# place and date
# --------------------------------------------------------------------------------------------


def _date_from(seg: Segment) -> tuple[dt.date, re.Match[str]] | None:
    for match in _DATE_RE.finditer(seg.folded):
        if "can cu" in seg.folded[: match.start()]:
            continue
        day, month, year = (_ocr_int(match.group(k)) for k in ("d", "m", "y"))
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
        date_field = _field(date.isoformat(), date_words, certainty, seg.text, "place_date_line")
        place_field = None
        prefix = seg.original(0, prefix_end).strip(" ,.;:-") if prefix_end else ""
        if prefix and _letters(prefix):
            place_words = seg.words_for_folded(0, prefix_end)
            place_field = _field(prefix, place_words, certainty, seg.text, "place_date_line")
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
        if s.side == "left" and s.bottom <= anchor_top + 0.3 * layout.word_height and _is_text(s)
    ]
    above = [
        s
        for s in above
        if not _starts_with(s.folded, ("cong hoa", "doc lap")) and _upper_ratio(s.text) >= 0.6
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
        words = _trim_junk([w for s in group for w in s.words])
        value = " ".join(w.text for w in words).strip(" -–_.,;:*")
        return _field(value, words, certainty, "\n".join(s.text for s in group), rule)

    organ_group = groups[-1]
    organ = make(
        organ_group,
        CERT_ORGAN if len(organ_group) == 1 else CERT_ORGAN_WRAPPED,
        "agency_column" if len(organ_group) == 1 else "agency_column:wrapped",
    )
    parent = make(groups[-2], CERT_PARENT, "agency_column:parent") if len(groups) > 1 else None
    return organ, parent


# --------------------------------------------------------------------------------------------
# type and summary
# --------------------------------------------------------------------------------------------


def _type_key(folded: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", folded).split())


def _match_type(seg: Segment) -> tuple[str, float] | None:
    key = _type_key(seg.folded)
    if not key or len(key) > 24 or _upper_ratio(seg.text) < 0.6:
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


def _find_type_line(layout: Layout, after: float) -> tuple[Segment, str, float] | None:
    following = [ln for ln in layout.lines if ln.top > after][:6]
    for line in following:
        if abs(line.centre - 0.52 * layout.width) > 0.15 * layout.width:
            continue
        found = _match_type(line)
        if found is not None:
            return line, found[0], found[1]
    return None


def _summary_lines(layout: Layout, type_line: Segment) -> list[Segment]:
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
        if not _is_text(line) or _starts_with(line.folded, SUMMARY_STOPS):
            break
        if out and _upper_ratio(line.text) > 0.8:
            break
        out.append(line)
        previous = line
    return out


def _summary_field(
    lines: list[Segment], certainty: float, rule: str, strip_vv: bool
) -> Field | None:
    words = _trim_junk([w for s in lines for w in s.words])
    if not words:
        return None
    joined = Segment(words, "full")
    start = 0
    if strip_vv:
        match = _VV_RE.match(joined.folded)
        if match:
            end = match.end()
            start = joined.fold_index[end] if end < len(joined.folded) else len(joined.text)
    text = " ".join(joined.text[start:].split()).strip(" -–_")
    if not _letters(text):
        return None
    used = joined.words_for(start, len(joined.text))
    return _field(text, used, certainty, "\n".join(s.text for s in lines), rule)


def _find_vv(layout: Layout, anchor: Segment) -> list[Segment]:
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
        if _type_key(seg.folded) in _MARK_KEYS:
            bottom = seg.bottom  # "THƯỢNG KHẨN", "MẬT" stamped between "Số" and "V/v"
            continue
        if not _VV_RE.match(seg.folded):
            continue
        lines = [seg]
        for nxt in below[i + 1 :]:
            gap = nxt.top - lines[-1].bottom
            if gap > 1.0 * max(nxt.height, lines[-1].height) or not _is_text(nxt):
                break
            if _starts_with(nxt.folded, BODY_STARTS):
                break
            lines.append(nxt)
        return lines
    return []


def _type_fields(
    code: str, words: list[Word], certainty: float, raw: str, rule: str
) -> tuple[Field, Field]:
    return (
        _field(code, words, certainty, raw, rule),
        _field(TYPES[code], words, certainty, raw, rule),
    )


def _symbol_type(notation: str) -> tuple[str | None, bool]:
    """(type code from the symbol's abbreviation, symbol looks like AGENCY-UNIT)."""
    body = _LEGAL_YEAR_RE.sub("", notation)
    first = re.split(r"[-/]", body)[0]
    code = abbreviation_code(first)
    agency_unit = code is None and "-" in body
    return code, agency_unit


_UNIT_WORDS = ("tinh", "huyen", "xa", "thanh pho", "thi xa", "thi tran", "quan", "phuong")


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _marks(text: str) -> int:
    return sum(1 for ch in text if fold(ch) != ch.lower())


def _unit_name(organ: str) -> tuple[str, str] | None:
    """("ỦY BAN NHÂN DÂN XÃ", "PHÚ LÂM") for an organ named after its administrative unit."""
    words = organ.split()
    folded = [fold(w) for w in words]
    for i in range(len(words) - 1, -1, -1):
        for unit in _UNIT_WORDS:
            size = len(unit.split())
            if " ".join(folded[i : i + size]) == unit and i + size < len(words):
                return " ".join(words[: i + size]), " ".join(words[i + size :])
    return None


def _spelling_score(text: str) -> tuple[int, int]:
    """Tesseract drops marks and spaces far more often than it invents them."""
    return _marks(text), len(text.split())


def _cross_spell(
    place: Field | None, organ: Field | None, parent: Field | None
) -> tuple[Field | None, Field | None, Field | None]:
    """Spell the unit name alike in the place and the organ names, from the better reading.

    "ỦY BAN NHÂN DÂN XÃ PHÚ LÂM" with the place "Phú Lam", or "HUYỆN NGASON" with the place
    "Nga Sơn": the two fold alike (spaces ignored), so the reading with more marks and word
    breaks wins for both.
    """
    if place is None:
        return place, organ, parent
    key = fold(place.value).replace(" ", "")
    out: list[Field | None] = []
    best_place = place.value
    for found in (organ, parent):
        split = _unit_name(found.value) if found is not None else None
        if found is None or split is None or fold(split[1]).replace(" ", "") != key:
            out.append(found)
            continue
        head, tail = split
        if _spelling_score(tail) > _spelling_score(best_place):
            best_place = " ".join(w[:1].upper() + w[1:].lower() for w in tail.split())
        if _spelling_score(place.value) > _spelling_score(tail):
            out.append(_revised(found, f"{head} {place.value.upper()}", "place"))
        else:
            out.append(found)
    return _revised(place, best_place, "organ"), out[0], out[1]


_AGENCY_ABBREVIATIONS = {"HDND": "HĐND", "HÐND": "HĐND"}


def _initial(word: str) -> str:
    return "Đ" if word[0] in "Đđ" else fold(word[0]).upper()


def _initials_spelling(part: str, organ: str) -> str:
    """``part`` spelled as the initials of the organ's first words when they fold alike.

    "SGDDT" and SỞ GIÁO DỤC VÀ ĐÀO TẠO (initials SGDĐT, "và" skipped) -> "SGDĐT": restores
    the Đ that OCR dropped from an agency abbreviation.
    """
    words = [w for w in re.split(r"[\s,\-–]+", organ) if w and fold(w) != "va"]
    initials = ""
    for word in words:
        initials += _initial(word)
        if fold(initials) == fold(part):
            return initials if part != initials else part
    return part


def _check_notation(
    notation: Field,
    type_code: Field | None,
    issued: Field | None,
    warnings: list[str],
    organs: tuple[Field | None, ...] = (),
) -> Field:
    """Restore Đ lost by OCR in the symbol, and flag what a person should check.

    The type abbreviation is compared folded with the type line's ("QD" vs "Quyết định"
    -> "QĐ"). When the abbreviation as read is itself a valid one for another type (HD
    Hướng dẫn vs HĐ Hợp đồng, DA Dự án vs ĐA Đề án) the disagreement is also flagged.
    A legal number whose year differs from the issue year is flagged, never corrected.
    """
    value = notation.value
    legal = _LEGAL_YEAR_RE.match(value)
    year = legal.group(0) if legal else ""
    parts = value[len(year) :].split("-")
    if type_code is not None and type_code.rule.startswith("type_line"):
        expected = [a for a, c in ABBREVIATIONS.items() if c == type_code.value]
        read_code = ABBREVIATIONS.get(parts[0])
        if read_code is not None and read_code != type_code.value:
            warnings.append(
                f"the symbol's type {parts[0]!r} ({TYPES[read_code]}) disagrees with the type "
                f"line ({TYPES[type_code.value]})"
            )
        for abbr in expected:
            if parts[0] == abbr:
                break
            same = fold(parts[0]) == fold(abbr)
            near = read_code is None and _edit_distance(fold(parts[0]), fold(abbr)) <= 1
            if same or (near and len(parts[0]) >= 2):
                parts[0] = abbr  # "QD", "QĐÐ" -> "QĐ"
                break
    # the agency parts: all but a leading type abbreviation (a công văn has none)
    typed = type_code is not None and type_code.value != CONG_VAN
    first = 1 if typed or parts[0] in ABBREVIATIONS else 0
    for i in range(first, len(parts)):
        parts[i] = _AGENCY_ABBREVIATIONS.get(parts[i].upper(), parts[i])
        for organ in organs:
            if organ is not None:
                parts[i] = _initials_spelling(parts[i], organ.value)
    if legal and issued is not None and legal.group(1) != issued.value[:4]:
        warnings.append(
            f"the year in the number ({legal.group(1)}) differs from the issue year "
            f"({issued.value[:4]}): check for a misread digit"
        )
    return _revised(notation, year + "-".join(parts), "vocab") or notation


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


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

    if anchor is not None:
        anchor_top: float = anchor.top
        after = anchor.top + 0.5 * anchor.height
    elif date_seg is not None:
        anchor_top = date_seg.top
        after = date_seg.top + 0.5 * date_seg.height
    else:
        anchor_top = 0.2 * layout.height
        after = 0.0
    organ, parent = _find_organs(layout, anchor_top)

    type_code = type_name = summary = None
    vv_lines = _find_vv(layout, anchor) if anchor is not None else []
    type_line = _find_type_line(layout, after)
    if vv_lines:
        after = max(after, vv_lines[-1].top)
    if type_line is not None:
        line, code, certainty = type_line
        type_code, type_name = _type_fields(code, line.words, certainty, line.text, "type_line")
        lines = _summary_lines(layout, line)
        if lines:
            summary = _summary_field(lines, CERT_SUMMARY, "under_type_line", strip_vv=False)
    elif vv_lines:
        raw = "\n".join(s.text for s in vv_lines)
        type_code, type_name = _type_fields(
            CONG_VAN, vv_lines[0].words[:1], CERT_CONG_VAN_VV, raw, "cong_van:vv"
        )
    elif notation is not None:
        code, agency_unit = _symbol_type(notation.value)
        words = [] if anchor is None else anchor.words
        if agency_unit:
            type_code, type_name = _type_fields(
                CONG_VAN, words, CERT_CONG_VAN_SYMBOL, notation.raw, "cong_van:symbol"
            )
        elif code is not None:
            type_code, type_name = _type_fields(
                code, words, CERT_TYPE_FROM_SYMBOL, notation.raw, "symbol_abbreviation"
            )
    if summary is None and vv_lines:
        summary = _summary_field(vv_lines, CERT_SUMMARY_VV, "vv_line", strip_vv=True)

    organ = _revised(organ, restore_agency_marks(organ.value) if organ else "", "vocab")
    parent = _revised(parent, restore_agency_marks(parent.value) if parent else "", "vocab")
    place = _revised(place, restore_place_marks(place.value) if place else "", "vocab")
    place, organ, parent = _cross_spell(place, organ, parent)
    summary = _revised(summary, restore_summary_marks(summary.value) if summary else "", "vocab")
    if notation is not None:
        notation = _check_notation(notation, type_code, issued, warnings, (organ, parent))
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
