"""Whole-document extraction: header, marks, signature block, recipients, validation.

:func:`extract_document` reads the header fields from page 1 (see :mod:`metadata.extract`),
the urgency and secrecy marks and the "Kính gửi:" addressees from page 1, the signature block
and "Nơi nhận:" list from the last page that has them, detects the number's family, optionally
re-reads the summary and number boxes with an enlarged crop (``reread``), and validates the
result: every doubtful field gets a flag saying why (see :func:`validate`).

The signature block is read by :mod:`metadata.signature`, the second readings are
:mod:`metadata.reread`'s and the checks :mod:`metadata.validation`'s; this module reads the
marks and addressees and puts it all together. Keywords are matched on folded text; values are
cut from the original OCR text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from metadata.columns import column_segments
from metadata.extract import header_fields
from metadata.fields import make_field, with_page
from metadata.folding import fold_with_map
from metadata.patterns import letters_key, upper_ratio
from metadata.reread import REREAD_FIELDS, Reread, reread_boxes
from metadata.signature import signature_fields
from metadata.types import DocumentMetadata, Field
from metadata.validation import validate
from metadata.vocab import CONG_VAN
from ocr import OcrResult

CERT_MARK = 0.9
CERT_ADDRESSEE = 0.85

#: Urgency marks (folded) -> as printed.
URGENCY = {"hoa toc": "HỎA TỐC", "thuong khan": "THƯỢNG KHẨN", "khan": "KHẨN"}
#: Secrecy marks (folded) -> as printed.
SECRECY = {"tuyet mat": "TUYỆT MẬT", "toi mat": "TỐI MẬT", "mat": "MẬT"}


def _find_marks(page: OcrResult) -> tuple[Field | None, Field | None]:
    """Urgency and secrecy stamps: a short upper-case segment that is exactly a mark."""
    segments, _ = column_segments(page)
    limit = 0.5 * (page.height or max((s.bottom for s in segments), default=1))
    urgency = secrecy = None
    for seg in segments:
        if seg.top > limit or upper_ratio(seg.text) < 0.8:
            continue
        key = letters_key(seg.folded)
        if urgency is None and key in URGENCY:
            urgency = make_field(URGENCY[key], seg.words, CERT_MARK, seg.text, "mark:urgency")
        elif secrecy is None and key in SECRECY:
            secrecy = make_field(SECRECY[key], seg.words, CERT_MARK, seg.text, "mark:secrecy")
    return urgency, secrecy


def _find_addressees(page: OcrResult) -> Field | None:
    """The addressees after "Kính gửi:" (a công văn's), up to three lines."""
    segments, _ = column_segments(page)
    for i, seg in enumerate(segments):
        match = re.match(r"^\W{0,2}kinh\s*gui\s*[:;.]?\s*", seg.folded)
        if not match:
            continue
        words = list(seg.words)
        lines = [seg]
        for nxt in segments[i + 1 : i + 4]:
            if nxt.top - lines[-1].bottom > 0.8 * nxt.height or lines[-1].text.endswith("."):
                break
            lines.append(nxt)
            words.extend(nxt.words)
        text = " ".join(s.text for s in lines)
        start = fold_with_map(text)[1][match.end()] if match.end() < len(seg.folded) else 0
        value = " ".join(text[start:].split()).strip(" .;:")
        if not value:
            return None
        used = words[1:] if len(words) > 1 else words
        return make_field(value, used, CERT_ADDRESSEE, "\n".join(s.text for s in lines), "kinh_gui")
    return None


def _family(meta: DocumentMetadata) -> Field | None:
    """The number's family: party, law, legal, cong_van or administrative."""
    if meta.notation is None or meta.number is None:
        return None
    notation = meta.notation.value
    if meta.number.rule.endswith(":party"):
        value = "party"
    elif re.match(r"^\d{4}/QH\d*", notation):
        value = "law"
    elif re.match(r"^\d{4}/", notation):
        value = "legal"
    elif meta.type_code is not None and meta.type_code.value == CONG_VAN:
        value = "cong_van"
    else:
        value = "administrative"
    return replace(meta.notation, value=value, rule="number_family", flags=())


def extract_document(
    pages: Sequence[OcrResult],
    *,
    reread: Reread | None = None,
    reread_fields: Collection[str] = REREAD_FIELDS,
) -> DocumentMetadata:
    """Every field of a document from its recognised pages (page 1 first).

    ``reread(page, box, scale=, languages=) -> text``, when given, recognises the boxes of
    ``reread_fields`` (see :data:`REREAD_FIELDS`; ``organ`` covers the parent organ) again
    from the page image (enlarged, one text block): a field then takes the re-read's spelling
    where the two readings fold alike, and a field whose readings disagree is flagged.
    """
    if not pages:
        return validate(DocumentMetadata())
    start = next((i for i, p in enumerate(pages) if p.lines), 0)  # skip a blank cover
    first = pages[start]
    meta = header_fields(first)
    if start:
        meta = replace(
            meta,
            **{
                name: with_page(getattr(meta, name), start + 1)
                for name in DocumentMetadata.FIELD_NAMES
            },
        )
    urgency, secrecy = _find_marks(first)
    addressees = (
        _find_addressees(first)
        if meta.type_code is None or (meta.type_code.value == CONG_VAN)
        else None
    )
    meta = replace(
        meta,
        urgency=with_page(urgency, start + 1),
        secrecy=with_page(secrecy, start + 1),
        addressees=with_page(addressees, start + 1),
        **signature_fields(pages),
    )
    meta = replace(meta, family=_family(meta))
    if reread is not None:
        meta = reread_boxes(meta, pages, first, reread, reread_fields)
    return validate(meta, first_page=first)


def extract_metadata(page: OcrResult) -> DocumentMetadata:
    """The one-page form of :func:`extract_document` (the page is both first and last)."""
    return extract_document([page])
