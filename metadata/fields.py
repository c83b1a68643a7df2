"""Building :class:`~metadata.types.Field` values from OCR words, and revising them.

A field's confidence is the rule's certainty times the mean OCR confidence of the words it
was read from; words read unsurely flag it for review (:func:`confidence_flags`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from metadata.types import Field
from ocr import Word

#: A field whose weakest word has a lower OCR confidence (0-100) is flagged for review.
LOW_WORD_CONF = 45.0
#: A field whose words' mean OCR confidence is lower than this is flagged for review.
LOW_MEAN_CONF = 70.0


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


def confidence_flags(words: Iterable[Word]) -> tuple[str, ...]:
    """``("low OCR confidence ...",)`` when the words were read unsurely, else ``()``."""
    confs = [w.conf for w in words if w.conf >= 0]
    if not confs:
        return ()
    low, mean = min(confs), sum(confs) / len(confs)
    if low < LOW_WORD_CONF or mean < LOW_MEAN_CONF:
        return (f"low OCR confidence on the field's words (min {low:.0f}, mean {mean:.0f})",)
    return ()


def make_field(value: str, words: list[Word], certainty: float, raw: str, rule: str) -> Field:
    """A field read by ``rule`` from ``words`` (its box and confidence) in the OCR text ``raw``."""
    return Field(
        value, _confidence(words, certainty), raw, rule, _box(words), flags=confidence_flags(words)
    )


def revised(found: Field | None, value: str, suffix: str, factor: float = 0.95) -> Field | None:
    """``found`` with a corrected value, its rule marked and its confidence lowered."""
    if found is None or value == found.value:
        return found
    return replace(
        found,
        value=value,
        rule=f"{found.rule}+{suffix}",
        confidence=round(found.confidence * factor, 3),
    )


def flagged(found: Field | None, reason: str) -> Field | None:
    """``found`` with ``reason`` added to its flags (once)."""
    if found is None or reason in found.flags:
        return found
    return replace(found, flags=(*found.flags, reason))


def with_page(found: Field | None, page: int) -> Field | None:
    """``found`` as read on page ``page`` (1-based)."""
    return replace(found, page=page) if found is not None and found.page != page else found


def trim_junk(words: list[Word]) -> list[Word]:
    """Drop leading and trailing words without a letter or digit (rules, smears)."""

    def real(w: Word) -> bool:
        return any(ch.isalnum() for ch in w.text)

    start = next((i for i, w in enumerate(words) if real(w)), len(words))
    end = next((i for i in range(len(words), 0, -1) if real(words[i - 1])), 0)
    return words[start:end]
