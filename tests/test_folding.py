"""Vietnamese normalisation, folding and query parsing (search.folding, search.query)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from errors import QueryError
from search import fold, looks_like_number, lower, normalize, number_key, parse_query
from search.query import tokenize

TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]  # sắc huyền hỏi ngã nặng
VOWELS = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i", "o": "o", "ô": "o",
          "ơ": "o", "u": "u", "ư": "u", "y": "y"}  # fmt: skip


def test_d_with_stroke_folds_to_d() -> None:
    assert fold("đ") == "d"
    assert fold("Đ") == "d"
    assert fold("Đà Nẵng, đường Điện Biên") == "da nang, duong dien bien"


@pytest.mark.parametrize("vowel", list(VOWELS))
@pytest.mark.parametrize("tone", TONES)
def test_every_vowel_with_every_tone_folds(vowel: str, tone: str) -> None:
    toned = unicodedata.normalize("NFC", vowel + tone)
    assert len(toned) == 1  # Vietnamese has a precomposed character for each
    assert fold(toned) == VOWELS[vowel]
    assert fold(toned.upper()) == VOWELS[vowel]
    assert lower(toned.upper()) == toned


def test_words_fold() -> None:
    assert fold("Quyết định") == "quyet dinh"
    assert fold("QUYẾT ĐỊNH") == "quyet dinh"
    assert fold("Cộng hòa xã hội chủ nghĩa Việt Nam") == "cong hoa xa hoi chu nghia viet nam"
    assert fold("Độc lập - Tự do - Hạnh phúc") == "doc lap - tu do - hanh phuc"
    # The five words folding merges: they stay distinct in the exact form.
    words = ["ma", "má", "mà", "mả", "mã", "mạ"]
    assert {fold(w) for w in words} == {"ma"}
    assert len({lower(w) for w in words}) == 6


def test_nfd_input_is_normalised() -> None:
    text = "Quyết định về việc thành lập Hội đồng Thi đua - Khen thưởng"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert normalize(nfd) == text
    assert fold(nfd) == fold(text)
    assert len(fold(nfd)) == len(text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("Cộng hoà", "Cộng hòa"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("thuỷ lợi", "thủy lợi"),
        ("Uỷ ban", "Ủy ban"),
        ("UỶ BAN", "ỦY BAN"),
        ("khoá học", "khóa học"),
        ("khoẻ", "khỏe"),
        ("hoạ sĩ", "họa sĩ"),
        ("tuỳ ý", "tùy ý"),
        ("luỹ kế", "lũy kế"),
    ],
)
def test_old_tone_placement_is_unified(old: str, new: str) -> None:
    assert normalize(old) == new
    assert normalize(unicodedata.normalize("NFD", old)) == new
    assert normalize(new) == new


@pytest.mark.parametrize(
    "word", ["quý", "Quỳnh", "QUÝ", "hoàng", "Huỳnh", "toán", "khuyến", "thuyền", "hoặc", "uyên"]
)
def test_tone_placement_leaves_other_syllables(word: str) -> None:
    assert normalize(word) == word


def _random_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    pool = list("aăâeêioôơuưydđĐAĂÂEÊIOÔƠUƯYbcghklmnpqrstvx0123456789 ,.;:/-\n\t")
    pool += ["İ", "ß", "ǅ", "Ω", "😀", "\u00d0", "\u0301", "\u0323", "\u0309", "\u00a0", "ﬁ"]
    texts = []
    for _ in range(count):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.5:
            s = unicodedata.normalize("NFD", s)
        texts.append(s)
    return texts


def test_fold_preserves_length_and_offsets() -> None:
    for s in _random_texts(500):
        norm = normalize(s)
        folded = fold(s)
        assert len(folded) == len(norm), s
        assert len(lower(s)) == len(norm), s
        # Character by character: each folded character comes from the one at its offset.
        for i, ch in enumerate(norm):
            assert folded[i] == fold(ch), (s, i)


def test_normalize_and_fold_are_idempotent() -> None:
    for s in _random_texts(300, seed=11):
        assert normalize(normalize(s)) == normalize(s)
        assert fold(fold(s)) == fold(s)


def test_tokenize_splits_like_the_index() -> None:
    assert tokenize("Số: 141/KH-UBND") == [("số", "so"), ("141", "141"), ("kh", "kh"),
                                           ("ubnd", "ubnd")]  # fmt: skip
    assert tokenize("a_b 😀 (x)") == [("a", "a"), ("b", "b"), ("x", "x")]


def test_parse_query_words_phrases_and_exclusions() -> None:
    q = parse_query('quyết định "chuyển đổi số" -"ma túy" -hoà')
    assert [t.folded for t in q.include] == [("quyet",), ("dinh",), ("chuyen", "doi", "so")]
    assert [t.quoted for t in q.include] == [False, False, True]
    assert [t.exact for t in q.exclude] == [("ma", "túy"), ("hòa",)]
    assert q.match_folded() == ('folded : "quyet" AND folded : "dinh" AND folded : "chuyen doi so"')
    assert q.match_excluded() == 'folded : "ma tuy" OR folded : "hoa"'
    assert q.match_phrase() == 'folded : "quyet dinh"'
    # Accented terms check the exact column; unaccented ones accept any accents.
    assert parse_query("quyết dinh").match_exact() == 'exact : "quyết" AND folded : "dinh"'
    # Beside the bare phrase (which implies them) the bare words are not repeated.
    assert q.match_folded(beside_phrase=True) == 'folded : "chuyen doi so"'
    assert q.match_exact(beside_phrase=True) == (
        'exact : "quyết" AND exact : "định" AND folded : "chuyen doi so" AND exact : "chuyển" '
        'AND exact : "đổi" AND exact : "số"'
    )
    assert parse_query("quyết dinh").match_exact(beside_phrase=True) == 'exact : "quyết"'
    assert parse_query("quyet dinh").match_folded(beside_phrase=True) == ""


def test_parse_query_unbalanced_quote_and_operators_are_plain_words() -> None:
    q = parse_query('"kế hoạch NEAR(a OR b)* col:x')
    assert len(q.include) == 1 and q.include[0].quoted
    assert q.include[0].folded == ("ke", "hoach", "near", "a", "or", "b", "col", "x")
    q = parse_query("a OR b AND NOT c")
    assert [t.folded for t in q.include] == [("a",), ("or",), ("b",), ("and",), ("not",), ("c",)]


@pytest.mark.parametrize("text", ["", "   ", "***", '""', "-", "😀 😀", "( ) : ^", "-ma -mà"])
def test_parse_query_without_words_raises_query_error(text: str) -> None:
    with pytest.raises(QueryError):
        parse_query(text)


def test_parse_query_limits() -> None:
    with pytest.raises(QueryError):
        parse_query("a " * 100)
    with pytest.raises(QueryError):
        parse_query("x" * 5000)


@pytest.mark.parametrize(
    "number",
    [
        "141/KH-UBND",
        "09/2025/QĐ-UBND",
        "57-NQ/TW",
        "12/UBND-VX",
        "33/2024/QH15",
        "06-Ctr/HU",
        "Số: 141/KH-UBND",
        "141 / KH-UBND",
    ],  # fmt: skip
)
def test_looks_like_number(number: str) -> None:
    assert looks_like_number(number)


@pytest.mark.parametrize("text", ["quyết định", "141", "2025", "a/b", "ủy ban 141/KH-UBND", ""])
def test_does_not_look_like_number(text: str) -> None:
    assert not looks_like_number(text)


def test_number_key_is_tolerant_of_case_spaces_and_accents() -> None:
    key = number_key("09/2025/QĐ-UBND")
    assert key == "09/2025/qd-ubnd"
    assert number_key("09/2025/qđ-ubnd") == key
    assert number_key(" 09 / 2025 / QĐ – UBND ") == key
    assert number_key("Số: 09/2025/QĐ-UBND") == key
    assert number_key("57-NQ/TW") != number_key("57/NQ-TW")
