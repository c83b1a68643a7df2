"""Vietnamese syllables: decomposition, the validity test and mark-change candidates.

A written Vietnamese syllable is an onset (``""``, ``b``, ``ch``, ``gh``, ``ngh``, ``qu``,
``gi``...), a rhyme (``oan``, ``ương``, ``uyêt``...) and one of six tones. ``parse`` splits an
NFC token into those three parts; the tone is read from whichever vowel carries it, so the two
accepted placements (``hoà``/``hòa``, ``thuỷ``/``thủy``) give the same ``Syllable`` and the
same ``key``. ``candidates`` lists the valid syllables reachable from a token by changing its
marks only (tone, ``d``/``đ``, hats, horns and breves), so every candidate folds to the same
letters as the token. Case (lower, Title, UPPER) is carried over by ``apply_case``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "TONES",
    "Syllable",
    "apply_case",
    "candidates",
    "case_of",
    "is_valid",
    "key",
    "looks_vietnamese",
    "mark_changes",
    "parse",
    "render",
    "spellings",
]

#: Combining tone marks by tone number: 1 huyền, 2 sắc, 3 hỏi, 4 ngã, 5 nặng (0 ngang: none).
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_TONE_OF = {mark: n for n, mark in enumerate(TONES) if mark}
# Vowel marks that make another letter: circumflex (â ê ô), breve (ă), horn (ơ ư).
_LETTER_MARKS = {"\u0302", "\u0306", "\u031b"}
# Marks tesseract (or an old font) may put on a vowel that Vietnamese does not use; they are
# dropped so the letter underneath can be considered (diaeresis, ring, caron, macron...).
_FOREIGN_MARKS = {"\u0308", "\u030a", "\u030c", "\u0304", "\u0307", "\u030b", "\u0327"}

_VOWELS = set("aăâeêioôơuưy")
ONSETS = frozenset(
    "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split() + [""]
)
_CODAS = ("", "c", "ch", "m", "n", "ng", "nh", "p", "t")
_STOPS = ("c", "ch", "p", "t")

# Rhymes (medial + nucleus + final) of standard orthography.
RHYMES = frozenset(
    """
    a ai ao au ay am an ang anh ac ach ap at
    ăm ăn ăng ăc ăp ăt
    âu ây âm ân âng âc âp ât
    e eo em en eng ec ep et
    ê êu êm ên ênh êch êp êt êng êc
    i ia iu im in inh ich ip it
    iêu iêm iên iêng iêc iêp iêt
    yêu yêm yên yêt y
    o oi om on ong oc op ot oong ooc
    oa oai oao oay oan oam oang oanh oac oach oap oat
    oăm oăn oăng oăc oăt
    oe oeo oen oet oem
    ô ôi ôm ôn ông ôc ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua ui um un ung uc up ut
    uân uâng uât uây
    uôi uôm uôn uông uôc uôt
    uê uêch uênh uơ
    uy uya uyu uyên uyêt uynh uych uyt uyn
    ư ưa ưi ưu ưm ưn ưng ưc ưt
    ươi ươu ươm ươn ương ươc ươp ươt ươ
    """.split()
)
_FRONT = ("e", "ê", "i", "y")  # vowels that take k/gh/ngh rather than c/g/ng
_ONSET_SHAPE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx]?)")
# A token that looks like Vietnamese: onset, vowels, an allowed final (letters as parsed).
_SHAPE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aăâeêioôơuưy]+(?:ch|ng|nh|[cmnpt])?$"
)


@dataclass(frozen=True)
class Syllable:
    """A parsed syllable: onset, rhyme (lower-case letters with hats and horns) and tone 0-5."""

    onset: str
    rhyme: str
    tone: int

    @property
    def letters(self) -> str:
        return self.onset + self.rhyme


def _split_marks(token: str) -> tuple[str, int, list[int]] | None:
    """Lower-case letters (with hats/horns, no tone), the tone, and the tone positions.

    None when the token holds something other than letters, or two different tones.
    """
    letters: list[str] = []
    tone = 0
    where: list[int] = []
    for ch in unicodedata.normalize("NFD", token.lower()):
        if ch in _TONE_OF:
            if not letters or letters[-1] not in _VOWELS or (tone and tone != _TONE_OF[ch]):
                return None  # a tone on a consonant, or two different tones
            tone = _TONE_OF[ch]
            where.append(len(letters) - 1)
        elif ch in _LETTER_MARKS:
            if not letters:
                return None
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
        elif ch in _FOREIGN_MARKS:
            continue
        elif ch in ("đ", "ð"):
            letters.append("đ")
        elif "a" <= ch <= "z":
            letters.append(ch)
        else:
            return None
    return "".join(letters), tone, where


def _onset_rhyme(letters: str) -> tuple[str, str] | None:
    """Split lower-case toneless letters into a known onset and rhyme, or None."""
    splits = []
    m = _ONSET_SHAPE.match(letters)
    onset = m.group(1) if m else ""
    splits.append((onset, letters[len(onset) :]))
    if onset == "gi":
        splits.append(("g", letters[1:]))  # "gì", "gìn": g + i...
    if onset == "qu" and not letters[2:]:
        return None
    for onset, rhyme in splits:
        if rhyme in RHYMES and _onset_fits(onset, rhyme):
            return onset, rhyme
    return None


def _onset_fits(onset: str, rhyme: str) -> bool:
    """Spelling rules joining onset and rhyme (k/gh/ngh before front vowels, qu, gi)."""
    first = rhyme[0]
    if onset in ("c", "g", "ng") and first in _FRONT and not (onset == "g" and first == "i"):
        return False
    if onset in ("k", "gh", "ngh") and first not in _FRONT:
        return False
    if onset == "qu" and first in ("o", "u", "ư"):
        return False
    if onset == "gi" and first == "i":
        return False
    if rhyme.startswith("yê") and onset not in ("", "qu"):
        return False
    if rhyme.startswith("iê") and onset in ("", "qu"):
        return False
    return not (rhyme == "y" and onset not in ("", "h", "k", "l", "m", "qu", "s", "t", "v"))


def _tone_fits(rhyme: str, tone: int) -> bool:
    """Stop-final rhymes (-c, -ch, -p, -t) take only sắc (2) or nặng (5)."""
    return tone in (2, 5) or not rhyme.endswith(_STOPS)


@lru_cache(maxsize=65536)
def parse(token: str) -> Syllable | None:
    """The syllable ``token`` spells (any case, either tone placement), or None if invalid."""
    split = _split_marks(token)
    if split is None:
        return None
    letters, tone, where = split
    if not letters or len(where) > 1:
        return None
    parts = _onset_rhyme(letters)
    if parts is None or not _tone_fits(parts[1], tone):
        return None
    return Syllable(parts[0], parts[1], tone)


def is_valid(token: str) -> bool:
    """Whether ``token`` is a valid Vietnamese syllable (case and tone placement free)."""
    return parse(token) is not None


def _tone_positions(syl: Syllable) -> list[int]:
    """Index in ``syl.letters`` of the vowel(s) that may carry the tone (first: preferred)."""
    start = len(syl.onset)
    rhyme = syl.rhyme
    vowels = [i for i, ch in enumerate(rhyme) if ch in _VOWELS]
    marked = [i for i in vowels if rhyme[i] in "ăâêôơư"]
    if marked:
        return [start + marked[-1]]  # ươ: on ơ; uyê: on ê
    if len(vowels) == 1:
        return [start + vowels[0]]
    closed = rhyme[-1] not in _VOWELS
    if closed:
        return [start + vowels[-1]]  # oan, uyn, oong: on the last vowel
    if len(vowels) == 3:
        return [start + vowels[1]]  # oai, oay, uya, uyu
    pair = rhyme[vowels[0]] + rhyme[vowels[1]]
    if pair in ("oa", "oe", "uy") and syl.onset != "qu":
        return [start + vowels[0], start + vowels[1]]  # hòa / hoà, thủy / thuỷ
    if syl.onset == "qu":
        return [start + vowels[-1]]
    return [start + vowels[0]]  # ai, ao, ia, ua, ưa, iu...


def render(syl: Syllable, *, old_style: bool = True) -> str:
    """Lower-case NFC spelling of ``syl``; ``old_style`` puts oa/oe/uy tones on o/u (hòa)."""
    letters = list(syl.letters)
    if syl.tone:
        spots = _tone_positions(syl)
        spot = spots[0] if old_style or len(spots) == 1 else spots[1]
        letters[spot] = letters[spot] + TONES[syl.tone]
    return unicodedata.normalize("NFC", "".join(letters))


def spellings(syl: Syllable) -> set[str]:
    """Every accepted lower-case spelling of ``syl`` (one, or two for oa/oe/uy)."""
    return {render(syl, old_style=True), render(syl, old_style=False)}


def key(token: str) -> str | None:
    """One form for a syllable, whatever its case and tone placement (``render`` old style)."""
    syl = parse(token)
    return render(syl) if syl is not None else None


def looks_vietnamese(token: str) -> bool:
    """Whether ``token`` has the shape of a Vietnamese syllable (no f/j/w/z, no foreign cluster)."""
    split = _split_marks(token)
    return split is not None and bool(_SHAPE.match(split[0]))


def case_of(token: str) -> str:
    """``"upper"``, ``"title"`` or ``"lower"`` (anything else counts as lower)."""
    letters = [ch for ch in token if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return "upper"
    if letters and letters[0].isupper() and not any(ch.isupper() for ch in letters[1:]):
        return "title"
    return "lower"


def apply_case(text: str, case: str) -> str:
    """``text`` (lower case) in ``case`` as returned by ``case_of``."""
    if case == "upper":
        return text.upper()
    if case == "title":
        return text[:1].upper() + text[1:]
    return text


_VARIANTS = {
    "a": "aăâ",
    "ă": "aăâ",
    "â": "aăâ",
    "e": "eê",
    "ê": "eê",
    "o": "oôơ",
    "ô": "oôơ",
    "ơ": "oôơ",
    "u": "uư",
    "ư": "uư",
    "d": "dđ",
    "đ": "dđ",
}
MAX_SKELETONS = 64  # letter variants tried per token at most


def mark_changes(a: Syllable, b: Syllable) -> int:
    """How many marks differ between two syllables of the same letters (tone counts one)."""
    changed = sum(x != y for x, y in zip(a.letters, b.letters, strict=False))
    return changed + (a.tone != b.tone)


@lru_cache(maxsize=32768)
def _candidates_of(letters: str, tone: int) -> tuple[tuple[Syllable, int], ...]:
    options = [_VARIANTS.get(ch, ch) for ch in letters]
    out: list[tuple[Syllable, int]] = []
    for n, combo in enumerate(itertools.product(*options)):
        if n >= MAX_SKELETONS:
            break
        skeleton = "".join(combo)
        parts = _onset_rhyme(skeleton)
        if parts is None:
            continue
        letter_changes = sum(x != y for x, y in zip(letters, skeleton, strict=True))
        for t in range(6):
            if _tone_fits(parts[1], t):
                out.append((Syllable(parts[0], parts[1], t), letter_changes + (t != tone)))
    out.sort(key=lambda item: item[1])
    return tuple(out)


def candidates(token: str, *, max_changes: int = 2) -> list[tuple[Syllable, int]]:
    """Valid syllables ``token`` may have meant, by mark changes only, with the change count.

    ``token`` itself is included (0 changes) when valid. At most ``MAX_SKELETONS`` letter
    variants are tried and candidates need at most ``max_changes`` changes.
    """
    split = _split_marks(token)
    if split is None or not split[0]:
        return []
    letters, tone, _where = split
    return [(syl, n) for syl, n in _candidates_of(letters, tone) if n <= max_changes]
