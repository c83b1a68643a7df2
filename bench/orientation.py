"""Orientation and skew on pages that are not a plain column of prose, and on real scans.

Usage: nice -n 10 .venv/bin/python bench/orientation.py [--seeds 3] [--dpi 200]
       [--scans ../shared/samples/scans] [--only generated|real] [--json OUT]
       nice -n 10 .venv/bin/python bench/orientation.py --summary OUT   (the table again)

Every page goes through ``ocr.recognise_page`` as the pipeline calls it (deskew, read, and
orientation detection only when the reading looks turned; the default cleaning steps). Per
case and seed it records the rotation outcome:

  ok      the page came out upright (turned by what it needed, or left when it was upright);
  left    it needed a turn and was left as it was (the safe failure);
  wrong   it was turned when it should not have been, or turned the wrong way;

the residual skew in degrees (|skew the page was given - skew sohoa removed|, for pages that
came out upright), and the CPU milliseconds per page (this process and its tesseract
children, ``getrusage``).

Generated pages (``sohoa.synthetic``, 200 dpi by default, light blur and noise):
  text-skew   a portrait page of prose skewed by +-0.5..5 degrees (case f);
  text-turn   the same page turned 90/180/270 degrees with a 1 degree skew (case b);
  landscape   a wide page of upright prose, skewed 1.5 degrees: must not be turned (a);
  title/cover a title and signature block / a cover sheet, skewed 1.2 degrees, turned
              0/90/180/270 (c);
  table/form  a ruled grid of short cells / the same grid left blank (header and one row),
              skewed 2..4 degrees (d);
  photo/map   a photograph with a caption (upright, and turned 90) / a sketch map with labels
              at all angles (upright, and upside down), straight (e).

Real scans (``--scans``): each upright scan turned 90/180/270 and skewed by +2 and -3 degrees
by this script; their skew is measured against what sohoa removes from the scan as given (the
scans are not perfectly straight), so "residual" there is a consistency figure.
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ocr  # noqa: E402
from ocr.clean import AUTO_STEPS  # noqa: E402
from sohoa.synthetic import degrade, paragraph_page, vietnamese_paragraphs  # noqa: E402
from sohoa.synthetic.geometry import geometry_page  # noqa: E402

#: Real scans that are upright as stored: (file, page index, source kind).
REAL = (
    ("phototest.tif", 0, "image"),
    ("eurotext.tif", 0, "image"),
    ("linn.png", 0, "image"),
    ("baiona_color.jpg", 0, "image"),
    ("skew.pdf", 0, "pdf"),
    ("c02-22.pdf", 0, "pdf"),
    ("francais.pdf", 0, "pdf"),
)


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_page(image: Image.Image, dpi: float, workdir: Path) -> tuple[ocr.PreparedPage, dict, float]:
    """Recognise one page as the pipeline does; the prepared page, its geometry facts, CPU s."""
    target = workdir / "page.pnm"

    def save(img: Image.Image) -> Path:
        img.save(target, format="PPM")
        return target

    start = _cpu()
    prepared, result = ocr.recognise_page(image, dpi=dpi, save=save, clean=AUTO_STEPS)
    cpu = _cpu() - start
    facts = dict((result.extra.get("geometry") if result else None) or {})
    return prepared, facts, cpu


def outcome(needed: int, applied: int) -> str:
    """ok / left / wrong for a page that needed ``needed`` degrees and got ``applied``."""
    if applied == needed:
        return "ok"
    return "left" if applied == 0 else "wrong"


def generated_cases(
    seed: int, dpi: int
) -> Iterator[tuple[str, Callable[[], Image.Image], int, float]]:
    """(case, make the scanned page, clockwise turn it needs, skew given in degrees)."""
    rng = random.Random(seed)
    text, _ = paragraph_page(vietnamese_paragraphs(random.Random(seed), 8), dpi=dpi)
    sign = 1 if seed % 2 else -1

    def scan(page: Image.Image, angle: float, turns: int = 0) -> Callable[[], Image.Image]:
        return lambda: degrade(page, angle=angle, quarter_turns=turns, blur=0.5, noise=6, seed=seed)

    for angle in (0.5 * sign, rng.uniform(1.0, 5.0) * -sign):
        yield "text-skew", scan(text, round(angle, 2)), 0, round(angle, 2)
    for turns in (1, 2, 3):
        yield "text-turn", scan(text, 1.0, turns), 90 * turns, 1.0
    land, _ = geometry_page("landscape", random.Random(seed), dpi=dpi)
    yield "landscape", scan(land, 1.5 * sign), 0, 1.5 * sign
    for kind in ("title", "cover"):
        page, _ = geometry_page(kind, random.Random(seed), dpi=dpi)
        for turns in (0, 1, 2, 3):
            yield kind, scan(page, 1.2 * sign, turns), 90 * turns, 1.2 * sign
    for kind in ("table", "form"):
        page, _ = geometry_page(kind, random.Random(seed), dpi=dpi)
        angle = round(rng.uniform(2.0, 4.0) * sign, 2)
        yield kind, scan(page, angle), 0, angle
    for kind, turns in (("photo", 0), ("photo", 1), ("map", 0), ("map", 2)):
        page, _ = geometry_page(kind, random.Random(seed), dpi=dpi)
        yield kind, scan(page, 0.0, turns), 90 * turns, 0.0


def _load_real(folder: Path, name: str, index: int, kind: str) -> tuple[Image.Image, float]:
    from ingest.sources import load_page

    loaded = load_page(folder / name, index, kind=kind, max_pixels=200_000_000, rasterise_dpi=300)
    img = loaded.image
    if img.mode == "1":
        img = img.convert("L")
    return img, loaded.dpi


def _turn_ccw(img: Image.Image, turns: int) -> Image.Image:
    return img.rotate(90 * turns, expand=True) if turns % 4 else img


def _skew(img: Image.Image, angle: float) -> Image.Image:
    fill = (255, 255, 255) if img.mode == "RGB" else 255
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def bench_generated(seeds: int, dpi: int, workdir: Path, rows: list[dict]) -> None:
    for seed in range(seeds):
        for case, make, needed, angle in generated_cases(seed, dpi):
            prepared, facts, cpu = run_page(make(), dpi, workdir)
            rows.append(_row("generated", case, seed, needed, angle, 0.0, prepared, facts, cpu))
            _progress(rows[-1])


def bench_real(folder: Path, workdir: Path, rows: list[dict]) -> None:
    for name, index, kind in REAL:
        if not (folder / name).exists():
            print(f"  (missing {name}, skipped)", file=sys.stderr)
            continue
        img, dpi = _load_real(folder, name, index, kind)
        base, facts, cpu = run_page(img, dpi, workdir)
        rows.append(_row("real", name, 0, 0, 0.0, base.skew, base, facts, cpu))
        _progress(rows[-1])
        for turns in (1, 2, 3):
            prepared, facts, cpu = run_page(_turn_ccw(img, turns), dpi, workdir)
            rows.append(_row("real", name, 0, 90 * turns, 0.0, base.skew, prepared, facts, cpu))
            _progress(rows[-1])
        for angle in (2.0, -3.0):
            prepared, facts, cpu = run_page(_skew(img, angle), dpi, workdir)
            rows.append(_row("real", name, 0, 0, angle, base.skew, prepared, facts, cpu))
            _progress(rows[-1])


def _row(data, case, seed, needed, angle, base, prepared, facts, cpu) -> dict:
    result = outcome(needed, prepared.rotation)
    residual = abs(angle + base - prepared.skew) if result == "ok" else None
    return {
        "data": data,
        "case": case,
        "seed": seed,
        "needed": needed,
        "applied": prepared.rotation,
        "given_skew": angle,
        "removed_skew": prepared.skew,
        "outcome": result,
        "residual": None if residual is None else round(residual, 3),
        "cpu_ms": round(cpu * 1000),
        "facts": facts,
    }


def _progress(row: dict) -> None:
    res = "-" if row["residual"] is None else f"{row['residual']:.2f}"
    print(
        f"  {row['data']:9} {row['case']:18} s{row['seed']} need {row['needed']:3} got "
        f"{row['applied']:3} {row['outcome']:5} skew {row['given_skew']:+.2f} removed "
        f"{row['removed_skew']:+.2f} residual {res} cpu {row['cpu_ms']} ms",
        file=sys.stderr,
        flush=True,
    )


def summary(rows: list[dict]) -> str:
    """One markdown row per (data, case): outcomes, residual skew, CPU."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["data"], row["case"])].append(row)
    out = [
        "| data | case | pages | ok | left | wrong | residual skew median / max (deg) "
        "| CPU ms/page median | CPU s total |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for (data, case), items in groups.items():
        counts = {k: sum(1 for r in items if r["outcome"] == k) for k in ("ok", "left", "wrong")}
        res = [r["residual"] for r in items if r["residual"] is not None]
        res_text = f"{np.median(res):.2f} / {max(res):.2f}" if res else "-"
        cpu = int(np.median([r["cpu_ms"] for r in items]))
        total = sum(r["cpu_ms"] for r in items) / 1000
        out.append(
            f"| {data} | {case} | {len(items)} | {counts['ok']} | {counts['left']} | "
            f"{counts['wrong']} | {res_text} | {cpu} | {total:.1f} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--scans", type=Path, default=Path("../shared/samples/scans"))
    parser.add_argument("--only", choices=("generated", "real"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--summary", type=Path, help="print the table of a --json file and stop")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary(json.loads(args.summary.read_text())))
        return 0
    rows: list[dict] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sohoa-orient-bench-") as tmp:
        if args.only != "real":
            bench_generated(args.seeds, args.dpi, Path(tmp), rows)
        if args.only != "generated":
            bench_real(args.scans, Path(tmp), rows)
    print(summary(rows))
    print(
        f"\n{len(rows)} pages, {time.perf_counter() - started:.0f} s wall, "
        f"{sum(r['cpu_ms'] for r in rows) / 1000:.0f} CPU s (2 cores shared with other work)"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
