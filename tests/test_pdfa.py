"""PDF/A packaging: Preflight validity, metadata, text layer, image encodings, errors."""

from __future__ import annotations

import glob
import io
import subprocess
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pypdfium2
import pytesseract
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from archive.icc import srgb_profile
from archive.pdfa import PdfInfo, PdfPage, build_pdfa
from errors import CorruptFileError, InputError
from ocr import OcrResult, TextLine, Word
from sohoa.synthetic import degrade, paragraph_page

PARAGRAPHS = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; căn cứ Luật "
    "Lưu trữ ngày 11 tháng 11 năm 2011, Ủy ban nhân dân tỉnh ban hành kế hoạch số hóa.",
    "Các cơ quan, đơn vị có trách nhiệm rà soát hồ sơ, tài liệu lưu trữ, lập danh mục và "
    "chuyển giao cho Trung tâm Lưu trữ lịch sử trước ngày 30 tháng 9 năm 2024.",
    "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính bảo đảm kinh phí thực hiện; "
    "định kỳ báo cáo kết quả về Ủy ban nhân dân tỉnh.",
]
INFO = PdfInfo(
    title="Kế hoạch số hóa tài liệu lưu trữ năm 2024",
    creator="Ủy ban nhân dân tỉnh Bắc Ninh",
    subject="Kế hoạch số hóa tài liệu lưu trữ lịch sử của tỉnh",
    identifier="141/KH-UBND",
    date="2024-03-05",
    doc_type="Kế hoạch",
    keywords="số hóa; lưu trữ",
)
VIETNAMESE = ["Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập - Tự do - Hạnh phúc", "đ Đ ữ ỹ Ư ơ ậ"]


# ----------------------------------------------------------------------------- helpers


def ocr_image(img: Image.Image, dpi: float) -> OcrResult:
    """Recognise ``img`` with the real tesseract and group its words into lines."""
    data = pytesseract.image_to_data(img, lang="vie", output_type=pytesseract.Output.DICT)
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    for i, text in enumerate(data["text"]):
        if not text.strip() or float(data["conf"][i]) < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        grouped.setdefault(key, []).append(
            Word(
                text,
                data["left"][i],
                data["top"][i],
                data["width"][i],
                data["height"][i],
                float(data["conf"][i]),
            )
        )
    lines = []
    for (block, par, _), words in grouped.items():
        left, top = min(w.left for w in words), min(w.top for w in words)
        lines.append(
            TextLine(
                tuple(words),
                left,
                top,
                max(w.right for w in words) - left,
                max(w.bottom for w in words) - top,
                block,
                par,
            )
        )
    return OcrResult(tuple(lines), img.width, img.height, dpi, languages="vie")


def synthetic_ocr(lines: list[str], *, width: int, height: int, dpi: float) -> OcrResult:
    """Word boxes laid out like a typed page, with known text."""
    out = []
    y = 60
    for text in lines:
        words, x = [], 80
        for word in text.split():
            words.append(Word(word, x, y, 22 * len(word), 40, 95.0))
            x += 22 * len(word) + 18
        out.append(TextLine(tuple(words), 80, y, x - 98, 40))
        y += 70
    return OcrResult(tuple(out), width, height, dpi)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate (Levenshtein distance over the reference length)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_char in enumerate(reference, 1):
        current = [i]
        for j, hyp_char in enumerate(hypothesis, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_char != hyp_char))
            )
        previous = current
    return previous[-1] / max(len(reference), 1)


def preflight(path: Path) -> tuple[bool, str]:
    """Run Apache PDFBox Preflight (PDF/A-1b) from Debian's jars on ``path``."""
    names = ["preflight", "pdfbox2", "fontbox2", "xmpbox", "commons-logging"]
    names += ["javax.activation", "jaxb-api"]
    jars = []
    for name in names:
        found = glob.glob(f"/usr/share/java/{name}.jar")
        assert found, f"/usr/share/java/{name}.jar missing: install libpdfbox2-java"
        jars.append(found[0])
    result = subprocess.run(
        ["java", "-cp", ":".join(jars), "org.apache.pdfbox.preflight.Validator_A1b", str(path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    return f"{path.name} is a valid PDF/A-1b file" in output, output


def render(pdf_path: Path, index: int, dpi: float, size: tuple[int, int], *, grey: bool):
    """Render one page at ``dpi`` as an array of ``size`` (the renderer may round up 1 px)."""
    doc = pypdfium2.PdfDocument(str(pdf_path))
    try:
        shown = doc[index].render(scale=dpi / 72.0, grayscale=grey).to_pil()
    finally:
        doc.close()
    assert abs(shown.width - size[0]) <= 1 and abs(shown.height - size[1]) <= 1
    shown = shown.convert("L" if grey else "RGB").crop((0, 0, *size))
    return np.asarray(shown, dtype=np.float32)


def image_filters(pdf_path: Path) -> list[tuple[str, int, int]]:
    with pikepdf.open(pdf_path) as pdf:
        out = []
        for page in pdf.pages:
            image = page.Resources.XObject["/Im0"]
            out.append((str(image.Filter), int(image.Width), int(image.Height)))
        return out


def colour_page(dpi: int = 150, *, noise: float = 0.0) -> Image.Image:
    grey, _ = paragraph_page(PARAGRAPHS[:1], dpi=dpi)
    ink = np.asarray(grey, dtype=np.float32) / 255.0
    rgb = np.stack([ink * 255, ink * 255, 60 + ink * 195], axis=-1)  # navy ink
    if noise:
        rgb = rgb + np.random.default_rng(7).normal(0, noise, rgb.shape)
    rgb = rgb.clip(0, 255).astype(np.uint8)
    img = Image.fromarray(rgb, "RGB")
    ImageDraw.Draw(img).rectangle((100, 20, 600, 60), fill=(200, 20, 20))  # a red stamp band
    return img


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A two-page Vietnamese document (grey page, bilevel page) recognised by tesseract."""
    folder = tmp_path_factory.mktemp("pdfa")
    dpi = 300
    page1, _ = paragraph_page(PARAGRAPHS, dpi=dpi)
    page2, _ = paragraph_page(list(reversed(PARAGRAPHS)), dpi=dpi)
    page2 = page2.point(lambda v: 255 if v > 140 else 0, mode="1")
    colour = colour_page(150, noise=5)
    paths = [folder / "p1.png", folder / "p2.tif", folder / "p3.jpg"]
    page1.save(paths[0])
    page2.save(paths[1], compression="group4", dpi=(dpi, dpi))
    colour.save(paths[2], quality=92)
    ocrs = [ocr_image(page1, dpi), ocr_image(page2.convert("L"), dpi)]
    pages = [PdfPage(paths[0], dpi, ocrs[0]), PdfPage(paths[1], dpi, ocrs[1])]
    pages.append(PdfPage(paths[2], 150, None))
    pdf1, pdf2 = folder / "doc-1b.pdf", folder / "doc-2b.pdf"
    build_pdfa(pages, pdf1, info=INFO, part=1)
    build_pdfa(pages, pdf2, info=INFO, part=2)
    return {"pages": pages, "ocrs": ocrs, "pdf1": pdf1, "pdf2": pdf2, "folder": folder}


# ----------------------------------------------------------------------------- tests


def test_pdfa_1b_passes_pdfbox_preflight(scanned: dict) -> None:
    valid, output = preflight(scanned["pdf1"])
    assert valid, f"PDFBox Preflight rejected the PDF/A-1b file:\n{output}"
    kinds = [f for f, _, _ in image_filters(scanned["pdf1"])]
    assert kinds == ["/FlateDecode", "/CCITTFaxDecode", "/DCTDecode"]
    raw = scanned["pdf1"].read_bytes()
    assert raw.startswith(b"%PDF-1.4")
    assert b"/ObjStm" not in raw and b"/XRef" not in raw


def test_pdfa_2b_only_fails_the_1b_specific_rules(scanned: dict) -> None:
    """Preflight only knows PDF/A-1b; a 2b file may break just the version-specific rules."""
    valid, output = preflight(scanned["pdf2"])
    assert not valid
    errors = [line for line in output.splitlines() if line[:1].isdigit()]
    assert errors, output
    unexpected = [e for e in errors if not e.startswith(("1.4 ", "7.11.2 "))]
    assert not unexpected, f"PDFBox found problems beyond the 1b-only rules:\n{output}"


def test_pdfa_2b_identification_metadata_and_intent(scanned: dict) -> None:
    with pikepdf.open(scanned["pdf2"]) as pdf:
        assert pdf.pdf_version == "1.7"
        assert len(pdf.pages) == 3
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == INFO.title
        assert meta["dc:creator"] == [INFO.creator]
        assert meta["dc:description"] == INFO.subject
        assert meta["dc:identifier"] == INFO.identifier
        assert meta["dc:date"] == [INFO.date]
        assert meta["dc:type"] == {INFO.doc_type}
        assert meta["dc:language"] == {"vi"}
        assert meta["pdf:Producer"] == "sohoa"
        assert meta["pdf:Keywords"] == INFO.keywords
        assert meta["xmp:CreatorTool"] == "sohoa"
        assert meta["xmp:CreateDate"].startswith("20")
        info = pdf.docinfo
        assert str(info.Title) == INFO.title
        assert str(info.Author) == INFO.creator
        assert str(info.Subject) == INFO.subject
        assert str(info.Keywords) == INFO.keywords
        assert str(info.Producer) == "sohoa"
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        assert intents[0].S == pikepdf.Name.GTS_PDFA1
        profile = intents[0].DestOutputProfile
        assert int(profile.N) == 3
        icc = profile.read_bytes()
        assert icc == srgb_profile()
        assert icc[8] == 2 and icc[12:16] == b"mntr" and icc[16:20] == b"RGB "
        assert icc[36:40] == b"acsp" and int.from_bytes(icc[:4], "big") == len(icc)
        ids = pdf.trailer.ID
        assert len(ids) == 2 and len(bytes(ids[0])) == 16
        assert pdf.Root.Metadata.get("/Filter") is None  # XMP stays readable
    assert scanned["pdf2"].read_bytes().startswith(b"%PDF-1.7")


def test_icc_profile_converts_like_srgb() -> None:
    from PIL import ImageCms

    ours = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))
    assert ours.profile.version < 3
    reference = ImageCms.createProfile("sRGB")
    colours = [(10, 200, 30), (255, 0, 0), (128, 128, 128), (0, 0, 255), (250, 240, 5)]
    img = Image.new("RGB", (len(colours), 1))
    for x, colour in enumerate(colours):
        img.putpixel((x, 0), colour)
    converted = ImageCms.applyTransform(img, ImageCms.buildTransform(ours, reference, "RGB", "RGB"))
    for x, colour in enumerate(colours):
        assert max(abs(a - b) for a, b in zip(converted.getpixel((x, 0)), colour, strict=True)) <= 2


def test_text_layer_gives_back_the_ocr_text(scanned: dict) -> None:
    with pdfplumber.open(scanned["pdf2"]) as pdf:
        extracted = [page.extract_text() for page in pdf.pages]
    for ocr, text in zip(scanned["ocrs"], extracted, strict=False):
        expected_lines = [line.text for line in ocr.lines]
        assert len(expected_lines) >= 5
        got_lines = text.splitlines()
        assert got_lines == expected_lines
        assert cer("\n".join(expected_lines), text) < 0.005
    assert extracted[2] == ""  # the colour page has no text layer


def test_vietnamese_round_trips_exactly(tmp_path: Path) -> None:
    dpi = 150
    Image.new("L", (1240, 600), 255).save(tmp_path / "blank.png")
    lines = [*VIETNAMESE, "Hán Nôm 𠀧 𡨸 chữ"]  # two ideographs outside the BMP
    ocr = synthetic_ocr(lines, width=1240, height=600, dpi=dpi)
    out = tmp_path / "viet.pdf"
    build_pdfa([PdfPage(tmp_path / "blank.png", dpi, ocr)], out, info=PdfInfo(title="thử"))
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        assert page.extract_text() == "\n".join(lines)
        words = page.extract_words()
    expected = [w for line in ocr.lines for w in line.words]
    assert [w["text"] for w in words] == [w.text for w in expected]
    scale = 72.0 / dpi
    for got, want in zip(words, expected, strict=True):
        assert got["x0"] == pytest.approx(want.left * scale, abs=0.5)
        assert got["x1"] == pytest.approx(want.right * scale, abs=0.5)
        assert got["top"] == pytest.approx(want.top * scale, abs=0.5)
        assert got["bottom"] == pytest.approx(want.bottom * scale, abs=0.5)
    doc = pypdfium2.PdfDocument(str(out))
    try:
        assert doc[0].get_textpage().get_text_range().replace("\r\n", "\n") == "\n".join(lines)
    finally:
        doc.close()


def test_font_widths_match_the_font_program(scanned: dict) -> None:
    with pikepdf.open(scanned["pdf1"]) as pdf:
        type0 = pdf.pages[0].Resources.Font["/FGlyphless"]
        assert type0.Encoding == pikepdf.Name("/Identity-H")
        cid_font = type0.DescendantFonts[0]
        program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
        gids = set(zip(*[iter(cid_font.CIDToGIDMap.read_bytes())] * 2, strict=True))
        assert len(gids) == 1
        gid = int.from_bytes(bytes(gids.pop()), "big")
        name = program.getGlyphOrder()[gid]
        advance = program["hmtx"].metrics[name][0] * 1000 / program["head"].unitsPerEm
        assert int(cid_font.DW) == round(advance)
        assert b"beginbfrange" in type0.ToUnicode.read_bytes()


def test_bilevel_grey_and_colour_pages_render_like_their_source(tmp_path: Path) -> None:
    dpi = 150
    grey, _ = paragraph_page(PARAGRAPHS, dpi=dpi)
    noisy = degrade(grey, blur=0.8, noise=6, seed=4)
    bilevel = grey.point(lambda v: 255 if v > 140 else 0, mode="1")
    colour = colour_page(dpi, noise=5)
    clean_colour = colour_page(dpi)
    sources = {"bilevel.png": bilevel, "grey.png": grey, "scan.png": noisy}
    sources |= {"colour.png": colour, "clean-colour.png": clean_colour}
    for name, img in sources.items():
        img.save(tmp_path / name)
    out = tmp_path / "kinds.pdf"
    build_pdfa([PdfPage(tmp_path / n, dpi, None) for n in sources], out, info=INFO, part=2)

    filters = image_filters(out)
    assert [f for f, _, _ in filters] == [
        "/CCITTFaxDecode",
        "/FlateDecode",  # clean grey page: lossless is smaller than JPEG
        "/DCTDecode",
        "/DCTDecode",
        "/FlateDecode",
    ]
    for (_, width, height), img in zip(filters, sources.values(), strict=True):
        assert (width, height) == img.size  # pixel-exact, no resampling

    # lossless pages differ only by the renderer's resampling; JPEG also smooths the noise
    tolerances = (3.0, 3.0, 6.0)
    for index, (img, tolerance) in enumerate(zip(sources.values(), tolerances, strict=False)):
        shown = render(out, index, dpi, img.size, grey=True)
        source = np.asarray(img.convert("L"), dtype=np.float32)
        assert shown.shape == source.shape
        assert np.abs(shown - source).mean() < tolerance
        dark_shown, dark_source = (shown < 128).mean(), (source < 128).mean()
        assert dark_source > 0.005 and abs(dark_shown - dark_source) < 0.15 * dark_source
    shown_rgb = render(out, 3, dpi, colour.size, grey=False)
    source_rgb = np.asarray(colour, dtype=np.float32)
    assert shown_rgb.shape == source_rgb.shape
    assert np.abs(shown_rgb - source_rgb).mean() < 4.0
    band = shown_rgb[25:55, 110:590]
    assert band[..., 0].mean() > 170 and band[..., 1].mean() < 60  # the red band stays red
    shown_clean = render(out, 4, dpi, clean_colour.size, grey=False)
    assert np.abs(shown_clean - np.asarray(clean_colour, dtype=np.float32)).mean() < 3.0


def test_clean_grey_a4_page_is_small(tmp_path: Path) -> None:
    page, _ = paragraph_page(PARAGRAPHS * 6, dpi=300, size_pt=12)
    page.save(tmp_path / "dense.png")
    out = tmp_path / "dense.pdf"
    build_pdfa([PdfPage(tmp_path / "dense.png", 300, None)], out, info=INFO)
    assert out.stat().st_size < 400_000


def test_lower_jpeg_quality_gives_smaller_files(tmp_path: Path) -> None:
    page, _ = paragraph_page(PARAGRAPHS, dpi=150)
    degrade(page, blur=0.8, noise=6, seed=5).save(tmp_path / "scan.png")
    sizes = []
    for quality in (30, 60, 85):
        out = tmp_path / f"q{quality}.pdf"
        build_pdfa(
            [PdfPage(tmp_path / "scan.png", 150, None)], out, info=INFO, jpeg_quality=quality
        )
        sizes.append(out.stat().st_size)
    assert sizes[0] < sizes[1] < sizes[2]


def test_errors_are_typed_and_leave_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    out = tmp_path / "out" / "doc.pdf"
    with pytest.raises(CorruptFileError, match="broken.png"):
        build_pdfa([PdfPage(broken, 300, None)], out, info=INFO)
    with pytest.raises(InputError, match="missing.png"):
        build_pdfa([PdfPage(tmp_path / "missing.png", 300, None)], out, info=INFO)
    Image.new("L", (100, 100), 255).save(tmp_path / "ok.png")
    with pytest.raises(InputError, match="part"):
        build_pdfa([PdfPage(tmp_path / "ok.png", 300, None)], out, info=INFO, part=3)
    with pytest.raises(InputError, match="no pages"):
        build_pdfa([], out, info=INFO)
    assert not out.exists()
    assert not list(tmp_path.rglob(".tmp-*"))


def test_transparent_and_palette_images_are_flattened(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((50, 50, 150, 150), fill=(0, 0, 255, 255))
    rgba.save(tmp_path / "alpha.png")
    rgba.convert("RGB").quantize(8).save(tmp_path / "palette.png")
    out = tmp_path / "flat.pdf"
    pages = [
        PdfPage(tmp_path / "alpha.png", 100, None),
        PdfPage(tmp_path / "palette.png", 100, None),
    ]
    build_pdfa(pages, out, info=INFO, part=1)
    with pikepdf.open(out) as pdf:
        for page in pdf.pages:
            image = page.Resources.XObject["/Im0"]
            assert "/SMask" not in image and image.ColorSpace == pikepdf.Name.DeviceRGB
    shown = render(out, 0, 100, rgba.size, grey=False)
    assert shown[10, 10].min() > 240  # transparent corner became white
    assert shown[100, 100, 2] > 200 and shown[100, 100, 0] < 60  # the blue square stays blue


def test_messy_metadata_stays_valid_and_consistent(tmp_path: Path) -> None:
    Image.new("L", (1240, 600), 255).save(tmp_path / "blank.png")
    ocr = synthetic_ocr(VIETNAMESE, width=1240, height=600, dpi=150)
    messy = PdfInfo(
        title="  Quyết định <số 12> & \x07phụ lục  ",
        creator="Sở Nội vụ",
        identifier="12/QĐ-SNV",
        date="ngày 5 tháng 3",  # not ISO: left out of the XMP
        keywords="a & b",
    )
    out = tmp_path / "messy.pdf"
    build_pdfa([PdfPage(tmp_path / "blank.png", 150, ocr)], out, info=messy, part=1)
    valid, output = preflight(out)
    assert valid, f"PDFBox Preflight rejected the PDF/A-1b file:\n{output}"
    with pikepdf.open(out) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Quyết định <số 12> & phụ lục"
        assert str(pdf.docinfo.Title) == meta["dc:title"]
        assert "dc:date" not in meta
        assert meta["pdf:Keywords"] == "a & b"
