"""Pages whose geometry is the point: landscape, little text, tables, photographs and maps.

Each function draws one clean, upright, straight page (mode ``L``) at ``dpi`` and returns it
with its ground-truth text; :func:`~sohoa.synthetic.degrade.degrade` then skews and turns it.
They exist to test and measure orientation and deskew on pages that are not a full column of
prose: a wide page whose text is upright (must not be turned), a title and a signature only
(too little text to be sure of), a ruled table (short cell texts, long straight rules), a
photograph and a map (mostly not text, labels at all angles).
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw

from sohoa.synthetic.fonts import A4_MM, font, mm_to_px, nfc, pt_to_px
from sohoa.synthetic.names import COMMUNES, DISTRICTS, PROVINCES, random_person
from sohoa.synthetic.prose import vietnamese_paragraphs
from sohoa.synthetic.typeset import Line, render_lines, wrap

#: A4 turned on its side (width, height) in millimetres.
A4_LANDSCAPE_MM = (A4_MM[1], A4_MM[0])


def landscape_page(
    rng: random.Random, *, dpi: int = 300, size_pt: float = 13.0
) -> tuple[Image.Image, str]:
    """A wide (landscape A4) page of upright prose: it must not be turned."""
    left, top, right, bottom = 25.0, 20.0, 25.0, 20.0
    width_mm = A4_LANDSCAPE_MM[0] - left - right
    step = size_pt * 25.4 / 72.0 * 1.35
    y = top
    lines: list[Line] = []
    for para in vietnamese_paragraphs(rng, 6):
        for text in wrap(para, width_mm=width_mm, size_pt=size_pt):
            if y + step > A4_LANDSCAPE_MM[1] - bottom:
                break
            lines.append(Line(text, left, y, size_pt))
            y += step
        y += step * 0.4
    page = render_lines(lines, dpi=dpi, page_mm=A4_LANDSCAPE_MM)
    return page, "\n".join(line.text for line in lines)


def sparse_page(
    rng: random.Random, *, kind: str = "title", dpi: int = 300
) -> tuple[Image.Image, str]:
    """A page with little text: ``kind`` "title" (a title and a signature block) or "cover"
    (a record's cover sheet: a few large centred lines)."""
    cx = A4_MM[0] / 2
    if kind == "title":
        province = rng.choice(PROVINCES)
        lines = [
            Line("DANH MỤC TÀI LIỆU", cx, 70.0, 15.0, bold=True, align="center"),
            Line(f"huyện {rng.choice(DISTRICTS)}, tỉnh {province}", cx, 80.0, 13.0, align="center"),
            Line("TM. ỦY BAN NHÂN DÂN", 150.0, 200.0, 13.0, bold=True, align="center"),
            Line("CHỦ TỊCH", 150.0, 207.0, 13.0, bold=True, align="center"),
            Line(random_person(rng), 150.0, 235.0, 13.0, bold=True, align="center"),
        ]
    elif kind == "cover":
        code = f"HS-{rng.randint(1975, 1999)}-{rng.randint(1, 400):03d}"
        lines = [
            Line(
                f"ỦY BAN NHÂN DÂN XÃ {rng.choice(COMMUNES).upper()}", cx, 30.0, 13.0, align="center"
            ),
            Line("HỒ SƠ", cx, 100.0, 24.0, bold=True, align="center"),
            Line(f"Mã hồ sơ: {code}", cx, 118.0, 14.0, align="center"),
            Line("Thời hạn bảo quản: Vĩnh viễn", cx, 250.0, 13.0, align="center"),
        ]
    else:
        raise ValueError(f"unknown sparse page kind {kind!r}")
    return render_lines(lines, dpi=dpi), "\n".join(line.text for line in lines)


_ROLES = ("Chủ tịch", "Phó Chủ tịch", "Ủy viên", "Thư ký", "Kế toán", "Cán bộ")


def table_page(
    rng: random.Random, *, dpi: int = 300, rows: int = 14, filled: int | None = None
) -> tuple[Image.Image, str]:
    """A ruled grid (title above) of short Vietnamese cells: number, name, role, commune, note.

    ``filled`` rows carry text (default all): a blank form has a header and a row or two."""
    cols_mm = (15.0, 27.0, 80.0, 112.0, 148.0, 195.0)
    top, row_mm = 45.0, 11.0
    header = ("STT", "Họ và tên", "Chức vụ", "Đơn vị", "Ghi chú")
    cells = [header]
    for i in range(rows if filled is None else filled):
        note = rng.choice(("", "", "Nghỉ hưu", "Chuyển công tác", "Đã ký"))
        cells.append(
            (str(i + 1), random_person(rng), rng.choice(_ROLES), rng.choice(COMMUNES), note)
        )
    lines = [
        Line("DANH SÁCH CÁN BỘ, CÔNG CHỨC", A4_MM[0] / 2, 28.0, 14.0, bold=True, align="center")
    ]
    for r, row in enumerate(cells):
        y = top + r * row_mm + 2.5
        for c, text in enumerate(row):
            if text:
                lines.append(Line(text, cols_mm[c] + 1.5, y, 11.0, bold=r == 0))
    page = render_lines(lines, dpi=dpi)
    draw = ImageDraw.Draw(page)
    width = max(2, dpi // 100)
    bottom = top + (rows + 1) * row_mm
    for x in cols_mm:
        draw.line(
            (mm_to_px(x, dpi), mm_to_px(top, dpi), mm_to_px(x, dpi), mm_to_px(bottom, dpi)),
            0,
            width,
        )
    for r in range(rows + 2):
        y = mm_to_px(top + r * row_mm, dpi)
        draw.line((mm_to_px(cols_mm[0], dpi), y, mm_to_px(cols_mm[-1], dpi), y), 0, width)
    truth = [lines[0].text] + [" ".join(t for t in row if t) for row in cells]
    return page, "\n".join(truth)


def _smooth_field(gen: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """A smooth random field in 0..1: coarse noise enlarged bicubically."""
    coarse = gen.random((cells, max(2, round(cells * shape[1] / shape[0]))))
    img = Image.fromarray((coarse * 255).astype(np.uint8)).resize(
        (shape[1], shape[0]), Image.Resampling.BICUBIC
    )
    return np.asarray(img, dtype=np.float32) / 255.0


def photo_page(rng: random.Random, *, dpi: int = 300) -> tuple[Image.Image, str]:
    """A photograph (gradient, smooth blobs and grain) filling most of the page, a caption below."""
    gen = np.random.default_rng(rng.randrange(2**32))
    w, h = mm_to_px(A4_MM[0], dpi), mm_to_px(A4_MM[1], dpi)
    x0, y0, x1, y1 = mm_to_px(20, dpi), mm_to_px(25, dpi), mm_to_px(190, dpi), mm_to_px(230, dpi)
    ph, pw = y1 - y0, x1 - x0
    ramp = np.linspace(0.2, 0.8, ph, dtype=np.float32)[:, None]
    field = (
        0.45 * ramp
        + 0.35 * _smooth_field(gen, (ph, pw), 6)
        + 0.2 * _smooth_field(gen, (ph, pw), 40)
    )
    photo = np.clip(field * 255 + gen.normal(0, 12, (ph, pw)), 0, 255).astype(np.uint8)
    place, year = rng.choice(COMMUNES), rng.randint(1976, 1998)
    caption = f"Ảnh: Lễ khánh thành trụ sở Ủy ban nhân dân xã {place}, năm {year}"
    page = render_lines([Line(caption, A4_MM[0] / 2, 238.0, 12.0, align="center")], dpi=dpi)
    arr = np.array(page)
    arr[y0:y1, x0:x1] = photo
    assert arr.shape == (h, w)
    return Image.fromarray(arr, "L"), caption


def _label(text: str, px: int, angle: float) -> Image.Image:
    """A text label as a mask (255 = ink) turned ``angle`` degrees counter-clockwise."""
    face = font(False, px)
    left, top, right, bottom = face.getbbox(text)
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), text, font=face, fill=255)
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def map_page(rng: random.Random, *, dpi: int = 300, labels: int = 14) -> tuple[Image.Image, str]:
    """A sketch map: winding roads and rivers, a few boundaries, place names at all angles."""
    w, h = mm_to_px(A4_MM[0], dpi), mm_to_px(A4_MM[1], dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    for i in range(7):
        amp, freq = rng.uniform(0.03, 0.12) * w, rng.uniform(1.0, 3.5)
        phase, base = rng.uniform(0, math.tau), rng.uniform(0.1, 0.9)
        vertical = i % 2 == 0
        pts = []
        for k in range(200):
            t = k / 199
            off = base * (w if vertical else h) + amp * math.sin(freq * math.tau * t + phase)
            pts.append((off, t * h) if vertical else (t * w, off))
        draw.line(pts, fill=0, width=max(2, dpi // rng.choice((60, 100, 150))))
    for _ in range(3):
        cx, cy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(0.08, 0.2) * w
        pts = [
            (
                cx + r * (1 + 0.3 * math.sin(3 * a)) * math.cos(a),
                cy + r * (1 + 0.3 * math.sin(3 * a)) * math.sin(a),
            )
            for a in np.linspace(0, math.tau, 120)
        ]
        draw.line(pts, fill=0, width=max(1, dpi // 150))
    names = []
    for _ in range(labels):
        name = rng.choice(COMMUNES + DISTRICTS)
        names.append(name)
        label = _label(nfc(name), pt_to_px(rng.uniform(9, 14), dpi), rng.uniform(-90, 90))
        x, y = rng.randrange(0, w - label.width), rng.randrange(0, h - label.height)
        page.paste(0, (x, y), label)
    return page, "\n".join(names)


#: The page kinds by name, for the bench and the tests.
KINDS = ("landscape", "title", "cover", "table", "form", "photo", "map")


def geometry_page(kind: str, rng: random.Random, *, dpi: int = 300) -> tuple[Image.Image, str]:
    """The page of ``kind`` (one of :data:`KINDS`) drawn with ``rng``."""
    if kind == "landscape":
        return landscape_page(rng, dpi=dpi)
    if kind in ("title", "cover"):
        return sparse_page(rng, kind=kind, dpi=dpi)
    if kind == "table":
        return table_page(rng, dpi=dpi)
    if kind == "form":
        return table_page(rng, dpi=dpi, filled=1)
    if kind == "photo":
        return photo_page(rng, dpi=dpi)
    if kind == "map":
        return map_page(rng, dpi=dpi)
    raise ValueError(f"unknown page kind {kind!r}")
