"""Word error rate of tesseract's reading before and after ``ocr.correct_result``.

Usage: .venv/bin/python bench/correct.py TEXT_FILE [--pages 4] [--cache DIR] [--min-conf N]

Renders the first paragraphs of TEXT_FILE (UTF-8, one paragraph a line) as A4 pages at
``--dpi`` (300) with light degradation (0.4 degree skew, faint ink, blur, grey noise), reads
them with ``ocr.recognise_page`` (deskew + tesseract vie+eng), and prints per page the WER of
the raw reading and of the corrected one against the rendered text, the words changed, how many of
them were right, and the CPU seconds the correction took. Readings are cached as JSON in
``--cache`` (``bench/out/correct``) so that later runs only redo the correction. Prints
figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from textmetrics import normalise, wer

import ocr
from ocr.correct import MIN_CONF
from ocr.syllable_model import read_model
from sohoa.synthetic.degrade import degrade
from sohoa.synthetic.typeset import paragraph_page

_PUNCT = ".,;:!?()[]\"'“”…"


def _pages(text_file: Path, count: int) -> list[str]:
    paragraphs = [p.strip() for p in text_file.read_text(encoding="utf-8").splitlines()]
    paragraphs = [p for p in paragraphs if len(p) > 40]  # body text, not headings or rules
    pages, start = [], 0
    while len(pages) < count and start < len(paragraphs):
        pages.append(paragraphs[start : start + 12])
        start += 12
    return ["\n".join(p) for p in pages]


def _read(
    paragraphs: str, seed: int, cache: Path, *, dpi: int, noise: float
) -> tuple[ocr.OcrResult, str]:
    target = cache / f"page-{seed}-{dpi}-{noise:g}.json"
    if target.exists():
        data = json.loads(target.read_text(encoding="utf-8"))
        return ocr.OcrResult.from_dict(data["result"]), data["truth"]
    image, truth = paragraph_page(paragraphs.split("\n"), dpi=dpi)
    image = degrade(image, angle=0.4, faint=0.35, blur=0.9 * dpi / 300, noise=noise, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pnm"

        def save(img):
            img.save(path, format="PPM")
            return path

        _prepared, result = ocr.recognise_page(image, dpi=dpi, save=save)
    assert result is not None
    target.write_text(
        json.dumps({"result": result.to_dict(), "truth": truth}, ensure_ascii=False),
        encoding="utf-8",
    )
    return result, truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text_file", type=Path)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--cache", type=Path, default=Path("bench/out/correct"))
    parser.add_argument("--min-conf", type=float, default=MIN_CONF)
    parser.add_argument("--dpi", type=int, default=300, help="resolution pages are drawn at")
    parser.add_argument("--noise", type=float, default=14.0, help="grey noise (0-255 sd)")
    parser.add_argument("--model", type=Path, help="a model file (default: the shipped one)")
    parser.add_argument("--show", action="store_true", help="print each change")
    args = parser.parse_args()
    cache = args.cache / args.text_file.stem
    cache.mkdir(parents=True, exist_ok=True)
    model = read_model(args.model) if args.model else ocr.load_model()
    totals = {"before": 0.0, "after": 0.0, "words": 0, "changed": 0, "right": 0, "cpu": 0.0}
    print("page  words  WER raw  WER corrected  changed  right  CPU s")
    for n, paragraphs in enumerate(_pages(args.text_file, args.pages)):
        result, truth = _read(paragraphs, n, cache, dpi=args.dpi, noise=args.noise)
        start = time.process_time()
        fixed = ocr.correct_result(result, model=model, min_conf=args.min_conf)
        cpu = time.process_time() - start
        truth_words = {w.strip(_PUNCT) for w in normalise(truth).split()}
        raw = fixed.extra["correction"]["raw"]
        right = 0
        for li, wi, before in raw:
            after = fixed.lines[li].words[wi].text
            ok = after.strip(_PUNCT) in truth_words and before.strip(_PUNCT) not in truth_words
            right += ok
            if args.show:
                print(f"    {before!r} -> {after!r}{'' if ok else '  (?)'}")
        before, after = wer(result.text, truth), wer(fixed.text, truth)
        words = len(normalise(truth).split())
        print(
            f"{n:4d}  {words:5d}  {before:7.2%}  {after:13.2%}  {len(raw):7d}  {right:5d}  "
            f"{cpu:5.3f}"
        )
        totals["before"] += before * words
        totals["after"] += after * words
        totals["words"] += words
        totals["changed"] += len(raw)
        totals["right"] += right
        totals["cpu"] += cpu
    pages = max(1, min(args.pages, len(_pages(args.text_file, args.pages))))
    w = max(1, totals["words"])
    print(
        f"all   {w:5d}  {totals['before'] / w:7.2%}  {totals['after'] / w:13.2%}  "
        f"{totals['changed']:7d}  {totals['right']:5d}  {totals['cpu'] / pages:5.3f} per page"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
