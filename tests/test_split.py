"""Document splitting: detection of first pages, the package stage, staff split and join."""

from __future__ import annotations

import random
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from sqlalchemy import select

import search
from archive import schema as t
from archive import stats as archive_stats
from metadata import document_starts, document_starts_detail
from metadata.split import approximate_find
from ocr import OcrResult, TextLine, Word
from sohoa import pipeline
from sohoa.cli import cli
from sohoa.config import load_settings
from sohoa.pipeline import package as package_stage
from sohoa.runner import run_embedded
from sohoa.synthetic import (
    degrade,
    paragraph_page,
    random_admin_document,
    render_admin_document,
    vietnamese_paragraphs,
)
from tests.batches import save_tiff
from tests.test_metadata import HEIGHT, header, page, part, row
from tests.test_metadata_document import first_page, second_page
from tests.test_pdfa import preflight

DPI = 200
QUOTE = "nước Cộng hòa xã hội chủ nghĩa Việt Nam dân giàu, nước mạnh, dân chủ, công bằng, văn minh"

# --------------------------------------------------------------------------------------------
# detection on hand-made OCR results
# --------------------------------------------------------------------------------------------


def quoting_page() -> OcrResult:
    """A continuation page whose first paragraph quotes the motto, and cites a "Số" number."""
    rows = [
        row(220, part("Mục tiêu chung là góp phần xây dựng nước Cộng hòa xã hội chủ", 356)),
        row(290, part("nghĩa Việt Nam giàu mạnh, dân chủ, công bằng, văn minh.", 356)),
        row(360, part("Cộng hòa xã hội chủ nghĩa Việt Nam.", 356)),
        row(430, part("Số 12/QĐ-UBND ngày 3 tháng 4 năm 2024 của Ủy ban nhân dân tỉnh", 356)),
    ]
    return page(*rows)


def shifted(line: TextLine, dy: int) -> TextLine:
    words = tuple(Word(w.text, w.left, w.top + dy, w.width, w.height, w.conf) for w in line.words)
    return TextLine(words, line.left, line.top + dy, line.width, line.height)


def test_motto_on_the_first_page_only() -> None:
    assert document_starts([first_page(), second_page()]) == [0]
    assert document_starts([]) == []
    assert document_starts([second_page()]) == [0]  # the first page always starts one


def test_each_header_with_a_number_starts_a_document() -> None:
    pages = [first_page(), second_page(), first_page(), first_page(), second_page()]
    assert document_starts(pages) == [0, 2, 3]
    detail = document_starts_detail(pages)
    assert detail[0].reason == "first page"
    assert detail[1].reason == "motto+motto_line2+number" and detail[1].confidence >= 0.9


def test_motto_quoted_in_the_body_does_not_split() -> None:
    assert document_starts([first_page(), quoting_page(), second_page()]) == [0]


def test_motto_without_a_number_line_does_not_split() -> None:
    rows = header(number="Kính gửi: Sở Nội vụ tỉnh Bắc Ninh")
    assert document_starts([first_page(), page(*rows)]) == [0]


def test_motto_low_on_the_page_does_not_split() -> None:
    low = [shifted(r, HEIGHT // 2) for r in header()]  # a header in the lower half
    assert document_starts([first_page(), page(*low)]) == [0]


def test_damaged_diacritics_and_letters_still_split() -> None:
    damaged = page(
        *header(
            motto=("CONG HOA XA HOl CHU NGHỈA VIÊT NAM", "Ðộc lâp - Tư do - Hanh phuc"),
            number="Sô: 15/QĐ-UBND",
        )
    )
    only_second_line = page(*header(motto=("C0NG H0À XĂ H", "Độc lập - Tự do - Hạnh phúc")))
    starts = document_starts_detail([first_page(), damaged, only_second_line])
    assert [s.page for s in starts] == [0, 1, 2]
    assert starts[1].confidence < 1.0
    assert starts[2].reason == "motto_line2+number"


def test_party_header_starts_a_document() -> None:
    party = page(
        *header(
            agency=("ĐẢNG BỘ TỈNH BẮC NINH", "TỈNH ỦY"),
            motto=("ĐẢNG CỘNG SẢN VIỆT NAM", "*"),
            number="Số 57-NQ/TU",
        )
    )
    starts = document_starts_detail([first_page(), party])
    assert [s.page for s in starts] == [0, 1]
    assert starts[1].reason.startswith("party")


def test_approximate_find() -> None:
    assert approximate_find("doclap", "xxdoclapyy") == (0, 2, 8)
    cost, start, end = approximate_find("conghoaxahoi", "ubndconghoaxahol")
    assert cost == 1 and (start, end) == (4, 16)


# --------------------------------------------------------------------------------------------
# the real pipeline on a scanned stream of three documents
# --------------------------------------------------------------------------------------------


def _bilevel(img):
    return img.point(lambda v: 0 if v < 150 else 255).convert("1")


def stream_pages(seeds: tuple[int, ...], *, dpi: int = DPI):
    """Pages of documents in a row; the first document gets a page quoting the motto."""
    docs = []
    pages = []
    for n, seed in enumerate(seeds):
        doc = random_admin_document(seed, pages=2 if n == 0 else 1)
        rendered = render_admin_document(doc, dpi=dpi)
        docs.append(doc)
        if n == 0:
            rng = random.Random(seed)
            body = vietnamese_paragraphs(rng, 2)
            quote, _ = paragraph_page(
                [f"Mục tiêu chung là góp phần xây dựng {QUOTE}; {body[0]}", body[1]], dpi=dpi
            )
            rendered = [rendered[0], quote, rendered[1]]
        pages.extend(
            degrade(p, angle=0.8 if i == 0 else 0.0, noise=3, seed=seed + i)
            for i, p in enumerate(rendered)
        )
    return docs, [_bilevel(p) for p in pages]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch") / "lo-split"
    docs, pages = stream_pages((11, 12, 13))
    save_tiff(root / "HS-S" / "stream.tif", pages, compression="group4", dpi=DPI)
    home = tmp_path_factory.mktemp("home")
    settings = load_settings(home=home, workers=2, pdfa=1)
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, root, fonds="F1", operator="tester")
    final = run_embedded(ctx, {report.batch_id})
    yield ctx, docs, root, final
    ctx.close()


def _docs(ctx) -> list[dict]:
    """Every document with its PDF/A (``pdfa``) and its catalog row and pages (``job``)."""
    docs = sorted(archive_stats.documents(ctx.catalog), key=lambda d: d["id"])
    for d in docs:
        d["job"] = ctx.catalog.document_job(d["id"])
        d["frames"] = [(p["source_index"], p["seq"]) for p in d["job"]["pages"]]
    return docs


def _events(ctx, kind: str) -> list[dict]:
    with ctx.catalog.tx() as conn:
        rows = conn.execute(select(t.event).where(t.event.c.kind == kind)).mappings().all()
    return [dict(r) for r in rows]


def _hit_ids(ctx, text: str) -> list[int]:
    return [h.document_id for h in ctx.index.search(search.SearchQuery(text=text)).hits]


@pytest.mark.slow
def test_stream_is_split_into_documents(archived) -> None:
    ctx, truth, _root, final = archived
    assert final.failed == 0 and final.done == final.total == 5
    docs = _docs(ctx)
    assert [d["state"] for d in docs] == ["indexed"] * 3
    assert [d["frames"] for d in docs] == [[(0, 1), (1, 2), (2, 3)], [(3, 1)], [(4, 1)]]
    assert [d["job"]["split_from"] for d in docs] == [None, docs[0]["id"], docs[0]["id"]]
    for got, want in zip(docs, truth, strict=True):
        assert got["number"] == want.number_symbol
        assert got["issued_date"] == want.issued.isoformat()
    # the same record, sequence numbers 1..3, one PDF/A each with the right page count
    paths = [d["pdfa"]["path"] for d in docs]
    assert paths == [f"pdfa/F1/HS-S/HS-S.{n:07d}.pdf" for n in (1, 2, 3)]
    for d in docs:
        with pikepdf.open(ctx.home / d["pdfa"]["path"]) as pdf:
            assert len(pdf.pages) == len(d["pages"])
    (event,) = _events(ctx, "document_split")
    assert [p["pages"] for p in event["detail"]["parts"]] == [[1, 3], [4, 4], [5, 5]]
    assert event["detail"]["parts"][1]["reason"].endswith("number")


@pytest.mark.slow
def test_index_finds_each_part_under_its_document(archived) -> None:
    ctx, truth, *_ = archived
    docs = _docs(ctx)
    for got, want in zip(docs, truth, strict=True):
        assert _hit_ids(ctx, want.number_symbol)[0] == got["id"]
    assert _hit_ids(ctx, '"dan giau nuoc manh"') == [docs[0]["id"]]  # the quoting page


@pytest.mark.slow
def test_rerun_archives_nothing_twice(archived) -> None:
    ctx, _truth, root, _ = archived
    before = _docs(ctx)
    again = pipeline.intake(ctx, root, fonds="F1")
    assert again.new_documents == [] and len(again.duplicates) == 1
    run_embedded(ctx, {again.batch_id})
    assert [d["id"] for d in _docs(ctx)] == [d["id"] for d in before]
    assert len(_events(ctx, "document_split")) == 1


def _cli(home: Path, *args: str):
    result = CliRunner().invoke(
        cli, list(args), env={"SOHOA_HOME": str(home), "SOHOA_PDFA": "1"}, catch_exceptions=False
    )
    return result


@pytest.mark.slow
def test_staff_split_and_join(archived) -> None:
    ctx, truth, *_ = archived
    first = _docs(ctx)[0]
    signer = truth[0].signer_name  # printed on the last page of the first document
    assert _hit_ids(ctx, f'"{signer}"') == [first["id"]]

    result = _cli(ctx.home, "split", str(first["id"]), "--at", "3", "--actor", "lan")
    assert result.exit_code == 0, result.output
    docs = {d["id"]: d for d in _docs(ctx)}
    (new_id,) = set(docs) - {1, 2, 3}
    kept, new = docs[first["id"]], docs[new_id]
    assert kept["frames"] == [(0, 1), (1, 2)] and new["frames"] == [(2, 1)]
    assert kept["number"] == truth[0].number_symbol  # the header stays with the first part
    assert new["job"]["split_from"] == first["id"] and new["state"] == "indexed"
    new_pdf = ctx.home / new["pdfa"]["path"]
    assert new["pdfa"]["path"].endswith(".0000004.pdf")
    with pikepdf.open(ctx.home / kept["pdfa"]["path"]) as pdf:
        assert len(pdf.pages) == 2
    with pdfplumber.open(new_pdf) as pdf:
        assert len(pdf.pages) == 1
        # the invisible text layer came along (compared folded: OCR may drop a mark)
        assert search.fold(signer) in search.fold(pdf.pages[0].extract_text())
    valid, output = preflight(new_pdf)
    assert valid, output
    assert _hit_ids(ctx, f'"{signer}"') == [new_id]
    (event,) = _events(ctx, "document_split_manual")[:1]
    assert event["actor"] == "lan" and event["detail"]["at"] == [3]
    assert {a["document_id"]: a["from"] for a in event["detail"]["after"]} == {
        first["id"]: [[first["id"], 1, 2]],
        new_id: [[first["id"], 3, 3]],
    }
    audit = _cli(ctx.home, "audit")
    assert audit.exit_code == 0 and "0 missing" in audit.output and "0 unknown" in audit.output

    result = _cli(ctx.home, "join", str(first["id"]), str(new_id), "--actor", "lan")
    assert result.exit_code == 0, result.output
    docs = {d["id"]: d for d in _docs(ctx)}
    assert new_id not in docs and len(docs) == 3
    joined = docs[first["id"]]
    assert joined["frames"] == [(0, 1), (1, 2), (2, 3)]
    assert joined["number"] == truth[0].number_symbol
    joined_pdf = ctx.home / joined["pdfa"]["path"]
    with pikepdf.open(joined_pdf) as pdf:
        assert len(pdf.pages) == 3
    valid, output = preflight(joined_pdf)  # pages (and fonts) from two files
    assert valid, output
    assert _hit_ids(ctx, f'"{signer}"') == [first["id"]]
    (event,) = _events(ctx, "document_joined")
    assert event["detail"]["removed"] == [new_id] and event["actor"] == "lan"
    audit = _cli(ctx.home, "audit")
    assert audit.exit_code == 0, audit.output
    # every replaced file is kept, and known to the catalog
    assert len(list((ctx.home / "pdfa").rglob("superseded/*.pdf"))) == 3

    # a document of another state or record, and bad page numbers, are refused
    assert _cli(ctx.home, "split", str(first["id"]), "--at", "1").exit_code != 0
    assert _cli(ctx.home, "split", str(first["id"]), "--at", "9").exit_code != 0
    assert _cli(ctx.home, "join", str(first["id"]), str(first["id"])).exit_code != 0


# --------------------------------------------------------------------------------------------
# a crash right after the split
# --------------------------------------------------------------------------------------------


class Killed(BaseException):
    """Stands for the process dying (not an error the stage would handle)."""


@pytest.mark.slow
def test_killed_after_the_split_resumes_both_parts(tmp_path: Path, monkeypatch) -> None:
    docs, pages = stream_pages((21, 22))
    pages = [pages[0], pages[3]]  # the two first pages: two one-page documents
    docs = docs[:2]
    root = tmp_path / "lo"
    save_tiff(root / "HS-K" / "two.tif", pages, compression="group4", dpi=DPI)
    ctx = pipeline.open_context(load_settings(home=tmp_path / "home", workers=1))
    try:
        report = pipeline.intake(ctx, root)
        (doc_id,) = report.new_documents
        page_ids = [p["id"] for p in ctx.catalog.document_job(doc_id)["pages"]]
        assert [pipeline.recognise_page(ctx, p) for p in page_ids] == [None, doc_id]

        def die(*_args, **_kwargs):
            raise Killed

        monkeypatch.setattr(package_stage.archive, "build_pdfa", die)
        with pytest.raises(Killed):
            pipeline.package_document(ctx, doc_id)
        monkeypatch.undo()
        ctx.catalog.release_claims()  # what the next embedded run does first
        _pages, to_package, _to_index = ctx.catalog.unfinished_work()
        assert len(to_package) == 2 and doc_id in to_package
        run_embedded(ctx, {report.batch_id})
        got = sorted(archive_stats.documents(ctx.catalog), key=lambda d: d["id"])
        assert [d["state"] for d in got] == ["indexed", "indexed"]
        assert [len(d["pages"]) for d in got] == [1, 1]
        assert [d["number"] for d in got] == [d.number_symbol for d in docs]
        assert len(_events(ctx, "document_split")) == 1
    finally:
        ctx.close()


def test_split_can_be_turned_off(monkeypatch) -> None:
    monkeypatch.setenv("SOHOA_SPLIT", "0")
    assert load_settings().split is False
    monkeypatch.delenv("SOHOA_SPLIT")
    assert load_settings().split is True


def two_document_pdf(path: Path) -> None:
    """A born-digital PDF (text layer, no OCR needed) holding two one-page documents."""
    from PIL import Image

    from archive import PdfInfo, PdfPage, build_pdfa

    blank = path.with_suffix(".pgm")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (1240, 1754), 255).save(blank)  # A4 at 150 dpi; text boxes at 300 dpi

    def half(result: OcrResult) -> OcrResult:
        lines = tuple(
            TextLine(
                tuple(
                    Word(w.text, w.left // 2, w.top // 2, w.width // 2, w.height // 2, w.conf)
                    for w in ln.words
                ),
                ln.left // 2,
                ln.top // 2,
                ln.width // 2,
                ln.height // 2,
            )
            for ln in result.lines
        )
        return OcrResult(lines=lines, width=1240, height=1754, dpi=150)

    pages = [first_page(), second_page(), first_page(number="Số: 77/KH-SNV")]
    build_pdfa([PdfPage(blank, 150, half(p)) for p in pages], path, info=PdfInfo(title="x"))
    blank.unlink()


@pytest.mark.parametrize("split", [True, False])
def test_born_digital_pdf_split_or_not(tmp_path: Path, split: bool) -> None:
    two_document_pdf(tmp_path / "lo" / "HS-P" / "two.pdf")
    settings = load_settings(home=tmp_path / "home", workers=1, split=split)
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, tmp_path / "lo")
        run_embedded(ctx, {report.batch_id})
        docs = _docs(ctx)
    finally:
        ctx.close()
    if split:
        assert [len(d["frames"]) for d in docs] == [2, 1]
        assert [d["number"] for d in docs] == ["141/QĐ-SNV", "77/KH-SNV"]
    else:
        assert [len(d["frames"]) for d in docs] == [3]
    assert all(d["state"] == "indexed" for d in docs)
