"""PDF/A packaging with pikepdf: page images under an invisible text layer, XMP, sRGB intent.

No Ghostscript: the file is assembled object by object. Each page image keeps its exact pixel
size and is compressed to suit it: bilevel pages as CCITT Group 4, grey pages as greyscale
JPEG, colour pages as RGB JPEG. The OCR words are drawn invisibly on top (see
:mod:`archive.textlayer`), the document carries XMP metadata declaring PDF/A-1b or PDF/A-2b
plus the descriptive fields, a matching document information dictionary, and an sRGB output
intent with an embedded ICC v2 profile (:mod:`archive.icc`).
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
from PIL import Image, UnidentifiedImageError

from archive.icc import DESCRIPTION as ICC_DESCRIPTION
from archive.icc import srgb_profile
from archive.storage import atomic_path
from archive.textlayer import (
    FONT_RESOURCE_NAME,
    GlyphlessFont,
    add_glyphless_font,
    text_layer_content,
)
from errors import CorruptFileError, ImageTooLargeError, InputError, StorageError
from ocr import OcrResult

log = logging.getLogger(__name__)

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
}

IMAGE_NAME = "/Im0"
# Try lossless Flate when one grey level covers at least this share of the page.
FLATE_BACKGROUND_SHARE = 0.6
_XMP_DATE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class PdfPage:
    """One page to package: its prepared image, resolution and recognised words."""

    image_path: Path  # the prepared page image (PNM/PNG/TIFF/JPEG), mode 1, L or RGB
    dpi: float
    ocr: OcrResult | None  # word boxes in pixels of that image; None = no text layer


@dataclass(frozen=True)
class PdfInfo:
    """Descriptive metadata of the document (all optional strings)."""

    title: str = ""
    creator: str = ""  # issuing body
    subject: str = ""  # summary
    identifier: str = ""  # number/symbol e.g. "141/KH-UBND"
    date: str = ""  # ISO issue date
    doc_type: str = ""
    language: str = "vi"
    keywords: str = ""
    producer: str = "sohoa"


# --------------------------------------------------------------------------- images


def _load_image(path: Path) -> Image.Image:
    """Open a page image and bring it to mode 1, L or RGB (no transparency)."""
    try:
        with Image.open(path) as opened:
            opened.seek(0)
            opened.load()
            img = opened.copy() if opened.mode in ("1", "L", "RGB") else _normalise(opened)
    except FileNotFoundError as exc:
        raise InputError(
            f"page image {path} does not exist; prepare the page again.", path=path
        ) from exc
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(
            f"page image {path} is larger than the allowed pixel count; rescan it at a lower dpi.",
            path=path,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(
            f"page image {path} cannot be read ({exc}); prepare the page again.", path=path
        ) from exc
    return img


def _normalise(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white and map other modes to L or RGB."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        return img.point(lambda v: v / 256).convert("L")
    if img.mode == "F":
        return img.convert("L")
    grey = img.mode in ("LA", "La")
    if img.mode in ("LA", "La", "RGBA", "RGBa", "PA") or "transparency" in img.info:
        flat = Image.new("RGBA", img.size, (255, 255, 255, 255))
        flat.alpha_composite(img.convert("RGBA"))
        img = flat
    return img.convert("L" if grey else "RGB")


def _g4_image(pdf: pikepdf.Pdf, img: Image.Image) -> pikepdf.Stream:
    """Encode a bilevel image as one CCITT Group 4 strip and wrap it in an image XObject."""
    buf = io.BytesIO()
    img.save(buf, "TIFF", compression="group4", strip_size=1 << 40)
    with Image.open(io.BytesIO(buf.getvalue())) as tiff:
        tags = tiff.tag_v2
        offsets, counts = tags[273], tags[279]
        photometric = tags.get(262, 0)
        fill_order = tags.get(266, 1)
    if len(offsets) != 1 or fill_order != 1:  # pragma: no cover - depends on libtiff build
        raise InputError("Pillow did not write a single-strip Group 4 TIFF; update Pillow/libtiff.")
    data = buf.getvalue()[offsets[0] : offsets[0] + counts[0]]
    stream = pikepdf.Stream(pdf, data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width = img.width
    stream.Height = img.height
    stream.ColorSpace = pikepdf.Name.DeviceGray
    stream.BitsPerComponent = 1
    stream.Filter = pikepdf.Name.CCITTFaxDecode
    # The codec codes 0-bits as "white" runs; with BlackIsZero photometry those are black pixels.
    stream.DecodeParms = pikepdf.Dictionary(
        K=-1, Columns=img.width, Rows=img.height, BlackIs1=photometric == 1
    )
    return stream


def _raster_image(pdf: pikepdf.Pdf, img: Image.Image, quality: int) -> pikepdf.Stream:
    """Encode a grey or colour image as JPEG, or losslessly when that is smaller.

    Clean pages (a flat background covering most pixels, as after binarisation or on
    born-digital renderings) often compress better with Flate than with JPEG, and then lose
    nothing; noisy scans always go to JPEG. Only the cheap histogram test decides whether the
    Flate attempt is worth its time.
    """
    buf = io.BytesIO()
    # Optimised Huffman tables save 5% for 20 ms a page; progressive would save 3% more for
    # another 70 ms (measured on A4 300 dpi grey scans), so it is not used.
    img.save(buf, "JPEG", quality=quality, optimize=True)
    data, filter_ = buf.getvalue(), pikepdf.Name.DCTDecode
    histogram = img.convert("L").histogram() if img.mode != "L" else img.histogram()
    if max(histogram) >= FLATE_BACKGROUND_SHARE * img.width * img.height:
        lossless = zlib.compress(img.tobytes(), 6)
        if len(lossless) < len(data):
            data, filter_ = lossless, pikepdf.Name.FlateDecode
    stream = pikepdf.Stream(pdf, data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width = img.width
    stream.Height = img.height
    stream.ColorSpace = pikepdf.Name.DeviceGray if img.mode == "L" else pikepdf.Name.DeviceRGB
    stream.BitsPerComponent = 8
    stream.Filter = filter_
    return stream


def _image_xobject(pdf: pikepdf.Pdf, img: Image.Image, quality: int) -> pikepdf.Stream:
    if img.mode == "1":
        return _g4_image(pdf, img)
    return _raster_image(pdf, img, quality)


# --------------------------------------------------------------------------- metadata


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _write_metadata(pdf: pikepdf.Pdf, info: PdfInfo, part: int) -> None:
    """Write the document information dictionary and the XMP packet with the same values."""
    info = replace(info, **{f.name: _plain(getattr(info, f.name)) for f in fields(info)})
    now = datetime.now(UTC).replace(microsecond=0)
    docinfo: dict[str, str] = {
        "/Title": info.title,
        "/Author": info.creator,
        "/Subject": info.subject,
        "/Keywords": info.keywords,
        "/Creator": info.producer,
        "/Producer": info.producer,
        "/CreationDate": _pdf_date(now),
        "/ModDate": _pdf_date(now),
    }
    pdf.trailer.Info = pdf.make_indirect(
        pikepdf.Dictionary({k: pikepdf.String(v) for k, v in docinfo.items() if v})
    )
    pdf.Root.Metadata = pdf.make_indirect(_xmp_stream(pdf, info, part, _xmp_date(now)))


def _plain(text: str) -> str:
    """A metadata value without control characters or surrounding blanks."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20).strip()


def _clean(text: str) -> str:
    """Text as XML character data (markup escaped)."""
    return escape(_plain(text))


def _xmp_packet(info: PdfInfo, part: int, stamp: str) -> bytes:
    """The XMP packet: one rdf:Description per predefined schema, namespaces declared on it.

    PDFBox's XMP parser (and so Preflight) needs the namespace declarations on the
    rdf:Description elements, which is why the packet is written here rather than through
    pikepdf's metadata editor (which declares them on every property).
    """
    dc: list[str] = []
    if info.title:
        dc.append(
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_clean(info.title)}'
            "</rdf:li></rdf:Alt></dc:title>"
        )
    if info.creator:
        dc.append(
            f"<dc:creator><rdf:Seq><rdf:li>{_clean(info.creator)}</rdf:li></rdf:Seq></dc:creator>"
        )
    if info.subject:
        dc.append(
            '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{_clean(info.subject)}</rdf:li></rdf:Alt></dc:description>"
        )
    if info.identifier:
        dc.append(f"<dc:identifier>{_clean(info.identifier)}</dc:identifier>")
    if info.date:
        if _XMP_DATE.match(info.date.strip()):
            dc.append(f"<dc:date><rdf:Seq><rdf:li>{_clean(info.date)}</rdf:li></rdf:Seq></dc:date>")
        else:
            log.warning("issue date %r is not an ISO date; left out of the XMP", info.date)
    if info.doc_type:
        dc.append(f"<dc:type><rdf:Bag><rdf:li>{_clean(info.doc_type)}</rdf:li></rdf:Bag></dc:type>")
    if info.language:
        dc.append(
            f"<dc:language><rdf:Bag><rdf:li>{_clean(info.language)}</rdf:li></rdf:Bag>"
            "</dc:language>"
        )
    xmp = [
        f"<xmp:CreatorTool>{_clean(info.producer)}</xmp:CreatorTool>",
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>",
    ]
    pdf_props = [f"<pdf:Producer>{_clean(info.producer)}</pdf:Producer>"]
    if info.keywords:
        pdf_props.append(f"<pdf:Keywords>{_clean(info.keywords)}</pdf:Keywords>")
    schemas = [
        (
            "pdfaid",
            _NS["pdfaid"],
            [f"<pdfaid:part>{part}</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>"],
        ),
        ("dc", _NS["dc"], dc),
        ("xmp", _NS["xmp"], xmp),
        ("pdf", _NS["pdf"], pdf_props),
    ]
    body = "\n".join(
        f'  <rdf:Description rdf:about="" xmlns:{prefix}="{uri}">\n'
        + "".join(f"   {prop}\n" for prop in props)
        + "  </rdf:Description>"
        for prefix, uri, props in schemas
        if props
    )
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{_NS["rdf"]}">\n{body}\n </rdf:RDF>\n'
        "</x:xmpmeta>\n" + (" " * 99 + "\n") * 20 + '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def _xmp_stream(pdf: pikepdf.Pdf, info: PdfInfo, part: int, stamp: str) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, _xmp_packet(info, part, stamp))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    return stream


def _add_output_intent(pdf: pikepdf.Pdf) -> None:
    profile = pikepdf.Stream(pdf, srgb_profile())
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(ICC_DESCRIPTION),
        Info=pikepdf.String(ICC_DESCRIPTION),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=pdf.make_indirect(profile),
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


# --------------------------------------------------------------------------- document


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _add_page(pdf: pikepdf.Pdf, page: PdfPage, font: GlyphlessFont | None, quality: int) -> None:
    if not page.dpi or page.dpi <= 0:
        raise InputError(f"page image {page.image_path} has no valid dpi ({page.dpi}).")
    img = _load_image(Path(page.image_path))
    width = img.width * 72.0 / page.dpi
    height = img.height * 72.0 / page.dpi
    if not 3 <= width <= 14400 or not 3 <= height <= 14400:
        raise InputError(
            f"page image {page.image_path} would make a {width:.0f}x{height:.0f} pt page, "
            "outside PDF's limits; check its dpi."
        )
    image = pdf.make_indirect(_image_xobject(pdf, img, quality))
    content = f"q {_num(width)} 0 0 {_num(height)} 0 0 cm {IMAGE_NAME} Do Q\n".encode("ascii")
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({IMAGE_NAME: image}))
    if page.ocr is not None and page.ocr.lines and font is not None:
        content += text_layer_content(page.ocr, font, page_width=width, page_height=height)
        resources.Font = pikepdf.Dictionary({FONT_RESOURCE_NAME: font.font})
    page_dict = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, float(_num(width)), float(_num(height))],
        Resources=resources,
        Contents=pdf.make_stream(content),
    )
    pdf.pages.append(pikepdf.Page(page_dict))


def build_pdfa(
    pages: Sequence[PdfPage],
    out_path: Path,
    *,
    info: PdfInfo,
    part: int = 2,
    jpeg_quality: int = 60,
) -> None:
    """Package ``pages`` as one PDF/A-``part``\\ b file at ``out_path`` (written atomically).

    Raises :class:`~ingest.InputError` for an unreadable page image or bad arguments,
    :class:`~ingest.ToolMissingError` when tesseract's glyphless font is missing and
    :class:`~ingest.StorageError` when the file cannot be written.
    """
    if part not in (1, 2):
        raise InputError(f"PDF/A part must be 1 or 2, not {part}.")
    if not pages:
        raise InputError(f"no pages to package into {out_path}.")
    if not 1 <= jpeg_quality <= 95:
        raise InputError(f"JPEG quality must be between 1 and 95, not {jpeg_quality}.")
    out_path = Path(out_path)
    with pikepdf.new() as pdf:
        texts = [w.text for p in pages if p.ocr is not None for w in p.ocr.words]
        font = add_glyphless_font(pdf, texts) if texts else None
        for page in pages:
            _add_page(pdf, page, font, jpeg_quality)
        make_conformant(pdf, info=info, part=part)
        save_pdfa(pdf, out_path, part=part)
    log.info("packaged %d page(s) as PDF/A-%db into %s", len(pages), part, out_path)


def make_conformant(pdf: pikepdf.Pdf, *, info: PdfInfo, part: int = 2) -> None:
    """Give ``pdf`` what PDF/A asks of the document: the sRGB output intent, the document
    information dictionary and XMP packet (identification and ``info``), and the language.

    Replaces whatever the file had, so it also serves files assembled from pages of other
    PDF/A files (see :func:`copy_pages`).
    """
    if part not in (1, 2):
        raise InputError(f"PDF/A part must be 1 or 2, not {part}.")
    _add_output_intent(pdf)
    _write_metadata(pdf, info, part)
    pdf.Root.Lang = pikepdf.String(info.language or "vi")


def save_pdfa(pdf: pikepdf.Pdf, out_path: Path, *, part: int = 2) -> None:
    """Write ``pdf`` atomically with the file structure PDF/A-``part`` needs."""
    out_path = Path(out_path)
    if part == 1:
        options = {
            "force_version": "1.4",
            "object_stream_mode": pikepdf.ObjectStreamMode.disable,
        }
    else:
        options = {
            "force_version": "1.7",
            "object_stream_mode": pikepdf.ObjectStreamMode.generate,
        }
    with atomic_path(out_path) as tmp:
        try:
            pdf.save(tmp, compress_streams=True, fix_metadata_version=False, **options)
        except OSError as exc:
            raise StorageError(f"cannot write {out_path}: {exc}", path=out_path) from exc


def copy_pages(
    sources: Sequence[tuple[Path, Sequence[int]]],
    out_path: Path,
    *,
    info: PdfInfo,
    part: int = 2,
) -> int:
    """A new PDF/A at ``out_path`` made of pages copied from existing PDF/A files.

    ``sources`` lists ``(pdf path, 0-based page indices)`` in the order the pages should
    appear. Pages keep their images and invisible text layer unchanged (no re-encoding, no
    OCR); the document-level PDF/A parts are made afresh for ``info``. Returns the page count.
    Raises :class:`~ingest.CorruptFileError` for a source that cannot be read.
    """
    if not any(indices for _, indices in sources):
        raise InputError(f"no pages to copy into {out_path}.")
    opened: list[pikepdf.Pdf] = []
    try:
        with pikepdf.new() as pdf:
            for path, indices in sources:
                try:
                    src = pikepdf.open(path)
                except (pikepdf.PdfError, OSError) as exc:
                    raise CorruptFileError(
                        f"PDF/A file {path} cannot be read ({exc}); restore it from a backup.",
                        path=path,
                    ) from exc
                opened.append(src)
                for index in indices:
                    if not 0 <= index < len(src.pages):
                        raise InputError(f"{path} has no page {index + 1}.")
                    pdf.pages.append(src.pages[index])
            make_conformant(pdf, info=info, part=part)
            save_pdfa(pdf, out_path, part=part)
            count = len(pdf.pages)
    finally:
        for src in opened:
            src.close()
    log.info("copied %d page(s) into the PDF/A-%db %s", count, part, out_path)
    return count
