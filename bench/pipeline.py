"""sohoa vs OCRmyPDF vs plain tesseract on the same generated batch, one after the other.

Run from the repository root:

    .venv/bin/python bench/pipeline.py                 # 24 pages, jobs = cores
    .venv/bin/python bench/pipeline.py --pages 3 --skip-ocrmypdf --keep --json out.json

The batch: dense Vietnamese administrative documents (``sohoa.synthetic_docs``) rendered as A4
greyscale pages at 300 dpi, skewed by -3..+3 degrees, slightly blurred and noisy, as a scanner
writes them. Every page is stored once as a greyscale PNG (300 dpi set) in a folder per
document; sohoa and tesseract read those PNGs, and OCRmyPDF reads the very same PNGs wrapped
losslessly (img2pdf copies the PNG data, no re-encoding) into one image-only PDF, which is the
most favourable input for it: one process for the whole batch, pages in parallel.

Each tool runs alone (never two at once) and is reaped with ``os.wait4`` so its CPU covers
all its descendants. The targets come from the issue: sohoa at least 2.0x OCRmyPDF's
throughput, CPU per page at most 1.15x plain tesseract writing text and PDF, output bytes no
larger than OCRmyPDF's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    REPO,
    Measured,
    format_table,
    human_bytes,
    machine_info,
    run_measured,
    tool_version,
    tree_bytes,
)
from PIL import Image

from sohoa.synthetic import degrade

DEFAULT_WORK = REPO / "bench" / "out" / "pipeline"
OCRMYPDF_VENV = REPO / "bench" / "out" / "ocrmypdf-venv"
LANGS = "vie+eng"
DPI = 300
GENERATOR = "synthetic_docs-v2"  # bump when the page generation changes (invalidates the cache)

TARGET_THROUGHPUT = 2.0  # sohoa pages/min >= 2.0 x OCRmyPDF's
TARGET_CPU = 1.15  # sohoa CPU s/page <= 1.15 x plain tesseract's
TARGET_BYTES = 1.0  # sohoa bytes <= OCRmyPDF's


# ------------------------------------------------------------------------------ the batch


@dataclass(frozen=True)
class Batch:
    folder: Path  # the scanner's folder: one record folder, one folder of page PNGs per document
    pages: tuple[Path, ...]  # every page, in batch order
    documents: int
    truth: tuple[str, ...]  # ground-truth text of every page
    pdf: Path | None = None  # the same pages as one image-only PDF (for OCRmyPDF)


def _scan(page: Image.Image, rng: random.Random) -> tuple[Image.Image, float]:
    angle = round(rng.uniform(-3.0, 3.0), 2)
    img = degrade(page, angle=angle, blur=0.4, noise=4.0, seed=rng.randint(0, 2**31))
    return img, angle


def make_batch(work: Path, *, pages: int, seed: int) -> Batch:
    """Generate (or reuse, when the same pages and seed were generated before) the batch."""
    from sohoa.synthetic import (
        document_truth_text,
        random_admin_document,
        render_admin_document,
    )

    folder = work / "batch"
    manifest = work / "batch.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        paths = tuple(work / p for p in meta.get("pages", []))
        if (
            meta.get("generator") == GENERATOR
            and meta.get("seed") == seed
            and len(paths) == pages
            and all(p.is_file() for p in paths)
        ):
            print(f"reusing the generated batch in {folder} ({pages} pages)")
            return Batch(folder, paths, meta["documents"], tuple(meta["truth"]))
    if folder.exists():
        shutil.rmtree(folder)
    record = folder / "HS-BENCH-001"
    rng = random.Random(f"bench-pipeline-{seed}")
    written: list[Path] = []
    angles: list[float] = []
    truth: list[str] = []
    doc_index = 0
    t0 = time.perf_counter()
    while len(written) < pages:
        doc_index += 1
        # mostly multi-page documents: their inner pages are full of body text
        want = min(rng.choice((1, 2, 2, 3, 3)), pages - len(written))
        doc = random_admin_document(seed * 10_000 + doc_index, pages=want)
        images = render_admin_document(doc, dpi=DPI)[: pages - len(written)]
        truth.extend(document_truth_text(doc)[: len(images)])
        doc_dir = record / f"van_ban_{doc_index:03d}"
        doc_dir.mkdir(parents=True, exist_ok=True)
        for i, clean in enumerate(images, start=1):
            img, angle = _scan(clean, rng)
            path = doc_dir / f"p{i:03d}.png"
            img.save(path, "PNG", dpi=(DPI, DPI), compress_level=3)
            written.append(path)
            angles.append(angle)
    print(
        f"generated {len(written)} pages in {doc_index} documents "
        f"in {time.perf_counter() - t0:.1f} s -> {folder}"
    )
    meta = {
        "generator": GENERATOR,
        "seed": seed,
        "documents": doc_index,
        "pages": [str(p.relative_to(work)) for p in written],
        "angles_ccw": angles,
        "truth": truth,
    }
    manifest.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    return Batch(folder, tuple(written), doc_index, tuple(truth))


def batch_pdf(batch: Batch, work: Path, venv: Path) -> Batch:
    """The batch's PNGs as one lossless image-only PDF (img2pdf from the OCRmyPDF venv)."""
    pdf = work / "batch.pdf"
    stamp = work / "batch.pdf.pages"
    listing = "\n".join(str(p) for p in batch.pages)
    if not (pdf.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == listing):
        tmp = pdf.with_suffix(".tmp.pdf")
        subprocess.run(
            [str(venv / "bin" / "img2pdf"), *map(str, batch.pages), "-o", str(tmp)], check=True
        )
        tmp.replace(pdf)
        stamp.write_text(listing, encoding="utf-8")
    return Batch(batch.folder, batch.pages, batch.documents, batch.truth, pdf)


# ------------------------------------------------------------------------------ text check


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()))


def pdf_text(paths: list[Path]) -> str:
    """The text layer of PDFs, as a viewer's copy or search would get it."""
    import pypdfium2 as pdfium

    parts: list[str] = []
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for page in pdf:
                parts.append(page.get_textpage().get_text_range())
        finally:
            pdf.close()
    return "\n".join(parts)


def word_recall(truth: tuple[str, ...], text: str) -> float:
    """Share of the ground-truth words (as a multiset, order ignored) found in ``text``, in %."""
    want = _words("\n".join(truth))
    got = _words(text)
    total = sum(want.values())
    return 100.0 * sum((want & got).values()) / total if total else 0.0


# ------------------------------------------------------------------------------ the tools


@dataclass
class Result:
    tool: str
    pages: int
    wall_s: float = 0.0
    cpu_s: float = 0.0
    out_bytes: int = 0
    recall: float | None = None  # word recall of the output PDFs' text layer, %
    ok: bool = True
    error: str = ""
    command: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def pages_per_min(self) -> float:
        return self.pages / self.wall_s * 60 if self.wall_s else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_s / self.pages if self.pages else 0.0

    @property
    def bytes_per_page(self) -> float:
        return self.out_bytes / self.pages if self.pages else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "pages": self.pages,
            "ok": self.ok,
            "error": self.error,
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "out_bytes": self.out_bytes,
            "pages_per_min": round(self.pages_per_min, 3),
            "cpu_s_per_page": round(self.cpu_per_page, 3),
            "bytes_per_page": round(self.bytes_per_page, 1),
            "word_recall_pct": None if self.recall is None else round(self.recall, 2),
            "command": self.command,
            "notes": self.notes,
        }


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _fail(result: Result, measured: Measured, log: Path) -> Result:
    result.ok = False
    why = "timed out" if measured.timed_out else f"exit code {measured.returncode}"
    result.error = f"{why}; log {log}:\n{_tail(log)}"
    return result


def run_tesseract(batch: Batch, out: Path, *, jobs: int, timeout: float) -> Result:
    """Plain tesseract, one process per page writing text and PDF, ``jobs`` pages at a time.

    ``timeout`` applies to each page.
    """
    out.mkdir(parents=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> Measured:
        base = out / f"{page.parent.name}_{page.stem}"
        cmd = ["tesseract", str(page), str(base), "-l", LANGS, "txt", "pdf"]
        return run_measured(cmd, env=env, stderr=base.with_suffix(".log"), timeout=timeout)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(one, batch.pages))
    wall = time.perf_counter() - start
    example = runs[0].command.replace(str(batch.pages[0]), "PAGE.png")
    result = Result(
        tool="tesseract",
        pages=len(batch.pages),
        wall_s=wall,
        cpu_s=sum(r.cpu_s for r in runs),
        out_bytes=tree_bytes(out, suffixes=(".txt", ".pdf")),
        command=f"OMP_THREAD_LIMIT=1 {example}  (x{len(runs)}, {jobs} at a time)",
    )
    bad = [r for r in runs if not r.ok]
    if bad:
        result.ok = False
        result.error = f"{len(bad)} pages failed, e.g. {bad[0].command} (exit {bad[0].returncode})"
    else:
        result.recall = word_recall(batch.truth, pdf_text(sorted(out.glob("*.pdf"))))
    return result


def _pdf_pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def run_ocrmypdf(batch: Batch, out: Path, *, jobs: int, venv: Path, timeout: float) -> Result:
    assert batch.pdf is not None
    out.mkdir(parents=True)
    target = out / "batch_ocr.pdf"
    cmd = [
        str(venv / "bin" / "ocrmypdf"),
        "--rotate-pages",
        "--deskew",
        "--output-type",
        "pdfa",
        "-l",
        LANGS,
        "--jobs",
        str(jobs),
        str(batch.pdf),
        str(target),
    ]
    log = out / "ocrmypdf.log"
    measured = run_measured(cmd, stdout=log.with_suffix(".out"), stderr=log, timeout=timeout)
    result = Result(
        tool="OCRmyPDF",
        pages=len(batch.pages),
        wall_s=measured.wall_s,
        cpu_s=measured.cpu_s,
        out_bytes=tree_bytes(target),
        command=measured.command,
    )
    if not measured.ok or not target.exists():
        return _fail(result, measured, log)
    got = _pdf_pages(target)
    if got != len(batch.pages):
        result.ok = False
        result.error = f"output has {got} pages, expected {len(batch.pages)}"
    result.recall = word_recall(batch.truth, pdf_text([target]))
    return result


def sohoa_exe() -> Path:
    local = Path(sys.executable).parent / "sohoa"
    if local.exists():
        return local
    found = shutil.which("sohoa")
    if not found:
        raise SystemExit("the sohoa command is not installed: run pip install -e . in the venv")
    return Path(found)


def run_sohoa(batch: Batch, home: Path, *, jobs: int, timeout: float) -> Result:
    """``sohoa ingest BATCH`` in a fresh SOHOA_HOME; output bytes are the files in pdfa/."""
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    cmd = [str(sohoa_exe()), "ingest", str(batch.folder), "--workers", str(jobs), "--no-progress"]
    log = home / "ingest.log"
    stdout = home / "ingest.out"
    measured = run_measured(cmd, env=env, cwd=home, stdout=stdout, stderr=log, timeout=timeout)
    pdfa = home / "pdfa"
    result = Result(
        tool="sohoa",
        pages=len(batch.pages),
        wall_s=measured.wall_s,
        cpu_s=measured.cpu_s,
        out_bytes=tree_bytes(pdfa),
        command=f"SOHOA_HOME={shlex.quote(str(home))} {measured.command}",
    )
    if not measured.ok:
        return _fail(result, measured, log)
    said = stdout.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"archived (\d+) pages", said)
    done = int(found.group(1)) if found else -1
    pdfs = sorted(pdfa.rglob("*.pdf")) if pdfa.exists() else []
    if done != len(batch.pages) or not pdfs:
        result.ok = False
        result.error = (
            f"sohoa reported {done} pages archived (expected {len(batch.pages)}) and wrote "
            f"{len(pdfs)} PDF/A files under {pdfa}; output: {said.strip()[-400:]}"
        )
        return result
    pdf_pages = sum(_pdf_pages(p) for p in pdfs)
    result.notes.append(f"{len(pdfs)} PDF/A files, {pdf_pages} pages")
    if pdf_pages != len(batch.pages):
        result.ok = False
        result.error = f"the PDF/A files hold {pdf_pages} pages, expected {len(batch.pages)}"
    result.recall = word_recall(batch.truth, pdf_text(pdfs))
    all_stored = tree_bytes(home) - tree_bytes(log) - tree_bytes(stdout)
    result.notes.append(f"everything under SOHOA_HOME: {human_bytes(all_stored)}")
    return result


# ------------------------------------------------------------------------------ setup


def ensure_ocrmypdf(venv: Path) -> None:
    """Install OCRmyPDF (and img2pdf) in its own venv, and Ghostscript, unless present."""
    if not (venv / "bin" / "ocrmypdf").exists() or not (venv / "bin" / "img2pdf").exists():
        print(f"installing OCRmyPDF into its own virtual environment {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "ocrmypdf", "img2pdf"], check=True
        )
    if shutil.which("gs"):
        return
    install = ["apt-get", "install", "-y", "ghostscript"]
    if os.geteuid() != 0:
        raise SystemExit(
            "OCRmyPDF needs Ghostscript for PDF/A: run `sudo " + shlex.join(install) + "` "
            "(or pass --skip-ocrmypdf)"
        )
    print(f"Ghostscript is missing; running: {shlex.join(install)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, check=False).returncode != 0:
        print("retrying after: apt-get update")
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def versions(venv: Path, *, with_ocrmypdf: bool) -> dict[str, str]:
    found = {
        "sohoa": tool_version([sohoa_exe(), "--version"]),
        "tesseract": tool_version(["tesseract", "--version"]),
    }
    if with_ocrmypdf:
        found["ocrmypdf"] = tool_version([venv / "bin" / "ocrmypdf", "--version"])
        found["img2pdf"] = tool_version([venv / "bin" / "img2pdf", "--version"])
        found["ghostscript"] = tool_version(["gs", "--version"])
    return found


def warm_file_cache(batch: Batch) -> None:
    """Read the inputs and tesseract's models once, so the first tool is not charged for disk."""
    prefix = os.environ.get("TESSDATA_PREFIX", "/usr/share/tesseract-ocr/5/tessdata")
    models = [Path(prefix) / f"{lang}.traineddata" for lang in (*LANGS.split("+"), "osd")]
    for path in [*batch.pages, *([batch.pdf] if batch.pdf else []), *models]:
        if path.is_file():
            with open(path, "rb") as f:
                while f.read(1 << 20):
                    pass


# ------------------------------------------------------------------------------ report


def ratios(results: dict[str, Result]) -> list[dict[str, Any]]:
    def ok(name: str) -> Result | None:
        r = results.get(name)
        return r if r is not None and r.ok else None

    s, o, t = ok("sohoa"), ok("OCRmyPDF"), ok("tesseract")
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float | None, op: str, target: float) -> None:
        if value is None:
            verdict = "n/a"
        else:
            verdict = "PASS" if (value >= target if op == ">=" else value <= target) else "MISS"
        rows.append(
            {
                "ratio": name,
                "value": None if value is None else round(value, 3),
                "target": f"{op} {target:.2f}",
                "verdict": verdict,
            }
        )

    add(
        "throughput sohoa / OCRmyPDF (pages/min)",
        s.pages_per_min / o.pages_per_min if s and o and o.pages_per_min else None,
        ">=",
        TARGET_THROUGHPUT,
    )
    add(
        "CPU per page sohoa / tesseract",
        s.cpu_per_page / t.cpu_per_page if s and t and t.cpu_per_page else None,
        "<=",
        TARGET_CPU,
    )
    add(
        "bytes sohoa / OCRmyPDF",
        s.out_bytes / o.out_bytes if s and o and o.out_bytes else None,
        "<=",
        TARGET_BYTES,
    )
    return rows


def print_report(
    results: dict[str, Result], ratio_rows: list[dict[str, Any]], batch: Batch, jobs: int
) -> None:
    print()
    print(f"pages: {len(batch.pages)} in {batch.documents} documents; jobs: {jobs}")
    rows = []
    for r in results.values():
        rows.append(
            [
                r.tool,
                r.pages,
                r.wall_s,
                r.pages_per_min,
                r.cpu_per_page,
                r.bytes_per_page / 1024,
                r.recall,
                "ok" if r.ok else "FAILED",
            ]
        )
    headers = ["tool", "pages", "wall s", "pages/min", "CPU s/page", "KiB/page", "recall %", ""]
    print(format_table(headers, rows))
    print(
        "recall %: share of the ground-truth words found in the output PDFs' text layer "
        "(a check that each tool really recognised the pages, not a target)"
    )
    print()
    print(
        format_table(
            ["ratio", "value", "target", ""],
            [[x["ratio"], x["value"], x["target"], x["verdict"]] for x in ratio_rows],
        )
    )
    for r in results.values():
        print()
        print(f"{r.tool}: {r.command}")
        for note in r.notes:
            print(f"  {note}")
        if not r.ok:
            print(f"  FAILED: {r.error}")


# ------------------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/pipeline.py",
        description="sohoa vs OCRmyPDF vs plain tesseract on the same generated batch.",
    )
    parser.add_argument("--pages", type=int, default=24, help="pages in the batch (default 24)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="parallel jobs (default: cores)"
    )
    parser.add_argument("--skip-ocrmypdf", action="store_true", help="do not run OCRmyPDF")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work folder")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep every tool's output in the work folder (the generated batch is always kept "
        "and reused by the next run with the same --pages and --seed)",
    )
    parser.add_argument("--seed", type=int, default=1, help="batch generation seed (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds allowed per tool (default 3600)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.jobs < 1:
        parser.error("--pages and --jobs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    command = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(argv)
    with_ocrmypdf = not args.skip_ocrmypdf
    if with_ocrmypdf:
        ensure_ocrmypdf(OCRMYPDF_VENV)

    machine = machine_info()
    tools = versions(OCRMYPDF_VENV, with_ocrmypdf=with_ocrmypdf)
    print(f"command: {command}")
    print(
        f"machine: {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['cpu_model']}, {machine['ram_gib']} GiB RAM, {machine['os']}, "
        f"load {machine['load_avg_1m']}"
    )
    for name, version in tools.items():
        print(f"{name}: {version}")
    if args.pages < 20:
        print(f"note: {args.pages} pages is a smoke run; the issue's benchmark uses at least 20")

    batch = make_batch(work, pages=args.pages, seed=args.seed)
    if with_ocrmypdf:
        batch = batch_pdf(batch, work, OCRMYPDF_VENV)
    input_note = (
        "input: one greyscale 300 dpi PNG per page, a folder per document, read by sohoa and "
        "tesseract; OCRmyPDF reads the same PNGs wrapped losslessly by img2pdf into one "
        f"image-only PDF ({human_bytes(tree_bytes(batch.pdf)) if batch.pdf else 'not built'}); "
        f"PNGs total {human_bytes(sum(p.stat().st_size for p in batch.pages))}"
    )
    print(input_note)

    warm_file_cache(batch)
    runs = work / "runs"
    if runs.exists():
        shutil.rmtree(runs)
    results: dict[str, Result] = {}
    jobs, timeout = args.jobs, args.timeout
    plan: list[tuple[str, Callable[[], Result]]] = [
        ("tesseract", lambda: run_tesseract(batch, runs / "tesseract", jobs=jobs, timeout=timeout))
    ]
    if with_ocrmypdf:
        ocr_out = runs / "ocrmypdf"
        plan.append(
            (
                "OCRmyPDF",
                lambda: run_ocrmypdf(
                    batch, ocr_out, jobs=jobs, venv=OCRMYPDF_VENV, timeout=timeout
                ),
            )
        )
    home = runs / "sohoa-home"
    plan.append(("sohoa", lambda: run_sohoa(batch, home, jobs=jobs, timeout=timeout)))
    for name, run in plan:  # strictly one after the other
        print(f"running {name} (load {os.getloadavg()[0]:.2f}) ...", flush=True)
        result = run()
        results[name] = result
        state = "ok" if result.ok else "FAILED"
        print(
            f"  {name}: {result.wall_s:.1f} s wall, {result.cpu_s:.1f} s CPU, "
            f"{human_bytes(result.out_bytes)} out, {state}",
            flush=True,
        )

    ratio_rows = ratios(results)
    print_report(results, ratio_rows, batch, args.jobs)

    if args.json:
        payload = {
            "command": command,
            "machine": machine,
            "versions": tools,
            "batch": {
                "pages": len(batch.pages),
                "documents": batch.documents,
                "seed": args.seed,
                "input": input_note,
            },
            "jobs": args.jobs,
            "results": {k: v.to_dict() for k, v in results.items()},
            "ratios": ratio_rows,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    if not args.keep:
        shutil.rmtree(runs, ignore_errors=True)
    else:
        print(f"outputs kept under {runs}")
    return 0 if all(r.ok for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
