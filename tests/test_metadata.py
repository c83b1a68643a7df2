"""Metadata extraction: rules on hand-made OCR results, then real tesseract on rendered pages."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from metadata import TYPES, DocumentMetadata, Field, extract_metadata, fold
from metadata.folding import fold_with_map
from metadata.restore import restore_agency_marks
from ocr import OcrResult, TextLine, Word

# --------------------------------------------------------------------------------------------
# hand-made OCR results: an A4 page at 300 dpi, 24 px per character, 50 px high words
# --------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 2480, 3508
CHAR, SPACE, LINE_H = 24, 20, 50


def _text_width(text: str) -> int:
    words = text.split()
    return sum(CHAR * len(w) for w in words) + SPACE * (len(words) - 1)


def part(text: str, left: int | None = None, *, centre: int | None = None, conf: float = 95.0):
    if left is None:
        assert centre is not None
        left = centre - _text_width(text) // 2
    return text, left, conf


def row(top: int, *parts) -> TextLine:
    words = []
    for text, left, conf in parts:
        x = left
        for t in text.split():
            words.append(Word(t, x, top, CHAR * len(t), LINE_H, conf))
            x += CHAR * len(t) + SPACE
    right = max(w.right for w in words)
    return TextLine(tuple(words), words[0].left, top, right - words[0].left, LINE_H)


def page(*rows: TextLine) -> OcrResult:
    return OcrResult(lines=tuple(rows), width=WIDTH, height=HEIGHT, dpi=300.0)


LEFT, RIGHT, MIDDLE = 580, 1840, 1290  # column centres and the type line's centre


def header(
    *,
    agency: tuple[str, ...] = ("UBND TỈNH BẮC NINH", "SỞ NỘI VỤ"),
    number: str = "Số: 141/KH-SNV",
    date: str = "Bắc Ninh, ngày 14 tháng 3 năm 2025",
    motto: tuple[str, str] = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
) -> list[TextLine]:
    """The two header columns, merged line by line as tesseract often returns them."""
    rows = []
    top = 178
    for i in range(max(len(agency), 2)):
        parts = []
        if i < len(agency):
            parts.append(part(agency[i], centre=LEFT))
        if i < 2:
            parts.append(part(motto[i], centre=RIGHT))
        rows.append(row(top, *parts))
        top += 64
    rows.append(row(top + 40, part(number, centre=LEFT), part(date, centre=RIGHT)))
    return rows


def typed_page(type_line: str, summary: tuple[str, ...], **kwargs) -> OcrResult:
    rows = header(**kwargs)
    top = rows[-1].top + 150
    rows.append(row(top, part(type_line, centre=MIDDLE)))
    for text in summary:
        top += 75
        rows.append(row(top, part(text, centre=MIDDLE)))
    rows.append(row(top + 220, part("Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;", 474)))
    rows.append(row(top + 295, part("Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 5", 356)))
    return page(*rows)


# --------------------------------------------------------------------------------------------
# folding and vocabulary
# --------------------------------------------------------------------------------------------


def test_fold_removes_marks_and_maps_d() -> None:
    assert fold("Quyết Định") == "quyet dinh"
    assert fold("ĐỀ ÁN") == "de an"
    assert fold("Hòa, hoà, HOÀ") == "hoa, hoa, hoa"
    assert fold("QÐ") == "qd"  # eth, which OCR emits for Đ
    text = "Số: 141"
    folded, index = fold_with_map(text)
    assert folded == "so: 141" and len(index) == len(folded)


def test_types_code_list() -> None:
    assert len(TYPES) == 32
    assert TYPES["10"] == "Kế hoạch" and TYPES["22"] == "Công văn" and TYPES["32"] == "Khác"


def test_agency_marks_are_restored_only_for_known_words() -> None:
    assert (
        restore_agency_marks("UY BAN NHÂN DÂN TÍNH NINH BÌNH") == "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH"
    )
    assert restore_agency_marks("SỞ VAN HOA, THỂ") == "SỞ VĂN HÓA, THỂ"
    assert restore_agency_marks("BAN QUẢN LÝ KHU KINH TẾ") == "BAN QUẢN LÝ KHU KINH TẾ"


# --------------------------------------------------------------------------------------------
# rules on hand-made pages
# --------------------------------------------------------------------------------------------


def test_typed_document_with_merged_header_lines() -> None:
    meta = extract_metadata(typed_page("KẾ HOẠCH", ("Về việc số hóa tài liệu lưu trữ", "năm 2025")))
    assert meta.number.value == "141" and meta.notation.value == "KH-SNV"
    assert meta.number_symbol == "141/KH-SNV"
    assert meta.issued_date.value == "2025-03-14"
    assert meta.place.value == "Bắc Ninh"
    assert (meta.type_code.value, meta.type_name.value) == ("10", "Kế hoạch")
    assert meta.organ.value == "SỞ NỘI VỤ"
    assert meta.parent_organ.value == "UBND TỈNH BẮC NINH"
    assert meta.summary.value == "Về việc số hóa tài liệu lưu trữ năm 2025"
    assert meta.warnings == ()
    # provenance: raw text, rule, box and confidence
    assert meta.number.raw == "Số: 141/KH-SNV" and meta.number.rule == "so_line"
    assert "Căn cứ" not in meta.summary.raw
    left, top, width, height = meta.organ.box
    assert top == 242 and width > 0 and height == LINE_H and left < LEFT
    assert 0.85 < meta.number.confidence <= 0.95


def test_ocr_damage_in_keywords() -> None:
    meta = extract_metadata(
        typed_page(
            "QUYET ĐINH",
            ("Ban hành Quy chế công tác văn thư",),
            number="S6:141 / QD - UBND",
            date="Hà Nội, ngay 5 thang 3 nam 2025",
            agency=("UY BAN NHÂN DÂN TÍNH BẮC NINH",),
        )
    )
    assert meta.number_symbol == "141/QĐ-UBND"  # Đ restored from the type line
    assert meta.notation.rule.endswith("+vocab") and meta.notation.raw == "S6:141 / QD - UBND"
    assert meta.issued_date.value == "2025-03-05"
    assert meta.type_code.value == "02" and meta.type_name.value == "Quyết định"
    assert meta.organ.value == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"
    assert meta.parent_organ is None
    assert meta.summary.value == "Ban hành Quy chế công tác văn thư"


@pytest.mark.parametrize(
    "label",
    ["Số: 141/KH-SNV", "Số:141/KH-SNV", "S6: 141/KH-SNV", "Sô 141 / KH-SNV", "SỐ: 141/KH- SNV"],
)
def test_number_label_variants(label: str) -> None:
    meta = extract_metadata(typed_page("KẾ HOẠCH", ("Số hóa tài liệu",), number=label))
    assert meta.number_symbol == "141/KH-SNV"


def test_legal_number_and_year_check() -> None:
    meta = extract_metadata(
        typed_page("QUYẾT ĐỊNH", ("Ban hành Quy định",), number="Số: 09/2025/QĐ-UBND")
    )
    assert (meta.number.value, meta.notation.value) == ("09", "2025/QĐ-UBND")
    assert meta.warnings == ()
    wrong_year = extract_metadata(
        typed_page(
            "QUYẾT ĐỊNH",
            ("Ban hành Quy định",),
            number="Số: 09/2025/QĐ-UBND",
            date="Bắc Ninh, ngày 14 tháng 3 năm 2026",
        )
    )
    assert wrong_year.notation.value == "2025/QĐ-UBND"  # flagged, not corrected
    assert any("issue year" in w for w in wrong_year.warnings)


def test_party_number() -> None:
    meta = extract_metadata(
        typed_page(
            "NGHỊ QUYẾT",
            ("Về chuyển đổi số",),
            number="Số 57-NQ/TW",
            agency=("BAN CHẤP HÀNH TRUNG ƯƠNG",),
        )
    )
    assert (meta.number.value, meta.notation.value) == ("57", "NQ/TW")
    assert meta.number_symbol == "57-NQ/TW"


def test_symbol_and_type_line_disagreement_is_flagged() -> None:
    meta = extract_metadata(
        typed_page("HỢP ĐỒNG", ("Số hóa tài liệu lưu trữ",), number="Số: 15/HD-TTLT")
    )
    assert meta.type_code.value == "21"
    assert meta.notation.value == "HĐ-TTLT"
    assert any("disagrees" in w for w in meta.warnings)


def test_cong_van_with_vv_lines() -> None:
    rows = header(number="Số: 12/UBND-VX", agency=("ỦY BAN NHÂN DÂN TỈNH BẮC NINH",))
    top = rows[-1].top
    rows.append(row(top + 65, part("V/v đôn đốc thực hiện số hóa", centre=LEFT)))
    rows.append(row(top + 125, part("tài liệu lưu trữ năm 2025", centre=LEFT)))
    rows.append(row(top + 260, part("Kính gửi: Các sở, ban, ngành tỉnh.", centre=MIDDLE)))
    rows.append(row(top + 360, part("Thực hiện Kế hoạch số 141/KH-UBND ngày 05 tháng 3", 474)))
    meta = extract_metadata(page(*rows))
    assert (meta.type_code.value, meta.type_name.value) == ("22", "Công văn")
    assert meta.type_code.rule == "cong_van:vv"
    assert meta.summary.value == "đôn đốc thực hiện số hóa tài liệu lưu trữ năm 2025"
    assert meta.number_symbol == "12/UBND-VX"
    assert meta.organ.value == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"


def test_cong_van_recognised_from_its_symbol() -> None:
    rows = header(number="Số: 12/UBND-VX")
    rows.append(row(rows[-1].top + 300, part("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh", 474)))
    meta = extract_metadata(page(*rows))
    assert meta.type_code.value == "22" and meta.type_code.rule == "cong_van:symbol"
    assert meta.summary is None


def test_wrapped_organ_name_with_parent() -> None:
    meta = extract_metadata(
        typed_page(
            "BÁO CÁO",
            ("Kết quả số hóa tài liệu năm 2024",),
            agency=("UBND TỈNH BẮC NINH", "TRUNG TÂM CÔNG NGHỆ", "THÔNG TIN VÀ TRUYỀN THÔNG"),
        )
    )
    assert meta.organ.value == "TRUNG TÂM CÔNG NGHỆ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert meta.organ.rule == "agency_column:wrapped"
    assert meta.parent_organ.value == "UBND TỈNH BẮC NINH"
    assert meta.organ.raw == "TRUNG TÂM CÔNG NGHỆ\nTHÔNG TIN VÀ TRUYỀN THÔNG"


def test_citation_dates_are_not_the_issue_date() -> None:
    rows = header(date="Bắc Ninh")  # no date on the place line
    rows.append(row(rows[-1].top + 300, part("Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;", 474)))
    meta = extract_metadata(page(*rows))
    assert meta.issued_date is None


def test_impossible_date_is_rejected() -> None:
    meta = extract_metadata(
        typed_page("KẾ HOẠCH", ("Số hóa",), date="Bắc Ninh, ngày 31 tháng 02 năm 2025")
    )
    assert meta.issued_date is None


def test_summary_stops_at_the_body() -> None:
    meta = extract_metadata(typed_page("THÔNG BÁO", ("Lịch tiếp công dân tháng 3 năm 2025",)))
    assert meta.summary.value == "Lịch tiếp công dân tháng 3 năm 2025"
    assert meta.type_code.value == "07"


def test_empty_and_unrelated_pages() -> None:
    empty = extract_metadata(page(row(500, part("Trang trắng", 400))))
    assert all(getattr(empty, name) is None for name in DocumentMetadata.FIELD_NAMES)
    assert empty.number_symbol is None
    nothing = extract_metadata(OcrResult(lines=(), width=WIDTH, height=HEIGHT, dpi=300.0))
    assert nothing.to_dict() == {name: None for name in DocumentMetadata.FIELD_NAMES}


def test_confidence_uses_word_confidences() -> None:
    sure = extract_metadata(typed_page("KẾ HOẠCH", ("Số hóa",), number="Số: 141/KH-SNV"))
    rows = header()
    number_line = rows[-1]
    shaky = TextLine(
        tuple(Word(w.text, w.left, w.top, w.width, w.height, 40.0) for w in number_line.words),
        number_line.left,
        number_line.top,
        number_line.width,
        number_line.height,
    )
    unsure = extract_metadata(page(*rows[:-1], shaky))
    assert unsure.number.confidence < sure.number.confidence
    unknown = TextLine(
        tuple(Word(w.text, w.left, w.top, w.width, w.height, -1.0) for w in number_line.words),
        number_line.left,
        number_line.top,
        number_line.width,
        number_line.height,
    )
    from_pdf = extract_metadata(page(*rows[:-1], unknown))
    assert from_pdf.number.confidence == 0.95  # the rule's certainty alone


def test_to_dict_round_trip() -> None:
    meta = extract_metadata(typed_page("KẾ HOẠCH", ("Số hóa tài liệu",)))
    data = meta.to_dict()
    assert set(data) == set(DocumentMetadata.FIELD_NAMES)
    assert data["number"]["value"] == "141" and isinstance(data["number"]["box"], list)
    assert data["parent_organ"]["rule"] == "agency_column:parent"
    again = DocumentMetadata.from_dict(data)
    assert again.to_dict() == data
    assert Field.from_dict(data["summary"]) == meta.summary


# --------------------------------------------------------------------------------------------
# real tesseract on rendered documents
# --------------------------------------------------------------------------------------------


#: Generated documents covering the header variants: công văn (4, 25), legal number (24),
#: wrapped organ names (2, 12, 24, 25, 28), parent organs (1, 2, 7, 12, 25, 28) and none
#: (0, 5, 13, 24), Đ in the symbol (7, 13, 24) and ten types.
SEEDS = (0, 1, 2, 4, 5, 7, 12, 13, 24, 25, 28)


def test_picked_documents_cover_the_variants() -> None:
    from sohoa.synthetic import balanced_wrap, random_admin_document

    docs = [random_admin_document(s) for s in SEEDS]
    assert any(d.type_code == "22" for d in docs)
    assert any(d.notation.count("/") == 1 for d in docs)  # legal family
    assert any(d.parent_organ for d in docs) and any(not d.parent_organ for d in docs)
    assert any(
        len(balanced_wrap(d.organ, width_mm=80.0, size_pt=12.5, bold=True)) > 1 for d in docs
    )
    assert len({d.type_code for d in docs}) >= 6


@pytest.fixture(scope="module")
def recognised(tmp_path_factory) -> dict[int, OcrResult]:
    from ocr import run_ocr
    from sohoa.synthetic import random_admin_document, render_admin_document, scan_page

    folder: Path = tmp_path_factory.mktemp("metadata-ocr")

    def one(seed: int) -> tuple[int, OcrResult]:
        doc = random_admin_document(seed)
        image = scan_page(render_admin_document(doc, dpi=300)[0], noise=12, seed=seed)
        path = folder / f"{seed}.png"
        image.save(path, dpi=(300, 300))
        return seed, run_ocr(path, dpi=300)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, SEEDS))


@pytest.mark.parametrize("seed", SEEDS)
def test_fields_from_real_ocr(seed: int, recognised: dict[int, OcrResult]) -> None:
    from sohoa.synthetic import random_admin_document

    doc = random_admin_document(seed)
    meta = extract_metadata(recognised[seed])
    got = {
        "number_symbol": meta.number_symbol,
        "issued": meta.issued_date and meta.issued_date.value,
        "type": meta.type_code and meta.type_code.value,
        "type_name": meta.type_name and meta.type_name.value,
        "organ": meta.organ and meta.organ.value,
        "parent": meta.parent_organ.value if meta.parent_organ else "",
        "summary": meta.summary and meta.summary.value,
        "place": meta.place and meta.place.value,
    }
    want = {
        "number_symbol": doc.number_symbol,
        "issued": doc.issued.isoformat(),
        "type": doc.type_code,
        "type_name": doc.type_name,
        "organ": doc.organ,
        "parent": doc.parent_organ,
        "summary": doc.summary,
        "place": doc.place,
    }
    assert got == want
    assert all(0.5 < getattr(meta, n).confidence <= 1.0 for n in ("number", "issued_date", "organ"))
