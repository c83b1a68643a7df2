"""Synthetic administrative documents and the sample batch."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
from PIL import Image

from sohoa.synthetic import (
    DOC_TYPES,
    AdminDocument,
    document_truth_text,
    make_sample_batch,
    random_admin_document,
    render_admin_document,
    vietnamese_paragraphs,
)

SEEDS = range(120)


@pytest.fixture(scope="module")
def docs() -> list[AdminDocument]:
    return [random_admin_document(seed) for seed in SEEDS]


def test_paragraphs_are_deterministic_vietnamese() -> None:
    first = vietnamese_paragraphs(random.Random(5), 6)
    assert first == vietnamese_paragraphs(random.Random(5), 6)
    assert first != vietnamese_paragraphs(random.Random(6), 6)
    text = " ".join(first)
    assert len(first) == 6
    assert sum(ch in "ạảãáàâấầẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữự" for ch in text) > 50
    assert re.search(r"\d", text)


def test_documents_are_deterministic(docs: list[AdminDocument]) -> None:
    assert random_admin_document(7) == docs[7]
    assert random_admin_document(7, pages=3).pages == 3


def test_documents_are_varied(docs: list[AdminDocument]) -> None:
    types = {d.type_name for d in docs}
    for name in (
        "Quyết định",
        "Kế hoạch",
        "Báo cáo",
        "Thông báo",
        "Tờ trình",
        "Công văn",
        "Nghị quyết",
        "Hướng dẫn",
    ):
        assert name in types
    assert any(d.parent_organ for d in docs) and any(not d.parent_organ for d in docs)
    assert {d.pages for d in docs} == {1, 2, 3}
    assert any(d.organ.startswith("BỘ ") for d in docs)
    assert any(d.organ.startswith("SỞ ") for d in docs)
    assert any("ỦY BAN NHÂN DÂN" in d.organ for d in docs)


def test_ground_truth_follows_the_conventions(docs: list[AdminDocument]) -> None:
    for d in docs:
        code, abbr = DOC_TYPES[d.type_name]
        assert d.type_code == code
        assert re.fullmatch(r"\d+", d.number)
        assert d.organ == d.organ.upper() and d.parent_organ == d.parent_organ.upper()
        assert not d.summary.startswith("V/v")
        if d.type_name == "Công văn":
            assert re.fullmatch(r"[^/]+-[^/]+", d.notation) and not d.notation.startswith("CV")
        elif "/" in d.notation:  # legal family: year/TYPE-AGENCY with the issue year
            year, rest = d.notation.split("/")
            assert int(year) == d.issued.year and rest.startswith(abbr + "-")
        else:
            assert d.notation.startswith(abbr + "-")
    assert any("/" in d.notation for d in docs)


def test_date_line_uses_leading_zeros() -> None:
    doc = random_admin_document(1)
    for day, month, text in (
        (5, 1, "ngày 05 tháng 01 năm"),
        (15, 2, "ngày 15 tháng 02 năm"),
        (9, 3, "ngày 09 tháng 3 năm"),
        (21, 12, "ngày 21 tháng 12 năm"),
    ):
        d = AdminDocument(**{**doc.__dict__, "issued": dt.date(2024, month, day)})
        assert text in d.date_line
        assert d.date_line.startswith(doc.place + ", ")


def test_rendering_matches_page_count_and_truth(docs: list[AdminDocument]) -> None:
    for d in docs[:12]:
        pages = render_admin_document(d, dpi=100)
        truth = document_truth_text(d)
        assert len(pages) == len(truth) == d.pages
        assert all(p.mode == "L" and p.size == (827, 1169) for p in pages)
        first = truth[0]
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
        assert f"Số: {d.number_symbol}" in first
        assert d.date_line in first
        if d.type_name == "Công văn":
            assert "\nV/v " in first
        assert " ".join(d.summary.split()[-2:]) in first
        assert d.signer_name in truth[-1] and "Nơi nhận:" in truth[-1]
        for later in truth[1:]:
            assert "CỘNG HÒA" not in later
        assert (d.type_name.upper() in first) != (d.type_name == "Công văn")


def test_some_organ_names_wrap(docs: list[AdminDocument]) -> None:
    wrapped = 0
    for d in docs:
        first = document_truth_text(d)[0].split("\n")
        if d.organ not in first:
            wrapped += 1
            joined = " ".join(first[(1 if d.parent_organ else 0) :][:2])
            assert joined == d.organ
    assert wrapped >= 3


def test_sample_batch(tmp_path) -> None:
    folder = tmp_path / "batch"
    truth = make_sample_batch(folder, seed=3, dpi=150)
    on_disk = json.loads((tmp_path / "batch.truth.json").read_text(encoding="utf-8"))
    assert on_disk == truth
    assert not list(folder.glob("*.json"))
    files = {f["path"]: f for f in truth["files"]}
    assert 10 <= truth["total_pages"] <= 14
    assert sum(len(f["pages"]) for f in files.values()) == truth["total_pages"]
    records = {p.name for p in folder.iterdir() if p.is_dir()}
    assert len(records) == 3
    assert [p.name for p in folder.iterdir() if p.is_file()]  # one loose document
    kinds = {f["format"] for f in files.values()}
    assert kinds == {"tiff_g4", "tiff_lzw", "tiff_jpeg", "png", "jpeg", "pdf", "png_folder"}
    turns = [p["quarter_turns_ccw"] for f in files.values() for p in f["pages"]]
    assert turns.count(2) == 1 and turns.count(1) == 1
    assert all(abs(p["angle_ccw"]) <= 3 for f in files.values() for p in f["pages"])
    compressions = {"tiff_g4": "group4", "tiff_lzw": "tiff_lzw", "tiff_jpeg": "jpeg"}
    for rel, entry in files.items():
        path = folder / rel
        assert path.is_file()
        if entry["format"] == "pdf":
            import pdfplumber

            with pdfplumber.open(path) as pdf:
                assert len(pdf.pages) == len(entry["pages"])
                assert all(not page.chars and page.images for page in pdf.pages)
            continue
        with Image.open(path) as img:
            assert getattr(img, "n_frames", 1) == len(entry["pages"])
            assert round(img.info["dpi"][0]) == 150
            if entry["format"] in compressions:
                assert img.info["compression"] == compressions[entry["format"]]
            if entry["format"] == "tiff_g4":
                assert img.mode == "1"
    folder_pages = sorted(p.name for p in (folder / "HS2025-002" / "van_ban_03").iterdir())
    assert folder_pages == ["p001.png", "p002.png"]
    documents = {d["id"]: d for d in truth["documents"]}
    g4 = files["HS2025-001/HS2025-001_scan.tif"]
    assert len({p["document"] for p in g4["pages"]}) == 2  # two documents in one stream
    for doc in documents.values():
        assert doc["pages"] == len(doc["page_text"]) == doc["metadata"]["pages"]
