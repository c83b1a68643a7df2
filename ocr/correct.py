"""Post-correction of a Vietnamese reading: marks fixed by the syllable set and its context.

Tesseract's ``vie`` model confuses marks (``hoă`` for ``hoà``, ``d`` for ``đ``, ``u`` for
``ư``, dropped tones). ``correct_result`` looks again at the words whose confidence is low,
that are not valid syllables, or that carry no mark at all (tesseract drops every mark of a
word at a confidence as high as any other: ``va`` for ``và``, ``dung`` for ``dụng``). It lists
the valid syllables reachable by changing marks only (``ocr.syllables.candidates``) and picks
the one the syllable bigram model likes best next to its neighbours, minus a penalty for each
mark changed. A word is kept when no candidate is clearly better; a valid syllable is only
replaced by one seen next to one of its neighbours (a frequent word never pushes out a rare
one, e.g. a place name, on frequency alone). Only marks ever change, so a corrected word
folds (accents removed, đ → d) to the same letters as the raw one and accent-insensitive
search finds both.

Left alone: numbers, dates, document symbols (``141/KH-UBND``), e-mail addresses and URLs
(anything that is not letters between its punctuation), Roman numerals, words that do not
look Vietnamese (``f``/``j``/``w``/``z``, foreign clusters, mixed case), capitalised valid
syllables inside a sentence (names), and either tone placement (``hòa``/``hoà``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from ocr.syllable_model import BREAK, OTHER, SyllableModel, load_model
from ocr.syllables import (
    Syllable,
    apply_case,
    candidates,
    case_of,
    looks_vietnamese,
    parse,
    render,
    spellings,
)
from ocr.types import OcrResult, TextLine, Word

__all__ = ["MIN_CONF", "correct_result", "correct_words"]

#: Words read with at least this confidence (0-100) that are valid syllables are kept as read.
MIN_CONF = 95.0
#: log10 score lost per mark changed: a change must make the context about 10x likelier.
CHANGE_PENALTY = 1.0
#: How much better (log10) than the word as read a replacement must score.
MARGIN = 0.5
_MAX_CHANGES_VALID = 3  # marks changed at most in a word that is already a syllable ("doi")
_MAX_CHANGES_INVALID = 4  # ... in one that is not ("duoc" -> "được")
#: A paragraph is Vietnamese when this share of its words are valid syllables (Vietnamese
#: prose about 0.99, even with its marks dropped; English, French and German prose 0.16-0.20) ...
VIETNAMESE_VALID_SHARE = 0.6
#: ... or this share carry a Vietnamese syllable's marks (Vietnamese prose about 0.86).
VIETNAMESE_MARKED_SHARE = 0.3
#: Paragraphs with fewer letter words than this take the whole page's verdict.
_MIN_PARAGRAPH_WORDS = 8

_SPLIT = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_SENTENCE_END = re.compile(r"[.!?:;…]['\")\]”’»]*$")
_CLAUSE = re.compile(r"[.,;:!?()\[\]…]")


@dataclasses.dataclass
class _Slot:
    """One word of the page as the corrector sees it."""

    prefix: str
    core: str
    suffix: str
    conf: float
    syllable: Syllable | None
    key: str  # the model's token for the core as read (a key, or OTHER)
    eligible: bool  # a Vietnamese-looking word the corrector may change
    paragraph_end: bool


def _split(text: str) -> tuple[str, str, str]:
    m = _SPLIT.match(text)
    assert m is not None  # the pattern matches every string
    return m.group(1), m.group(2), m.group(3)


def _is_roman(core: str) -> bool:
    return core.isupper() and bool(_ROMAN.match(core))


def _slots(words: Sequence[Word], ends: set[int]) -> list[_Slot]:
    slots: list[_Slot] = []
    for i, word in enumerate(words):
        prefix, core, suffix = _split(word.text)
        syl = parse(core) if core else None
        plain = (
            core.isalpha()
            and looks_vietnamese(core)
            and not _is_roman(core)
            and apply_case(core.lower(), case_of(core)) == core
        )
        slots.append(
            _Slot(
                prefix=prefix,
                core=core,
                suffix=suffix,
                conf=word.conf,
                syllable=syl,
                key=(render(syl) if syl is not None else OTHER),
                eligible=plain,
                paragraph_end=i in ends,
            )
        )
    return slots


def _vietnamese(slots: Sequence[_Slot]) -> bool | None:
    """Whether ``slots`` read as Vietnamese; None when they hold too few words to tell."""
    letters = [s for s in slots if s.core.isalpha()]
    if len(letters) < _MIN_PARAGRAPH_WORDS:
        return None
    valid = sum(s.syllable is not None for s in letters)
    marked = sum(s.syllable is not None and not s.core.isascii() for s in letters)
    return valid >= VIETNAMESE_VALID_SHARE * len(
        letters
    ) or marked >= VIETNAMESE_MARKED_SHARE * len(letters)


def _leave_foreign(slots: list[_Slot]) -> None:
    """Make the words of paragraphs that are not Vietnamese (English, French...) ineligible.

    ``the``, ``to``, ``do``, ``an`` are valid Vietnamese syllables without marks, so inside
    English prose the corrector would add marks to them.
    """
    page = _vietnamese(slots)
    start = 0
    for i, slot in enumerate(slots):
        if not slot.paragraph_end and i != len(slots) - 1:
            continue
        paragraph = slots[start : i + 1]
        verdict = _vietnamese(paragraph)
        if verdict is None:
            verdict = page if page is not None else True
        if not verdict:
            for s in paragraph:
                s.eligible = False
        start = i + 1


def _sentence_start(slots: list[_Slot], i: int) -> bool:
    if i == 0 or slots[i - 1].paragraph_end:
        return True
    prev = slots[i - 1]
    return bool(_SENTENCE_END.search(prev.suffix or prev.core)) or bool(prev.prefix == "-")


def _left_key(slots: list[_Slot], i: int, keys: list[str]) -> str:
    if i == 0 or slots[i - 1].paragraph_end or _CLAUSE.search(slots[i - 1].suffix):
        return BREAK
    if _CLAUSE.search(slots[i].prefix):
        return BREAK
    return keys[i - 1]


def _right_key(slots: list[_Slot], i: int) -> str | None:
    slot = slots[i]
    if slot.paragraph_end or _CLAUSE.search(slot.suffix) or i + 1 == len(slots):
        return BREAK
    following = slots[i + 1]
    if _CLAUSE.search(following.prefix):
        return BREAK
    return None if following.key == OTHER else following.key


def _in_context(model: SyllableModel, left: str, word: str, right: str | None) -> bool:
    """Whether ``word`` was seen next to one of its (syllable) neighbours."""
    return (left != BREAK and (left, word) in model.bigrams) or (
        right not in (None, BREAK) and (word, right) in model.bigrams
    )


def _score(model: SyllableModel, left: str, word: str, right: str | None) -> float:
    score = model.bigram(left, word)
    if right is not None:
        score += model.bigram(word, right)
    return score


def _first_difference(a: str, b: str) -> int:
    return next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)


def _spell(core: str, syl: Syllable) -> str:
    """``syl`` spelt in the case of ``core``, with its tone placement if it shows one."""
    old, new = render(syl, old_style=True), render(syl, old_style=False)
    spelling = old
    if old != new:
        where = _first_difference(old, new) + 1  # the second vowel of oa / oe / uy
        lowered = core.lower()
        if where < len(lowered) and lowered[where] not in "aeiouy":
            spelling = new  # the raw word has a mark on the second vowel: hoă -> hoà
    return apply_case(spelling, case_of(core))


def _choose(model: SyllableModel, slot: _Slot, left: str, right: str | None) -> Syllable | None:
    """The syllable to write instead of ``slot``'s word, or None to keep it."""
    valid = slot.syllable is not None
    limit = _MAX_CHANGES_VALID if valid else _MAX_CHANGES_INVALID
    best: tuple[float, Syllable] | None = None
    for syl, changes in candidates(slot.core, max_changes=limit):
        word = render(syl)
        if valid and changes and not _in_context(model, left, word, right):
            continue  # a word as read is only replaced by one its neighbours were seen with
        score = _score(model, left, word, right) - CHANGE_PENALTY * changes
        if best is None or score > best[0]:
            best = (score, syl)
    if best is None:
        return None
    score, syl = best
    if valid:
        assert slot.syllable is not None
        if syl == slot.syllable:
            return None
        kept = _score(model, left, slot.key, right)
        return syl if score - kept >= MARGIN else None
    return syl if model.count(render(syl)) > 0 else None


def correct_words(
    words: Sequence[Word],
    *,
    paragraph_ends: set[int] | None = None,
    model: SyllableModel | None = None,
    min_conf: float = MIN_CONF,
) -> list[tuple[int, str]]:
    """The changes to make to ``words`` (reading order) as (index, new text) pairs."""
    model = model or load_model()
    slots = _slots(words, paragraph_ends or set())
    _leave_foreign(slots)
    keys = [s.key for s in slots]
    changes: list[tuple[int, str]] = []
    for i, slot in enumerate(slots):
        if not slot.eligible:
            continue
        syl = slot.syllable
        if syl is not None:
            misplaced = slot.core.lower() not in spellings(syl)
            # A word without a single mark is how tesseract drops them ("quyet", "va"): it is
            # looked at again however sure tesseract was.
            unsure = slot.conf < min_conf or slot.core.isascii()
            if not unsure and not misplaced:
                continue
            if case_of(slot.core) == "title" and not _sentence_start(slots, i):
                continue  # a name inside a sentence
            if misplaced and not unsure:
                choice: Syllable | None = syl
            else:
                choice = _choose(model, slot, _left_key(slots, i, keys), _right_key(slots, i))
                if choice is None and misplaced:
                    choice = syl
        else:
            choice = _choose(model, slot, _left_key(slots, i, keys), _right_key(slots, i))
        if choice is None:
            continue
        spelt = _spell(slot.core, choice)
        if spelt == slot.core:
            continue
        keys[i] = render(choice)
        changes.append((i, slot.prefix + spelt + slot.suffix))
    return changes


def correct_result(
    result: OcrResult, *, model: SyllableModel | None = None, min_conf: float = MIN_CONF
) -> OcrResult:
    """A copy of ``result`` with its words' marks corrected and the raw words in ``extra``.

    ``extra["correction"]`` is ``{"changed": n, "raw": [[line, word, raw text], ...]}`` and
    ``extra["raw_text"]`` the page text as read.
    """
    words: list[Word] = []
    where: list[tuple[int, int]] = []
    ends: set[int] = set()
    lines = result.lines
    for li, line in enumerate(lines):
        for wi, word in enumerate(line.words):
            words.append(word)
            where.append((li, wi))
        following = lines[li + 1] if li + 1 < len(lines) else None
        same = following is not None and (following.block, following.par) == (line.block, line.par)
        if words and not same:
            ends.add(len(words) - 1)
    changes = correct_words(words, paragraph_ends=ends, model=model, min_conf=min_conf)
    new_words: dict[tuple[int, int], str] = {where[i]: text for i, text in changes}
    new_lines: list[TextLine] = []
    for li, line in enumerate(lines):
        if not any((li, wi) in new_words for wi in range(len(line.words))):
            new_lines.append(line)
            continue
        updated = tuple(
            dataclasses.replace(w, text=new_words[(li, wi)]) if (li, wi) in new_words else w
            for wi, w in enumerate(line.words)
        )
        new_lines.append(dataclasses.replace(line, words=updated))
    raw = [[li, wi, lines[li].words[wi].text] for li, wi in sorted(new_words)]
    extra: dict[str, Any] = {
        **result.extra,
        "correction": {"changed": len(raw), "raw": raw},
        "raw_text": result.text,
    }
    return dataclasses.replace(result, lines=tuple(new_lines), extra=extra)
