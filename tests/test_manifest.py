"""Manifests of staff-entered record and document fields; derived record fields.

Fast tests read generated CSV/XLSX files and apply them at intake (no OCR); the module
fixture runs the real pipeline (tesseract) over three one-page documents with a manifest at
the top of the batch, then checks precedence over extraction, derived fields, the TT05 EAD
and ``sohoa record show``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

import search
from archive import merge_staff_fields, record_summary
from archive import schema as t
from archive.export import export_record, tt05_date
from archive.records import find_record, records_overview
from archive.review import documents_to_review
from errors import InputError
from ingest import read_manifest
from ingest.columns import COLUMNS, column_key, match_column
from ingest.discover import plan_batch
from sohoa import pipeline
from sohoa.cli import cli
from sohoa.config import load_settings
from sohoa.runner import run_embedded
from sohoa.synthetic import degrade, random_admin_document, render_admin_document


def _csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", bom: bool = True) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8-sig" if bom else "utf-8"))
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _blank_png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("L", (120, 160), 255)
    image.putpixel((len(str(path)) % 120, 5), 0)  # a distinct file (checksum) per name
    image.putpixel((5, sum(map(ord, path.name)) % 160), 0)
    image.save(path, dpi=(200, 200))


# --------------------------------------------------------------------------------- reading


def test_csv_with_tt05_tags_semicolons_and_bom(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "m.csv",
        [
            [
                "fileCode",
                "title",
                "maintenance",
                "mode",
                "language",
                "fileName",
                "issuedDate",
                "typeName",
                "codeNumber",
                "codeNotation",
                "organName",
                "subject",
                "numberOfPage",
            ],
            ["HS-01", "Hồ sơ A", "01", "3", "01,02", "", "", "", "", "", "", "", ""],
            [
                "HS-01",
                "",
                "",
                "",
                "",
                "HS-01/a.tif",
                "14/03/2025",
                "10",
                "141",
                "KH-UBND",
                "UBND TỈNH BẮC NINH",
                "Về việc số hóa",
                "2",
            ],
        ],
        delimiter=";",
    )
    m = read_manifest(path)
    assert m.problems == [] and m.unknown_columns == []
    (rec,), (doc,) = m.records, m.documents
    assert rec.values == {
        "fileCode": "HS-01",
        "title": "Hồ sơ A",
        "maintenance": "01",
        "mode": "03",
        "language": "01,02",
    }
    assert doc.values["issuedDate"] == "2025-03-14"
    assert doc.values["typeName"] == "10|Kế hoạch"
    assert doc.values["fileName"] == "HS-01/a.tif" and doc.row == 3


def test_delimiter_is_read_from_the_column_names(tmp_path: Path) -> None:
    # the title "Ngày, tháng, năm văn bản" holds two commas: still a semicolon file
    path = tmp_path / "m.csv"
    path.write_text("Tên tệp;Ngày, tháng, năm văn bản\na.png;01/02/2020\n", encoding="utf-8")
    (doc,) = read_manifest(path).documents
    assert doc.values == {"fileName": "a.png", "issuedDate": "2020-02-01"}


def test_vietnamese_titles_and_circular_02_names_fold_case_and_spaces(tmp_path: Path) -> None:
    # Vietnamese TT05 titles, Circular 02/2019 names ("Thời hạn bảo quản", "Chú giải",
    # "Số lượng trang của văn bản"), written without accents, in capitals or spaced oddly.
    header = [
        "MÃ HỒ SƠ",
        "tieu de ho so",
        "Thời hạn bảo quản",
        "Chế  độ sử dụng",
        "Chu giai",
        "Tên tệp",
        "Ngày, tháng, năm văn bản",
        "Ten loai van ban",
        "Số và ký hiệu văn bản",
        "Trích yếu nội dung",
        "Số lượng trang của văn bản",
    ]
    path = _csv(
        tmp_path / "m.csv",
        [
            header,
            ["HS-02", "Hồ sơ B", "Vĩnh viễn", "Công khai", "ghi chú", "", "", "", "", "", ""],
            [
                "HS-02",
                "",
                "",
                "",
                "",
                "x.png",
                "2025-01-07",
                "Quyết định",
                "57-NQ/TW",
                "Về việc thử",
                "1",
            ],
        ],
        bom=False,
    )
    m = read_manifest(path)
    assert m.problems == []
    rec, doc = m.records[0].values, m.documents[0].values
    assert rec["maintenance"] == "01" and rec["mode"] == "01" and rec["description"] == "ghi chú"
    assert doc["typeName"] == "02|Quyết định" and doc["issuedDate"] == "2025-01-07"
    assert doc["numberSymbol"] == "57|NQ/TW|-" and doc["numberOfPage"] == "1"
    # every alias of the table finds its own column
    for col in COLUMNS:
        for alias in (col.key, *col.tt05, *col.c02, *col.other):
            assert match_column(alias) == col.key, alias
    assert column_key("Ngày, tháng, năm văn bản") == column_key("ngay thang nam VAN BAN")


def test_xlsx_sheets_for_records_and_documents(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "m.xlsx",
        {
            "Hồ sơ": [["fileCode", "Tiêu đề hồ sơ", "Thời hạn lưu trữ"], ["HS-03", "Tiêu đề", 4]],
            "Văn bản": [
                ["Mã hồ sơ", "Số thứ tự văn bản", "Ngày, tháng, năm văn bản", "Tên loại văn bản"],
                ["HS-03", 1, dt.datetime(2024, 5, 6), 14],
            ],
        },
    )
    m = read_manifest(path)
    assert m.problems == []
    assert m.records[0].values["maintenance"] == "04" and m.records[0].sheet == "Hồ sơ"
    doc = m.documents[0].values
    assert doc["docOrdinal"] == "1" and doc["issuedDate"] == "2024-05-06"
    assert doc["typeName"] == "14|Báo cáo"
    # one sheet, any name: its first sheet, rows told apart by their document columns
    single = _xlsx(
        tmp_path / "one.xlsx",
        {"Sheet1": [["fileCode", "title", "fileName"], ["HS-04", "T", None], ["HS-04", None, "a"]]},
    )
    m = read_manifest(single)
    assert [r.kind for r in m.records + m.documents] == ["record", "document"]


def test_bad_rows_are_reported_with_file_row_and_column_and_skipped(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "lo-1" / "manifest.csv",
        [
            [
                "Mã hồ sơ",
                "Chế độ sử dụng",
                "Thời hạn bảo quản",
                "Tên tệp",
                "Ngày, tháng, năm văn bản",
                "Cột lạ",
            ],
            ["HS-05", "05", "01", "", "", "x"],  # 2: bad access mode
            ["HS-06", "01", "99 năm", "", "", ""],  # 3: bad retention
            ["HS-05", "", "", "HS-05/a.png", "31/02/2024", ""],  # 4: impossible date
            ["HS-05", "", "", "HS-05/b.png", "3.4.2024", ""],  # 5: good
            ["HS-05", "", "", "HS-05/b.png", "3.4.2024", ""],  # 6: duplicate of 5
            ["HS-07", "02", "Vĩnh viễn", "", "", ""],  # 7: good
            ["", "01", "", "", "", ""],  # 8: a record row without a record code
        ],
    )
    m = read_manifest(path)
    text = [str(p) for p in m.problems]
    assert len(text) == 5, text
    assert text[0].startswith("manifest.csv, row 2, column 'Chế độ sử dụng':")
    assert "01 public" in text[0]
    assert text[1].startswith("manifest.csv, row 3, column 'Thời hạn bảo quản':")
    assert text[2].startswith("manifest.csv, row 4, column 'Ngày, tháng, năm văn bản':")
    assert "not a real date" in text[2]
    assert text[3].startswith("manifest.csv, row 8:") and "record code" in text[3]
    assert text[4].startswith("manifest.csv, row 6:") and "row 5" in text[4]
    assert [r.row for r in m.records] == [7] and [r.row for r in m.documents] == [5]
    assert m.documents[0].values["issuedDate"] == "2024-04-03"
    assert m.unknown_columns == ["Cột lạ"] and "'Cột lạ'" in m.warnings[0]
    with pytest.raises(InputError, match="names no TT05"):
        read_manifest(_csv(tmp_path / "bad.csv", [["a", "b"], ["1", "2"]]))
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="broken.xlsx cannot be read as an Excel workbook"):
        read_manifest(tmp_path / "broken.xlsx")
    (tmp_path / "latin.csv").write_bytes("Mã hô sô\nHS-1\n".encode("latin-1"))
    with pytest.raises(InputError, match="CSV UTF-8"):
        read_manifest(tmp_path / "latin.csv")


def test_staff_fields_win_over_extracted_ones_without_review_flags() -> None:
    extracted = {
        "number": "141/KH-UBND",
        "issued_date": "2025-03-14",
        "type_code": "10",
        "type_name": "Kế hoạch",
        "organ": "UBND",
        "summary": "Ve viec so hoa",
        "fields": {
            "summary": {"value": "Ve viec so hoa", "rule": "summary", "flags": ["low OCR"]},
            "organ": {"value": "UBND", "rule": "organ", "flags": []},
            "warnings": ["summary: required field is missing", "organ: odd"],
            "needs_review": True,
        },
    }
    staff = {
        "summary": {"value": "Về việc số hóa", "rule": "manifest", "confidence": 1.0, "flags": []},
        "organ": {"value": "UBND", "rule": "organ", "flags": []},  # extracted: not staff
    }
    merged = merge_staff_fields(extracted, staff)
    assert merged["summary"] == "Về việc số hóa" and merged["organ"] == "UBND"
    item = merged["fields"]["summary"]
    assert item["rule"] == "manifest" and item["flags"] == []
    assert item["extracted"] == "Ve viec so hoa"
    assert merged["fields"]["warnings"] == ["organ: odd"] and merged["fields"]["needs_review"]
    assert merge_staff_fields(extracted, {}) is extracted


def test_discover_leaves_the_manifest_out(tmp_path: Path) -> None:
    root = tmp_path / "lo"
    _blank_png(root / "HS-A" / "a.png")
    _blank_png(root / "b.png")
    _csv(root / "Manifest.CSV", [["fileCode"], ["HS-A"]])
    other = _csv(root / "HS-A" / "metadata.csv", [["fileCode"], ["HS-A"]])
    names = {d.name for _, d in plan_batch(root, skip=[other]).documents}
    assert names == {"HS-A/a.png", "b.png"}
    assert "HS-A/metadata.csv" in {d.name for _, d in plan_batch(root).documents}


def test_xlsx_manifest_applied_at_intake_before_any_ocr(tmp_path: Path, settings) -> None:
    root = tmp_path / "lo-2"
    for name in ("HS-X/p1.png", "HS-X/p2.png", "HS-Y/q.png"):
        _blank_png(root / name)
    manifest = _xlsx(
        tmp_path / "elsewhere.xlsx",
        {
            "Sheet": [
                [
                    "Mã hồ sơ",
                    "Tiêu đề hồ sơ",
                    "Chế độ sử dụng",
                    "Số lượng tờ",
                    "Tên tệp",
                    "Số thứ tự văn bản",
                    "Trích yếu nội dung",
                    "Tên loại văn bản",
                    "Ngày, tháng, năm văn bản",
                ],
                ["HS-X", "Hồ sơ X", "03", 1, None, None, None, None, None],
                ["HS-X", None, None, None, "p1.png", None, "Về việc A", "Tờ trình", "01/02/2021"],
                ["HS-X", None, None, None, None, 2, "Về việc B", None, "2022-12-31"],
                ["HS-Y", None, None, 2, "HS-Y/q.png", None, "Về việc C", None, "05/05/2023"],
            ]
        },
    )
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, root, fonds="F9", operator="lan", manifest=manifest)
        assert report.manifest is not None and report.manifest.problems == []
        assert len(report.manifest.documents) == 3 and len(report.manifest.records) == 1
        with ctx.catalog.tx() as conn:
            docs = {
                r.name: r for r in conn.execute(select(t.document).order_by(t.document.c.id)).all()
            }
            rec = conn.execute(select(t.record).where(t.record.c.code == "HS-X")).one()
            event = conn.execute(select(t.event).where(t.event.c.kind == "manifest_applied")).one()
        assert docs["HS-X/p1.png"].summary == "Về việc A"
        assert docs["HS-X/p1.png"].type_code == "15" and docs["HS-X/p1.png"].state == "pending"
        assert docs["HS-X/p2.png"].issued_date == "2022-12-31"  # matched by sequence 2
        assert rec.title == "Hồ sơ X" and rec.access_mode == "03"
        assert rec.fields["numberOfPaper"] == "1"
        assert event.actor == "lan" and event.batch_id == report.batch_id
        assert event.detail["documents"] == 3 and event.detail["problems"] == []
        summary = record_summary(ctx.catalog, rec.id)
        # pending documents count already; the sheets are the staff's number
        assert summary["derived"]["totalDoc"] == 2 and summary["derived"]["numberOfPage"] == 2
        assert (
            summary["tt05"]["numberOfPaper"] == "1"
            and summary["sources"]["numberOfPaper"] == "staff"
        )
        assert summary["tt05"]["startDate"] == "01/02/2021"
        assert summary["tt05"]["endDate"] == "31/12/2022"
        overview = {r["code"]: r for r in records_overview(ctx.catalog)}
        assert overview["HS-X"]["totalDoc"] == 2 and overview["HS-Y"]["startDate"] == "2023-05-05"
        # a document's own number of sheets (2 for its one page) counts in both views
        assert overview["HS-Y"]["numberOfPaper"] == 2 and overview["HS-X"]["numberOfPaper"] == 1
        hs_y = record_summary(ctx.catalog, find_record(ctx.catalog, "HS-Y"))
        assert hs_y["derived"]["numberOfPaper"] == 2 and hs_y["derived"]["numberOfPage"] == 1
    finally:
        ctx.close()


def test_cli_ingest_with_an_explicit_manifest_inside_the_batch(tmp_path: Path, settings) -> None:
    root = tmp_path / "lo-3"
    _blank_png(root / "HS-Z" / "a.png")  # blank pages: no OCR, packaged at once
    _blank_png(root / "HS-Z" / "b.png")
    manifest = _csv(
        root / "HS-Z" / "bang-ke.csv",
        [
            ["Mã phông", "Mã hồ sơ", "Tiêu đề hồ sơ", "Tên tệp", "Trích yếu nội dung"],
            ["PHONG-Z", "HS-Z", "Hồ sơ Z", "", ""],
            ["", "HS-Z", "", "b.png", "Về việc Z"],
        ],
    )
    result = CliRunner().invoke(
        cli, ["ingest", str(root), "--manifest", str(manifest), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "manifest bang-ke.csv: 1 records and 1 documents updated; 0 problems" in result.output
    ctx = pipeline.open_context(settings)
    try:
        summary = record_summary(ctx.catalog, find_record(ctx.catalog, "HS-Z"))
    finally:
        ctx.close()
    assert summary["title"] == "Hồ sơ Z" and summary["derived"]["totalDoc"] == 2
    assert summary["fonds"] == "PHONG-Z"  # no --fonds: the manifest's fonds
    docs = {d["name"]: d for d in summary["documents"]}
    assert set(docs) == {"HS-Z/a.png", "HS-Z/b.png"} and docs["HS-Z/b.png"]["state"] == "indexed"


# ------------------------------------------------------------------- the whole pipeline

FONDS, RECORD = "PHONG-M", "HS-2025-07"
SEEDS = {"vb01.png": 3, "vb02.png": 8, "vb03.png": 11}
STAFF_SUMMARY = "Về việc kiểm tra bảng kê do cán bộ nhập"
HEADER = [
    "Mã hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời hạn bảo quản",  # Circular 02/2019
    "Chế độ sử dụng",
    "Chú giải",  # Circular 02/2019
    "paperFileCode",  # TT05 tag
    "Tên tệp",
    "Số thứ tự văn bản trong hồ sơ",
    "Ngày, tháng, năm văn bản",
    "Trích yếu nội dung",
    "Số và ký hiệu văn bản",
    "Tên loại văn bản",
    "Từ khóa",
]


def _row(**cells: str) -> list[str]:
    keys = [
        "rec",
        "title",
        "keep",
        "mode",
        "note",
        "paper",
        "file",
        "seq",
        "date",
        "subject",
        "number",
        "type",
        "keyword",
    ]
    return [cells.get(k, "") for k in keys]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch") / "lo-manifest"
    truth = {}
    for name, seed in SEEDS.items():
        doc = random_admin_document(seed, pages=1)
        image = degrade(render_admin_document(doc, dpi=200)[0], angle=0.5, noise=2, seed=seed)
        (root / RECORD).mkdir(parents=True, exist_ok=True)
        image.save(root / RECORD / name, dpi=(200, 200))
        truth[name] = doc
    _csv(
        root / "manifest.csv",
        [
            HEADER,
            _row(
                rec=RECORD,
                title="Hồ sơ thử nghiệm bảng kê",
                keep="Vĩnh viễn",
                mode="02",
                note="Ghi chú của hồ sơ",
                paper="PHONG-M.01.05.07",
            ),
            _row(rec=RECORD, file=f"{RECORD}/vb01.png", date="02/03/2009", subject=STAFF_SUMMARY),
            _row(rec=RECORD, seq="2", keyword="ngân sách; số hóa"),
            _row(
                rec=RECORD,
                file="vb03.png",
                date="2025-12-31",
                number="15/QĐ-UBND",
                type="Quyết định",
            ),
            _row(rec=RECORD, file=f"{RECORD}/khong-co.png", subject="x"),  # row 6: no such file
            _row(rec=RECORD, file=f"{RECORD}/vb02.png", date="31/02/2024"),  # row 7: bad date
            _row(
                rec=RECORD, file=f"{RECORD}/vb01.png", date="02/03/2009", subject=STAFF_SUMMARY
            ),  # row 8: repeats row 3
        ],
    )
    settings = load_settings(home=tmp_path_factory.mktemp("home"), workers=2)
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, root, fonds=FONDS, operator="tester")
    final = run_embedded(ctx, {report.batch_id})
    assert final.failed == 0
    with ctx.catalog.tx() as conn:
        rows = conn.execute(select(t.document).order_by(t.document.c.seq)).mappings().all()
    docs = {Path(r["name"]).name: dict(r) for r in rows}
    yield ctx, truth, report, docs, settings
    ctx.close()


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_manifest_at_the_batch_top_is_used_and_not_ingested(archived) -> None:
    _ctx, _truth, report, docs, _settings = archived
    assert set(docs) == set(SEEDS)  # manifest.csv is no document
    assert sorted(report.documents) == sorted(f"{RECORD}/{n}" for n in SEEDS)
    assert report.manifest is not None and report.manifest.manifest == "manifest.csv"
    assert sorted(report.manifest.documents) == sorted(d["id"] for d in docs.values())
    problems = report.manifest.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith("manifest.csv, row 7, column 'Ngày, tháng, năm văn bản':")
    assert problems[1].startswith("manifest.csv, row 8:") and "row 3" in problems[1]
    assert problems[2].startswith("manifest.csv, row 6, column 'Tên tệp':")
    assert "khong-co.png" in problems[2] and "not in this batch" in problems[2]


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_manifest_values_override_extracted_ones_and_are_not_flagged(archived) -> None:
    ctx, truth, _report, docs, _settings = archived
    vb01, vb02, vb03 = docs["vb01.png"], docs["vb02.png"], docs["vb03.png"]
    assert vb01["summary"] == STAFF_SUMMARY and vb01["issued_date"] == "2009-03-02"
    item = vb01["fields"]["summary"]
    assert item["rule"] == "manifest" and item["confidence"] == 1.0 and item["flags"] == []
    assert item["extracted"] and item["extracted"] != STAFF_SUMMARY  # read from the page
    # fields staff did not give keep their extracted values
    assert vb01["number"] == truth["vb01.png"].number_symbol
    assert vb01["fields"]["number"]["rule"] != "manifest"
    assert vb02["number"] == truth["vb02.png"].number_symbol
    assert vb02["issued_date"] == truth["vb02.png"].issued.isoformat()
    assert vb02["fields"]["keyword"]["value"] == "ngân sách; số hóa"
    assert vb03["number"] == "15/QĐ-UBND" and vb03["type_code"] == "02"
    assert vb03["type_name"] == "Quyết định" and vb03["issued_date"] == "2025-12-31"
    flagged = {(d["id"], f["field"]) for d in documents_to_review(ctx.catalog) for f in d["fields"]}
    staff_fields = {
        (vb01["id"], "summary"),
        (vb01["id"], "issued_date"),
        (vb03["id"], "number"),
        (vb03["id"], "notation"),
        (vb03["id"], "type_code"),
        (vb03["id"], "issued_date"),
    }
    assert not flagged & staff_fields
    # search uses the staff values
    hits = ctx.index.search(search.SearchQuery(number="15/QĐ-UBND")).hits
    assert [h.document_id for h in hits] == [vb03["id"]]


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_derived_record_fields_after_a_pipeline_run(archived) -> None:
    ctx, _truth, _report, docs, _settings = archived
    summary = record_summary(ctx.catalog, find_record(ctx.catalog, RECORD))
    derived = summary["derived"]
    assert derived["startDate"] == "2009-03-02" and derived["endDate"] == "2025-12-31"
    assert derived["totalDoc"] == 3 and derived["numberOfPage"] == 3
    assert derived["numberOfPaper"] == 3  # one sheet per scanned page
    with ctx.catalog.tx() as conn:
        sizes = (
            conn.execute(
                select(t.stored_file.c.size).where(
                    t.stored_file.c.id.in_([d["pdf_file_id"] for d in docs.values()])
                )
            )
            .scalars()
            .all()
        )
    assert len(sizes) == 3 and derived["totalSize"] == sum(sizes) > 0
    tt05 = summary["tt05"]
    assert tt05["startDate"] == "02/03/2009" and tt05["endDate"] == "31/12/2025"
    assert tt05["title"] == "Hồ sơ thử nghiệm bảng kê" and tt05["maintenance"] == "01"
    assert tt05["mode"] == "02" and summary["access_mode"] == "02"
    assert tt05["description"] == "Ghi chú của hồ sơ"
    assert tt05["paperFileCode"] == "PHONG-M.01.05.07"
    assert summary["sources"]["startDate"] == "derived"
    assert summary["sources"]["maintenance"] == "staff"
    assert summary["sources"]["language"] == "default"


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_tt05_export_ead_carries_the_record_fields(archived, tmp_path: Path) -> None:
    ctx, _truth, _report, docs, settings = archived
    package = export_record(
        ctx.catalog, settings.home, fonds=FONDS, record=RECORD, out_dir=tmp_path
    )
    ead = ET.parse(package / "metadata/descriptive/EAD.xml").getroot().find("archdesc")
    values = {el.tag: el.text or "" for el in ead}
    assert values["title"] == "Hồ sơ thử nghiệm bảng kê"
    assert values["maintenance"] == "01" and values["mode"] == "02"
    assert values["description"] == "Ghi chú của hồ sơ"
    assert values["paperFileCode"] == "PHONG-M.01.05.07"
    assert values["startDate"] == "02/03/2009" and values["endDate"] == "31/12/2025"
    assert values["totalDoc"] == "3" and values["numberOfPage"] == "3"
    assert values["numberOfPaper"] == "3"
    by_seq = {}
    for path in (package / "representations/rep1/metadata/descriptive").glob("EAD_doc_*.xml"):
        item = ET.parse(path).getroot().find("archdesc")
        by_seq[int(item.findtext("docOrdinal"))] = {el.tag: el.text or "" for el in item}
    vb01 = by_seq[docs["vb01.png"]["seq"]]
    assert vb01["subject"] == STAFF_SUMMARY and vb01["issuedDate"] == "02/03/2009"
    assert vb01["mode"] == "02"  # inherited from the record
    assert by_seq[docs["vb02.png"]["seq"]]["keyword"] == "ngân sách; số hóa"
    vb03 = by_seq[docs["vb03.png"]["seq"]]
    assert (vb03["codeNumber"], vb03["codeNotation"]) == ("15", "QĐ-UBND")
    assert vb03["typeName"] == "Quyết định"


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_record_show_and_stats_records(archived, monkeypatch: pytest.MonkeyPatch) -> None:
    _ctx, _truth, _report, _docs, settings = archived
    monkeypatch.setenv("SOHOA_HOME", str(settings.home))
    runner = CliRunner()
    result = runner.invoke(cli, ["record", "show", RECORD, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tt05"]["totalDoc"] == "3" and data["tt05"]["startDate"] == "02/03/2009"
    assert data["fields"]["maintenance"] == "01" and len(data["documents"]) == 3
    result = runner.invoke(cli, ["record", "show", RECORD])
    assert result.exit_code == 0 and "Thời gian bắt đầu" in result.output
    assert "02/03/2009" in result.output
    result = runner.invoke(cli, ["stats", "--records", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["per_record"]
    assert (row["code"], row["totalDoc"], row["numberOfPaper"]) == (RECORD, 3, 3)
    assert tt05_date(row["startDate"]) == "02/03/2009"
    result = runner.invoke(cli, ["record", "show", "KHONG-CO"])
    assert result.exit_code != 0 and "no record 'KHONG-CO'" in result.output


@pytest.mark.slow  # tesseract over three pages (module fixture)
def test_a_manifest_given_again_updates_archived_documents(archived, tmp_path: Path) -> None:
    ctx, _truth, _report, docs, _settings = archived
    with ctx.catalog.tx() as conn:
        source = conn.execute(select(t.batch.c.source_path)).scalars().first()
    manifest = _xlsx(
        tmp_path / "sua.xlsx",
        {
            "Văn bản": [
                ["Mã hồ sơ", "Số thứ tự văn bản", "Trích yếu nội dung"],
                [RECORD, docs["vb02.png"]["seq"], "Về việc bổ sung trích yếu"],
            ]
        },
    )
    report = pipeline.intake(ctx, Path(source), fonds=FONDS, operator="lan", manifest=manifest)
    assert report.new_documents == [] and len(report.duplicates) == 3
    assert report.manifest is not None and report.manifest.documents == [docs["vb02.png"]["id"]]
    with ctx.catalog.tx() as conn:
        state, summary = conn.execute(
            select(t.document.c.state, t.document.c.summary).where(
                t.document.c.id == docs["vb02.png"]["id"]
            )
        ).one()
    assert state == "indexed" and summary == "Về việc bổ sung trích yếu"
