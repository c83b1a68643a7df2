"""The helpers shared by the metadata rules, on their own: patterns, folding and fields."""

from __future__ import annotations

from metadata.fields import confidence_flags, flagged, make_field, revised, trim_junk, with_page
from metadata.folding import fold, mark_count
from metadata.patterns import (
    DATE_RE,
    VV_RE,
    is_text,
    letters_key,
    ocr_int,
    starts_with,
    upper_ratio,
)
from ocr import Word


def _word(text: str, conf: float = 90.0, left: int = 0) -> Word:
    return Word(text, left, 10, 40, 20, conf)


def test_ocr_int_undoes_letters_read_for_digits() -> None:
    assert ocr_int("2o24") == 2024
    assert ocr_int("l5") == 15
    assert ocr_int("ab") is None


def test_header_patterns_on_folded_text() -> None:
    match = DATE_RE.search(fold("Bắc Ninh, ngày 05 tháng 3 năm 2025"))
    assert match is not None and (match["d"], match["m"], match["y"]) == ("05", "3", "2025")
    for text in ("V/v số hóa", "Vlv số hóa", "V|v số hóa"):
        assert VV_RE.match(fold(text)), text
    assert not VV_RE.match(fold("Về việc số hóa"))


def test_text_tests() -> None:
    assert upper_ratio("ỦY BAN nhân") == 5 / 9
    assert upper_ratio("123") == 0.0
    assert letters_key(fold("KẾ HOẠCH:")) == "ke hoach"
    assert is_text("SỞ NỘI VỤ") and not is_text("—— ..") and not is_text("a")
    assert starts_with("- can cu luat", ("can cu",))
    assert mark_count("Đặng Văn") == 3


def test_fields_from_words() -> None:
    words = [_word("141", 90.0, 100), _word("KH-UBND", 80.0, 150)]
    found = make_field("141", words, 0.9, "Số: 141/KH-UBND", "so_line")
    assert found.confidence == round(0.9 * 0.85, 3)
    assert found.box == (100, 10, 90, 20)
    assert found.flags == ()
    assert confidence_flags([_word("x", 30.0)])
    changed = revised(found, "142", "vocab")
    assert changed is not None and changed.rule == "so_line+vocab" and changed.value == "142"
    assert revised(found, "141", "vocab") is found
    assert flagged(flagged(found, "check"), "check").flags == ("check",)  # type: ignore[union-attr]
    assert with_page(found, 2).page == 2  # type: ignore[union-attr]
    assert [w.text for w in trim_junk([_word("—"), _word("SỞ"), _word("..")])] == ["SỞ"]
