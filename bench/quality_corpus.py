"""The evaluation corpus of bench/ocr_quality.py: held-out text on degraded paper, real scans.

Synthetic pages print paragraphs of ``bench/data/luat-giao-dich-dien-tu.txt`` (a statute
sohoa's generator did not write and the post-correction model was not trained on) with
``sohoa.synthetic.paper.make_page``: every degradation at every severity, in the decree's
serif and a typewriter face, scanned at 150/200/300 dpi, plus clean pages. Each page is a
PNG with its ground truth beside it, cached under ``bench/out/ocr_quality/corpus``; a
page's seed fixes everything about it, so the corpus is the same on every machine.

Real pages are the image files of a folder that have a transcription next to them
(``NAME.txt`` or ``NAME.gold.txt``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from sohoa.synthetic.paper import DEGRADATIONS, SEVERITIES, make_page

HELD_OUT = Path(__file__).resolve().parent / "data" / "luat-giao-dich-dien-tu.txt"
#: Bump when the page generation changes: it names the cache folder.
CORPUS_VERSION = "paper-v1"
_IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".pnm", ".pgm")


@dataclass(frozen=True)
class PageSpec:
    """One page of the corpus: what is done to it and how it is printed and scanned."""

    degradation: str  # a name of DEGRADATIONS, "clean", or "real"
    severity: str  # a name of SEVERITIES, or "-"
    dpi: int
    face: str = "serif"
    seed: int = 0
    max_lines: int | None = None

    @property
    def id(self) -> str:
        return f"{self.degradation}-{self.severity}-{self.face}-{self.dpi}-s{self.seed}"


@dataclass(frozen=True)
class Page:
    """A page on disk with its ground truth."""

    spec: PageSpec
    image: Path
    truth: str
    dpi: int
    name: str


def specs(*, quick: bool) -> list[PageSpec]:
    """The corpus: every degradation at every severity, faces, resolutions, clean pages.

    ``quick``: at 200 dpi (the old flatbeds' resolution), in the serif face, with the
    typewriter face for ``fade`` and ``carbon``, pages of 14 lines; clean pages at each dpi.
    Otherwise: both faces at 300 and 200 dpi, ``medium`` also at 150 dpi, full pages.
    """
    out: list[PageSpec] = []
    seed = 0
    lines = 14 if quick else None
    for name in DEGRADATIONS:
        for severity in SEVERITIES:
            if quick:
                combos = [("serif", 200)]
                if name in ("fade", "carbon"):
                    combos.append(("mono", 200))
            else:
                combos = [(f, d) for f in ("serif", "mono") for d in (300, 200)]
                if severity == "medium":
                    combos += [("serif", 150)]
            for face, dpi in combos:
                seed += 1
                out.append(PageSpec(name, severity, dpi, face, seed, lines))
    clean_faces = ("serif", "mono")
    for dpi in (300, 200, 150):
        for face in clean_faces if (not quick or dpi == 200) else ("serif",):
            seed += 1
            out.append(PageSpec("clean", "-", dpi, face, seed, lines))
    return out


def _paragraphs() -> list[str]:
    text = HELD_OUT.read_text(encoding="utf-8")
    return [p.strip() for p in text.splitlines() if len(p.strip()) > 40]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def build(spec: PageSpec, folder: Path) -> Page:
    """Render ``spec`` into ``folder`` (PNG and truth) unless it is there; return the page."""
    folder.mkdir(parents=True, exist_ok=True)
    png, meta = folder / f"{spec.id}.png", folder / f"{spec.id}.json"
    if not (png.exists() and meta.exists()):
        paras = _paragraphs()
        start = (spec.seed * 7) % max(1, len(paras) - 24)
        degradations = [] if spec.degradation == "clean" else [(spec.degradation, spec.severity)]
        image, truth = make_page(
            paras[start : start + 12],
            degradations,
            dpi=spec.dpi,
            face=spec.face,
            seed=spec.seed,
            back_paragraphs=paras[start + 12 : start + 24],
            max_lines=spec.max_lines,
        )
        tmp = png.with_name(f".tmp-{png.name}")
        image.save(tmp, format="PNG", dpi=(spec.dpi, spec.dpi))
        os.replace(tmp, png)
        payload = {"spec": asdict(spec), "truth": truth}
        _write_atomic(meta, json.dumps(payload, ensure_ascii=False).encode())
    truth = json.loads(meta.read_text(encoding="utf-8"))["truth"]
    return Page(spec=spec, image=png, truth=truth, dpi=spec.dpi, name=spec.id)


def real_pages(folder: Path) -> list[Page]:
    """The images in ``folder`` that have a transcription (``NAME.txt``, ``NAME.gold.txt``)."""
    pages = []
    for image in sorted(folder.iterdir()):
        if image.suffix.lower() not in _IMAGE_SUFFIXES:
            continue
        truth = next(
            (t for t in (image.with_suffix(".txt"), image.with_suffix(".gold.txt")) if t.exists()),
            None,
        )
        if truth is None:
            continue
        with Image.open(image) as img:
            dpi = round(float(img.info.get("dpi", (300, 300))[0])) or 300
        spec = PageSpec("real", "-", dpi, "-", 0)
        text = truth.read_text(encoding="utf-8", errors="replace")
        pages.append(Page(spec=spec, image=image, truth=text, dpi=dpi, name=image.name))
    return pages
