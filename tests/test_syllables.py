"""Vietnamese syllables: the validity test, one key for both tone placements, candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import InputError
from ocr.syllable_model import BREAK, OTHER, count_text, read_model, save_model
from ocr.syllables import (
    apply_case,
    candidates,
    case_of,
    is_valid,
    key,
    looks_vietnamese,
    parse,
    render,
    spellings,
)
from search import fold

VALID = [
    "a",
    "ở",
    "và",
    "của",
    "người",
    "được",
    "luật",
    "thống",
    "kê",
    "quy",
    "quý",
    "quyết",
    "quốc",
    "giữa",
    "gì",
    "gìn",
    "già",
    "giêng",
    "nghiêng",
    "nghĩa",
    "ghi",
    "kỳ",
    "khuỷu",
    "ngoài",
    "hòa",
    "hoà",
    "thủy",
    "thuỷ",
    "xoáy",
    "chuyển",
    "rượu",
    "thuở",
    "huỳnh",
    "khuya",
    "yêu",
    "uyên",
    "oanh",
    "việt",
    "CỘNG",
    "Hà",
    "Nội",
    "tiếng",
    "tháng",
    "năm",
]
INVALID = [
    "hoă",  # a breve on an open syllable
    "quyet",  # stop final without sắc or nặng
    "hảt",  # stop final with hỏi
    "cinh",  # c before i (k is written)
    "kanh",  # k before a (c is written)
    "ghà",  # gh before a
    "ngê",  # ng before ê (ngh is written)
    "tiên̉",  # a tone on a consonant
    "hóà",  # two tones
    "hoá́",
    "UBND",
    "facebook",
    "str",
    "ăa",
    "bq",
    "iêt",  # iê without an onset is written yê
    "quo",
    "",
]


@pytest.mark.parametrize("token", VALID)
def test_valid_syllables(token: str) -> None:
    assert is_valid(token), token


@pytest.mark.parametrize("token", INVALID)
def test_invalid_syllables(token: str) -> None:
    assert not is_valid(token), token


@pytest.mark.parametrize(
    ("old", "new"), [("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("HÒA", "HOÀ")]
)
def test_both_tone_placements_are_one_syllable(old: str, new: str) -> None:
    assert parse(old) == parse(new)
    assert key(old) == key(new) == old.lower()
    assert spellings(parse(old)) == {old.lower(), new.lower()}


def test_placement_after_qu_and_in_closed_rhymes_has_one_spelling() -> None:
    assert spellings(parse("quý")) == {"quý"}
    assert spellings(parse("toán")) == {"toán"}
    assert render(parse("tíêng")) == "tiếng"  # a tone on the wrong vowel is read, spelt right
    assert render(parse("ngừơi")) == "người"


def test_parts_of_a_syllable() -> None:
    syl = parse("Nghiêng")
    assert (syl.onset, syl.rhyme, syl.tone) == ("ngh", "iêng", 0)
    syl = parse("quyết")
    assert (syl.onset, syl.rhyme, syl.tone) == ("qu", "yêt", 2)
    assert parse("giữa").onset == "gi" and parse("gì").onset == "g"


def test_stop_finals_take_only_sac_or_nang() -> None:
    assert [render(parse(t)) for t in ("hát", "hạt")] == ["hát", "hạt"]
    for token in ("hat", "hàt", "hảt", "hãt", "ăch"):
        assert not is_valid(token), token
    stops = [syl for syl, _ in candidates("quyet", max_changes=4)]
    assert stops and {syl.tone for syl in stops} <= {2, 5}


def test_candidates_change_marks_only() -> None:
    found = {render(syl): n for syl, n in candidates("duoc", max_changes=4)}
    assert found["được"] == 4 and "duốc" in found
    assert {render(s) for s, _ in candidates("hoă")} >= {"hòa", "hoa"}
    assert dict((render(s), n) for s, n in candidates("co"))["cơ"] == 1
    assert candidates("co")[0] == (parse("co"), 0)  # the word itself first, unchanged
    for token in ("duoc", "hoă", "thong", "nuớc", "dinh"):
        for syl, _ in candidates(token, max_changes=4):
            assert fold(render(syl)) == fold(token)  # search folds them alike
    assert candidates("UBND") == [] and candidates("141") == []


def test_vietnamese_looking_tokens() -> None:
    for token in ("quyet", "nuoc", "hoă", "Duoc", "thong"):
        assert looks_vietnamese(token), token
    for token in ("software", "facebook", "Windows", "jazz", "UBND", "HĐND", "str", "x2"):
        assert not looks_vietnamese(token), token


def test_case_is_kept() -> None:
    assert [case_of(t) for t in ("hòa", "Hòa", "HÒA", "iPhone")] == [
        "lower",
        "title",
        "upper",
        "lower",
    ]
    assert apply_case("được", "title") == "Được" and apply_case("được", "upper") == "ĐƯỢC"


def test_model_is_trained_and_read_back(tmp_path: Path) -> None:
    model = count_text(["Luật này quy định về thống kê; Luật số 89/2015/QH13.", "Cộng hoà"])
    assert model.count("luật") == 2 and model.count("hòa") == 1
    assert model.bigrams[("quy", "định")] == 1
    assert model.bigrams[(BREAK, "luật")] == 2  # each text and clause starts after a break
    assert model.count(OTHER) == 3  # 89, 2015, QH13
    path = tmp_path / "m.json.gz"
    save_model(model, path)
    again = read_model(path)
    assert again.unigrams == model.unigrams and again.bigrams == model.bigrams
    assert again.bigram("quy", "định") > again.bigram("quy", "thống")
    path.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="m.json.gz"):
        read_model(path)
