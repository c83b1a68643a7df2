"""Small generated batches with known ground truth, shared by the pipeline tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image

from sohoa.synthetic import (
    AdminDocument,
    degrade,
    paragraph_page,
    random_admin_document,
    render_admin_document,
    vietnamese_paragraphs,
)


@dataclass
class Batch:
    root: Path
    docs: dict[str, AdminDocument] = field(default_factory=dict)  # relative name -> truth
    pages: int = 0


def save_tiff(path: Path, pages: list[Image.Image], *, compression: str, dpi: int = 300) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = pages
    first.save(
        path,
        format="TIFF",
        compression=compression,
        save_all=True,
        append_images=rest,
        dpi=(dpi, dpi),
    )


def short_page(text: str, *, dpi: int = 300) -> Image.Image:
    """A sparse page (two short paragraphs): quick to OCR."""
    img, _ = paragraph_page([text, text], dpi=dpi)
    return img


def admin_batch(root: Path, *, seed: int = 7) -> Batch:
    """Two records, four documents, five pages, in four formats, with skew and a quarter turn."""
    batch = Batch(root=root)
    # record A: a 2-page bilevel G4 TIFF (page 1 skewed by 2 degrees) and a PNG turned by 90
    doc_a = random_admin_document(seed, pages=2)
    pages = render_admin_document(doc_a)
    scanned = [degrade(pages[0], angle=2.0, noise=4, seed=1), degrade(pages[1], noise=4, seed=2)]
    bilevel = [p.point(lambda v: 0 if v < 150 else 255).convert("1") for p in scanned]
    save_tiff(root / "HS-A" / "doc1.tif", bilevel, compression="group4")
    batch.docs["HS-A/doc1.tif"] = doc_a

    doc_b = random_admin_document(seed + 1, pages=1)
    turned = degrade(render_admin_document(doc_b)[0], quarter_turns=1, noise=3, seed=3)
    turned.save(root / "HS-A" / "doc2.png", dpi=(300, 300))
    batch.docs["HS-A/doc2.png"] = doc_b

    # top level (record named after the batch): an image-only PDF
    doc_c = random_admin_document(seed + 2, pages=1)
    img_c = degrade(render_admin_document(doc_c)[0], angle=-1.5, noise=3, seed=4)
    img_c.save(root / "scan.pdf", format="PDF", resolution=300)
    batch.docs["scan.pdf"] = doc_c
    batch.pages = 4
    return batch


def text_pdf(path: Path, text: str) -> None:
    """A PDF whose page carries a real text layer (as exported from a word processor)."""
    from archive import PdfInfo, PdfPage, build_pdfa
    from ocr import OcrResult, TextLine, Word

    img = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi, blank image
    path.parent.mkdir(parents=True, exist_ok=True)
    image_path = path.with_suffix(".pgm")
    img.save(image_path)
    words = []
    x = 100
    for token in text.split():
        width = 18 * len(token)
        words.append(Word(token, x, 200, width, 30, 95.0))
        x += width + 15
    line = TextLine(tuple(words), 100, 200, x - 100, 30)
    ocr_result = OcrResult(lines=(line,), width=1240, height=1754, dpi=150)
    build_pdfa(
        [PdfPage(image_path=image_path, dpi=150, ocr=ocr_result)],
        path,
        info=PdfInfo(title="text"),
        part=2,
    )
    image_path.unlink()


def encrypted_pdf(path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def huge_png_header(path: Path, width: int = 40000, height: int = 40000) -> None:
    """A PNG whose header declares width x height pixels (the body is not needed to reject it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1))  # one row only: a lie, like a bomb
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def body_text(seed: int) -> str:
    import random

    return " ".join(vietnamese_paragraphs(random.Random(seed), 1))
