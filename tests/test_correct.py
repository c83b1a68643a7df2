"""Post-correction of recognised text: confusions fixed in context, everything else kept.

Sentences come from the two statutes the model is trained on (``ocr/data/corpus``), with the
errors tesseract's ``vie`` model makes put in by hand and given a low confidence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

import ocr
import search
from ocr.correct import MIN_CONF, correct_result
from ocr.types import OcrResult, TextLine, Word
from search import fold
from sohoa import pipeline
from sohoa.config import load_settings
from tests.batches import short_page

CORPUS = Path(ocr.__file__).parent / "data" / "corpus"
LOW = 40.0  # a confidence well below the threshold
HIGH = 97.0


def reading(*lines: str, conf: float = HIGH, low: set[str] = frozenset()) -> OcrResult:
    """A page of ``lines`` (one paragraph each); words in ``low`` (or all, at conf < MIN_CONF)
    get a low confidence."""
    out = []
    for n, text in enumerate(lines):
        words = tuple(
            Word(w, 10 * i, 50 * n, 9, 40, LOW if w in low else conf)
            for i, w in enumerate(text.split())
        )
        out.append(TextLine(words, 0, 50 * n, 1000, 40, block=n, par=0))
    return OcrResult(lines=tuple(out), width=2480, height=3508, dpi=300.0, extra={"psm": 3})


def corrected(text: str, *, low: set[str] | None = None, conf: float = HIGH) -> str:
    result = reading(text, conf=conf, low=low if low is not None else set(text.split()))
    return correct_result(result).text


@pytest.mark.parametrize(
    ("raw", "fixed", "low"),
    [
        # a grave read as a breve, on the second vowel of "oa": the placement is kept
        (
            "Căn cứ Hiến pháp nước Cộng hoă xã hội chủ nghĩa Việt Nam;",
            "Căn cứ Hiến pháp nước Cộng hoà xã hội chủ nghĩa Việt Nam;",
            {"hoă"},
        ),
        # đ read as d
        (
            "Luật này áp dụng dối với cơ quan, tổ chức, cá nhân cung cấp thông tin,",
            "Luật này áp dụng đối với cơ quan, tổ chức, cá nhân cung cấp thông tin,",
            {"dối"},
        ),
        # ư read as u, ơ read as o
        (
            "quyền, nghĩa vụ và trách nhiệm của co quan, tổ chức, cá nhân trong hoạt động "
            "thống kê, su dụng thông tin",
            "quyền, nghĩa vụ và trách nhiệm của cơ quan, tổ chức, cá nhân trong hoạt động "
            "thống kê, sử dụng thông tin",
            {"co", "su"},
        ),
        # a dropped tone and a dropped hat, between words that decide them
        (
            "Luật này quy định về hoạt động thong kê, sử dụng thông tin thống kê nhà nước;",
            "Luật này quy định về hoạt động thống kê, sử dụng thông tin thống kê nhà nước;",
            {"thong"},
        ),
        # every mark dropped from a word that is not a syllable at all, even read confidently
        (
            "thông tin thống kê duoc quy định trong chế độ báo cáo thống kê",
            "thông tin thống kê được quy định trong chế độ báo cáo thống kê",
            set(),
        ),
        # hats dropped (â, ê), a tone on the wrong vowel
        (
            "2. Chế độ báo cáo thống kê là những quy dinh và hướng dẫn do cơ quan nhà nước "
            "có thám quyền ban hành",
            "2. Chế độ báo cáo thống kê là những quy định và hướng dẫn do cơ quan nhà nước "
            "có thẩm quyền ban hành",
            {"dinh", "thám"},
        ),
        (
            "cập nhật trong các hồ sơ hành chính dạng giấy hoặc dạng điện tủ.",
            "cập nhật trong các hồ sơ hành chính dạng giấy hoặc dạng điện tử.",
            {"tủ."},
        ),
        (
            "Tíêng Việt",  # a tone mark on the wrong vowel of a word read confidently
            "Tiếng Việt",
            set(),
        ),
    ],
)
def test_known_confusions_are_corrected(raw: str, fixed: str, low: set[str]) -> None:
    assert corrected(raw, low=low) == fixed


def test_upper_case_words_are_corrected_in_upper_case() -> None:
    assert corrected("CỘNG HOÀ XÃ HỘI CHU NGHĨA VIỆT NAM", low={"CHU"}) == (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    )


def test_a_paragraph_of_statute_text_comes_out_identical() -> None:
    """Every word at a low confidence, and still nothing changes."""
    text = (CORPUS / "luat-thong-ke.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.splitlines() if len(p) > 200][:6]
    assert len(paragraphs) == 6
    result = reading(*paragraphs, conf=LOW)
    out = correct_result(result)
    assert out.text == result.text
    assert out.extra["correction"] == {"changed": 0, "raw": []}


@pytest.mark.parametrize(
    "text",
    [
        "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
        "Căn cứ Hiến pháp nước Cộng hoà xã hội chủ nghĩa Việt Nam;",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "tài nguyên nước, thủy lợi và thuỷ sản",
        "Theo Kế hoạch số 141/KH-UBND ngày 12/3/2025 và Nghị định số 15/2020/NĐ-CP,",
        "Luật số: 89/2015/QH13 gồm 12 chương, 73 điều; Chương IV, Điều XII",
        "báo cáo gửi ông Nguyễn Văn Thắng và bà Lê Thị Hoa, Sở Tài chính",
        "phần mềm Microsoft Windows, software open source và website",
        "the software can be used to test the data on line",  # English that spells syllables
        "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ",  # a place name in an upper-case header
        "liên hệ vanthu@ubnd.gov.vn hoặc https://thongke.gov.vn/du-lieu trước ngày",
        "(thống kê), “dữ liệu”; thông tin... [hành chính]!",
    ],
)
def test_left_alone(text: str) -> None:
    assert corrected(text) == text


ENGLISH = "The minister agreed to do no more than sign the plan in time for a vote on it."
FRENCH = "Le conseil a pris la décision de ne pas voter la loi en une seule fois le matin."


@pytest.mark.parametrize("text", [ENGLISH, FRENCH])
def test_a_foreign_paragraph_is_left_alone_however_unsure(text: str) -> None:
    # "to", "do", "no", "the", "in", "a", "on", "le", "la", "de" are Vietnamese syllables too
    assert corrected(text) == text


def test_on_a_mixed_page_only_the_vietnamese_paragraph_is_corrected() -> None:
    vietnamese = "Luật này quy dinh về hoạt động thong kê, sử dụng thông tin thống kê nha nước;"
    result = reading(vietnamese, ENGLISH, conf=LOW)
    lines = [line for line in correct_result(result).text.splitlines() if line]
    assert lines[0] == (
        "Luật này quy định về hoạt động thống kê, sử dụng thông tin thống kê nhà nước;"
    )
    assert lines[1] == ENGLISH


def test_vietnamese_with_every_mark_dropped_is_still_corrected() -> None:
    """A paragraph with no mark at all is still Vietnamese: nearly all its words are syllables."""
    text = "Luat nay quy dinh ve hoat dong thong ke va su dung thong tin thong ke nha nuoc"
    out = corrected(text, low=set())
    assert out != text and "quy định" in out and "thống kê" in out


def test_names_inside_a_sentence_are_kept_even_when_unsure() -> None:
    # "Đông" and "Dông" are both valid; a capitalised word mid-sentence is a name
    assert corrected("gửi ông Dông và bà Huê", low={"Dông", "Huê"}) == "gửi ông Dông và bà Huê"


def test_confident_valid_words_are_untouched() -> None:
    text = "do cơ quan nhà nước có thám quyền ban hành"
    assert corrected(text, low=set()) == text
    assert corrected(text, low={"thám"}) == "do cơ quan nhà nước có thẩm quyền ban hành"


def test_words_without_any_mark_are_looked_at_however_confident() -> None:
    """Tesseract drops every mark of a word at a confidence as high as any other."""
    text = "Luật này quy dinh về hoạt động thong kê, sử dụng thông tin thống kê nha nước;"
    assert corrected(text, low=set()) == (
        "Luật này quy định về hoạt động thống kê, sử dụng thông tin thống kê nhà nước;"
    )
    kept = "quy định về nội dung của trang thông tin"  # unmarked and right: kept
    assert corrected(kept, low=set()) == kept


def test_threshold_is_a_parameter() -> None:
    result = reading("cơ quan nhà nước có thám quyền ban hành", conf=MIN_CONF - 1)
    assert correct_result(result).text == "cơ quan nhà nước có thẩm quyền ban hành"
    assert correct_result(result, min_conf=MIN_CONF - 2).text == result.text


def test_raw_words_are_kept_and_fold_like_the_corrected_ones() -> None:
    result = reading(
        "Luật này quy dinh về hoạt động thong kê,",
        "sử dụng thông tin thống kê nha nước;",
        low={"dinh", "thong", "nha"},
    )
    out = correct_result(result)
    assert out.text == (
        "Luật này quy định về hoạt động thống kê,\n\nsử dụng thông tin thống kê nhà nước;"
    )
    correction = out.extra["correction"]
    assert correction["changed"] == 3
    assert correction["raw"] == [[0, 3, "dinh"], [0, 7, "thong"], [1, 6, "nha"]]
    assert out.extra["raw_text"] == result.text
    assert out.extra["psm"] == 3  # what the reading knew is kept
    for li, wi, raw in correction["raw"]:
        word = out.lines[li].words[wi]
        assert fold(word.text) == fold(raw)  # the folded index matches the raw form
        before = result.lines[li].words[wi]
        assert (word.left, word.top, word.width, word.conf) == (
            before.left,
            before.top,
            before.width,
            before.conf,
        )
    # the raw reading can be rebuilt from the corrected one
    lines = [list(w.text for w in ln.words) for ln in out.lines]
    for li, wi, raw in correction["raw"]:
        lines[li][wi] = raw
    assert [" ".join(ws) for ws in lines] == [ln.text for ln in result.lines]
    # and the result round-trips through the OCR JSON
    assert OcrResult.from_dict(out.to_dict()).extra["correction"] == correction


def test_an_empty_reading() -> None:
    empty = OcrResult(lines=(), width=10, height=10, dpi=300.0)
    out = correct_result(empty)
    assert out.lines == () and out.extra["correction"] == {"changed": 0, "raw": []}


def test_model_counts_pool_both_placements() -> None:
    model = ocr.load_model()
    assert model.count("hòa") > 0 and model.count("hoà") == 0  # one key for both
    assert model.bigram("cộng", "hòa") > model.bigram("cộng", "hóa")
    assert "luat-giao-dich-dien-tu.txt" not in model.sources
    assert sorted(model.sources) == ["luat-cong-nghe-thong-tin.txt", "luat-thong-ke.txt"]


def test_setting_turns_correction_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_settings(home=tmp_path).correct is True
    monkeypatch.setenv("SOHOA_CORRECT", "0")
    assert load_settings(home=tmp_path).correct is False


# Statute sentences with marks dropped by hand: tesseract reads them as printed, and the
# words are not syllables ("duoc", "quyet"), so the corrector must fix them on any reading.
PRINTED = (
    "Thông tin thống kê duoc quy định trong chế độ báo cáo thống kê. "
    "Cơ quan nhà nước có thẩm quyền quyet định chương trình điều tra thống kê."
)


@pytest.mark.slow
def test_ingest_keeps_raw_and_corrected_and_finds_both(tmp_path: Path) -> None:
    """A generated page through `sohoa ingest`: OCR JSON, catalog text, PDF/A text, search."""
    batch = tmp_path / "lo-correct"
    (batch / "HS-01").mkdir(parents=True)
    short_page(PRINTED).save(batch / "HS-01" / "tb.png", dpi=(300, 300))
    home = tmp_path / "home"
    env = {**os.environ, "SOHOA_HOME": str(home), "SOHOA_WORKERS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "sohoa", "ingest", str(batch), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (ocr_json,) = (home / "ocr").rglob("*.json")
    data = json.loads(ocr_json.read_text(encoding="utf-8"))
    correction = data["extra"]["correction"]
    raws = [raw for _, _, raw in correction["raw"]]
    assert "duoc" in raws and "quyet" in raws
    assert correction["changed"] == len(correction["raw"])
    assert "duoc" in data["extra"]["raw_text"]
    reading = OcrResult.from_dict(data)
    assert "được quy định" in reading.text and "quyết định" in reading.text
    assert "duoc" not in reading.text
    # the PDF/A text layer carries the corrected words
    (pdf,) = (home / "pdfa").rglob("*.pdf")
    with pdfplumber.open(pdf) as doc:
        layer = " ".join(page.extract_text() or "" for page in doc.pages)
    assert "được" in layer and "duoc" not in layer
    ctx = pipeline.open_context(load_settings(home=home))
    try:
        for text in ("duoc quy dinh", "quyet", "được quy định", "quyết định", "dược"):
            found = ctx.index.search(search.SearchQuery(text=text))
            assert found.total == 1, text
        exact = ctx.index.search(search.SearchQuery(text="được"))
        assert exact.hits[0].exact
        snippet = exact.hits[0].pages[0].snippet
        assert "[[được]]" in snippet and "duoc" not in snippet
    finally:
        ctx.close()
