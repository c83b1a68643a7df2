"""Page cleaning for OCR (ocr.clean) on generated pages with known geometry (real tesseract)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import ocr
from ocr.binarise import otsu_separability, sauvola, wolf
from ocr.clean import STEPS, clean_for_ocr, find_specks, parse_steps, to_gray
from sohoa.config import load_settings
from sohoa.pipeline.recognise import processing_facts
from tests.textmetrics import cer

DPI = 300
FONTS = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
)
LINES = (
    "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành",
    "khẩn trương rà soát hồ sơ lưu trữ của cơ quan",
    "và báo cáo kết quả trước ngày mười lăm tháng sau.",
    "Việc số hóa tài liệu phải bảo đảm đúng quy định",
    "về thời hạn bảo quản và chế độ sử dụng tài liệu.",
    "Giám đốc các đơn vị chịu trách nhiệm thực hiện.",
)
#: Text area of the generated page (pixels): left, top of the first line, line pitch.
LEFT, TOP, PITCH = 260, 220, 90
WIDTH, HEIGHT = 2000, 900


def _font() -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, 50)  # 12 pt at 300 dpi
    pytest.fail("no serif font with Vietnamese glyphs installed (fonts-liberation2)")


def _text_page() -> tuple[Image.Image, str]:
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    face = _font()
    for i, line in enumerate(LINES):
        draw.text((LEFT, TOP + i * PITCH), line, font=face, fill=0)
    return page, "\n".join(LINES)


def _text_box(page: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns holding ink (the text block), with a little room."""
    ink = np.argwhere(to_gray(page) < 128)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    return slice(y0 - 5, y1 + 6), slice(x0 - 5, x1 + 6)


def _read(image: Image.Image, tmp_path: Path, steps: tuple[str, ...]) -> ocr.OcrResult:
    saved: list[Image.Image] = []

    def save(img: Image.Image) -> Path:
        saved.append(img)
        path = tmp_path / "page.pnm"
        img.save(path, format="PPM")
        return path

    _prepared, result = ocr.recognise_page(image, dpi=DPI, save=save, clean=steps)
    assert result is not None
    # The image kept for packaging is the scan as prepared, never the cleaned copy.
    assert saved and saved[-1].mode == image.mode
    assert np.array_equal(np.asarray(saved[-1]), np.asarray(image))
    assert not list(tmp_path.glob(".tmp-clean-*"))  # the cleaned copy is removed
    return result


@pytest.fixture(scope="module")
def text_page() -> tuple[Image.Image, str]:
    return _text_page()


def test_black_border_is_painted_paper_and_the_text_kept(text_page, tmp_path) -> None:
    page, truth = text_page
    arr = np.asarray(page).copy()
    arr[:, :150] = 20  # a scanner lid along the left edge, 12.7 mm
    arr[:90, :] = 30  # and along the top
    arr[600:700, 1900:] = 15  # a dark tab at the right edge, near the text
    scan = Image.fromarray(arr)
    cleaning = clean_for_ocr(arr, dpi=DPI, steps=STEPS)
    assert cleaning.applied == ("margins",)
    assert "left" in cleaning.reasons["margins"] and "top" in cleaning.reasons["margins"]
    out = cleaning.image
    assert out[:, :140].min() > 200 and out[:80, :].min() > 200 and out[610:690, 1910:].min() > 200
    rows, cols = _text_box(np.asarray(page))
    assert np.array_equal(out[rows, cols], arr[rows, cols])  # not one text pixel touched
    result = _read(scan, tmp_path, ("margins",))
    assert cer(result.text, truth) <= cer(_read(scan, tmp_path, ()).text, truth)
    assert cer(result.text, truth) < 0.02
    assert result.extra["preparation"]["applied"] == ["margins"]


def _stamp(page: Image.Image) -> Image.Image:
    """A red round stamp multiplied over lines 2-5, as ink on paper mixes."""
    rgb = np.asarray(page.convert("RGB"), dtype=np.float32)
    ink = Image.new("L", page.size, 0)
    draw = ImageDraw.Draw(ink)
    cx, cy, r = 900, TOP + 2 * PITCH + 60, 210
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=14)
    draw.ellipse((cx - r + 30, cy - r + 30, cx + r - 30, cy + r - 30), outline=255, width=5)
    face = ImageFont.truetype(_font().path, 46)
    draw.text((cx - 190, cy - 70), "ỦY BAN NHÂN DÂN", font=face, fill=255)
    draw.text((cx - 160, cy + 10), "TỈNH BẮC NINH", font=face, fill=255)
    draw.regular_polygon((cx, cy - 130, 40), 5, fill=255)
    alpha = np.asarray(ink, dtype=np.float32)[..., None] / 255.0 * 0.95
    red = np.array([0.85, 0.15, 0.2], dtype=np.float32)
    out = Image.fromarray((rgb * (1 - alpha + alpha * red)).clip(0, 255).astype(np.uint8))
    # A signature in blue ink beside the stamp: colour, but no picture.
    pen = ImageDraw.Draw(out)
    pen.line([(1300, 760), (1380, 720), (1450, 790), (1560, 700), (1650, 770)], (30, 40, 160), 6)
    return out


def test_red_stamp_no_longer_hides_the_text(text_page, tmp_path) -> None:
    page, truth = text_page
    scan = _stamp(page)
    arr = np.asarray(scan)
    cleaning = clean_for_ocr(arr, dpi=DPI, steps=STEPS)
    assert "colour" in cleaning.applied
    under = slice(TOP + PITCH, TOP + 5 * PITCH), slice(650, 1150)
    assert cleaning.image[under].mean() > to_gray(arr)[under].mean()  # the red is lifted
    # Black text under the stamp is still black.
    black = np.asarray(page)[under] < 60
    assert cleaning.image[under][black].mean() < 90
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    cleaned = _read(scan, tmp_path, ("colour",))
    assert cer(cleaned.text, truth) < plain
    assert cer(cleaned.text, truth) < 0.03
    facts = cleaned.extra["preparation"]
    assert facts["applied"] == ["colour"] and "stamp" in facts["reasons"]["colour"]


def _unevenly_lit(page: Image.Image) -> Image.Image:
    """Light falling from the left edge to a third of it at the right, a fold shadow."""
    arr = np.asarray(page, dtype=np.float32)
    xx = np.linspace(0.0, 1.0, arr.shape[1])[None, :]
    yy = np.linspace(0.0, 1.0, arr.shape[0])[:, None]
    light = (1.0 - 0.65 * xx) * (1.0 - 0.35 * np.exp(-(((yy - 0.55) / 0.05) ** 2)))
    noise = np.random.default_rng(3).normal(0, 3, arr.shape)
    return Image.fromarray((arr * light + noise).clip(0, 255).astype(np.uint8))


def test_flattened_unevenly_lit_page_reads_better(text_page, tmp_path) -> None:
    page, truth = text_page
    scan = _unevenly_lit(page)
    cleaning = clean_for_ocr(np.asarray(scan), dpi=DPI, steps=("flatten",))
    assert cleaning.applied == ("flatten",)
    assert "uneven" in cleaning.reasons["flatten"]
    paper = cleaning.image[np.asarray(page) == 255]
    assert np.percentile(paper, 5) > 200  # the paper is even again
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    flat = _read(scan, tmp_path, ("flatten",))
    assert cer(flat.text, truth) < plain
    assert cer(flat.text, truth) < 0.03


def test_clean_page_is_left_unchanged(text_page, tmp_path) -> None:
    page, truth = text_page
    for image in (page, page.convert("RGB")):
        arr = np.asarray(image)
        cleaning = clean_for_ocr(arr, dpi=DPI, steps=STEPS)
        assert cleaning.applied == () and cleaning.reasons == {}
        assert np.array_equal(cleaning.image, np.asarray(page))  # same pixels
    plain = _read(page, tmp_path, ())
    cleaned = _read(page, tmp_path, STEPS)
    assert cleaned.text == plain.text
    assert [w.conf for w in cleaned.words] == [w.conf for w in plain.words]
    assert cleaned.extra["preparation"]["applied"] == []
    assert "preparation" not in plain.extra


def test_specks_far_from_letters_go_and_diacritics_stay(text_page) -> None:
    page, _truth = text_page
    arr = np.asarray(page).copy()
    rng = np.random.default_rng(5)
    ys, xs = rng.integers(0, HEIGHT - 2, 1500), rng.integers(0, WIDTH - 2, 1500)
    for y, x in zip(ys, xs, strict=True):
        arr[y : y + 2, x : x + 2] = 30
    mask, count = find_specks(arr, dpi=DPI)
    assert count > 800
    letters = np.asarray(page) < 128
    assert not (mask & letters).any()  # no stroke or diacritic of the text is erased
    cleaning = clean_for_ocr(arr, dpi=DPI, steps=("specks",))
    assert cleaning.applied == ("specks",)
    rows, cols = _text_box(np.asarray(page))
    outside = np.ones(arr.shape, bool)
    outside[rows, cols] = False
    assert (cleaning.image[outside] < 128).sum() < 0.05 * (arr[outside] < 128).sum()
    assert find_specks(np.asarray(page), dpi=DPI)[1] == 0


def test_noisy_page_is_binarised_and_reads_better(text_page, tmp_path) -> None:
    page, truth = text_page
    arr = np.asarray(page, dtype=np.float32)
    arr = 255 - (255 - arr) * 0.5
    arr = arr * 0.85 + np.random.default_rng(7).normal(0, 20, arr.shape)
    scan = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    assert otsu_separability(np.asarray(scan)) < otsu_separability(np.asarray(page))
    cleaning = clean_for_ocr(np.asarray(scan), dpi=DPI, steps=("binarise",))
    assert cleaning.applied == ("binarise",)
    assert set(np.unique(cleaning.image)) <= {0, 255}
    plain = cer(_read(scan, tmp_path, ()).text, truth)
    binary = _read(scan, tmp_path, ("binarise",))
    assert cer(binary.text, truth) < plain
    assert cer(binary.text, truth) < 0.05


def test_local_thresholds_keep_text_and_paper(text_page) -> None:
    page, _truth = text_page
    arr = np.asarray(page)
    for out in (sauvola(arr, dpi=DPI), wolf(arr, dpi=DPI)):
        assert out[arr < 60].mean() < 30 and out[arr == 255].mean() > 250


def test_preparation_facts_reach_the_catalog(text_page, tmp_path) -> None:
    page, _truth = text_page
    arr = np.asarray(_stamp(page)).copy()
    arr[:, :150] = 20
    result = _read(Image.fromarray(arr), tmp_path, STEPS)
    facts = processing_facts(result)["preparation"]
    assert facts["applied"][:2] == ["colour", "margins"]
    assert set(facts["reasons"]) == set(facts["applied"])
    assert all(isinstance(v, str) and v for v in facts["reasons"].values())
    assert set(result.extra["preparation"]["seconds"]) == set(STEPS)


def test_setting_names_the_steps() -> None:
    assert parse_steps("off", ("flatten",)) == ()
    assert parse_steps("auto", ("flatten", "colour")) == ("flatten", "colour")
    assert parse_steps("binarise, colour", ()) == ("colour", "binarise")  # run order
    assert parse_steps("all", ()) == STEPS
    with pytest.raises(ValueError, match="sharpen"):
        parse_steps("flatten,sharpen", ())
    assert load_settings(clean="margins,flatten").clean_steps == ("margins", "flatten")
    assert load_settings(clean="off").clean_steps == ()
    assert set(load_settings().clean_steps) <= set(STEPS)
    from errors import ConfigError

    with pytest.raises(ConfigError, match="clean"):
        load_settings(clean="sharpen")


def test_pipeline_reads_the_cleaned_copy_and_stores_the_scan(tmp_path) -> None:
    from sqlalchemy import select

    from archive import schema as t
    from sohoa import pipeline
    from sohoa.runner import run_embedded

    page, truth = _text_page()
    scan = _stamp(page)
    batch = tmp_path / "batch" / "lo-1"
    (batch / "HS-01").mkdir(parents=True)
    scan.save(batch / "HS-01" / "dau.png", dpi=(DPI, DPI))
    settings = load_settings(home=tmp_path / "home", workers=1)  # SOHOA_CLEAN=auto
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, batch, fonds="F1", operator="tester")
        assert run_embedded(ctx, {report.batch_id}).failed == 0
        with ctx.catalog.tx() as conn:
            text, processing = conn.execute(select(t.page.c.text, t.page.c.processing)).one()
    finally:
        ctx.close()
    facts = processing if isinstance(processing, dict) else json.loads(processing)
    assert facts["preparation"]["applied"] == ["colour"]
    assert "stamp" in facts["preparation"]["reasons"]["colour"]
    assert cer(text, truth) < 0.03
    # The PDF/A keeps the colour scan, stamp and all: its page image is RGB.
    pdfs = list((tmp_path / "home" / "pdfa").rglob("*.pdf"))
    assert len(pdfs) == 1
    import pikepdf

    with pikepdf.open(pdfs[0]) as pdf:
        images = list(pdf.pages[0].get_images().values())
        assert images and images[0].ColorSpace == "/DeviceRGB"
