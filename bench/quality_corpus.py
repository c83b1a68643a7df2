"""The evaluation corpus of bench/ocr_quality.py: held-out text on degraded paper, real scans.

Synthetic pages print paragraphs of ``bench/data/luat-giao-dich-dien-tu.txt`` (a statute
sohoa's generator did not write and the post-correction model was not trained on) with
``sohoa.synthetic.paper.make_page``: every degradation at every severity, in the decree's
serif and a typewriter face, scanned at 150/200/300 dpi, plus clean pages. Each page is a
PNG with its ground truth beside it, cached under ``bench/out/ocr_quality/corpus``; a
page's seed fixes everything about it, so the corpus is the same on every machine.

Real pages are the scans of a folder that have a transcription: an exact one typed for sohoa
in ``bench/real_truth`` (its ``manifest.json`` names the scan; PDF scans are rasterised page
by page), or ``NAME.txt`` / ``NAME.gold.txt`` next to an image.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from sohoa.synthetic.paper import DEGRADATIONS, SEVERITIES, make_page

HELD_OUT = Path(__file__).resolve().parent / "data" / "luat-giao-dich-dien-tu.txt"
#: Exact transcriptions of real sample scans, typed for sohoa (see its README.md).
REAL_TRUTH = Path(__file__).resolve().parent / "real_truth"
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


def real_pages(folder: Path, work: Path, truth_dir: Path = REAL_TRUTH) -> list[Page]:
    """The scans in ``folder`` that have a transcription, one ``Page`` per scanned page.

    ``truth_dir/manifest.json`` names exact transcriptions kept in the repository (they win
    over a transcription beside the scan); otherwise ``NAME.txt`` or ``NAME.gold.txt`` beside
    an image counts. PDF pages are rasterised in grey at the manifest's resolution into
    ``work`` (the page as a scanner's PDF shows it, skew in the page matrix included).
    """
    manifest = json.loads((truth_dir / "manifest.json").read_text(encoding="utf-8"))["scans"]
    pages = []
    for scan in sorted(folder.iterdir()):
        entry = manifest.get(scan.name)
        if entry is not None:
            text = (truth_dir / entry["truth"]).read_text(encoding="utf-8")
        elif scan.suffix.lower() in _IMAGE_SUFFIXES:
            beside = (scan.with_suffix(".txt"), scan.with_suffix(".gold.txt"))
            truth = next((t for t in beside if t.exists()), None)
            if truth is None:
                continue
            text = truth.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        if scan.suffix.lower() == ".pdf":
            dpi = int(entry["dpi"])
            for number, image in enumerate(_rasterise(scan, dpi, work), start=1):
                spec = PageSpec("real", "-", dpi, "-", 0)
                name = f"{scan.name}#{number}"
                pages.append(Page(spec=spec, image=image, truth=text, dpi=dpi, name=name))
            continue
        with Image.open(scan) as img:
            dpi = round(float(img.info.get("dpi", (300, 300))[0])) or 300
        spec = PageSpec("real", "-", dpi, "-", 0)
        pages.append(Page(spec=spec, image=scan, truth=text, dpi=dpi, name=scan.name))
    return pages


def _rasterise(pdf: Path, dpi: int, work: Path) -> list[Path]:
    """Each page of ``pdf`` as a grey PNG at ``dpi`` under ``work`` (kept, rendered once)."""
    work.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for index in range(len(document)):
            target = work / f"{pdf.stem}-p{index + 1}-{dpi}.png"
            if not target.exists():
                bitmap = document[index].render(scale=dpi / 72, grayscale=True)
                image = bitmap.to_pil().convert("L")
                tmp = target.with_name(f".tmp-{target.name}")
                image.save(tmp, format="PNG", dpi=(dpi, dpi))
                os.replace(tmp, target)
            out.append(target)
        return out
    finally:
        document.close()
