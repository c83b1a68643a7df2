"""The Decree 30/2020 page layout of a generated document, and drawing its pages.

Page 1 has the agency column (parent organ, organ, a short rule) beside the national motto,
the "Số:" line beside the place and date, the urgency and secrecy stamps, then the type name
and summary centred (or the "V/v" line of a công văn); the body follows, then the signature
block beside "Nơi nhận:". Positions are in millimetres, independent of the resolution; the
layout of a document is also its ground-truth text (:func:`document_truth_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from sohoa.synthetic.document import AdminDocument
from sohoa.synthetic.fonts import mm_to_px, text_width_mm
from sohoa.synthetic.typeset import Line, balanced_wrap, render_lines, wrap

#: Width available to the agency column, in millimetres.
HEADER_COLUMN_MM = 80.0
#: Font size of the agency column, in points.
HEADER_SIZE_PT = 12.5

_LEFT_CENTRE = 57.5
_RIGHT_CENTRE = 148.0
_TEXT_LEFT = 30.0
_TEXT_RIGHT = 195.0
_TOP = 15.0
_BOTTOM = 280.0
_BODY_SIZE = 13.5
_BODY_STEP = _BODY_SIZE * 25.4 / 72 * 1.32


def fits_header_column(text: str, *, bold: bool) -> bool:
    """True when ``text`` fits on one line of the agency column."""
    return text_width_mm(text, size_pt=HEADER_SIZE_PT, bold=bold) <= HEADER_COLUMN_MM


def _step(size_pt: float, spacing: float = 1.2) -> float:
    return size_pt * 25.4 / 72 * spacing


@dataclass(frozen=True)
class Rule:
    """A horizontal rule drawn under a line, in millimetres."""

    x0_mm: float
    x1_mm: float
    y_mm: float


@dataclass
class PageLayout:
    """What one page holds: its lines (in reading order) and its rules."""

    lines: list[Line]
    rules: list[Rule]


def _centred_rule(
    text: str, centre: float, y: float, *, size_pt: float, bold: bool, fraction: float
) -> Rule:
    width = text_width_mm(text, size_pt=size_pt, bold=bold) * fraction
    return Rule(centre - width / 2, centre + width / 2, y)


def _agency_column(doc: AdminDocument, lines: list[Line], rules: list[Rule]) -> float:
    """Parent organ and organ, centred on the left, with the rule under them; returns its end."""
    size = HEADER_SIZE_PT
    step = _step(size)
    y = _TOP
    if doc.parent_organ:
        lines.append(Line(doc.parent_organ, _LEFT_CENTRE, y, size, False, "center"))
        y += step
    organ_lines = balanced_wrap(doc.organ, width_mm=HEADER_COLUMN_MM, size_pt=size, bold=True)
    for text in organ_lines:
        lines.append(Line(text, _LEFT_CENTRE, y, size, True, "center"))
        y += step
    longest = max(organ_lines, key=lambda t: text_width_mm(t, size_pt=size, bold=True))
    rules.append(
        _centred_rule(longest, _LEFT_CENTRE, y + 1.0, size_pt=size, bold=True, fraction=0.4)
    )
    return y + 2.5


def _motto_column(doc: AdminDocument, lines: list[Line], rules: list[Rule]) -> float:
    """The national motto (or the Party's name) on the right, underlined; returns its end."""
    motto_y = _TOP
    if doc.family == "party":
        motto = "ĐẢNG CỘNG SẢN VIỆT NAM"
        lines.append(Line(motto, _RIGHT_CENTRE, motto_y, 13.0, True, "center"))
        rule_y = motto_y + _step(13.0) + 0.5
        rules.append(
            _centred_rule(motto, _RIGHT_CENTRE, rule_y, size_pt=13.0, bold=True, fraction=1.0)
        )
    else:
        lines.append(
            Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _RIGHT_CENTRE, motto_y, 12.0, True, "center")
        )
        motto2 = "Độc lập - Tự do - Hạnh phúc"
        lines.append(Line(motto2, _RIGHT_CENTRE, motto_y + _step(12.0), 13.0, True, "center"))
        rule_y = motto_y + _step(12.0) + _step(13.0) + 1.0
        rules.append(
            _centred_rule(motto2, _RIGHT_CENTRE, rule_y, size_pt=13.0, bold=True, fraction=1.0)
        )
    return rule_y + 2.5


def _number_line(doc: AdminDocument, y: float, lines: list[Line], rules: list[Rule]) -> float:
    """ "Số:" beside the place and date, then the urgency and secrecy stamps under it."""
    label = "Số" if doc.family == "party" else "Số:"
    lines.append(Line(f"{label} {doc.number_symbol}", _LEFT_CENTRE, y, 13.0, False, "center"))
    lines.append(Line(doc.date_line, _RIGHT_CENTRE, y, 13.0, False, "center"))
    y += _step(13.0)
    for mark in (doc.urgency, doc.secrecy):
        if mark:  # stamps under the number (Decree 30, positions 10a and 10b)
            y += 1.0
            lines.append(Line(mark, _LEFT_CENTRE, y, 13.0, True, "center"))
            rules.append(
                _centred_rule(mark, _LEFT_CENTRE, y + 6.5, size_pt=13.0, bold=True, fraction=1.1)
            )
            y += _step(13.0) + 1.0
    return y


def _title(doc: AdminDocument, y: float, lines: list[Line], rules: list[Rule]) -> float:
    """The "V/v" summary of a công văn, else the type name and the summary centred."""
    if doc.is_cong_van:
        for text in balanced_wrap(
            f"V/v {doc.summary}", width_mm=HEADER_COLUMN_MM - 8, size_pt=12.0
        ):
            lines.append(Line(text, _LEFT_CENTRE, y, 12.0, False, "center"))
            y += _step(12.0)
        return y + 6.0
    y += 8.0
    centre = (_TEXT_LEFT + _TEXT_RIGHT) / 2
    lines.append(Line(doc.type_name.upper(), centre, y, 14.0, True, "center"))
    y += _step(14.0)
    summary_lines = balanced_wrap(doc.summary, width_mm=125.0, size_pt=14.0, bold=True)
    for text in summary_lines:
        lines.append(Line(text, centre, y, 14.0, True, "center"))
        y += _step(14.0)
    longest = max(summary_lines, key=lambda t: text_width_mm(t, size_pt=14.0, bold=True))
    rules.append(_centred_rule(longest, centre, y + 1.5, size_pt=14.0, bold=True, fraction=0.35))
    return y + 7.0


def _header(doc: AdminDocument) -> tuple[list[Line], list[Rule], float]:
    lines: list[Line] = []
    rules: list[Rule] = []
    left_end = _agency_column(doc, lines, rules)
    right_end = _motto_column(doc, lines, rules)
    y = _number_line(doc, max(left_end, right_end) + 1.0, lines, rules)
    return lines, rules, _title(doc, y, lines, rules)


def _body_blocks(paragraph: str) -> list[Line]:
    """Lines of one paragraph at y=0 (the caller shifts them)."""
    width = _TEXT_RIGHT - _TEXT_LEFT
    centre = (_TEXT_LEFT + _TEXT_RIGHT) / 2
    stripped = paragraph.rstrip(":")
    if paragraph.endswith(":") and stripped.isupper() and len(paragraph) < 30:
        return [Line(paragraph, centre, 0.0, 14.0, True, "center")]
    if paragraph.isupper() and paragraph.split(" ")[0].rstrip(".") in ("I", "II", "III", "IV"):
        return [Line(paragraph, _TEXT_LEFT + 10, 0.0, _BODY_SIZE, True, "left")]
    if paragraph.startswith("Kính gửi:"):
        texts = wrap(paragraph, width_mm=width - 30, size_pt=14.0)
        return [Line(t, centre, i * _BODY_STEP, 14.0, False, "center") for i, t in enumerate(texts)]
    texts = wrap(paragraph, width_mm=width - 10, size_pt=_BODY_SIZE)
    return [
        Line(t, _TEXT_LEFT + (10 if i == 0 else 0), i * _BODY_STEP, _BODY_SIZE, False, "left")
        for i, t in enumerate(texts)
    ]


def _signature_block(doc: AdminDocument) -> tuple[list[Line], float]:
    """Signature (right) and recipients (left) at y=0; returns lines and total height."""
    lines: list[Line] = []
    y = 0.0
    for text in [
        *(doc.signer_prefix.split("\n") if doc.signer_prefix else []),
        doc.signer_position,
    ]:
        lines.append(Line(text, _RIGHT_CENTRE, y, 13.0, True, "center"))
        y += _step(13.0)
    y += 22.0
    lines.append(Line(doc.signer_name, _RIGHT_CENTRE, y, 14.0, True, "center"))
    right_h = y + _step(14.0)
    y = 0.0
    lines.append(Line("Nơi nhận:", _TEXT_LEFT - 5, y, 12.0, True, "left"))
    y += _step(12.0)
    for item in doc.recipients:
        lines.append(Line(f"- {item}", _TEXT_LEFT - 5, y, 11.0, False, "left"))
        y += _step(11.0)
    return lines, max(right_h, y)


def _shift(lines: list[Line], dy: float) -> list[Line]:
    return [
        Line(ln.text, ln.x_mm, ln.y_mm + dy, ln.size_pt, ln.bold, ln.align, ln.underline)
        for ln in lines
    ]


def page_layouts(doc: AdminDocument) -> list[PageLayout]:
    """The pages of ``doc``: the header, the body paragraphs, then the signature block."""
    header, rules, y = _header(doc)
    pages = [PageLayout(list(header), list(rules))]
    for paragraph in doc.body:
        block = _body_blocks(paragraph)
        for line in block:
            if y + _BODY_STEP > _BOTTOM:
                pages.append(PageLayout([], []))
                y = _TOP + 5.0
            pages[-1].lines.append(
                Line(line.text, line.x_mm, y, line.size_pt, line.bold, line.align, line.underline)
            )
            y += _BODY_STEP
        y += 1.8
    sig, height = _signature_block(doc)
    y += 4.0
    if y + height > _BOTTOM + 5.0:
        pages.append(PageLayout([], []))
        y = _TOP + 5.0
    pages[-1].lines.extend(_shift(sig, y))
    return pages


def render_admin_document(doc: AdminDocument, *, dpi: int = 300) -> list[Image.Image]:
    """Clean greyscale pages (mode ``L``) of ``doc`` at ``dpi``."""
    images = []
    for page in page_layouts(doc):
        img = render_lines(page.lines, dpi=dpi)
        draw = ImageDraw.Draw(img)
        for rule in page.rules:
            y = mm_to_px(rule.y_mm, dpi)
            draw.line(
                (mm_to_px(rule.x0_mm, dpi), y, mm_to_px(rule.x1_mm, dpi), y),
                fill=0,
                width=max(1, dpi // 150),
            )
        images.append(img)
    return images


def document_truth_text(doc: AdminDocument) -> list[str]:
    """Ground-truth text of each page, one printed line per text line.

    Page 1 lists the agency column, then the motto column, then the rest top to bottom; the
    signature block lists the signature column before "Nơi nhận:".
    """
    return ["\n".join(line.text for line in page.lines) for page in page_layouts(doc)]


# --------------------------------------------------------------------------------------------
# The sample batch
# --------------------------------------------------------------------------------------------
