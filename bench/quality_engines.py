"""The readers bench/ocr_quality.py compares, each turning a page image into text and CPU.

- :class:`Tesseract`: the plain ``tesseract IMAGE OUT -l LANGS --dpi N`` (optionally with
  ``--tessdata-dir DIR``, to compare models), ``OMP_THREAD_LIMIT=1``.
- :class:`OcrMyPdf`: OCRmyPDF from its own venv on the image, text from ``--sidecar``.
- :class:`Sohoa`: sohoa's recognition as the recognise stage runs it, in this process, with
  settings overrides (a *variant*): the page loaded by ``ingest.sources.load_page``, then
  ``ocr.recognise_page`` with every keyword of it that names a ``Settings`` field taken from
  the settings (today languages, timeouts, thresholding; a new keyword such as a cleaning
  setting flows through by itself), then ``ocr.correct_result`` when ``correct`` is on.

CPU is user + system time of the reader and of the children it waited for (tesseract,
Ghostscript, unpaper), per page.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import resource
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import run_measured
from PIL import Image

import ocr
from ingest.sources import load_page
from sohoa.config import Settings, load_settings

LANGS = "vie+eng"
TIMEOUT = 300.0


@dataclass(frozen=True)
class Reading:
    """What a reader made of a page: text, CPU seconds, and a note when it failed."""

    text: str
    cpu_s: float
    ok: bool = True
    note: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # CPU of each step, when known


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Tesseract:
    """Plain tesseract on the scan, with Debian's models or a given tessdata folder."""

    def __init__(self, name: str, languages: str = LANGS, tessdata: Path | None = None) -> None:
        self.name, self.languages, self.tessdata = name, languages, tessdata

    @property
    def key(self) -> str:
        return f"tesseract -l {self.languages} --tessdata-dir {self.tessdata or '(debian)'}"

    def read(self, image: Path, dpi: int, work: Path) -> Reading:
        out = work / "tess"
        cmd: list[str | os.PathLike[str]] = ["tesseract", image, out, "-l", self.languages]
        cmd += ["--dpi", str(dpi), "--psm", "3"]
        if self.tessdata is not None:
            cmd += ["--tessdata-dir", self.tessdata]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        m = run_measured(cmd, env=env, stderr=work / "tess.err", timeout=TIMEOUT)
        txt = out.with_suffix(".txt")
        if not m.ok or not txt.exists():
            err = (work / "tess.err").read_text(errors="replace")[-300:]
            return Reading("", m.cpu_s, ok=False, note=f"rc {m.returncode}: {err}")
        return Reading(txt.read_text(encoding="utf-8"), m.cpu_s)


class OcrMyPdf:
    """OCRmyPDF on the image (``--clean`` only when unpaper is installed), sidecar text."""

    def __init__(self, venv: Path, name: str = "ocrmypdf", languages: str = LANGS) -> None:
        self.venv, self.name, self.languages = venv, name, languages
        self.flags = ["--rotate-pages", "--deskew"]
        if shutil.which("unpaper"):
            self.flags.append("--clean")

    @property
    def key(self) -> str:
        return f"ocrmypdf {' '.join(self.flags)} -l {self.languages} --output-type pdf"

    def command(self, image: Path, dpi: int, work: Path) -> list[str | os.PathLike[str]]:
        """The OCRmyPDF command line for one image."""
        return [
            self.venv / "bin" / "ocrmypdf",
            *self.flags,
            "-l",
            self.languages,
            "--image-dpi",
            str(dpi),
            "--output-type",
            "pdf",
            "--optimize",
            "0",
            "--jobs",
            "1",
            "--sidecar",
            work / "sidecar.txt",
            image,
            work / "out.pdf",
        ]

    def read(self, image: Path, dpi: int, work: Path) -> Reading:
        env = {
            **os.environ,
            "OMP_THREAD_LIMIT": "1",
            "PATH": f"{self.venv / 'bin'}:{os.environ.get('PATH', '')}",
        }
        src = image
        with Image.open(image) as img:  # OCRmyPDF refuses multi-frame and alpha images
            if img.mode not in ("1", "L", "RGB"):
                src = work / "input.png"
                img.convert("RGB").save(src, dpi=(dpi, dpi))
        log = work / "ocrmypdf.log"
        m = run_measured(self.command(src, dpi, work), env=env, stderr=log, timeout=TIMEOUT)
        side = work / "sidecar.txt"
        if not m.ok or not side.exists():
            tail = log.read_text(errors="replace")[-300:] if log.exists() else ""
            return Reading("", m.cpu_s, ok=False, note=f"rc {m.returncode}: {tail}")
        return Reading(side.read_text(encoding="utf-8"), m.cpu_s)


def parse_overrides(text: str) -> dict[str, str]:
    """``KEY=VALUE,KEY=VALUE`` as a dict of Settings field names; a piece without ``=``
    continues the previous value (``SOHOA_CLEAN=border,flatten`` keeps its comma).

    Keys may be field names or ``SOHOA_`` variables; unknown keys raise ``ValueError``.
    """
    out: dict[str, str] = {}
    last = None
    for piece in (p for p in text.split(",") if p):
        if "=" not in piece:
            if last is None:
                raise ValueError(f"expected KEY=VALUE in {text!r}")
            out[last] += "," + piece
            continue
        key, value = piece.split("=", 1)
        key = key.strip().lower().removeprefix("sohoa_")
        if key not in Settings.model_fields:
            raise ValueError(f"unknown setting {key!r} (expected a field of sohoa.config)")
        out[key], last = value.strip(), key
    return out


def recognise_kwargs(settings: Settings) -> dict[str, Any]:
    """The keywords of ``ocr.recognise_page`` that sohoa takes from its settings."""
    params = inspect.signature(ocr.recognise_page).parameters
    skip = {"image", "dpi", "save", "clean"}
    kwargs = {
        n: getattr(settings, n) for n in params if n not in skip and n in Settings.model_fields
    }
    if "clean" in params:  # the setting is a word ("auto"); the stage takes the steps
        kwargs["clean"] = settings.clean_steps
    if "tessdata" in params:  # empty setting: the system's models
        kwargs["tessdata"] = settings.tessdata or None
    return kwargs


class Sohoa:
    """sohoa's recognise stage on one image with settings ``overrides`` (a variant).

    Readings are kept per set of recognition keywords, so variants that differ only in
    ``correct`` share one recognition (its CPU counted in each) and time the correction.
    """

    def __init__(self, name: str, overrides: dict[str, str] | None = None) -> None:
        self.name, self.overrides = name, dict(overrides or {})
        self.settings = load_settings(**self.overrides)
        self._shared: dict[tuple[str, str], tuple[ocr.OcrResult | None, float]] = {}
        ocr.load_model()  # loaded once per process: not charged to the first page

    @property
    def recognition_key(self) -> str:
        kwargs = recognise_kwargs(self.settings)
        return json.dumps({k: str(v) for k, v in sorted(kwargs.items())})

    @property
    def key(self) -> str:
        return f"sohoa {self.recognition_key} correct={self.settings.correct}"

    def read(self, image: Path, dpi: int, work: Path, shared: dict | None = None) -> Reading:
        s = self.settings
        memo = self._shared if shared is None else shared
        token = (self.recognition_key, f"{image}:{image.stat().st_mtime_ns}")
        start = _cpu()
        if token in memo:
            result, recog_cpu = memo[token]
        else:
            loaded = load_page(image, 0, kind="image", max_pixels=s.max_pixels, default_dpi=dpi)
            target = work / "page.pnm"

            def save(img: Image.Image) -> Path:
                img.save(target, format="PPM")
                return target

            _prepared, result = ocr.recognise_page(
                loaded.image, dpi=loaded.dpi, save=save, **recognise_kwargs(s)
            )
            recog_cpu = _cpu() - start
            memo[token] = (result, recog_cpu)
        steps = {"recognise": recog_cpu}
        if result is not None and s.correct:
            t0 = _cpu()
            result = ocr.correct_result(result)
            steps["correct"] = _cpu() - t0
        text = result.text if result is not None else ""
        return Reading(text, sum(steps.values()), steps=steps)


def cache_name(key: str) -> str:
    """A short file-system name for a reader's configuration."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def read_cached(reader: Any, page: Any, cache: Path, shared: dict) -> Reading:
    """``reader.read`` on ``page``, kept as JSON under ``cache`` (per reader key and page)."""
    folder = cache / cache_name(reader.key)
    target = folder / f"{page.name}.json"
    if target.exists():
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("image_mtime") == page.image.stat().st_mtime_ns:
            return Reading(**data["reading"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ocrq-") as tmp:
        if isinstance(reader, Sohoa):
            reading = reader.read(page.image, page.dpi, Path(tmp), shared)
        else:
            reading = reader.read(page.image, page.dpi, Path(tmp))
    payload = {
        "key": reader.key,
        "image_mtime": page.image.stat().st_mtime_ns,
        "reading": reading.__dict__,
    }
    tmp_file = target.with_name(f".tmp-{target.name}")
    tmp_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp_file, target)
    return reading
