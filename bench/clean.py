"""CER and CPU of each page-cleaning step (``ocr.clean``), off and on, side by side.

Usage: nice -n 10 .venv/bin/python bench/clean.py TEXT_FILE [--pages 2] [--dpi 300]
       [--faults clean,border,stamp,uneven,specks,noisy] [--json OUT]
       [--configs off,flatten,all] [--table OUT]

Renders pages of held-out Vietnamese text (TEXT_FILE, one paragraph a line: e.g. the statutes in
``../shared/samples/vi_text``) with the generator's typesetting, adds one simple scanner fault
per page set (below), and reads every page with ``ocr.recognise_page``: with cleaning off,
with each step alone, and with all steps. A configuration whose steps all decline a page reads
exactly the image cleaning-off reads, so its reading is reused instead of run again. Prints,
per fault and configuration, the mean CER (NFC, whitespace-normalised), the steps that applied,
the CPU seconds of the cleaning and of tesseract per page. Prints figures; it is not a test.

Faults (each physically simple, severity fixed):
  clean   the rendered page, light blur and noise (what the generator's samples look like);
  border  black scanner lid around the sheet: 12 mm left, 8 mm top band, a wedge on the right;
  stamp   a red round stamp (ring, star, two lines of text) multiplied over the body text;
  uneven  illumination falling from 100% to 45% across the page plus a fold shadow;
  specks  1-3 px toner/dust specks, 25 per cm^2 of page;
  noisy   faint ink (0.5) under strong grey noise (sigma 18) on greyed paper (0.85).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from textmetrics import cer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ocr  # noqa: E402
from errors import ToolTimeoutError  # noqa: E402
from ocr.clean import STEPS, clean_for_ocr  # noqa: E402
from sohoa.synthetic.degrade import degrade  # noqa: E402
from sohoa.synthetic.fonts import font  # noqa: E402
from sohoa.synthetic.typeset import paragraph_page  # noqa: E402

FAULTS = ("clean", "border", "stamp", "uneven", "specks", "noisy")


def _mm(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def add_border(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(page.convert("L"), dtype=np.float32).copy()
    rows, cols = arr.shape
    lid = 25 + rng.normal(0, 6, arr.shape)
    mask = np.zeros(arr.shape, bool)
    mask[:, : _mm(12, dpi)] = True
    mask[: _mm(8, dpi), :] = True
    yy, xx = np.mgrid[0:rows, 0:cols]
    mask |= xx > cols - _mm(4, dpi) - (yy / rows) * _mm(10, dpi)  # the sheet lay askew
    arr[mask] = lid[mask]
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def add_stamp(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    rgb = page.convert("RGB")
    w, h = rgb.size
    r = _mm(19, dpi)
    cx, cy = int(w * rng.uniform(0.35, 0.65)), int(h * rng.uniform(0.25, 0.5))
    ink = Image.new("L", rgb.size, 0)  # 255 = full stamp ink
    d = ImageDraw.Draw(ink)
    lw = _mm(1.0, dpi)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=lw)
    d.ellipse((cx - r + 2 * lw, cy - r + 2 * lw, cx + r - 2 * lw, cy + r - 2 * lw), outline=255)
    face = font(True, _mm(4.0, dpi))
    for dy, text in ((-_mm(6, dpi), "ỦY BAN NHÂN DÂN"), (_mm(3, dpi), "HUYỆN ĐÔNG ANH")):
        tw = d.textlength(text, font=face)
        d.text((cx - tw / 2, cy + dy), text, font=face, fill=255)
    star = [
        (cx + _mm(5, dpi) * np.cos(a), cy - _mm(11, dpi) + _mm(5, dpi) * np.sin(a))
        for a in np.linspace(-np.pi / 2, 3.5 * np.pi, 6)[[0, 2, 4, 1, 3]]
    ]
    d.polygon(star, fill=255)
    a = np.asarray(ink, dtype=np.float32)[..., None] / 255.0 * 0.9
    colour = np.array([0.86, 0.18, 0.22], dtype=np.float32)  # transmittance of the red ink
    out = np.asarray(rgb, dtype=np.float32) * (1 - a + a * colour)
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def add_uneven(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(page.convert("L"), dtype=np.float32)
    rows, cols = arr.shape
    xx = np.linspace(0, 1, cols)[None, :]
    yy = np.linspace(0, 1, rows)[:, None]
    light = 1.0 - 0.55 * (0.7 * xx + 0.3 * yy)
    fold = 1.0 - 0.3 * np.exp(-(((yy - 0.5) / 0.03) ** 2))
    out = arr * light * fold + rng.normal(0, 3, arr.shape)
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def add_specks(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(page.convert("L")).copy()
    rows, cols = arr.shape
    n = int(25 * rows * cols / (dpi / 2.54) ** 2)
    ys, xs = rng.integers(0, rows - 3, n), rng.integers(0, cols - 3, n)
    sizes = rng.integers(1, 3, n)
    for y, x, s in zip(ys, xs, sizes, strict=True):
        arr[y : y + s, x : x + s] = rng.integers(0, 80)
    return Image.fromarray(arr)


def add_noisy(page: Image.Image, dpi: int, rng: np.random.Generator) -> Image.Image:
    arr = np.asarray(page.convert("L"), dtype=np.float32)
    arr = 255 - (255 - arr) * 0.5
    arr = arr * 0.85 + rng.normal(0, 18, arr.shape)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


_ADD = {
    "border": add_border,
    "stamp": add_stamp,
    "uneven": add_uneven,
    "specks": add_specks,
    "noisy": add_noisy,
}


def make_page(paragraphs: list[str], fault: str, dpi: int, seed: int) -> tuple[Image.Image, str]:
    """One rendered page with ``fault`` and its ground truth."""
    image, truth = paragraph_page(paragraphs, dpi=dpi, size_pt=12.0)
    image = degrade(image, blur=0.5 * dpi / 300, noise=3, seed=seed)
    if fault != "clean":
        image = _ADD[fault](image, dpi, np.random.default_rng(seed))
    return image, truth


def _chunks(text_file: Path, count: int) -> list[list[str]]:
    paragraphs = [p.strip() for p in text_file.read_text(encoding="utf-8").splitlines()]
    paragraphs = [p for p in paragraphs if len(p) > 40]
    return [paragraphs[i * 14 : i * 14 + 14] for i in range(count)]


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read(
    image: Image.Image, dpi: int, steps: tuple[str, ...]
) -> tuple[ocr.OcrResult | None, float]:
    """Recognise with ``steps``; the reading (None: tesseract timed out, counted as CER 100%)
    and tesseract's CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pnm"

        def save(img: Image.Image) -> Path:
            img.save(path, format="PPM")
            return path

        before = _child_cpu()
        try:
            _prepared, result = ocr.recognise_page(image, dpi=dpi, save=save, clean=steps)
        except ToolTimeoutError:
            return None, _child_cpu() - before
        assert result is not None
        return result, _child_cpu() - before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("text_file", type=Path)
    ap.add_argument("--pages", type=int, default=2, help="pages per fault")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--faults", default=",".join(FAULTS))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--configs", help="only these configurations (off, a step, all), commas")
    ap.add_argument("--table", type=Path, help="only print the tables of an earlier --json")
    args = ap.parse_args()
    configs = {"off": (), **{s: (s,) for s in STEPS}, "all": STEPS}
    wanted = set(args.configs.split(",")) if args.configs else set(configs)
    if args.table:
        rows = json.loads(args.table.read_text(encoding="utf-8"))
        faults = list(dict.fromkeys(r["fault"] for r in rows))
        _table(rows, list(configs), faults)
        return
    chunks = _chunks(args.text_file, args.pages)
    rows = []
    for fault in args.faults.split(","):
        for n, paragraphs in enumerate(chunks):
            image, truth = make_page(paragraphs, fault, args.dpi, seed=n + 1)
            plain: list[tuple[ocr.OcrResult | None, float]] = []  # read once, if needed
            for name, steps in configs.items():
                if name not in wanted:
                    continue
                applied: list[str] = []
                clean_cpu = 0.0
                if steps:
                    page = np.asarray(image)
                    cleaning = clean_for_ocr(page, dpi=args.dpi, steps=steps)
                    clean_cpu = sum(cleaning.seconds.values())
                    applied = list(cleaning.applied)
                if applied:
                    result, ocr_cpu = read(image, args.dpi, steps)
                else:  # tesseract would read the very same image as with cleaning off
                    if not plain:
                        plain.append(read(image, args.dpi, ()))
                    result, ocr_cpu = plain[0]
                rows.append(
                    {
                        "fault": fault,
                        "page": n,
                        "config": name,
                        "applied": applied,
                        "cer": 1.0 if result is None else cer(result.text, truth),
                        "timeout": result is None,
                        "clean_cpu": clean_cpu,
                        "ocr_cpu": ocr_cpu,
                    }
                )
                print(
                    f"{fault:7} p{n} {name:9} CER {100 * rows[-1]['cer']:6.2f}%  "
                    f"clean {clean_cpu:5.2f}s  tesseract {ocr_cpu:5.2f}s  {','.join(applied)}",
                    file=sys.stderr,
                    flush=True,
                )
    _table(rows, [c for c in configs if c in wanted], args.faults.split(","))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def _table(rows: list[dict], configs: list[str], faults: list[str]) -> None:
    print("mean CER % per fault (pages where the step applied / pages)")
    print("| fault | " + " | ".join(configs) + " |")
    print("|---" * (len(configs) + 1) + "|")
    for fault in faults:
        cells = []
        for name in configs:
            sel = [r for r in rows if r["fault"] == fault and r["config"] == name]
            hit = sum(1 for r in sel if r["applied"])
            mean = 100 * sum(r["cer"] for r in sel) / max(1, len(sel))
            cells.append(f"{mean:.2f}" + (f" ({hit}/{len(sel)})" if name != "off" else ""))
        print(f"| {fault} | " + " | ".join(cells) + " |")
    for key, title in (
        ("clean_cpu", "cleaning CPU s/page (measuring every page, cleaning where applied)"),
        ("ocr_cpu", "tesseract CPU s/page"),
    ):
        print()
        print(title)
        print("| fault | " + " | ".join(configs) + " |")
        print("|---" * (len(configs) + 1) + "|")
        for fault in faults:
            cells = []
            for name in configs:
                sel = [r[key] for r in rows if r["fault"] == fault and r["config"] == name]
                cells.append(f"{sum(sel) / max(1, len(sel)):.{3 if key == 'clean_cpu' else 2}f}")
            print(f"| {fault} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
