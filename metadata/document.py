"""Whole-document extraction: header, marks, signature block, recipients, validation.

:func:`extract_document` reads the header fields from page 1 (see :mod:`metadata.extract`),
the urgency and secrecy marks and the "Kính gửi:" addressees from page 1, the signature block
and "Nơi nhận:" list from the last page that has them, detects the number's family, optionally
re-reads the summary and number boxes with an enlarged crop (``reread``), and validates the
result: every doubtful field gets a flag saying why (see :func:`validate`).

Keywords are matched on folded text; values are cut from the original OCR text.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Protocol

from metadata.extract import (
    _DATE_RE,
    _VV_RE,
    _field,
    _ocr_int,
    _upper_ratio,
    header_fields,
)
from metadata.layout import WordRun
from metadata.types import DocumentMetadata, Field
from metadata.vocab import (
    CONG_VAN,
    clean_ocr_text,
    fold,
    fold_with_map,
    known_position,
    odd_syllables,
    restore_agency_marks,
    restore_name_marks,
    restore_position_marks,
    restore_recipient_marks,
    restore_summary_marks,
)
from ocr import OcrResult, Word


class Reread(Protocol):
    """``reread(page, box, *, scale=None, languages=None) -> text``.

    Recognise again the box (left, top, width, height) of page ``page`` (1-based) as one
    block of text (tesseract ``--psm 6``), enlarged ``scale`` times (``None``: the caller's
    default, 2x in the pipeline) and with the ``languages`` given (``None``: the pipeline's
    languages). The summary is re-read with Vietnamese alone (see :data:`SUMMARY_LANGUAGES`).
    """

    def __call__(
        self,
        page: int,
        box: tuple[int, int, int, int],
        *,
        scale: float | None = None,
        languages: str | None = None,
    ) -> str: ...


#: Fields a document must have; a missing one is flagged for review.
REQUIRED = ("number", "notation", "issued_date", "type_code", "organ", "summary")

CERT_SIGNER = 0.85
CERT_RECIPIENTS = 0.85
CERT_MARK = 0.9
CERT_ADDRESSEE = 0.85

#: Smallest folded similarity between the first reading and the re-read of a box for the
#: re-read to replace it; below this the two readings disagree and the field is flagged.
REREAD_AGREE = 0.9

#: Languages of the summary's re-read. The summary is Vietnamese prose in bold 14 pt; with
#: ``vie+eng`` tesseract's English model wins on words that are also English-like once their
#: marks are dropped ("lang" for "lãng", "Nang" for "Nâng", "bao dam" for "bảo đảm").
SUMMARY_LANGUAGES = "vie"
#: Effective resolution of the summary's re-read: the crop is enlarged to about this dpi
#: (2x at 300 dpi, 3x at 200 dpi); measured best of 300, 450 and 600 at both resolutions.
SUMMARY_REREAD_DPI = 600

_PREFIXES = ("tm", "kt", "tl", "tuq", "q")
_PREFIX_RE = re.compile(r"^\W{0,2}(t\s*/\s*m|k\s*/\s*t|(tm|kt|tl|tuq|q)\s*[.,:])\s*\S")

URGENCY = {"hoa toc": "HỎA TỐC", "thuong khan": "THƯỢNG KHẨN", "khan": "KHẨN"}
SECRECY = {"tuyet mat": "TUYỆT MẬT", "toi mat": "TỐI MẬT", "mat": "MẬT"}


# --------------------------------------------------------------------------------------------
# column segments of any page
# --------------------------------------------------------------------------------------------


@dataclass
class _Seg(WordRun):
    words: list[Word]
    text: str
    folded: str

    @property
    def height(self) -> float:
        return float(statistics.median(w.height for w in self.words))


def _seg(words: list[Word]) -> _Seg:
    text = " ".join(w.text for w in words)
    return _Seg(words, text, fold_with_map(text)[0])


def _segments(page: OcrResult) -> tuple[list[_Seg], int]:
    """Every line cut at a column gap (two columns side by side), sorted top to bottom."""
    width = page.width or max((w.right for w in page.words), default=1)
    out: list[_Seg] = []
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
            out.append(_seg(words))
        else:
            out.extend((_seg(words[:cut]), _seg(words[cut:])))
    out.sort(key=lambda s: (s.top, s.left))
    return out, width


def _with_page(found: Field | None, page: int) -> Field | None:
    return replace(found, page=page) if found is not None and found.page != page else found


# --------------------------------------------------------------------------------------------
# marks, addressees
# --------------------------------------------------------------------------------------------


def _letters_key(folded: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", folded).split())


def _find_marks(page: OcrResult) -> tuple[Field | None, Field | None]:
    """Urgency and secrecy stamps: a short upper-case segment that is exactly a mark."""
    segments, _ = _segments(page)
    limit = 0.5 * (page.height or max((s.bottom for s in segments), default=1))
    urgency = secrecy = None
    for seg in segments:
        if seg.top > limit or _upper_ratio(seg.text) < 0.8:
            continue
        key = _letters_key(seg.folded)
        if urgency is None and key in URGENCY:
            urgency = _field(URGENCY[key], seg.words, CERT_MARK, seg.text, "mark:urgency")
        elif secrecy is None and key in SECRECY:
            secrecy = _field(SECRECY[key], seg.words, CERT_MARK, seg.text, "mark:secrecy")
    return urgency, secrecy


def _find_addressees(page: OcrResult) -> Field | None:
    segments, _ = _segments(page)
    for i, seg in enumerate(segments):
        match = re.match(r"^\W{0,2}kinh\s*gui\s*[:;.]?\s*", seg.folded)
        if not match:
            continue
        words = list(seg.words)
        lines = [seg]
        for nxt in segments[i + 1 : i + 4]:
            if nxt.top - lines[-1].bottom > 0.8 * nxt.height or lines[-1].text.endswith("."):
                break
            lines.append(nxt)
            words.extend(nxt.words)
        text = " ".join(s.text for s in lines)
        start = fold_with_map(text)[1][match.end()] if match.end() < len(seg.folded) else 0
        value = " ".join(text[start:].split()).strip(" .;:")
        if not value:
            return None
        used = words[1:] if len(words) > 1 else words
        return _field(value, used, CERT_ADDRESSEE, "\n".join(s.text for s in lines), "kinh_gui")
    return None


# --------------------------------------------------------------------------------------------
# signature block and recipients
# --------------------------------------------------------------------------------------------


def _is_name(seg: _Seg) -> bool:
    words = seg.text.split()
    return (
        2 <= len(words) <= 6
        and all(w[:1].isupper() and w.isalpha() for w in words)
        and _upper_ratio(seg.text) < 0.7
    )


def _clean_item(text: str) -> str:
    """One "Nơi nhận" item without its dash and end punctuation, well-known words spelled."""
    text = text.lstrip("-–•*+ ").rstrip(" ;.,")
    return restore_recipient_marks(text)


def _find_recipients(segments: list[_Seg], width: int) -> tuple[Field | None, float | None]:
    """The "Nơi nhận:" items (left column) and the top of the "Nơi nhận" line."""
    for i, seg in enumerate(segments):
        if not re.match(r"^\W{0,2}n[o0]i\s*nh[a4]n\b", seg.folded) or seg.left > 0.4 * width:
            continue
        items: list[list[Word]] = []
        previous = seg
        for nxt in segments[i + 1 :]:
            if nxt.left > 0.4 * width:
                continue  # the signature column beside the list
            if nxt.top - previous.bottom > 2.0 * max(nxt.height, previous.height):
                break
            starts_item = nxt.text[:1] in "-–•*+" or not items
            if not starts_item and items and items[-1][-1].text.endswith((";", ".")):
                starts_item = True
            if starts_item:
                items.append(list(nxt.words))
            else:
                items[-1].extend(nxt.words)
            previous = nxt
        texts = []
        for words in items:
            text = _clean_item(" ".join(w.text for w in words))
            if text:
                texts.append(text)
        if not texts:
            return None, seg.top
        used = [w for ws in items for w in ws]
        raw = "\n".join([seg.text] + [" ".join(w.text for w in ws) for ws in items])
        value = "; ".join(texts)
        return _field(value, used, CERT_RECIPIENTS, raw, "noi_nhan"), seg.top
    return None, None


def _find_signature(
    segments: list[_Seg], width: int, anchor_top: float | None
) -> tuple[Field | None, Field | None, Field | None]:
    """(prefix, position, name) from the right column of the signature block."""
    right = [s for s in segments if s.left > 0.42 * width]
    start = None
    for i, seg in enumerate(right):
        if anchor_top is not None and seg.top < anchor_top - 2 * seg.height:
            continue
        upper = _upper_ratio(seg.text) >= 0.7 and len(seg.text) >= 3
        if upper or (_PREFIX_RE.match(seg.folded) and _upper_ratio(seg.text) >= 0.5):
            start = i
            break
    if start is None:
        return None, None, None
    block: list[_Seg] = [right[start]]
    for nxt in right[start + 1 :]:
        if nxt.top - block[-1].bottom > 1.2 * max(nxt.height, block[-1].height):
            break
        if _upper_ratio(nxt.text) < 0.7:
            break
        block.append(nxt)
    prefix_lines = [s for s in block if _PREFIX_RE.match(s.folded)]
    position_lines = [s for s in block if s not in prefix_lines]
    guessed = False
    if not position_lines and prefix_lines:  # "KT. CHỦ TỊCH" alone: the last line is the post
        position_lines = [prefix_lines.pop()]
        guessed = True
    prefix = position = name = None
    if prefix_lines:
        words = [w for s in prefix_lines for w in s.words]
        prefix = _field(
            "\n".join(restore_position_marks(_normal_prefix(s.text)) for s in prefix_lines),
            words,
            CERT_SIGNER,
            "\n".join(s.text for s in prefix_lines),
            "signature:prefix",
        )
    if position_lines:
        words = [w for s in position_lines for w in s.words]
        value = restore_position_marks(" ".join(s.text for s in position_lines).strip(" .,;:"))
        position = _field(
            value,
            words,
            CERT_SIGNER,
            "\n".join(s.text for s in position_lines),
            "signature:position",
        )
        if guessed:
            position = _flag(position, "no post line under the authority lines: check it")
            prefix = _flag(prefix, "the post line may be missing from the block")
        elif not known_position(value):
            position = _flag(position, "not a known post")
    below = [s for s in right if s.top > block[-1].bottom]
    for seg in below[:4]:
        if _is_name(seg):
            value = restore_name_marks(seg.text.strip(" .,;:"))
            name = _field(value, seg.words, CERT_SIGNER, seg.text, "signature:name")
            break
    return prefix, position, name


def _normal_prefix(text: str) -> str:
    """ "KT , CHỦ TỊCH" -> "KT. CHỦ TỊCH": the prefix's dot as printed."""
    match = re.match(r"^\W{0,2}([A-Za-z]{1,3})\s*[.,:]\s*", text)
    if match and fold(match.group(1)) in _PREFIXES:
        return f"{match.group(1).upper()}. {text[match.end() :].strip()}"
    return text.strip()


def _signature_fields(pages: Sequence[OcrResult]) -> dict[str, Field | None]:
    """Search the last page first, then earlier ones, for the signature and recipients."""
    found: dict[str, Field | None] = {
        "signer_prefix": None,
        "signer_position": None,
        "signer_name": None,
        "recipients": None,
    }
    for index in range(len(pages) - 1, max(-1, len(pages) - 3), -1):
        page = pages[index]
        if not page.lines:
            continue
        segments, width = _segments(page)
        height = page.height or max(s.bottom for s in segments)
        if index == 0:  # skip the header of page 1
            segments = [s for s in segments if s.top > 0.15 * height]
        recipients, anchor = _find_recipients(segments, width)
        prefix, position, name = _find_signature(segments, width, anchor)
        if recipients is None and position is None:
            continue
        number = index + 1
        found = {
            "signer_prefix": _with_page(prefix, number),
            "signer_position": _with_page(position, number),
            "signer_name": _with_page(name, number),
            "recipients": _with_page(recipients, number),
        }
        break
    return found


# --------------------------------------------------------------------------------------------
# number family, reread, validation
# --------------------------------------------------------------------------------------------


def _family(meta: DocumentMetadata) -> Field | None:
    if meta.notation is None or meta.number is None:
        return None
    notation = meta.notation.value
    if meta.number.rule.endswith(":party"):
        value = "party"
    elif re.match(r"^\d{4}/QH\d*", notation):
        value = "law"
    elif re.match(r"^\d{4}/", notation):
        value = "legal"
    elif meta.type_code is not None and meta.type_code.value == CONG_VAN:
        value = "cong_van"
    else:
        value = "administrative"
    return replace(meta.notation, value=value, rule="number_family", flags=())


def _pad(
    box: tuple[int, int, int, int], page: OcrResult, dx: float, dy: float
) -> tuple[int, int, int, int]:
    left, top, width, height = box
    px, py = round(dx), round(dy)
    x0, y0 = max(0, left - px), max(0, top - py)
    x1 = min(page.width or left + width + px, left + width + px)
    y1 = min(page.height or top + height + py, top + height + py)
    return (x0, y0, x1 - x0, y1 - y0)


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _similar(a: str, b: str) -> float:
    fa, fb = fold(a).replace(" ", ""), fold(b).replace(" ", "")
    return SequenceMatcher(None, fa, fb).ratio() if fa or fb else 1.0


def _summary_from_reread(text: str, meta: DocumentMetadata) -> str:
    lines = [" ".join(clean_ocr_text(ln).split()) for ln in text.splitlines()]
    lines = [ln for ln in lines if any(ch.isalpha() for ch in ln)]
    if meta.type_name is not None and meta.summary is not None:
        if meta.summary.rule.startswith("under_type_line") and lines:
            key = fold(meta.type_name.value)
            if SequenceMatcher(None, fold(lines[0]), key).ratio() > 0.6 or key in fold(lines[0]):
                lines = lines[1:]
    joined = " ".join(lines)
    if meta.summary is not None and meta.summary.rule.startswith("vv_line"):
        match = _VV_RE.match(fold_with_map(joined)[0])
        if match:
            joined = (
                joined[fold_with_map(joined)[1][match.end()] :]
                if match.end() < len(fold_with_map(joined)[0])
                else ""
            )
    return " ".join(joined.split()).strip(" -–_")


def _marks_count(word: str) -> int:
    return sum(1 for ch in word if fold(ch) != ch.lower())


def _syllable_ok(word: str) -> bool:
    """``word`` without its punctuation is a Vietnamese syllable, a number or an acronym."""
    return not odd_syllables(word)


def _better_word(first: str, second: str) -> str:
    """Of two readings that fold alike: the valid syllable, else the one with more marks."""
    ok_first, ok_second = _syllable_ok(first), _syllable_ok(second)
    if ok_first != ok_second:
        return first if ok_first else second
    return second if _marks_count(second) > _marks_count(first) else first


def merge_readings(first: str, second: str) -> tuple[str, list[tuple[str, str]]]:
    """Merge two readings of the same text word by word; return it and the disagreements.

    Words that fold alike but differ in marks take the reading that is a valid Vietnamese
    syllable (:func:`metadata.vocab.is_vietnamese_syllable`) when only one is, else the one
    with more marks (tesseract drops marks far more often than it invents them); words that
    differ folded keep the first reading. Every difference is returned as a
    ``(first, second)`` pair.
    """
    a, b = first.split(), second.split()
    fa = [fold(w) for w in a]
    fb = [fold(w) for w in b]
    out: list[str] = []
    diffs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, fa, fb, autojunk=False).get_opcodes():
        if op == "equal":
            for wa, wb in zip(a[i1:i2], b[j1:j2], strict=True):
                if wa == wb:
                    out.append(wa)
                    continue
                diffs.append((wa, wb))
                out.append(_better_word(wa, wb))
        else:
            out.extend(a[i1:i2])
            diffs.append((" ".join(a[i1:i2]), " ".join(b[j1:j2])))
    return " ".join(out), diffs


def _apply_reread(found: Field, second: str, restore: Callable[[str], str] | None = None) -> Field:
    """``found`` merged with a second reading; disagreements flag it for review."""
    if not second:
        return _flag(found, "a second reading of the box found no text")  # type: ignore[return-value]
    if restore is not None:
        second = restore(second)
    if second == found.value:
        return found
    if _similar(second, found.value) < REREAD_AGREE:
        return replace(found, flags=(*found.flags, f"a second reading of the box gives {second!r}"))
    merged, diffs = merge_readings(found.value, second)
    if restore is not None:
        merged = restore(merged)
    flags = found.flags
    if diffs:
        shown = ", ".join(f"{x!r}/{y!r}" for x, y in diffs[:4])
        flags = (*flags, f"two readings disagree on {shown}")
    rule = found.rule if merged == found.value else f"{found.rule}+reread"
    return replace(found, value=merged, rule=rule, flags=flags)


def _text_lines(text: str) -> list[str]:
    lines = [" ".join(clean_ocr_text(t).split()) for t in text.splitlines()]
    return [t for t in lines if any(ch.isalnum() for ch in t)]


def _reread_summary(meta: DocumentMetadata, page: OcrResult, reread: Reread) -> DocumentMetadata:
    summary = meta.summary
    if summary is None or summary.box is None:
        return meta
    box = summary.box
    if (
        summary.rule.startswith("under_type_line")
        and meta.type_name is not None
        and meta.type_name.box is not None
    ):
        box = _union(box, meta.type_name.box)
    line_h = max(20.0, 0.012 * (page.height or 3508))
    box = _pad(box, page, 2.0 * line_h, 0.6 * line_h)
    scale = max(1.0, SUMMARY_REREAD_DPI / page.dpi) if page.dpi else None
    text = reread(summary.page, box, scale=scale, languages=SUMMARY_LANGUAGES)
    second = _summary_from_reread(text, meta)
    return replace(meta, summary=_apply_reread(summary, second, restore_summary_marks))


def _reread_name(
    meta: DocumentMetadata, pages: Sequence[OcrResult], reread: Reread
) -> DocumentMetadata:
    """The signer's name (bold 14 pt, marks often lost) checked against an enlarged re-read."""
    name = meta.signer_name
    if name is None or name.box is None:
        return meta
    page = pages[name.page - 1]
    box = _pad(name.box, page, 1.5 * name.box[3], 0.5 * name.box[3])
    lines = [t.strip(" .,;:") for t in _text_lines(reread(name.page, box))]
    second = lines[0] if len(lines) == 1 else " ".join(lines)
    return replace(meta, signer_name=_apply_reread(name, second, restore_name_marks))


def _reread_recipients(
    meta: DocumentMetadata, pages: Sequence[OcrResult], reread: Reread
) -> DocumentMetadata:
    found = meta.recipients
    if found is None or found.box is None:
        return meta
    page = pages[found.page - 1]
    line_h = max(20.0, 0.01 * (page.height or 3508))
    box = _pad(found.box, page, 1.0 * line_h, 0.4 * line_h)
    items: list[str] = []
    for line in _text_lines(reread(found.page, box)):
        if re.match(r"^\W{0,2}n[o0]i\s*nh[a4]n", fold(line)):
            continue
        if line[:1] in "-–•*+" or not items or items[-1].endswith((";", ".")):
            items.append(line)
        else:
            items[-1] += " " + line
    second = "; ".join(_clean_item(t) for t in items if _clean_item(t))
    return replace(meta, recipients=_apply_reread(found, second, restore_recipient_marks))


def _reread_organ(meta: DocumentMetadata, page: OcrResult, reread: Reread) -> DocumentMetadata:
    changes = {}
    for name in ("organ", "parent_organ"):
        found = getattr(meta, name)
        if found is None or found.box is None:
            continue
        box = _pad(found.box, page, 1.0 * found.box[3], 0.3 * found.box[3])
        second = " ".join(_text_lines(reread(found.page, box))).strip(" -–_.,;:*")
        changes[name] = _apply_reread(found, second, restore_agency_marks)
    return replace(meta, **changes)


_NUM_IN_TEXT = re.compile(r"(\d{1,5})\s*([/-])\s*(\S+)")


def _reread_number(meta: DocumentMetadata, page: OcrResult, reread: Reread) -> DocumentMetadata:
    """Re-read the "Số:" box; a number/symbol that reads differently is flagged."""
    if meta.number is None or meta.notation is None or meta.number.box is None:
        return meta
    box = _union(meta.number.box, meta.notation.box or meta.number.box)
    line_h = box[3]
    box = _pad(box, page, 1.0 * line_h, 0.5 * line_h)
    text = " ".join(clean_ocr_text(reread(meta.number.page, box)).split())
    match = _NUM_IN_TEXT.search(text)
    want = fold(f"{meta.number.value}{meta.notation.value}").replace(" ", "")
    if match:
        got = fold(match.group(1) + match.group(3)).rstrip(".,;:")
        got = re.sub(r"[\s/-]", "", got)
        if got == re.sub(r"[\s/-]", "", want):
            return meta
    flag = f"a second reading of the number box gives {text!r}"
    return replace(meta, number=replace(meta.number, flags=(*meta.number.flags, flag)))


def _impossible_dates(page: OcrResult) -> list[str]:
    """Date lines in the header that read as a date that cannot exist."""
    out = []
    height = page.height or 1
    for line in page.lines:
        if line.top > 0.45 * height:
            continue
        folded = fold(" ".join(clean_ocr_text(w.text) for w in line.words))
        for match in _DATE_RE.finditer(folded):
            if "can cu" in folded[: match.start()]:
                continue
            d, m, y = (_ocr_int(match.group(k)) for k in ("d", "m", "y"))
            if d is None or m is None or y is None:
                continue
            try:
                date = dt.date(y, m, d)
            except ValueError:
                out.append(f"issued_date: the date line reads {d}/{m}/{y}, which is not a date")
                continue
            if not 1945 <= y <= dt.date.today().year + 1:
                out.append(f"issued_date: the date line reads {date.isoformat()}, out of range")
    return out


def _flag(found: Field | None, reason: str) -> Field | None:
    if found is None or reason in found.flags:
        return found
    return replace(found, flags=(*found.flags, reason))


def validate(meta: DocumentMetadata, *, first_page: OcrResult | None = None) -> DocumentMetadata:
    """Flag what a person should check; values are never changed.

    * the symbol's type abbreviation disagrees with the type line (HĐ/HD, ĐA/DA);
    * the year inside a legal number differs from the issue year;
    * a date that cannot exist on the date line, or an issue date in the future;
    * low OCR confidence on a field's words (set when the field is read);
    * a summary word that cannot be a Vietnamese syllable (a misread mark: "thuc", "chầp");
    * a required field (:data:`REQUIRED`) is missing.
    """
    warnings = list(meta.warnings)
    changes: dict[str, Field | None] = {}
    for warning in meta.warnings:
        if "disagrees with the type" in warning:
            changes["notation"] = _flag(meta.notation, "symbol type disagrees with the type line")
            changes["type_code"] = _flag(meta.type_code, "type line disagrees with the symbol")
        if "issue year" in warning:
            changes["notation"] = _flag(
                changes.get("notation", meta.notation), "year differs from the issue year"
            )
            changes["issued_date"] = _flag(
                meta.issued_date, "issue year differs from the year in the number"
            )
    if meta.issued_date is not None and meta.issued_date.value > dt.date.today().isoformat():
        changes["issued_date"] = _flag(
            changes.get("issued_date", meta.issued_date), "issue date is in the future"
        )
    if first_page is not None:
        for reason in _impossible_dates(first_page):
            if reason not in warnings:
                warnings.append(reason)
    for name in REQUIRED:
        if getattr(meta, name) is None and name not in changes:
            reason = f"{name}: required field is missing"
            if reason not in warnings:
                warnings.append(reason)
    if meta.summary is not None:
        odd = odd_syllables(meta.summary.value)
        if odd:
            changes["summary"] = _flag(
                meta.summary, f"words that are not Vietnamese syllables: {', '.join(odd[:4])}"
            )
    if meta.type_name is not None and meta.type_code is not None:
        changes.setdefault("type_name", meta.type_name)
        if changes.get("type_code") is not None and changes["type_code"].flags:
            changes["type_name"] = _flag(meta.type_name, "type line disagrees with the symbol")
    return replace(meta, warnings=tuple(warnings), **changes)


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


#: Boxes :func:`extract_document` re-reads, in order, when given a ``reread``.
REREAD_FIELDS = ("summary", "number", "signer_name", "recipients", "organ")


def extract_document(
    pages: Sequence[OcrResult],
    *,
    reread: Reread | None = None,
    reread_fields: Collection[str] = REREAD_FIELDS,
) -> DocumentMetadata:
    """Every field of a document from its recognised pages (page 1 first).

    ``reread(page, box, scale=, languages=) -> text``, when given, recognises the boxes of
    ``reread_fields`` (see :data:`REREAD_FIELDS`; ``organ`` covers the parent organ) again
    from the page image (enlarged, one text block): a field then takes the re-read's spelling
    where the two readings fold alike, and a field whose readings disagree is flagged.
    """
    if not pages:
        return validate(DocumentMetadata())
    start = next((i for i, p in enumerate(pages) if p.lines), 0)  # skip a blank cover
    first = pages[start]
    meta = header_fields(first)
    if start:
        meta = replace(
            meta,
            **{
                name: _with_page(getattr(meta, name), start + 1)
                for name in DocumentMetadata.FIELD_NAMES
            },
        )
    urgency, secrecy = _find_marks(first)
    addressees = (
        _find_addressees(first)
        if meta.type_code is None or (meta.type_code.value == CONG_VAN)
        else None
    )
    meta = replace(
        meta,
        urgency=_with_page(urgency, start + 1),
        secrecy=_with_page(secrecy, start + 1),
        addressees=_with_page(addressees, start + 1),
        **_signature_fields(pages),
    )
    meta = replace(meta, family=_family(meta))
    if reread is not None:
        unknown = set(reread_fields) - set(REREAD_FIELDS)
        if unknown:
            raise ValueError(f"reread_fields: unknown field(s) {sorted(unknown)}")
        if "summary" in reread_fields:
            meta = _reread_summary(meta, first, reread)
        if "number" in reread_fields:
            meta = _reread_number(meta, first, reread)
        if "signer_name" in reread_fields:
            meta = _reread_name(meta, pages, reread)
        if "recipients" in reread_fields:
            meta = _reread_recipients(meta, pages, reread)
        if "organ" in reread_fields:
            meta = _reread_organ(meta, first, reread)
    return validate(meta, first_page=first)


def extract_metadata(page: OcrResult) -> DocumentMetadata:
    """The one-page form of :func:`extract_document` (the page is both first and last)."""
    return extract_document([page])
