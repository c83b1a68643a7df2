"""A syllable unigram + bigram model of Vietnamese text, with stupid-backoff scores.

Syllables are counted by ``ocr.syllables.key`` (lower case, one tone placement), so ``hoà``
and ``hòa`` pool their counts. Anything that is not a syllable (numbers, symbols, foreign
words) is counted as ``OTHER``; a sentence or clause break (``. , ; : ! ? ( )`` and line ends
in the training text) as ``BREAK``. The shipped counts (``ocr/data/syllables.json.gz``) come
from ``scripts/train_syllables.py``; ``ocr/data/README.md`` names the source texts.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from errors import InputError
from ocr.syllables import key

__all__ = [
    "BREAK",
    "OTHER",
    "SyllableModel",
    "count_text",
    "load_model",
    "model_tokens",
]

BREAK = "<b>"
OTHER = "<x>"
BACKOFF = 0.4  # weight of the unigram score when a bigram was never seen
VALID_SYLLABLES = 8000  # about how many syllables the language writes (unseen-mass floor)
_FORMAT = 1
_PIECE = re.compile(r"[^\W_]+|[.,;:!?()\[\]]|\n")


def model_tokens(text: str) -> Iterator[str]:
    """The model's tokens of a running text: syllable keys, ``OTHER`` and ``BREAK``."""
    for piece in _PIECE.findall(text):
        if piece[0].isalnum():
            yield key(piece) or OTHER
        else:
            yield BREAK


@dataclass
class SyllableModel:
    """Syllable counts and pair counts with stupid-backoff log10 scores."""

    unigrams: dict[str, int]
    bigrams: dict[tuple[str, str], int]
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.total = sum(self.unigrams.values()) or 1
        self._floor = self.total + 0.5 * VALID_SYLLABLES

    def count(self, word: str) -> int:
        """How often ``word`` (a key) was seen."""
        return self.unigrams.get(word, 0)

    def unigram(self, word: str) -> float:
        """log10 probability of ``word`` with add-half smoothing over the syllable set."""
        return math.log10((self.unigrams.get(word, 0) + 0.5) / self._floor)

    def bigram(self, left: str, word: str) -> float:
        """log10 stupid-backoff score of ``word`` after ``left``."""
        pair = self.bigrams.get((left, word), 0)
        if pair:
            return math.log10(pair / self.unigrams[left])
        return math.log10(BACKOFF) + self.unigram(word)

    def to_json(self) -> dict:
        """The model as plain JSON data (``from_json`` reads it back)."""
        return {
            "format": _FORMAT,
            "sources": self.sources,
            "unigrams": dict(sorted(self.unigrams.items(), key=lambda kv: (-kv[1], kv[0]))),
            "bigrams": [[a, b, n] for (a, b), n in sorted(self.bigrams.items())],
        }

    @classmethod
    def from_json(cls, data: dict) -> SyllableModel:
        """Rebuild a model from ``to_json`` data."""
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown syllable model format {data.get('format')!r}")
        return cls(
            unigrams={k: int(v) for k, v in data["unigrams"].items()},
            bigrams={(a, b): int(n) for a, b, n in data["bigrams"]},
            sources=list(data.get("sources", [])),
        )


def count_text(texts: Iterable[str], *, sources: Iterable[str] = ()) -> SyllableModel:
    """Count the syllables and syllable pairs of ``texts`` (each starts after a break)."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for text in texts:
        previous = BREAK
        for token in model_tokens(text):
            unigrams[token] += 1
            if previous != BREAK or token != BREAK:
                bigrams[(previous, token)] += 1
            previous = token
    return SyllableModel(dict(unigrams), dict(bigrams), list(sources))


def save_model(model: SyllableModel, path: Path) -> None:
    """Write ``model`` as gzip-compressed JSON (deterministic bytes)."""
    payload = json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(payload, mtime=0))


def read_model(path: Path) -> SyllableModel:
    """Read a model written by ``save_model``; ``InputError`` names a broken file."""
    try:
        return SyllableModel.from_json(json.loads(gzip.decompress(Path(path).read_bytes())))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{path}: not a syllable model ({exc}); rebuild it with scripts/train_syllables.py.",
            path=Path(path),
        ) from exc


@lru_cache(maxsize=1)
def load_model() -> SyllableModel:
    """The model shipped with the package (loaded once per process)."""
    data = resources.files("ocr").joinpath("data", "syllables.json.gz")
    with resources.as_file(data) as path:
        return read_model(path)
