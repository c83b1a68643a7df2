"""Plain data produced by recognition and consumed by metadata, packaging and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    """One recognised word; box in pixels of the prepared (upright, deskewed) page image."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float = -1.0  # 0..100 from tesseract, -1 when unknown (e.g. text taken from a PDF)

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class TextLine:
    """A line of words in reading order, with its paragraph and block numbers."""

    words: tuple[Word, ...]
    left: int
    top: int
    width: int
    height: int
    block: int = 0
    par: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class OcrResult:
    """Everything one recognition run knows about a page."""

    lines: tuple[TextLine, ...]
    width: int
    height: int
    dpi: float
    engine: str = "tesseract"
    languages: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        """Lines joined by newlines, with a blank line between paragraphs."""
        out: list[str] = []
        previous: tuple[int, int] | None = None
        for line in self.lines:
            key = (line.block, line.par)
            if previous is not None and key != previous:
                out.append("")
            out.append(line.text)
            previous = key
        return "\n".join(out)

    @property
    def mean_conf(self) -> float | None:
        confs = [w.conf for w in self.words if w.conf >= 0]
        return sum(confs) / len(confs) if confs else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "engine": self.engine,
            "languages": self.languages,
            "extra": self.extra,
            "lines": [
                {
                    "box": [ln.left, ln.top, ln.width, ln.height],
                    "block": ln.block,
                    "par": ln.par,
                    "words": [[w.text, w.left, w.top, w.width, w.height, w.conf] for w in ln.words],
                }
                for ln in self.lines
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcrResult:
        lines = tuple(
            TextLine(
                words=tuple(Word(w[0], w[1], w[2], w[3], w[4], w[5]) for w in ln["words"]),
                left=ln["box"][0],
                top=ln["box"][1],
                width=ln["box"][2],
                height=ln["box"][3],
                block=ln.get("block", 0),
                par=ln.get("par", 0),
            )
            for ln in data["lines"]
        )
        return cls(
            lines=lines,
            width=data["width"],
            height=data["height"],
            dpi=data["dpi"],
            engine=data.get("engine", "tesseract"),
            languages=data.get("languages", ""),
            extra=data.get("extra", {}),
        )
