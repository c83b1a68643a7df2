"""Open scanner files page by page: TIFF (multi-page; G4, LZW, JPEG), JPEG, PNG and PDF.

``inspect_file`` is cheap (headers only) and says how many pages a file has, or raises an
``InputError`` naming the file and what to do. ``load_page`` decodes one page into a Pillow
image of mode ``1``, ``L`` or ``RGB`` with its resolution. ``pdf_page_text`` returns the text
layer a PDF page already carries, in the pixel space of the rasterised page.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ImageTooLargeError,
    InputError,
    UnsupportedFormatError,
)
from ocr import OcrResult, TextLine, Word

log = logging.getLogger(__name__)

#: PDFium is not thread-safe: every call into it, in any module, holds this lock.
PDFIUM_LOCK = threading.Lock()

KINDS = ("tiff", "jpeg", "png", "pdf")
MIN_TEXT_CHARS = 20  # a PDF page with fewer characters is treated as image-only


@dataclass(frozen=True)
class SourceFile:
    """A scan file as inspected: its format, page count and size in bytes."""

    path: Path
    kind: str  # one of KINDS
    pages: int
    size: int


@dataclass(frozen=True)
class LoadedPage:
    """One page of a scan file as an image, with its resolution."""

    image: Image.Image  # mode "1", "L" or "RGB"
    dpi: float


def sniff(path: Path) -> str:
    """The file's format from its first bytes (extensions lie)."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise EmptyFileError(f"{path} is empty (0 bytes): scan the page again", path=path)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if b"%PDF-" in head:
        return "pdf"
    raise UnsupportedFormatError(
        f"{path} is not a TIFF, JPEG, PNG or PDF file: remove it from the batch or convert it",
        path=path,
    )


def inspect_file(path: Path, *, max_pixels: int, max_bytes: int = 2_000_000_000) -> SourceFile:
    """Check a file can be archived and count its pages, without decoding pixels."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            f"{path} cannot be read ({exc.strerror}): check the file", path=path
        ) from exc
    if size > max_bytes:
        raise ImageTooLargeError(
            f"{path} is {size / 1e9:.1f} GB, over the {max_bytes / 1e9:.1f} GB limit: split it "
            "or raise SOHOA_MAX_FILE_BYTES",
            path=path,
        )
    kind = sniff(path)
    if kind == "pdf":
        pages = _pdf_page_count(path)
    else:
        pages = _image_frames(path, kind, max_pixels=max_pixels)
    return SourceFile(path=path, kind=kind, pages=pages, size=size)


def _open_image(path: Path, *, max_pixels: int) -> Image.Image:
    try:
        img = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(
            f"{path} is too large to decode safely ({exc}): scan at a lower resolution or split it",
            path=path,
        ) from exc
    except UnidentifiedImageError as exc:
        raise CorruptFileError(
            f"{path} is damaged and cannot be opened as an image: scan it again", path=path
        ) from exc
    except OSError as exc:
        raise CorruptFileError(
            f"{path} cannot be opened ({exc}): scan it again", path=path
        ) from exc
    _check_pixels(path, img.size, max_pixels)
    return img


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise CorruptFileError(f"{path} has an empty page ({width}x{height} pixels)", path=path)
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{path} has a {width}x{height} pixel page, over the limit of {max_pixels:,} pixels: "
            "scan at a lower resolution or raise SOHOA_MAX_PIXELS",
            path=path,
        )


def _image_frames(path: Path, kind: str, *, max_pixels: int) -> int:
    with _open_image(path, max_pixels=max_pixels) as img:
        try:
            frames = getattr(img, "n_frames", 1)
            for index in range(1, frames):
                img.seek(index)
                _check_pixels(path, img.size, max_pixels)
        except (OSError, EOFError, ValueError) as exc:
            raise CorruptFileError(
                f"{path} is damaged (cannot read its page list: {exc}): scan it again", path=path
            ) from exc
    return frames


def _normalise_mode(img: Image.Image) -> Image.Image:
    if img.mode in ("1", "L", "RGB"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float32)
        peak = 65535.0 if arr.max() > 255 else 255.0
        return Image.fromarray((arr * (255.0 / peak)).clip(0, 255).astype(np.uint8), "L")
    if img.mode in ("LA", "La"):
        return img.convert("L")
    if img.mode == "P":
        grey = _palette_grey(img)
        if grey is not None:
            return grey
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
    if img.mode in ("RGBA", "RGBa"):
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB")


def _palette_grey(img: Image.Image) -> Image.Image | None:
    """A palette image whose used colours are all grey as "1" (black and white only) or "L";
    None when it has colour or transparency. Scanners save bilevel pages as two-colour
    palette PNGs: kept bilevel, they are stored and read as the scan they are, not as RGB."""
    if "transparency" in img.info:
        return None
    palette = img.getpalette() or []
    used = img.getcolors(256) or []
    levels = set()
    for _count, index in used:
        r, g, b = palette[3 * index : 3 * index + 3] or (0, 0, 0)
        if not r == g == b:
            return None
        levels.add(r)
    grey = img.convert("L")
    if levels <= {0, 255}:
        out = Image.fromarray(np.asarray(grey) >= 128)
        out.info.update(img.info)
        return out
    grey.info.update(img.info)
    return grey


def _image_dpi(img: Image.Image, default: float) -> float:
    dpi = img.info.get("dpi")
    if dpi:
        try:
            value = float(dpi[0])
        except (TypeError, ValueError, IndexError):
            value = 0.0
        if 50 <= value <= 4800:
            return value
    return default


def load_page(
    path: Path,
    index: int,
    *,
    kind: str,
    max_pixels: int,
    default_dpi: float = 300,
    rasterise_dpi: int = 300,
) -> LoadedPage:
    """Decode page ``index`` (0-based) of a source file."""
    path = Path(path)
    if kind == "pdf":
        return _render_pdf_page(path, index, dpi=rasterise_dpi, max_pixels=max_pixels)
    with _open_image(path, max_pixels=max_pixels) as img:
        try:
            if index:
                img.seek(index)
                _check_pixels(path, img.size, max_pixels)
            img.load()
            dpi = _image_dpi(img, default_dpi)
            page = _normalise_mode(img)
            if page is img:
                page = img.copy()
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise CorruptFileError(
                f"{path} page {index + 1} is damaged or truncated ({exc}): scan it again",
                path=path,
            ) from exc
    return LoadedPage(image=page, dpi=dpi)


def _pdf_error(path: Path, exc: Exception) -> InputError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return EncryptedFileError(
            f"{path} is password-protected: save an unprotected copy and add that instead",
            path=path,
        )
    return CorruptFileError(
        f"{path} is a damaged PDF ({exc}): export it again from the scanner", path=path
    )


def _pdf_page_count(path: Path) -> int:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise EncryptedFileError(
            f"{path} is password-protected: save an unprotected copy and add that instead",
            path=path,
        ) from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise _pdf_error(path, exc) from exc
    if pages == 0:
        raise EmptyFileError(f"{path} is a PDF with no pages: export it again", path=path)
    return pages


def _render_pdf_page(path: Path, index: int, *, dpi: int, max_pixels: int) -> LoadedPage:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise _pdf_error(path, exc) from exc
        try:
            page = pdf[index]
            width_pt, height_pt = page.get_size()
            scale = dpi / 72.0
            _check_pixels(path, (round(width_pt * scale), round(height_pt * scale)), max_pixels)
            bitmap = page.render(scale=scale, may_draw_forms=True)
            image = bitmap.to_pil().convert("RGB")
        except pdfium.PdfiumError as exc:
            raise _pdf_error(path, exc) from exc
        finally:
            pdf.close()
    return LoadedPage(image=_grey_if_colourless(image), dpi=float(dpi))


def _grey_if_colourless(image: Image.Image) -> Image.Image:
    """A rendered scan that has no colour is stored as grey (a third of the bytes)."""
    arr = np.asarray(image, dtype=np.int16)
    spread = np.abs(arr[..., 0] - arr[..., 1]) + np.abs(arr[..., 1] - arr[..., 2])
    if np.percentile(spread, 99.5) <= 12:
        return image.convert("L")
    return image


def pdf_page_text(path: Path, index: int, *, dpi: float) -> OcrResult | None:
    """The text layer of a PDF page as word boxes in pixels at ``dpi``; None if it has none."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[index]
            chars = [c for c in page.chars if c.get("text", "").strip()]
            if len(chars) < MIN_TEXT_CHARS:
                return None
            words = page.extract_words(use_text_flow=True, keep_blank_chars=False)
            width, height = float(page.width), float(page.height)
    except (PDFSyntaxError, ValueError, KeyError, OSError) as exc:
        raise _pdf_error(path, exc) from exc
    scale = dpi / 72.0
    return OcrResult(
        lines=_group_lines(words, scale),
        width=round(width * scale),
        height=round(height * scale),
        dpi=dpi,
        engine="pdf-text-layer",
        languages="",
    )


def _group_lines(words: list[dict], scale: float) -> tuple[TextLine, ...]:
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= max(
            2.0, 0.3 * (word["bottom"] - word["top"])
        ):
            rows[-1].append(word)
        else:
            rows.append([word])
    lines: list[TextLine] = []
    for number, row in enumerate(rows):
        row.sort(key=lambda w: w["x0"])
        items = tuple(
            Word(
                text=w["text"],
                left=round(w["x0"] * scale),
                top=round(w["top"] * scale),
                width=max(1, round((w["x1"] - w["x0"]) * scale)),
                height=max(1, round((w["bottom"] - w["top"]) * scale)),
                conf=-1.0,
            )
            for w in row
        )
        left = min(w.left for w in items)
        top = min(w.top for w in items)
        right = max(w.right for w in items)
        bottom = max(w.bottom for w in items)
        lines.append(TextLine(items, left, top, right - left, bottom - top, block=number, par=0))
    return tuple(lines)
