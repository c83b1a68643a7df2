"""Whole-document extraction: signature block, recipients, marks, reread, validation flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from metadata import DocumentMetadata, extract_document, extract_metadata
from metadata.reread import merge_readings
from metadata.restore import restore_name_marks, restore_position_marks, restore_recipient_marks
from ocr import OcrResult, TextLine
from tests.test_metadata import HEIGHT, LEFT, MIDDLE, RIGHT, WIDTH, header, page, part, row

SIG_LEFT = 260  # "Nơi nhận" column


def signature_rows(top: int, *, prefix=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), conf=95.0):
    rows = [
        row(top, part("Nơi nhận:", SIG_LEFT), part(prefix[0], centre=RIGHT)),
        row(top + 60, part("- Như Điều 3;", SIG_LEFT), part(prefix[1], centre=RIGHT)),
        row(top + 120, part("- Bộ Nội vụ (để b/c);", SIG_LEFT), part("PHÓ CHỦ TỊCH", centre=RIGHT)),
        row(top + 180, part("- Cổng thông tin điện tử", SIG_LEFT)),
        row(top + 240, part("tỉnh;", SIG_LEFT + 30)),
        row(top + 300, part("- Lưu: VT, VX.", SIG_LEFT)),
        row(top + 420, part("Nguyễn Văn An", centre=RIGHT, conf=conf)),
    ]
    return rows


def first_page(*, extra: tuple[TextLine, ...] = (), **kwargs) -> OcrResult:
    kwargs.setdefault("number", "Số: 141/QĐ-SNV")
    rows = header(**kwargs)
    top = rows[-1].top + 150
    rows.append(row(top, part("QUYẾT ĐỊNH", centre=MIDDLE)))
    rows.append(row(top + 75, part("Về việc ban hành Quy chế văn thư", centre=MIDDLE)))
    rows.append(row(top + 300, part("Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;", 474)))
    return page(*rows, *extra)


def second_page() -> OcrResult:
    body = [
        row(200 + 60 * i, part("Điều 3. Các cơ quan chịu trách nhiệm thi hành./.", 356))
        for i in range(3)
    ]
    return page(*body, *signature_rows(600))


def test_signature_and_recipients_from_the_last_page() -> None:
    meta = extract_document([first_page(), second_page()])
    assert meta.signer_prefix.value == "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
    assert meta.signer_position.value == "PHÓ CHỦ TỊCH"
    assert meta.signer_name.value == "Nguyễn Văn An"
    assert meta.recipient_list == (
        "Như Điều 3",
        "Bộ Nội vụ (để b/c)",
        "Cổng thông tin điện tử tỉnh",  # a wrapped item joined
        "Lưu: VT, VX",
    )
    # provenance: page 2 for the signature block, page 1 for the header
    assert meta.signer_name.page == 2 and meta.recipients.page == 2
    assert meta.number.page == 1 and meta.signer_name.rule == "signature:name"
    assert meta.signer_name.box[1] == 1020
    assert meta.family.value == "administrative"
    assert not meta.needs_review, meta.review_reasons
    again = DocumentMetadata.from_dict({**meta.to_dict(), "warnings": []})
    assert again.to_dict() == meta.to_dict()


def test_one_page_document_keeps_its_signature() -> None:
    meta = extract_metadata(first_page(extra=tuple(signature_rows(1500))))
    assert meta.signer_position.value == "PHÓ CHỦ TỊCH" and meta.signer_name.page == 1
    assert meta.number_symbol == "141/QĐ-SNV"


def test_party_prefix_and_marks() -> None:
    rows = header(
        agency=("ĐẢNG BỘ TỈNH BẮC NINH", "TỈNH ỦY"),
        number="Số 57-NQ/TU",
        motto=("ĐẢNG CỘNG SẢN VIỆT NAM", " "),
    )
    top = rows[-1].top
    rows.append(row(top + 70, part("HỎA TỐC", centre=LEFT)))
    rows.append(row(top + 130, part("MẬT", centre=LEFT)))
    rows.append(row(top + 260, part("NGHỊ QUYẾT", centre=MIDDLE)))
    rows.append(row(top + 335, part("Về chuyển đổi số", centre=MIDDLE)))
    sig = signature_rows(1600, prefix=("T/M BAN THƯỜNG VỤ", "KT. BÍ THƯ"))
    meta = extract_metadata(page(*rows, *sig))
    assert meta.number_symbol == "57-NQ/TU" and meta.family.value == "party"
    assert meta.urgency.value == "HỎA TỐC" and meta.urgency.rule == "mark:urgency"
    assert meta.secrecy.value == "MẬT"
    assert meta.signer_prefix.value == "T/M BAN THƯỜNG VỤ\nKT. BÍ THƯ"
    assert meta.organ.value == "TỈNH ỦY"


def test_cong_van_addressees_and_family() -> None:
    rows = header(number="Số: 12/UBND-VX", agency=("ỦY BAN NHÂN DÂN TỈNH BẮC NINH",))
    top = rows[-1].top
    rows.append(row(top + 65, part("V/v đôn đốc số hóa tài liệu", centre=LEFT)))
    rows.append(row(top + 260, part("Kính gửi: Các sở, ban, ngành tỉnh.", centre=MIDDLE)))
    rows.append(row(top + 360, part("Thực hiện Kế hoạch số 141/KH-UBND ngày 05 tháng 3", 474)))
    meta = extract_metadata(page(*rows))
    assert meta.family.value == "cong_van"
    assert meta.addressees.value == "Các sở, ban, ngành tỉnh"
    assert meta.urgency is None and meta.secrecy is None


def test_legal_and_law_families() -> None:
    legal = extract_metadata(first_page(number="Số: 09/2025/QĐ-UBND"))
    assert legal.family.value == "legal" and not legal.notation.flags
    law = extract_metadata(first_page(number="Luật số: 33/2024/QH15", agency=("QUỐC HỘI",)))
    assert law.family is None or law.family.value == "law"


def test_validation_flags_with_reasons() -> None:
    # the year in a legal number differs from the issue year: both fields flagged
    meta = extract_metadata(
        first_page(number="Số: 09/2024/QĐ-UBND", date="Bắc Ninh, ngày 14 tháng 3 năm 2025")
    )
    assert meta.notation.value == "2024/QĐ-UBND"  # flagged, never corrected
    assert any("year" in f for f in meta.notation.flags)
    assert any("year" in f for f in meta.issued_date.flags)
    assert meta.needs_review and meta.flagged("notation")
    # HĐ read as HD under a "HỢP ĐỒNG" type line
    rows = header(number="Số: 15/HD-TTLT")
    rows.append(row(rows[-1].top + 150, part("HỢP ĐỒNG", centre=MIDDLE)))
    rows.append(row(rows[-1].top + 75, part("Số hóa tài liệu lưu trữ", centre=MIDDLE)))
    contract = extract_metadata(page(*rows))
    assert contract.type_code.flags and contract.notation.flags
    # an impossible date: no issue date, and the reason says why
    bad_date = extract_metadata(first_page(date="Bắc Ninh, ngày 31 tháng 02 năm 2025"))
    assert bad_date.issued_date is None
    assert any("31/2/2025" in w and "not a date" in w for w in bad_date.warnings)
    assert bad_date.flagged("issued_date")
    # a required field missing
    no_number = extract_metadata(first_page(number="Trang 1"))
    assert "number: required field is missing" in no_number.review_reasons


def test_low_ocr_confidence_flags_the_field() -> None:
    shaky = extract_document([first_page(), page(*signature_rows(600, conf=30.0))])
    assert shaky.signer_name.flags and "low OCR confidence" in shaky.signer_name.flags[0]
    assert shaky.flagged("signer_name") and not shaky.flagged("signer_position")


def test_merge_readings() -> None:
    merged, diffs = merge_readings("Nang cao hiệu qua", "Nâng cao hiệu quả")
    assert merged == "Nâng cao hiệu quả" and diffs == [("Nang", "Nâng"), ("qua", "quả")]
    merged, diffs = merge_readings("số hóa tài liệu", "số hoá tài lieu năm")
    assert merged == "số hóa tài liệu" and ("", "năm") in diffs
    assert merge_readings("a b", "a b") == ("a b", [])


def test_reread_hook_spells_and_flags() -> None:
    calls: list[tuple[int, tuple[int, int, int, int]]] = []
    options: list[tuple[float | None, str | None]] = []

    def reread(page_no: int, box: tuple[int, int, int, int], *, scale=None, languages=None):
        calls.append((page_no, box))
        options.append((scale, languages))
        left, top, width, height = box
        if page_no == 1 and top < 400:
            return "Số: 141/QĐ-SNV"
        if page_no == 1 and height > 100:  # type line and summary
            return "QUYẾT ĐỊNH\nVề việc ban hành Quy chế văn thư"
        return "Nguyễn Văn Ân" if page_no == 2 else ""

    meta = extract_document([first_page(), second_page()], reread=reread)
    assert {p for p, _ in calls} == {1, 2}
    # the summary (first call) is re-read in Vietnamese alone, enlarged to about 600 dpi
    assert options[0] == (2.0, "vie") and all(o == (None, None) for o in options[1:])
    assert meta.summary.value == "Về việc ban hành Quy chế văn thư" and not meta.summary.flags
    assert not meta.number.flags
    assert meta.signer_name.value == "Nguyễn Văn Ân"  # the reading with more marks
    assert any("disagree" in f for f in meta.signer_name.flags)

    def wrong_number(page_no: int, box: tuple[int, int, int, int], **_options) -> str:
        return "Số: 147/QĐ-SNV" if box[1] < 400 and page_no == 1 else ""

    flagged = extract_document([first_page()], reread=wrong_number)
    assert flagged.number.value == "141" and flagged.number.flags


def test_vocabulary_restores_marks() -> None:
    assert restore_position_marks("PHÓ CHỦ TICH") == "PHÓ CHỦ TỊCH"
    assert restore_name_marks("Dang Thi Lan") == "Đặng Thị Lan"
    assert restore_recipient_marks("Luu: VT, VP") == "Lưu: VT, VP"
    assert restore_recipient_marks("Bộ Nội vu (dé b/c)") == "Bộ Nội vụ (để b/c)"


def test_empty_document() -> None:
    meta = extract_document([])
    assert meta.number is None and meta.needs_review
    blank = OcrResult(lines=(), width=WIDTH, height=HEIGHT, dpi=300.0)
    assert extract_document([blank, blank]).signer_name is None


# --------------------------------------------------------------------------------------------
# real tesseract
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_document_with_marks_and_signature(tmp_path: Path) -> None:
    from ocr import run_ocr
    from sohoa.synthetic import random_admin_document, render_admin_document, scan_page

    # seed 1008 (variety): a 1-page document with an urgency mark
    doc = next(
        d
        for s in range(1000, 1100)
        if (d := random_admin_document(s, pages=1, variety=True)).urgency and not d.family
    )
    image = scan_page(render_admin_document(doc, dpi=300)[0], noise=8, seed=1)
    path = tmp_path / "p1.png"
    image.save(path, dpi=(300, 300))
    reading = run_ocr(path, dpi=300)

    def reread(page_no: int, box: tuple[int, int, int, int], *, scale=None, languages=None):
        factor = scale or 2
        left, top, width, height = box
        crop = image.crop((left, top, left + width, top + height))
        size = (round(crop.width * factor), round(crop.height * factor))
        crop = crop.resize(size, Image.Resampling.LANCZOS)
        crop_path = tmp_path / "crop.png"
        crop_dpi = round(300 * factor)
        crop.save(crop_path, dpi=(crop_dpi, crop_dpi))
        return run_ocr(crop_path, dpi=crop_dpi, psm=6, languages=languages or "vie+eng").text

    meta = extract_document([reading], reread=reread)
    assert meta.urgency.value == doc.urgency
    assert meta.number_symbol == doc.number_symbol
    assert meta.issued_date.value == doc.issued.isoformat()
    assert meta.signer_position.value == doc.signer_position
    assert meta.signer_prefix.value == doc.signer_prefix
    want = [r.rstrip(" ;.") for r in doc.recipients]
    got = list(meta.recipient_list)
    assert len(got) == len(want)
    # a value that differs from the truth must be flagged for review
    for name, truth in (("summary", doc.summary), ("signer_name", doc.signer_name)):
        field = getattr(meta, name)
        assert field is not None
        assert field.value == truth or meta.flagged(name), (name, field.value)


def test_blank_cover_page_is_skipped() -> None:
    blank = OcrResult(lines=(), width=WIDTH, height=HEIGHT, dpi=300.0)
    meta = extract_document([blank, first_page(), second_page()])
    assert meta.number_symbol == "141/QĐ-SNV" and meta.number.page == 2
    assert meta.summary.page == 2 and meta.signer_name.page == 3
