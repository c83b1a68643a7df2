"""Second readings: the boxes of some fields recognised again, enlarged, and merged.

The summary, number, signer's name, recipients and organs are small bold or damaged text;
recognising their box again as one block at a higher effective resolution gives a second
reading. Words that fold alike take the better spelling (:func:`merge_readings`); readings
that disagree flag the field for review.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Protocol

from metadata.fields import flagged
from metadata.folding import clean_ocr_text, fold, fold_with_map, mark_count
from metadata.patterns import VV_RE
from metadata.restore import (
    restore_agency_marks,
    restore_name_marks,
    restore_recipient_marks,
    restore_summary_marks,
)
from metadata.signature import clean_recipient
from metadata.syllables import odd_syllables
from metadata.types import DocumentMetadata, Field
from ocr import OcrResult


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


#: Boxes :func:`metadata.extract_document` re-reads, in order, when given a ``reread``.
REREAD_FIELDS = ("summary", "number", "signer_name", "recipients", "organ")

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
        match = VV_RE.match(fold_with_map(joined)[0])
        if match:
            joined = (
                joined[fold_with_map(joined)[1][match.end()] :]
                if match.end() < len(fold_with_map(joined)[0])
                else ""
            )
    return " ".join(joined.split()).strip(" -–_")


def _syllable_ok(word: str) -> bool:
    """``word`` without its punctuation is a Vietnamese syllable, a number or an acronym."""
    return not odd_syllables(word)


def _better_word(first: str, second: str) -> str:
    """Of two readings that fold alike: the valid syllable, else the one with more marks."""
    ok_first, ok_second = _syllable_ok(first), _syllable_ok(second)
    if ok_first != ok_second:
        return first if ok_first else second
    return second if mark_count(second) > mark_count(first) else first


def merge_readings(first: str, second: str) -> tuple[str, list[tuple[str, str]]]:
    """Merge two readings of the same text word by word; return it and the disagreements.

    Words that fold alike but differ in marks take the reading that is a valid Vietnamese
    syllable (:func:`metadata.syllables.is_vietnamese_syllable`) when only one is, else the one
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
        return flagged(found, "a second reading of the box found no text")  # type: ignore[return-value]
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
    second = "; ".join(clean_recipient(t) for t in items if clean_recipient(t))
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


def reread_boxes(
    meta: DocumentMetadata,
    pages: Sequence[OcrResult],
    first: OcrResult,
    reread: Reread,
    fields: Collection[str],
) -> DocumentMetadata:
    """``meta`` with the boxes of ``fields`` (of :data:`REREAD_FIELDS`) read a second time.

    ``first`` is the page the header was read from; ValueError names unknown fields.
    """
    unknown = set(fields) - set(REREAD_FIELDS)
    if unknown:
        raise ValueError(f"reread_fields: unknown field(s) {sorted(unknown)}")
    if "summary" in fields:
        meta = _reread_summary(meta, first, reread)
    if "number" in fields:
        meta = _reread_number(meta, first, reread)
    if "signer_name" in fields:
        meta = _reread_name(meta, pages, reread)
    if "recipients" in fields:
        meta = _reread_recipients(meta, pages, reread)
    if "organ" in fields:
        meta = _reread_organ(meta, first, reread)
    return meta
