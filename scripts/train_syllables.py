"""Train the syllable model shipped in ocr/data/syllables.json.gz from the texts in ocr/data/corpus.

Usage: .venv/bin/python scripts/train_syllables.py [--out PATH] [TEXT ...]

Without TEXT arguments it reads every ``*.txt`` under ``ocr/data/corpus`` (Vietnamese
statutes; see ``ocr/data/README.md`` for their source and licence). Each paragraph (line) is
counted as a text of its own, so no pair is counted across a paragraph break.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ocr.syllable_model import count_text, save_model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "ocr" / "data" / "corpus"
OUT = ROOT / "ocr" / "data" / "syllables.json.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", type=Path, help="UTF-8 text files to train on")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the model")
    args = parser.parse_args(argv)
    paths = args.texts or sorted(CORPUS.glob("*.txt"))
    if not paths:
        print(f"no training texts found in {CORPUS}", file=sys.stderr)
        return 2
    paragraphs: list[str] = []
    for path in paths:
        paragraphs += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    model = count_text(paragraphs, sources=[p.name for p in paths])
    save_model(model, args.out)
    print(
        f"{args.out}: {len(model.unigrams)} syllables, {len(model.bigrams)} pairs, "
        f"{model.total} tokens from {len(paths)} texts ({args.out.stat().st_size} bytes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
