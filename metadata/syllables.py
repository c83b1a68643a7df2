"""Vietnamese syllables: whether a word is spelled like one (a check for misread marks)."""

from __future__ import annotations

import re
import unicodedata

from metadata.folding import fold

#: Initial consonants, longest first.
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip

#: Rhymes (medial, vowel and final, without the tone), as spelled after a consonant.
_RHYMES = frozenset(
    """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oc oi om on ong op ot ooc oong
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
    ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu
    y
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
    oe oen oeo oet
    uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uynh uyt uyu
    """.split()
)
#: Rhymes a syllable may take only without an initial consonant ("yên", "yêu") or after "qu".
_BARE_RHYMES = frozenset("yêm yên yêng yêt yêu".split())
_FRONT = ("i", "e", "ê", "y")
#: Tone marks (combining): grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}
_VOWEL_MARKS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
_STOPS = ("c", "ch", "p", "t")


def _untoned(word: str) -> tuple[str, list[str]] | None:
    """(the syllable without its tone mark, lower case; the tone marks), None if not letters."""
    base: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tones.append(_TONES[ch])
        elif ch in _VOWEL_MARKS or ch.isascii() and ch.isalpha() or ch == "đ":
            base.append(ch)
        else:
            return None
    return unicodedata.normalize("NFC", "".join(base)), tones


def _rhyme_ok(initial: str, rhyme: str) -> bool:
    if initial == "qu":
        return rhyme in _RHYMES and not rhyme.startswith(("o", "u")) or rhyme in _BARE_RHYMES
    if initial == "":
        return rhyme in _RHYMES or rhyme in _BARE_RHYMES
    if rhyme not in _RHYMES:
        return False
    front = rhyme.startswith(_FRONT)
    if initial in ("k", "gh", "ngh"):
        return front
    if initial in ("c", "ng") and front:
        return False
    if initial == "g" and rhyme.startswith(("e", "ê", "i")):
        return False
    labial = initial in ("b", "m", "p", "ph", "v")
    return not (labial and rhyme.startswith(("oa", "oă", "oe", "uâ", "uê", "uy")))


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (letters only, any case) is spelled like a Vietnamese syllable.

    Checks the initial consonant, the rhyme (medial, vowel, final), the spelling rules
    (k/gh/ngh before i, e, ê; c/g/ng not), at most one tone mark, and that a syllable ending
    in c, ch, p or t carries the acute or the dot below. Typical misreadings of the marks
    fail it: "chầp" (a stop with the grave), "ngưòi" (two tones), "thuc" (a stop, no tone).
    """
    parsed = _untoned(word)
    if parsed is None or not parsed[0]:
        return False
    base, tones = parsed
    if len(tones) > 1:
        return False
    if base.endswith(_STOPS) and (not tones or tones[0] not in ("sắc", "nặng")):
        return False
    for initial in _INITIALS:
        if not base.startswith(initial):
            continue
        rhyme = base[len(initial) :]
        if initial == "gi" and (rhyme == "" or rhyme[0] not in "aăâeêoôơuưy" or rhyme[0] == "y"):
            if "i" + rhyme in _RHYMES:  # "gì", "gìn" (gi + in)
                return True
            continue
        if rhyme and _rhyme_ok(initial, rhyme):
            return True
    return False


def odd_syllables(text: str) -> list[str]:
    """Words of ``text`` that cannot be Vietnamese syllables (numbers and acronyms skipped).

    Words with a digit and all-capital words without marks other than Đ (UBND, HĐND,
    COVID) are not checked; what remains and fails :func:`is_vietnamese_syllable` is a sign
    of a misread (or a foreign word, which deserves a look in a summary too).
    """
    out = []
    for raw in text.split():
        for part in re.split(r"[-–/]", raw):
            word = part.strip(".,;:()\"'“”!?…")
            if not word or any(ch.isdigit() for ch in word):
                continue
            plain = word.replace("Đ", "D")
            if word.isupper() and (len(word) == 1 or fold(plain) == plain.lower()):
                continue
            if not is_vietnamese_syllable(word):
                out.append(word)
    return out
