"""The invisible text layer of a PDF page, drawn with tesseract's glyphless font.

The font (``pdf.ttf`` in tesseract's tessdata) has one blank glyph, so any text can be shown
with it: it is embedded once per document as a Type0 font with the Identity-H encoding, every
CID maps to that glyph (CIDToGIDMap) and a ToUnicode CMap maps every CID back to the same
UTF-16 code unit. Text is therefore written as UTF-16BE, which covers all Vietnamese letters.
Characters outside the BMP (Hán-Nôm ideographs in extension B, for instance) get one code each
from the surrogate range D800-DFFF, which no BMP text uses, and the ToUnicode CMap maps that
code to the full character, so every extractor (not only those that join surrogate pairs)
gets them back; past 2048 such characters in one document they fall back to surrogate pairs.

Each OCR line is drawn on one baseline with one font size (the line's height), so text
extractors group its words into one line; each word is stretched horizontally (``Tz``) to its
box and followed by a space stretched to the gap before the next word.
"""

from __future__ import annotations

import glob
import logging
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from fontTools.ttLib.ttFont import TTLibError

from errors import ToolMissingError
from ocr import OcrResult

log = logging.getLogger(__name__)

FONT_RESOURCE_NAME = "/FGlyphless"
# Fraction of the font size below the baseline; the descriptor says the same, so extractors
# and viewers put each character's box exactly on the OCR line box.
DESCENT = 0.2
_FONT_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata/pdf.ttf",
    "/usr/share/tessdata/pdf.ttf",
    "/usr/local/share/tessdata/pdf.ttf",
)


def find_glyphless_font() -> Path:
    """Locate tesseract's ``pdf.ttf`` (``TESSDATA_PREFIX`` first, then Debian's locations)."""
    patterns = list(_FONT_GLOBS)
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        patterns[:0] = [str(Path(prefix) / "pdf.ttf"), str(Path(prefix) / "tessdata" / "pdf.ttf")]
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[-1])
    raise ToolMissingError(
        "tesseract's glyphless font pdf.ttf was not found (looked in "
        + ", ".join(patterns)
        + "): install the tesseract-ocr package."
    )


@lru_cache(maxsize=4)
def _font_program(path: Path) -> tuple[bytes, int, int]:
    """Return the font bytes, the glyph used for every CID and its width in 1/1000 em."""
    try:
        data = path.read_bytes()
        font = TTFont(path)
    except (OSError, TTLibError) as exc:
        raise ToolMissingError(
            f"cannot read the glyphless font {path}: {exc}; reinstall the tesseract-ocr package."
        ) from exc
    order = font.getGlyphOrder()
    # The first glyph with an advance is the one every character is drawn with (glyph 1 in
    # tesseract's font; glyph 0, .notdef, has no advance and must not be used).
    for gid, name in enumerate(order):
        advance = font["hmtx"].metrics[name][0]
        if gid > 0 and advance > 0:
            units = font["head"].unitsPerEm
            return data, gid, round(advance * 1000 / units)
    raise ToolMissingError(
        f"the glyphless font {path} has no usable glyph; reinstall tesseract-ocr."
    )


_SURROGATES = range(0xD800, 0xE000)


def _bfchar_entries(extra: dict[str, int]) -> list[str]:
    return [
        f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for char, code in extra.items()
    ]


def _to_unicode_cmap(extra: dict[str, int]) -> bytes:
    """A ToUnicode CMap: each BMP code maps to itself, each assigned code to its character."""
    ranges = [
        f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>"
        for hi in range(256)
        if hi not in range(0xD8, 0xE0)
    ]
    blocks = []
    for kind, entries in (("bfrange", ranges), ("bfchar", _bfchar_entries(extra))):
        for start in range(0, len(entries), 100):
            chunk = entries[start : start + 100]
            blocks.append(f"{len(chunk)} begin{kind}\n" + "\n".join(chunk) + f"\nend{kind}")
    text = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
            "",
        ]
    )
    return text.encode("ascii")


@dataclass(frozen=True)
class GlyphlessFont:
    """The embedded font of one document and the codes assigned to non-BMP characters."""

    font: pikepdf.Object
    advance: float  # advance width of every character at font size 1, in text space units
    extra: dict[str, int] = field(default_factory=dict)

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of 2-byte codes."""
        units: list[str] = []
        for char in text:
            code = self.extra.get(char)
            if code is not None:
                units.append(f"{code:04X}")
            else:
                units.append(char.encode("utf-16-be").hex().upper())
        return b"<" + "".join(units).encode("ascii") + b">"


def add_glyphless_font(pdf: pikepdf.Pdf, texts: Iterable[str] = ()) -> GlyphlessFont:
    """Embed the glyphless font in ``pdf``, ready to show every character of ``texts``."""
    data, gid, width = _font_program(find_glyphless_font())
    astral = sorted({c for text in texts for c in text if ord(c) > 0xFFFF})
    if len(astral) > len(_SURROGATES):
        log.warning("%d characters outside the BMP; some go in as surrogate pairs", len(astral))
    extra = dict(zip(astral, _SURROGATES, strict=False))
    font_file = pikepdf.Stream(pdf, zlib.compress(data, 9))
    font_file.Filter = pikepdf.Name.FlateDecode
    font_file.Length1 = len(data)
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(gid.to_bytes(2, "big") * 65536, 9))
    cid_to_gid.Filter = pikepdf.Name.FlateDecode
    to_unicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap(extra), 9))
    to_unicode.Filter = pikepdf.Name.FlateDecode
    height = 1000
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name.GlyphLessFont,
            Flags=5,  # fixed pitch, symbolic
            FontBBox=[0, -round(DESCENT * height), width, round((1 - DESCENT) * height)],
            ItalicAngle=0,
            Ascent=round((1 - DESCENT) * height),
            Descent=-round(DESCENT * height),
            CapHeight=round((1 - DESCENT) * height),
            StemV=80,
            FontFile2=pdf.make_indirect(font_file),
        )
    )
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name.GlyphLessFont,
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=descriptor,
            CIDToGIDMap=pdf.make_indirect(cid_to_gid),
            DW=width,
        )
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name.GlyphLessFont,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pdf.make_indirect(to_unicode),
        )
    )
    return GlyphlessFont(font=font, advance=width / 1000.0, extra=extra)


def _units(text: str, font: GlyphlessFont) -> int:
    return sum(1 if ord(c) <= 0xFFFF or c in font.extra else 2 for c in text)


def _num(value: float) -> bytes:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


def text_layer_content(
    ocr: OcrResult, font: GlyphlessFont, *, page_width: float, page_height: float
) -> bytes:
    """Content stream operators drawing ``ocr``'s words invisibly on a page of that size (pt).

    Word boxes are in pixels of an image ``ocr.width`` x ``ocr.height`` that fills the page.
    """
    if not ocr.lines or ocr.width <= 0 or ocr.height <= 0:
        return b""
    advance = font.advance
    sx = page_width / ocr.width
    sy = page_height / ocr.height
    out: list[bytes] = [b"BT", b"3 Tr"]
    for line in ocr.lines:
        words = [w for w in line.words if w.text.strip()]
        if not words:
            continue
        top = min(w.top for w in words)
        bottom = max(w.bottom for w in words)
        size = max((bottom - top) * sy, 1.0)
        baseline = page_height - bottom * sy + DESCENT * size
        out.append(FONT_RESOURCE_NAME.encode("ascii") + b" " + _num(size) + b" Tf")
        for index, word in enumerate(words):
            text = word.text.strip()
            natural = _units(text, font) * advance * size
            scale = 100.0 * max(word.width * sx, 0.01) / natural
            out.append(b"1 0 0 1 " + _num(word.left * sx) + b" " + _num(baseline) + b" Tm")
            out.append(_num(scale) + b" Tz " + font.encode(text) + b" Tj")
            if index + 1 < len(words):
                gap = max((words[index + 1].left - word.right) * sx, 0.01)
                out.append(
                    _num(100.0 * gap / (advance * size)) + b" Tz " + font.encode(" ") + b" Tj"
                )
    out.append(b"ET")
    return b"\n".join(out) + b"\n"
