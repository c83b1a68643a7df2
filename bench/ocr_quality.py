"""OCR quality on degraded paper: plain tesseract, OCRmyPDF and sohoa on the same pages.

Usage (from the repository root):

    .venv/bin/python bench/ocr_quality.py [--quick] [--real DIR] [--json OUT]
        [--variant NAME:KEY=VALUE,...] [--model NAME=TESSDATA_DIR] [--skip-ocrmypdf]
        [--only DEGRADATION,...] [--out bench/out/ocr_quality]

Corpus (``bench/quality_corpus.py``): the held-out statute ``bench/data/`` printed by
``sohoa.synthetic.paper`` with each degradation at each severity, plus clean pages, cached
under ``--out``; ``--real DIR`` adds the scans of DIR that have a transcription (exact ones
in ``bench/real_truth``, or one beside the scan).

Readers, each on every page (``bench/quality_engines.py``): ``tesseract`` (Debian's models,
``-l vie+eng``); ``ocrmypdf`` (``--rotate-pages --deskew`` and ``--clean`` when unpaper is
installed, from the venv bench/pipeline.py builds); sohoa variants: ``sohoa`` (the default
settings), ``sohoa-nocorrect`` (``correct=false``) and every ``--variant NAME:KEY=VALUE,...``
(settings overrides; a piece without ``=`` continues the previous value, so
``clean:SOHOA_CLEAN=border,flatten`` works); per ``--model NAME=DIR`` plain tesseract with
``--tessdata-dir DIR``, as ``vie`` alone and as ``vie+eng`` (and Debian's ``vie`` alone as
``tesseract:vie``).

Prints CER and WER (NFC; with marks and folded without them) per degradation and severity,
per dpi, their medians, the CPU seconds per page of each reader (and of sohoa's steps), and
the targets of the "real paper" issue as PASS/FAIL lines. Readings are cached per reader
configuration and page, so a second run only reads what is new. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# The repository first: bench/metadata.py must not shadow the metadata package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import REPO, format_table, machine_info, tool_version
from quality_corpus import CORPUS_VERSION, HELD_OUT, Page, build, real_pages, specs
from quality_engines import OcrMyPdf, Sohoa, Tesseract, parse_overrides, read_cached
from textmetrics import scores

OCRMYPDF_VENV = REPO / "bench" / "out" / "ocrmypdf-venv"
METRICS = ("cer", "cer_nomarks", "wer", "wer_nomarks")
#: The sohoa variant the targets are judged on, and the one clean pages are compared with.
BASELINE = "sohoa"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus (minutes)")
    parser.add_argument("--real", type=Path, help="folder of scans with transcriptions")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "ocr_quality")
    parser.add_argument(
        "--variant", action="append", default=[], help="NAME:KEY=VALUE,... sohoa variant"
    )
    parser.add_argument(
        "--model", action="append", default=[], help="NAME=TESSDATA_DIR tesseract model"
    )
    parser.add_argument("--skip-ocrmypdf", action="store_true")
    parser.add_argument("--only", help="comma-separated degradations (and/or clean) to run")
    return parser.parse_args(argv)


def readers(args: argparse.Namespace) -> list[Any]:
    """The readers to compare, in column order."""
    out: list[Any] = [Tesseract("tesseract")]
    if not args.skip_ocrmypdf:
        if not (OCRMYPDF_VENV / "bin" / "ocrmypdf").exists():
            from pipeline import ensure_ocrmypdf

            ensure_ocrmypdf(OCRMYPDF_VENV)
        out.append(OcrMyPdf(OCRMYPDF_VENV))
    out += [Sohoa(BASELINE), Sohoa("sohoa-nocorrect", {"correct": "false"})]
    for text in args.variant:
        name, _, overrides = text.partition(":")
        out.append(Sohoa(name, parse_overrides(overrides)))
    if args.model:  # Debian's vie alone; Debian's vie+eng is the "tesseract" column
        out.append(Tesseract("tesseract:vie", "vie"))
    for text in args.model:
        name, _, folder = text.partition("=")
        for langs in ("vie", "vie+eng"):
            out.append(Tesseract(f"{name}:{langs}", langs, Path(folder)))
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def evaluate(pages: list[Page], rdrs: list[Any], cache: Path) -> list[dict[str, Any]]:
    """Every reader on every page: one row per (page, reader) with scores and CPU."""
    rows = []
    shared: dict = {}
    for n, page in enumerate(pages, start=1):
        for reader in rdrs:
            reading = read_cached(reader, page, cache, shared)
            row = {
                "page": page.name,
                "degradation": page.spec.degradation,
                "severity": page.spec.severity,
                "dpi": page.dpi,
                "face": page.spec.face,
                "reader": reader.name,
                "ok": reading.ok,
                "cpu_s": reading.cpu_s,
                "steps": reading.steps,
                **scores(reading.text, page.truth),
            }
            if not reading.ok:
                row["note"] = reading.note
            rows.append(row)
        print(f"  [{n}/{len(pages)}] {page.name}", file=sys.stderr, flush=True)
    return rows


def grouped(rows: list[dict], key: Any, metric: str) -> dict[Any, dict[str, float | None]]:
    """Median ``metric`` per group (``key(row)``) and reader."""
    values: dict[Any, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        values[key(row)][row["reader"]].append(row[metric])
    return {g: {r: _median(v) for r, v in by.items()} for g, by in values.items()}


def table(rows: list[dict], names: list[str], key: Any, metric: str, label: str) -> str:
    groups = grouped(rows, key, metric)
    body = [[g, *(_pct(groups[g].get(n)) for n in names)] for g in groups]
    return format_table([label, *names], body)


def summary(rows: list[dict], names: list[str]) -> str:
    body = []
    for name in names:
        mine = [r for r in rows if r["reader"] == name]
        cells: list[object] = [name]
        cells += [_pct(_median([r[m] for r in mine])) for m in METRICS]
        cells.append(f"{statistics.mean(r['cpu_s'] for r in mine):.2f}" if mine else "-")
        cells.append(sum(1 for r in mine if not r["ok"]))
        body.append(cells)
    return format_table(["reader", *(f"{m} %" for m in METRICS), "CPU s/page", "failed"], body)


def step_cpu(rows: list[dict], names: list[str]) -> str:
    body = []
    for name in names:
        steps: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            if r["reader"] == name:
                for step, cpu in r["steps"].items():
                    steps[step].append(cpu)
        for step, cpus in steps.items():
            body.append([name, step, f"{statistics.mean(cpus):.3f}"])
    return format_table(["reader", "step", "CPU s/page"], body)


def targets(
    synthetic: list[dict], real: list[dict], names: list[str], sohoas: list[str]
) -> list[str]:
    """The issue's targets as PASS/FAIL lines, for each sohoa variant.

    "Clean pages no worse than today" is judged for the ``--variant`` variants (page
    preparation steps) against :data:`BASELINE`.
    """
    lines = []
    added = [n for n in sohoas if n not in (BASELINE, "sohoa-nocorrect")]

    def med(rows: list[dict], reader: str) -> float | None:
        return _median([r["cer"] for r in rows if r["reader"] == reader])

    def verdict(ok: bool | None) -> str:
        return "n/a " if ok is None else ("PASS" if ok else "FAIL")

    degraded = [r for r in synthetic if r["degradation"] != "clean"]
    medium = [r for r in degraded if r["severity"] == "medium"]
    clean = [r for r in synthetic if r["degradation"] == "clean"]
    omp = med(degraded, "ocrmypdf")
    for name in sohoas:
        mine = med(degraded, name)
        ok = None if mine is None or omp is None else mine <= 0.7 * omp
        lines.append(
            f"{verdict(ok)} {name}: degraded median CER {_pct(mine)}% <= 0.7 x OCRmyPDF's "
            f"{_pct(omp)}% (= {_pct(None if omp is None else 0.7 * omp)}%)"
        )
        mid = med(medium, name)
        ok = None if mid is None else mid <= 0.03
        lines.append(f"{verdict(ok)} {name}: medium-severity median CER {_pct(mid)}% <= 3%")
        if real:
            files = sorted({r["page"] for r in real})
            worse = []
            for f in files:
                c = {r["reader"]: r["cer"] for r in real if r["page"] == f}
                if name in c and "ocrmypdf" in c and not c[name] < c["ocrmypdf"]:
                    worse.append(f"{f} {_pct(c[name])}% vs {_pct(c['ocrmypdf'])}%")
            ok = None if "ocrmypdf" not in names else not worse
            lines.append(
                f"{verdict(ok)} {name}: real scans, CER below OCRmyPDF's on every file"
                + (f" (not on: {'; '.join(worse)})" if worse else f" ({len(files)} files)")
            )
        if name in added:
            base, mine_clean = _mean_cer(clean, BASELINE), _mean_cer(clean, name)
            ok = None if base is None or mine_clean is None else mine_clean <= base + 0.001
            lines.append(
                f"{verdict(ok)} {name}: clean pages mean CER {_pct(mine_clean)}% <= "
                f"{BASELINE}'s {_pct(base)}% + 0.1 pp"
            )
        tess = _mean_cpu(synthetic, "tesseract")
        cpu = _mean_cpu(synthetic, name)
        ok = None if tess is None or cpu is None else cpu <= 1.3 * tess
        lines.append(
            f"{verdict(ok)} {name}: CPU/page {cpu or 0:.2f} s <= 1.3 x plain tesseract's "
            f"{tess or 0:.2f} s (here per page read; bench/pipeline.py measures the pipeline)"
        )
    return lines


def _mean_cer(rows: list[dict], reader: str) -> float | None:
    values = [r["cer"] for r in rows if r["reader"] == reader]
    return statistics.mean(values) if values else None


def _mean_cpu(rows: list[dict], reader: str) -> float | None:
    values = [r["cpu_s"] for r in rows if r["reader"] == reader]
    return statistics.mean(values) if values else None


def report(
    synthetic: list[dict], real: list[dict], names: list[str], sohoas: list[str]
) -> list[str]:
    """The printed report: tables and target lines."""
    out = []
    sev = lambda r: f"{r['degradation']}/{r['severity']}"  # noqa: E731
    for metric in METRICS:
        out += [f"\n{metric} % (median) per degradation/severity", ""]
        out.append(table(synthetic, names, sev, metric, "degradation/severity"))
    for metric in ("cer", "wer"):
        out += [f"\n{metric} % (median) per dpi", ""]
        out.append(table(synthetic, names, lambda r: f"{r['dpi']} dpi", metric, "dpi"))
    degraded = [r for r in synthetic if r["degradation"] != "clean"]
    for metric in ("cer", "wer"):
        out += [f"\n{metric} % (median) per severity, degraded pages", ""]
        out.append(table(degraded, names, lambda r: r["severity"], metric, "severity"))
    out += ["\n" + "cer % (median) per face", ""]
    out.append(table(synthetic, names, lambda r: r["face"], "cer", "face"))
    out += ["\nmedians over the degraded pages (clean pages excluded)", ""]
    out.append(summary(degraded, names))
    out += ["\nmedians over the clean pages", ""]
    out.append(summary([r for r in synthetic if r["degradation"] == "clean"], names))
    if real:
        for metric in METRICS:
            out += [f"\nreal scans: {metric} %", ""]
            out.append(table(real, names, lambda r: r["page"], metric, "file"))
    out += ["\nCPU seconds per page of sohoa's steps (synthetic pages)", ""]
    out.append(step_cpu(synthetic, sohoas))
    out += ["\ntargets", ""]
    out += targets(synthetic, real, names, sohoas)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rdrs = readers(args)
    names = [r.name for r in rdrs]
    corpus = args.out / "corpus" / CORPUS_VERSION
    page_specs = specs(quick=args.quick)
    if args.only:
        keep = set(args.only.split(","))
        page_specs = [s for s in page_specs if s.degradation in keep]
    print(f"building {len(page_specs)} pages under {corpus}", file=sys.stderr)
    pages = [build(s, corpus) for s in page_specs]
    cache = args.out / "readings"
    print(f"reading with {', '.join(names)}", file=sys.stderr)
    synthetic = evaluate(pages, rdrs, cache)
    real_work = args.out / "corpus" / "real"
    real = evaluate(real_pages(args.real, real_work), rdrs, cache) if args.real else []
    info = {
        "machine": machine_info(),
        "tesseract": tool_version(["tesseract", "--version"]),
        "readers": {r.name: r.key for r in rdrs},
        "corpus": {"version": CORPUS_VERSION, "text": str(HELD_OUT.relative_to(REPO))},
        "pages": len(pages),
        "quick": args.quick,
    }
    print(json.dumps(info, ensure_ascii=False, indent=1))
    sohoas = [r.name for r in rdrs if isinstance(r, Sohoa)]
    lines = report(synthetic, real, names, sohoas)
    print("\n".join(lines))
    if args.json:
        verdicts = [ln for ln in lines if ln[:4] in ("PASS", "FAIL", "n/a ")]
        payload = {**info, "synthetic": synthetic, "real": real, "targets": verdicts}
        tmp = args.json.with_name(f".tmp-{args.json.name}")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
