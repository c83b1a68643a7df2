"""The whole pipeline on a small generated batch: intake, recognise, package, index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

import search
from archive import stats as archive_stats
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.pipeline import package as package_stage
from sohoa.runner import run_embedded
from tests.batches import admin_batch, text_pdf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch") / "lo-2025-11-24"
    batch = admin_batch(root)
    text_pdf(
        root / "HS-B" / "born-digital.pdf", "Thông báo kết quả số hóa tài liệu lưu trữ năm 2025"
    )
    settings = load_settings(home=tmp_path_factory.mktemp("home"), workers=2)
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, root, fonds="PHONG-01", operator="tester")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(package_stage, "reread_for", _recording(package_stage.reread_for))
        final = run_embedded(ctx, {report.batch_id})
    yield ctx, batch, report, final
    ctx.close()


REREADS: list[tuple[str, str]] = []  # (document name, text read again) during the run


def _recording(real):
    """Wrap the pipeline's metadata re-read so the test sees what it read from the image."""

    def reread_for(ctx, job):
        reread = real(ctx, job)

        def recorded(*args, **kwargs):
            text = reread(*args, **kwargs)
            REREADS.append((job["name"], text))
            return text

        return recorded

    return reread_for


def test_metadata_boxes_are_read_again_from_the_page_image(archived) -> None:
    """On by default: each scanned document's metadata boxes are re-read by tesseract."""
    _ctx, batch, *_ = archived
    names = {name for name, _text in REREADS}
    assert {"HS-A/doc1.tif", "scan.pdf"} <= names
    assert "HS-B/born-digital.pdf" not in names  # its text came with the PDF
    summary = batch.docs["HS-A/doc1.tif"].summary
    again = " ".join(text for name, text in REREADS if name == "HS-A/doc1.tif")
    assert summary.split()[0].lower() in again.lower()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_document_is_archived(archived) -> None:
    ctx, batch, report, final = archived
    assert len(report.new_documents) == 4
    assert report.rejected == []
    assert final.total == 5 and final.done == 5 and final.failed == 0
    docs = archive_stats.documents(ctx.catalog)
    assert [d["state"] for d in docs] == ["indexed"] * 4
    assert {d["record"] for d in docs} == {"HS-A", "HS-B", "lo-2025-11-24"}
    for d in docs:
        pdf_path = ctx.home / d["pdfa"]["path"]
        assert pdf_path.exists()
        assert _sha(pdf_path) == d["pdfa"]["sha256"]
        assert pdf_path.stat().st_size == d["pdfa"]["size"]
        for src in d["sources"]:
            assert _sha(ctx.home / src["stored"]) == src["sha256"]
        assert all(p["state"] == "indexed" for p in d["pages"])
    # nothing left in the work folder once documents are packaged
    assert not any((ctx.home / "work").iterdir())


def test_pdfa_file_named_by_record_and_sequence(archived) -> None:
    ctx, *_ = archived
    docs = {d["name"]: d for d in archive_stats.documents(ctx.catalog)}
    assert docs["HS-A/doc1.tif"]["pdfa"]["path"] == "pdfa/PHONG-01/HS-A/HS-A.0000001.pdf"
    assert docs["HS-A/doc2.png"]["pdfa"]["path"] == "pdfa/PHONG-01/HS-A/HS-A.0000002.pdf"


def test_pages_are_oriented_and_deskewed(archived) -> None:
    ctx, *_ = archived
    docs = {d["name"]: d for d in archive_stats.documents(ctx.catalog)}
    first = docs["HS-A/doc1.tif"]["pages"][0]
    assert abs(abs(first["skew"]) - 2.0) < 0.5
    turned = docs["HS-A/doc2.png"]["pages"][0]
    assert turned["rotation"] == 90  # turned 90 degrees counter-clockwise by the scanner
    born_digital = docs["HS-B/born-digital.pdf"]["pages"][0]
    assert born_digital["text_source"] == "pdf"


def test_metadata_extracted_from_page_one(archived) -> None:
    ctx, batch, *_ = archived
    docs = {d["name"]: d for d in archive_stats.documents(ctx.catalog)}
    for name in ("HS-A/doc1.tif", "scan.pdf"):
        truth = batch.docs[name]
        got = docs[name]
        assert got["number"] == truth.number_symbol
        assert got["issued_date"] == truth.issued.isoformat()
        assert got["type_code"] == truth.type_code
        assert got["organ"] == truth.organ
        assert got["fields"]["number"]["confidence"] > 0


def test_pdfa_has_text_layer_and_identification(archived) -> None:
    ctx, batch, *_ = archived
    docs = {d["name"]: d for d in archive_stats.documents(ctx.catalog)}
    path = ctx.home / docs["scan.pdf"]["pdfa"]["path"]
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert "/OutputIntents" in pdf.Root
    with pdfplumber.open(path) as pdf:
        text = pdf.pages[0].extract_text()
    truth = batch.docs["scan.pdf"]
    assert truth.number_symbol.split("/")[0] in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_search_finds_pages(archived) -> None:
    ctx, batch, *_ = archived
    truth = batch.docs["scan.pdf"]
    by_number = ctx.index.search(search.SearchQuery(text=truth.number_symbol))
    assert by_number.hits and by_number.hits[0].number == truth.number_symbol
    folded = ctx.index.search(search.SearchQuery(text="ket qua so hoa tai lieu"))
    names = {h.document_id for h in folded.hits}
    docs = {d["name"]: d["id"] for d in archive_stats.documents(ctx.catalog)}
    assert docs["HS-B/born-digital.pdf"] in names


def test_rerun_archives_nothing_twice(archived) -> None:
    ctx, batch, report, _ = archived
    before = archive_stats.collect(ctx.catalog)
    again = pipeline.intake(ctx, batch.root, fonds="PHONG-01")
    assert again.new_documents == []
    assert len(again.duplicates) == 4
    run_embedded(ctx, {again.batch_id})
    after = archive_stats.collect(ctx.catalog)
    assert after["pages"] == before["pages"] == 5
    assert after["documents"] == before["documents"] == 4
    assert after["bytes"] == before["bytes"]
    assert ctx.index.count() == 5


def test_stats_count_pages_bytes_records(archived) -> None:
    ctx, batch, *_ = archived
    figures = archive_stats.collect(ctx.catalog)
    originals = sum(p.stat().st_size for p in batch.root.rglob("*") if p.is_file())
    assert figures["bytes"]["originals"] == originals
    pdfa = sum(p.stat().st_size for p in (ctx.home / "pdfa").rglob("*.pdf"))
    assert figures["bytes"]["pdfa"] == pdfa
    assert figures["records"] == 3
    assert figures["pages_archived"] == 5
    assert figures["per_fonds"][0]["fonds"] == "PHONG-01"
    assert figures["per_fonds"][0]["pages"] == 5
    json.dumps(figures, default=str)  # serialisable for --json
