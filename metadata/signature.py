"""The signature block and the "Nơi nhận:" list, read from the last pages of a document.

The signature column (right) holds the authority lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ
TỊCH"), the post and, below the space for the signature, the signer's name; the recipients
(left) are the dash items under "Nơi nhận:".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from metadata.columns import ColumnSegment, column_segments
from metadata.fields import flagged, make_field, with_page
from metadata.folding import fold
from metadata.patterns import upper_ratio
from metadata.restore import (
    known_position,
    restore_name_marks,
    restore_position_marks,
    restore_recipient_marks,
)
from metadata.types import Field
from ocr import OcrResult, Word

CERT_SIGNER = 0.85
CERT_RECIPIENTS = 0.85

_PREFIXES = ("tm", "kt", "tl", "tuq", "q")
_PREFIX_RE = re.compile(r"^\W{0,2}(t\s*/\s*m|k\s*/\s*t|(tm|kt|tl|tuq|q)\s*[.,:])\s*\S")


def _is_name(seg: ColumnSegment) -> bool:
    words = seg.text.split()
    return (
        2 <= len(words) <= 6
        and all(w[:1].isupper() and w.isalpha() for w in words)
        and upper_ratio(seg.text) < 0.7
    )


def clean_recipient(text: str) -> str:
    """One "Nơi nhận" item without its dash and end punctuation, well-known words spelled."""
    text = text.lstrip("-–•*+ ").rstrip(" ;.,")
    return restore_recipient_marks(text)


def _find_recipients(
    segments: list[ColumnSegment], width: int
) -> tuple[Field | None, float | None]:
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
            text = clean_recipient(" ".join(w.text for w in words))
            if text:
                texts.append(text)
        if not texts:
            return None, seg.top
        used = [w for ws in items for w in ws]
        raw = "\n".join([seg.text] + [" ".join(w.text for w in ws) for ws in items])
        value = "; ".join(texts)
        return make_field(value, used, CERT_RECIPIENTS, raw, "noi_nhan"), seg.top
    return None, None


def _signature_block(right: list[ColumnSegment], anchor_top: float | None) -> list[ColumnSegment]:
    """The upper-case authority and post lines at the top of the signature column."""
    start = None
    for i, seg in enumerate(right):
        if anchor_top is not None and seg.top < anchor_top - 2 * seg.height:
            continue
        upper = upper_ratio(seg.text) >= 0.7 and len(seg.text) >= 3
        if upper or (_PREFIX_RE.match(seg.folded) and upper_ratio(seg.text) >= 0.5):
            start = i
            break
    if start is None:
        return []
    block: list[ColumnSegment] = [right[start]]
    for nxt in right[start + 1 :]:
        if nxt.top - block[-1].bottom > 1.2 * max(nxt.height, block[-1].height):
            break
        if upper_ratio(nxt.text) < 0.7:
            break
        block.append(nxt)
    return block


def _authority_and_post(block: list[ColumnSegment]) -> tuple[Field | None, Field | None]:
    """(prefix, position) of a signature block, flagged when the post is doubtful."""
    prefix_lines = [s for s in block if _PREFIX_RE.match(s.folded)]
    position_lines = [s for s in block if s not in prefix_lines]
    guessed = False
    if not position_lines and prefix_lines:  # "KT. CHỦ TỊCH" alone: the last line is the post
        position_lines = [prefix_lines.pop()]
        guessed = True
    prefix = position = None
    if prefix_lines:
        words = [w for s in prefix_lines for w in s.words]
        prefix = make_field(
            "\n".join(restore_position_marks(_normal_prefix(s.text)) for s in prefix_lines),
            words,
            CERT_SIGNER,
            "\n".join(s.text for s in prefix_lines),
            "signature:prefix",
        )
    if position_lines:
        words = [w for s in position_lines for w in s.words]
        value = restore_position_marks(" ".join(s.text for s in position_lines).strip(" .,;:"))
        position = make_field(
            value,
            words,
            CERT_SIGNER,
            "\n".join(s.text for s in position_lines),
            "signature:position",
        )
        if guessed:
            position = flagged(position, "no post line under the authority lines: check it")
            prefix = flagged(prefix, "the post line may be missing from the block")
        elif not known_position(value):
            position = flagged(position, "not a known post")
    return prefix, position


def _find_signature(
    segments: list[ColumnSegment], width: int, anchor_top: float | None
) -> tuple[Field | None, Field | None, Field | None]:
    """(prefix, position, name) from the right column of the signature block."""
    right = [s for s in segments if s.left > 0.42 * width]
    block = _signature_block(right, anchor_top)
    if not block:
        return None, None, None
    prefix, position = _authority_and_post(block)
    name = None
    below = [s for s in right if s.top > block[-1].bottom]
    for seg in below[:4]:
        if _is_name(seg):
            value = restore_name_marks(seg.text.strip(" .,;:"))
            name = make_field(value, seg.words, CERT_SIGNER, seg.text, "signature:name")
            break
    return prefix, position, name


def _normal_prefix(text: str) -> str:
    """ "KT , CHỦ TỊCH" -> "KT. CHỦ TỊCH": the prefix's dot as printed."""
    match = re.match(r"^\W{0,2}([A-Za-z]{1,3})\s*[.,:]\s*", text)
    if match and fold(match.group(1)) in _PREFIXES:
        return f"{match.group(1).upper()}. {text[match.end() :].strip()}"
    return text.strip()


def signature_fields(pages: Sequence[OcrResult]) -> dict[str, Field | None]:
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
        segments, width = column_segments(page)
        height = page.height or max(s.bottom for s in segments)
        if index == 0:  # skip the header of page 1
            segments = [s for s in segments if s.top > 0.15 * height]
        recipients, anchor = _find_recipients(segments, width)
        prefix, position, name = _find_signature(segments, width, anchor)
        if recipients is None and position is None:
            continue
        number = index + 1
        found = {
            "signer_prefix": with_page(prefix, number),
            "signer_position": with_page(position, number),
            "signer_name": with_page(name, number),
            "recipients": with_page(recipients, number),
        }
        break
    return found
