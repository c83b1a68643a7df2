"""Summary reading: syllable check, choice between readings, vocabulary, wrapped years, V/v."""

from __future__ import annotations

import pytest

from metadata import REREAD_FIELDS, extract_document, extract_metadata
from metadata.reread import SUMMARY_LANGUAGES, merge_readings
from metadata.restore import restore_summary_marks
from metadata.syllables import is_vietnamese_syllable, odd_syllables
from tests.test_metadata import LEFT, MIDDLE, header, page, part, row, typed_page


@pytest.mark.parametrize(
    "word",
    ["người", "quyết", "Quốc", "khuyến", "nghiêng", "giữ", "gì", "yêu", "huyện", "ỦY", "xoong"],
)
def test_valid_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    [
        "ngưòi",  # two tone marks
        "chầp",  # a stop final with the grave tone
        "thuc",  # a stop final without tone: "thực" with its marks dropped
        "kong",  # k before o
        "ghá",  # gh before a
        "cê",  # c before ê
        "lẫngp",  # no such rhyme
        "dw",
    ],
)
def test_misread_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_odd_syllables_skips_numbers_and_acronyms() -> None:
    text = "Về việc thưc hiện Kế hoạch 141/KH-UBND năm 2025 về COVID-19 (HĐND)"
    assert odd_syllables(text) == ["thưc"]
    assert odd_syllables("Quy định mức chi bảo đảm cho công tác văn thư, lưu trữ") == []


def test_merge_prefers_the_valid_syllable_then_more_marks() -> None:
    merged, diffs = merge_readings("ngưòi dân thực hiện", "người dân thưc hiện")
    assert merged == "người dân thực hiện"
    assert ("ngưòi", "người") in diffs and ("thực", "thưc") in diffs
    # both valid: the reading with more marks (marks are dropped far more than invented)
    assert merge_readings("chống lang phí", "chống lãng phí")[0] == "chống lãng phí"


def test_summary_phrases_are_restored_only_as_phrases() -> None:
    assert restore_summary_marks("Quy định mức chỉ bảo dam") == "Quy định mức chi bảo đảm"
    assert restore_summary_marks("chỉnh lý tài liệu tôn đọng năm 2024") == (
        "chỉnh lý tài liệu tồn đọng năm 2024"
    )
    assert restore_summary_marks("Nang cao hiệu quả") == "Nâng cao hiệu quả"
    # a lone word is never changed: "chỉ" outside "mức chi" stays
    assert restore_summary_marks("Chỉ đạo thực hiện") == "Chỉ đạo thực hiện"


def test_summary_with_odd_syllable_is_flagged() -> None:
    meta = extract_metadata(typed_page("KẾ HOẠCH", ("Thưc hiện công tác văn thư năm 2025",)))
    assert meta.summary.value == "Thưc hiện công tác văn thư năm 2025"
    assert any("not Vietnamese syllables: Thưc" in f for f in meta.summary.flags)
    clean = extract_metadata(typed_page("KẾ HOẠCH", ("Thực hiện công tác văn thư năm 2025",)))
    assert not clean.summary.flags


def test_year_wrapped_onto_its_own_line_ends_the_summary() -> None:
    lines = ("Về việc khen thưởng tập thể, cá nhân có thành tích trong", "công tác văn thư năm")
    reading = typed_page("QUYẾT ĐỊNH", (*lines, "2020"))
    meta = extract_metadata(reading)
    assert meta.summary.value == " ".join(lines) + " 2020"


def test_vv_line_below_urgency_and_secrecy_marks() -> None:
    rows = header(number="Số: 77/STC-VP", agency=("ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "SỞ TÀI CHÍNH"))
    top = rows[-1].top
    rows.append(row(top + 70, part("THƯỢNG KHẨN", centre=LEFT)))
    rows.append(row(top + 160, part("TỐI MẬT", centre=LEFT)))
    rows.append(row(top + 245, part("V/v Tăng cường công tác", centre=LEFT)))
    rows.append(row(top + 305, part("phát triển văn hóa đọc", centre=LEFT)))
    rows.append(row(top + 430, part("Kính gửi: Các sở, ban, ngành tỉnh.", centre=MIDDLE)))
    meta = extract_document([page(*rows)])
    assert meta.summary.value == "Tăng cường công tác phát triển văn hóa đọc"
    assert meta.type_code.value == "22" and meta.type_code.rule == "cong_van:vv"
    assert (meta.urgency.value, meta.secrecy.value) == ("THƯỢNG KHẨN", "TỐI MẬT")


def test_summary_reread_alone_corrects_marks() -> None:
    reading = typed_page("KẾ HOẠCH", ("Kiem tra công tác lưu trữ",))
    calls = []

    def reread(page_no, box, *, scale=None, languages=None):
        calls.append((page_no, scale, languages))
        return "KẾ HOẠCH\nKiểm tra công tác lưu trữ"

    meta = extract_document([reading], reread=reread, reread_fields=("summary",))
    assert calls == [(1, 2.0, SUMMARY_LANGUAGES)]
    assert meta.summary.value == "Kiểm tra công tác lưu trữ"
    assert meta.summary.rule.endswith("+reread")
    assert not any("syllables" in f for f in meta.summary.flags)
    alone = extract_document([reading])
    assert any("not Vietnamese syllables: Kiem" in f for f in alone.summary.flags)
    every = []
    extract_document([reading], reread=lambda p, b, **o: every.append(o) or "")
    assert len(every) >= 2 and set(REREAD_FIELDS) >= {"summary", "number"}
    with pytest.raises(ValueError, match="unknown"):
        extract_document([reading], reread=reread, reread_fields=("date",))
