"""Old paper and old scanners: a physically motivated degradation model for archive pages.

A page goes through the same three stages a real one did, and each degradation acts where
its cause acts:

1. **Printing** changes the ink coverage (0..1) of the sheet (:mod:`sohoa.synthetic.sheet`):
   ``fade`` (a worn ribbon or dry toner leaves less, unevenly), ``spread`` (ink bleed: wet
   ink wicks into the paper fibres and strokes thicken), ``carbon`` (a carbon copy: the key's
   pressure reaches the copy through a sheet, so strokes are soft, pale and blue-black).
2. **The sheet ages and is handled**, as colour reflectance: ``paper`` (lignin yellows the
   paper, fibres give a mottled texture, heavy pages get foxing spots), ``bleed_through``
   (the mirrored text of the back or the next sheet shows through thin paper, blurred by the
   light scattering in it), ``stamp`` (a red round seal pressed over the text, patchy as
   a rubber stamp is), ``fold`` (creases cast a shadow on one side and a sharp edge on the
   other).
3. **The scanner** sees it: ``illumination`` (a flatbed lamp's fall-off and a lid not shut
   flat darken one side), ``border`` (the bed is larger than the sheet, the open lid shows
   black around a slightly skewed sheet), ``punch`` (ISO 838 punch holes, 6 mm, 80 mm apart,
   12 mm from the edge, show the black lid), then sampling at the scan resolution (150, 200
   or 300 dpi: optical blur and pixel integration), sensor noise, and ``jpeg`` (lossy
   compression with 4:2:0 chroma subsampling, as scanner software saves).

Every degradation has three severities (:data:`SEVERITIES`, their parameters in the
``_*_LEVELS`` tables, each ordered from light to heavy) and draws its randomness from a
generator seeded by the page's seed and the degradation's name, so each page is
reproducible on its own. :func:`make_page` runs it all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from sohoa.synthetic.fonts import mm_to_px
from sohoa.synthetic.sheet import Sheet, print_sheet

#: Severities, from least to most damaging.
SEVERITIES = ("light", "medium", "heavy")
#: Resolutions a page can be scanned at.
SCAN_DPIS = (150, 200, 300)
#: Pages are printed (rendered) at this resolution before they are scanned.
PRINT_DPI = 300

_BLACK_INK = np.array([0.06, 0.06, 0.08], dtype=np.float32)  # light the ink lets through
_CARBON_INK = np.array([0.22, 0.24, 0.42], dtype=np.float32)
_RED_INK = np.array([0.92, 0.16, 0.20], dtype=np.float32)

_FADE_LEVELS = (0.25, 0.45, 0.65)  # share of ink lost at most
_SPREAD_LEVELS = (0.06, 0.11, 0.17)  # mm of wicking
_CARBON_LEVELS = ((0.10, 0.85), (0.16, 0.72), (0.24, 0.58))  # blur mm, ink kept
_PAPER_LEVELS = (  # tint (R, G, B), texture amplitude, foxing spots
    ((0.99, 0.97, 0.91), 0.025, 0),
    ((0.97, 0.92, 0.80), 0.045, 0),
    ((0.92, 0.84, 0.66), 0.070, 12),
)
_BLEED_LEVELS = (0.10, 0.20, 0.32)  # opacity of the text behind
_STAMP_LEVELS = ((0.55, 34.0), (0.75, 38.0), (0.92, 42.0))  # opacity, diameter mm
_FOLD_LEVELS = ((0.10, 2.0, 1), (0.20, 3.5, 2), (0.34, 6.0, 3))  # depth, width mm, folds
_LIGHT_LEVELS = (0.12, 0.25, 0.42)  # darkening at the far side
_BORDER_LEVELS = (3.0, 7.0, 13.0)  # mm of black at the widest side
_PUNCH_LEVELS = ((2, 0.45), (2, 0.05), (4, 0.03))  # holes, brightness seen through them
_JPEG_LEVELS = (70, 45, 25)  # quality
_NOISE_SD = 2.0 / 255.0  # scanner sensor noise


@dataclass
class Paper:
    """A page going through the model: ink coverage, ink colour, then reflectance (RGB)."""

    ink: np.ndarray
    ink_rgb: np.ndarray
    dpi: int
    text_box: tuple[int, int, int, int]
    rgb: np.ndarray | None = None
    back: np.ndarray | None = None


def _level(severity: str) -> int:
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}: expected one of {SEVERITIES}")
    return SEVERITIES.index(severity)


def _field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth random field in 0..1 varying over about ``cells`` cells across the page."""
    h, w = shape
    grid = rng.random((max(2, cells * h // max(h, w)) + 1, max(2, cells * w // max(h, w)) + 1))
    return cv2.resize(grid.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _blur(arr: np.ndarray, sigma_px: float) -> np.ndarray:
    if sigma_px <= 0:
        return arr
    return cv2.GaussianBlur(arr, (0, 0), sigma_px)


# ------------------------------------------------------------------ 1. printing (ink)


def fade(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """A worn ribbon or dry toner: up to ``_FADE_LEVELS`` of the ink missing, unevenly."""
    depth = _FADE_LEVELS[_level(severity)]
    loss = depth * (0.4 + 0.6 * _field(rng, p.ink.shape, 12))
    p.ink = p.ink * (1.0 - loss)


def spread(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Ink bleed: ink wicks into the fibres, strokes grow by about ``_SPREAD_LEVELS`` mm."""
    sigma = _SPREAD_LEVELS[_level(severity)] * p.dpi / 25.4
    wicked = _blur(p.ink, sigma) * 1.9
    fibres = 0.85 + 0.3 * rng.random(p.ink.shape, dtype=np.float32)
    p.ink = np.maximum(p.ink, (wicked * fibres).clip(0, 1))


def carbon(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """A carbon copy: soft (blurred), paler, blue-black strokes, with light smudging."""
    blur_mm, kept = _CARBON_LEVELS[_level(severity)]
    soft = _blur(p.ink, blur_mm * p.dpi / 25.4) * 1.25
    smudge = 0.04 * _level(severity) * _field(rng, p.ink.shape, 30)
    p.ink = (soft * kept + smudge).clip(0, 1)
    p.ink_rgb = _CARBON_INK


# ------------------------------------------------------------------ 2. the sheet


def paper(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Yellowed paper with fibre texture (and foxing spots when heavy), multiplied in."""
    tint, amp, spots = _PAPER_LEVELS[_level(severity)]
    assert p.rgb is not None
    h, w = p.ink.shape
    fine = _blur(rng.standard_normal((h, w), dtype=np.float32), 1.2) * 2.0
    mottle = _field(rng, (h, w), 40) - 0.5
    texture = 1.0 + amp * (0.6 * fine + 1.2 * mottle)
    shade = texture[..., None] * np.asarray(tint, dtype=np.float32)
    for _ in range(spots):
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        radius = mm_to_px(rng.uniform(0.8, 3.0), p.dpi)
        spot = np.zeros((h, w), np.float32)
        cv2.circle(spot, (int(cx), int(cy)), radius, 1.0, -1)
        spot = _blur(spot, radius / 2)[..., None] * 0.35
        shade *= 1.0 - spot * (1.0 - np.array([0.75, 0.55, 0.35], np.float32))
    p.rgb = p.rgb * shade.clip(0, 1)


def bleed_through(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """The back (or next) sheet's text, mirrored and blurred by the paper, shows through."""
    alpha = _BLEED_LEVELS[_level(severity)]
    assert p.rgb is not None
    back = p.back if p.back is not None else np.roll(p.ink, p.ink.shape[0] // 7, axis=0)
    back = _blur(back[:, ::-1], 0.25 * p.dpi / 25.4)
    dy, dx = (int(v) for v in rng.integers(-mm_to_px(4, p.dpi), mm_to_px(4, p.dpi) + 1, 2))
    back = np.roll(back, (dy, dx), axis=(0, 1))
    p.rgb = p.rgb * (1.0 - alpha * back)[..., None]


def stamp_mask(shape: tuple[int, int], centre: tuple[int, int], diameter_px: int) -> np.ndarray:
    """The ink of a round seal (two rings, a ring of letter-like strokes, a star), 0..1."""
    mask = np.zeros(shape, np.uint8)
    cx, cy = centre
    r = diameter_px // 2
    ring = max(2, diameter_px // 40)
    cv2.circle(mask, (cx, cy), r, 255, ring)
    cv2.circle(mask, (cx, cy), int(r * 0.66), 255, max(1, ring // 2))
    for k in range(36):  # the agency's name around the rim, as letter-sized strokes
        if k in (0, 17, 18):
            continue
        a = 2 * np.pi * k / 36
        for dr in (0.76, 0.82, 0.88):
            x = int(cx + r * dr * np.cos(a))
            y = int(cy + r * dr * np.sin(a))
            cv2.circle(mask, (x, y), max(1, ring // 2), 255, -1)
    star = [
        (
            int(cx + r * (0.4 if i % 2 == 0 else 0.16) * np.cos(np.pi / 2 + i * np.pi / 5)),
            int(cy - r * (0.4 if i % 2 == 0 else 0.16) * np.sin(np.pi / 2 + i * np.pi / 5)),
        )
        for i in range(10)
    ]
    cv2.fillPoly(mask, [np.array(star, np.int32)], 255)
    return mask.astype(np.float32) / 255.0


def stamp(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """A red round seal pressed over the text, patchy and slightly blurred, multiplied in."""
    opacity, diameter_mm = _STAMP_LEVELS[_level(severity)]
    assert p.rgb is not None
    left, top, right, bottom = p.text_box
    d = mm_to_px(diameter_mm, p.dpi)
    cx = int(rng.integers(left + d // 2, max(left + d // 2 + 1, right - d // 2)))
    cy = int(rng.integers(top + d // 2, max(top + d // 2 + 1, bottom - d // 2)))
    mask = _blur(stamp_mask(p.ink.shape, (cx, cy), d), 0.08 * p.dpi / 25.4)
    patchy = 0.55 + 0.45 * _field(rng, p.ink.shape, 90)
    cover = (mask * patchy * opacity)[..., None]
    p.rgb = p.rgb * (1.0 - cover * (1.0 - _RED_INK))


def fold(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Creases: a shadow on one side of each fold line, a thin dark crease, a sharp edge."""
    depth, width_mm, folds = _FOLD_LEVELS[_level(severity)]
    assert p.rgb is not None
    h, w = p.ink.shape
    shade = np.ones((h, w), np.float32)
    wpx = width_mm * p.dpi / 25.4
    lines = [("h", h / 3), ("h", 2 * h / 3), ("v", w / 2)][:folds]
    for axis, pos in lines:
        pos += rng.uniform(-0.02, 0.02) * (h if axis == "h" else w)
        coord = np.arange(h if axis == "h" else w, dtype=np.float32) - pos
        profile = np.where(
            coord < 0, np.exp(-((coord / wpx) ** 2)), 0.5 * np.exp(-((coord / (wpx / 4)) ** 2))
        )
        profile = 1.0 - depth * profile - depth * 0.8 * (np.abs(coord) < max(1, p.dpi / 150))
        shade *= profile[:, None] if axis == "h" else profile[None, :]
    p.rgb = p.rgb * shade[..., None]


# ------------------------------------------------------------------ 3. the scanner


def illumination(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Uneven light: a gradient from one side plus a lamp's fall-off towards the corners."""
    depth = _LIGHT_LEVELS[_level(severity)]
    assert p.rgb is not None
    h, w = p.ink.shape
    angle = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    y, x = y / h - 0.5, x / w - 0.5
    ramp = (x * np.cos(angle) + y * np.sin(angle)) + 0.5  # 0..1 across the page, roughly
    radial = (x**2 + y**2) * 2
    light = 1.0 - depth * (0.75 * ramp.clip(0, 1) + 0.25 * radial)
    p.rgb = p.rgb * light[..., None]


def border(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Black scanner border: the lid's black around a sheet a little skewed on the bed."""
    widest = mm_to_px(_BORDER_LEVELS[_level(severity)], p.dpi)
    assert p.rgb is not None
    h, w = p.ink.shape
    outside = np.zeros((h, w), bool)
    y, x = np.mgrid[0:h, 0:w]
    for side in range(4):
        a = rng.uniform(0.3, 1.0) * widest
        b = rng.uniform(0.3, 1.0) * widest
        if side == 0:
            outside |= x < a + (b - a) * y / h
        elif side == 1:
            outside |= (w - 1 - x) < a + (b - a) * y / h
        elif side == 2:
            outside |= y < a + (b - a) * x / w
        else:
            outside |= (h - 1 - y) < a + (b - a) * x / w
    dark = 0.03 + 0.03 * rng.random((h, w), dtype=np.float32)
    p.rgb = np.where(outside[..., None], dark[..., None], p.rgb)


def punch(p: Paper, severity: str, rng: np.random.Generator) -> None:
    """Punch holes (ISO 838: 6 mm, 80 mm apart, 12 mm from the edge) showing the lid."""
    holes, seen = _PUNCH_LEVELS[_level(severity)]
    assert p.rgb is not None
    h, _w = p.ink.shape
    mask = np.zeros(p.ink.shape, np.float32)
    radius = mm_to_px(3.0, p.dpi)
    centres = [(12.0, -40.0), (12.0, 40.0), (9.0, -54.0), (9.0, 26.0)][:holes]
    for ex, dy in centres:
        x = mm_to_px(ex + rng.uniform(-1, 1), p.dpi)
        y = int(h / 2 + mm_to_px(dy + rng.uniform(-2, 2), p.dpi))
        cv2.circle(mask, (x, y), radius, 1.0, -1, lineType=cv2.LINE_AA)
    p.rgb = p.rgb * (1.0 - mask[..., None]) + seen * mask[..., None]


def jpeg(image: Image.Image, severity: str) -> Image.Image:
    """Lossy JPEG at quality ``_JPEG_LEVELS`` with 4:2:0 chroma subsampling, decoded back."""
    quality = _JPEG_LEVELS[_level(severity)]
    ok, data = cv2.imencode(
        ".jpg",
        cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, 0x221111],
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return Image.fromarray(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))


Step = Callable[[Paper, str, np.random.Generator], None]

#: Degradations of the ink, then of the sheet, then of the scan, in the order applied.
INK_STEPS: dict[str, Step] = {"fade": fade, "spread": spread, "carbon": carbon}
SHEET_STEPS: dict[str, Step] = {
    "paper": paper,
    "bleed_through": bleed_through,
    "stamp": stamp,
    "fold": fold,
}
SCAN_STEPS: dict[str, Step] = {"illumination": illumination, "border": border, "punch": punch}
#: Every degradation's name, in the order applied (``jpeg`` is last, after sampling).
DEGRADATIONS = (*INK_STEPS, *SHEET_STEPS, *SCAN_STEPS, "jpeg")


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, DEGRADATIONS.index(name)])


def sample(rgb: np.ndarray, dpi: int, *, seed: int, print_dpi: int = PRINT_DPI) -> Image.Image:
    """Scan reflectance ``rgb`` (printed at ``print_dpi``) at ``dpi``: optics, pixels, noise."""
    if dpi > print_dpi:
        raise ValueError(f"cannot scan at {dpi} dpi a page printed at {print_dpi}")
    scale = dpi / print_dpi
    out = _blur(rgb, 0.45 / scale)  # the lens and the sensor's spread, about half a pixel
    if scale < 1:
        h, w = rgb.shape[:2]
        out = cv2.resize(out, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng([seed, len(DEGRADATIONS)]).standard_normal(
        out.shape, dtype=np.float32
    )
    out = (out + _NOISE_SD * noise).clip(0, 1)
    image = Image.fromarray((out * 255 + 0.5).astype(np.uint8), "RGB")
    image.info["dpi"] = (dpi, dpi)
    return image


def degrade_sheet(
    sheet: Sheet,
    degradations: Sequence[tuple[str, str]],
    *,
    dpi: int = 300,
    seed: int = 0,
    back: Sheet | None = None,
) -> Image.Image:
    """Age and scan a printed sheet: ``degradations`` as (name, severity) pairs, at ``dpi``.

    The pairs may come in any order; they are applied in the physical order of
    :data:`DEGRADATIONS`. ``back`` is the sheet whose text shows through (``bleed_through``).
    Returns an RGB image whose ``info["dpi"]`` is the scan resolution.
    """
    wanted = dict(degradations)
    unknown = set(wanted) - set(DEGRADATIONS)
    if unknown:
        raise ValueError(f"unknown degradations {sorted(unknown)}: expected {DEGRADATIONS}")
    for severity in wanted.values():
        _level(severity)
    p = Paper(
        ink=sheet.ink.copy(),
        ink_rgb=_BLACK_INK,
        dpi=sheet.dpi,
        text_box=sheet.text_box,
        back=None if back is None else back.ink,
    )
    for name, step in INK_STEPS.items():
        if name in wanted:
            step(p, wanted[name], _rng(seed, name))
    p.rgb = 1.0 - p.ink[..., None] * (1.0 - p.ink_rgb)  # subtractive ink on white paper
    for steps in (SHEET_STEPS, SCAN_STEPS):
        for name, step in steps.items():
            if name in wanted:
                step(p, wanted[name], _rng(seed, name))
    image = sample(p.rgb.astype(np.float32), dpi, seed=seed, print_dpi=sheet.dpi)
    if "jpeg" in wanted:
        image = jpeg(image, wanted["jpeg"])
        image.info["dpi"] = (dpi, dpi)
    return image


def make_page(
    paragraphs: list[str],
    degradations: Sequence[tuple[str, str]] = (),
    *,
    dpi: int = 300,
    face: str = "serif",
    size_pt: float = 13.0,
    seed: int = 0,
    back_paragraphs: list[str] | None = None,
    max_lines: int | None = None,
) -> tuple[Image.Image, str]:
    """Print ``paragraphs``, degrade and scan the sheet; return the scan and its ground truth.

    ``back_paragraphs`` is the text on the back (shown mirrored by ``bleed_through``).
    """
    sheet = print_sheet(paragraphs, face=face, size_pt=size_pt, dpi=PRINT_DPI, max_lines=max_lines)
    back = None
    if back_paragraphs is not None and any(n == "bleed_through" for n, _ in degradations):
        back = print_sheet(back_paragraphs, face=face, size_pt=size_pt, dpi=PRINT_DPI)
    image = degrade_sheet(sheet, degradations, dpi=dpi, seed=seed, back=back)
    return image, sheet.truth
