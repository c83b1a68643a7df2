"""The one module that runs tesseract.

Every call goes through pytesseract with a timeout and with ``OMP_THREAD_LIMIT=1``, so one page
uses one core and the workers run pages in parallel. Failures become sohoa's typed errors:

- ``ToolTimeoutError``: tesseract ran longer than the timeout (it is killed);
- ``ToolMissingError``: tesseract, or a requested language's traineddata, is not installed;
- ``InputError`` (``UnsupportedFormatError`` for a file that is not an image,
  ``CorruptFileError``, ``EmptyFileError``): the image file cannot be read;
- ``ToolError``: any other tesseract failure.

Every call takes an optional ``tessdata`` folder (``--tessdata-dir``), e.g. the one
``scripts/fetch_model.py`` fills. When that folder is missing or lacks a requested language
(or ``osd`` for orientation detection), tesseract's own data (Debian's packages) is used
instead and a warning is logged once per folder and language set. Each reading records the
folder and a hash of each model file in ``extra["model"]``, so a page says which model read it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytesseract
from PIL import Image, UnidentifiedImageError

from errors import (
    CorruptFileError,
    EmptyFileError,
    ImageTooLargeError,
    InputError,
    ToolError,
    ToolMissingError,
    ToolTimeoutError,
    UnsupportedFormatError,
)
from ocr.types import OcrResult, TextLine, Word

log = logging.getLogger(__name__)

#: Resolution of the copy that orientation detection looks at: reliable and about 3x faster
#: than full 300 dpi; at 100 dpi OSD starts giving confident wrong answers on 13 pt text.
OSD_DPI = 150.0
#: Long side, in pixels, of that copy when the image's dpi is unknown (150 dpi on A4).
OSD_LONG_SIDE = 1750
#: OSD orientation confidence below which the page is left as it is. Right answers on
#: synthetic pages, even one paragraph, score >= 10; wrong ones (at too low a resolution) 1.5-2.2.
OSD_MIN_CONFIDENCE = 2.0

_VERSION_TIMEOUT = 30.0


def _ensure_single_thread() -> None:
    # pytesseract passes os.environ to the tesseract process.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _tesseract_info(flag: str, tessdata: str | None = None) -> subprocess.CompletedProcess:
    """Run ``tesseract [--tessdata-dir DIR] FLAG`` (``--version``, ``--list-langs``)."""
    args = [pytesseract.pytesseract.tesseract_cmd]
    if tessdata:
        args += ["--tessdata-dir", tessdata]
    try:
        return subprocess.run(
            [*args, flag],
            capture_output=True,
            timeout=_VERSION_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolMissingError(
            "tesseract is not installed or not on PATH: install tesseract-ocr."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeoutError(f"'tesseract {flag}' did not answer in time.") from exc


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """Return the installed tesseract's version, e.g. ``"5.3.0"``."""
    proc = _tesseract_info("--version")
    output = (proc.stdout or proc.stderr).decode("utf-8", "replace").strip()
    first = output.splitlines()[0] if output else ""
    parts = first.split()
    if proc.returncode != 0 or len(parts) < 2:
        raise ToolError(f"'tesseract --version' failed: {output[:200]!r}.")
    return parts[1].lstrip("v")


@lru_cache(maxsize=8)
def _list_languages(tessdata: str | None) -> tuple[str, frozenset[str]]:
    """The folder tesseract reads its data from and the languages it finds there."""
    proc = _tesseract_info("--list-langs", tessdata)
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    lines = text.splitlines()
    first = lines[0] if lines else ""
    folder = first.split('"')[1] if first.count('"') >= 2 else (tessdata or "")
    langs = [ln.strip() for ln in lines[1:] if ln.strip()]
    return folder, frozenset(langs)


def _installed_languages(tessdata: str | None = None) -> frozenset[str]:
    return _list_languages(tessdata)[1]


def _check_languages(languages: str, tessdata: str | None = None) -> None:
    wanted = [lang for lang in languages.split("+") if lang]
    if not wanted:
        raise ToolMissingError("no tesseract language was given: pass e.g. 'vie+eng'.")
    installed = _installed_languages(tessdata)
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        raise ToolMissingError(
            f"tesseract language(s) {', '.join(missing)} not installed "
            f"(installed: {', '.join(sorted(installed)) or 'none'}): "
            f"install tesseract-ocr-{missing[0]} or choose another language."
        )


_warned: set[tuple[str, str]] = set()


def resolve_tessdata(tessdata: str | Path | None, languages: str) -> str | None:
    """The folder to pass as ``--tessdata-dir`` for ``languages``, or None for tesseract's own.

    A folder that is missing or lacks one of the languages gives None, with a warning logged
    once per folder and language set: the page is then read with the system's models.
    """
    if tessdata is None or str(tessdata) == "":
        return None
    folder = str(Path(tessdata).expanduser().resolve())
    wanted = [lang for lang in languages.split("+") if lang]
    if not Path(folder).is_dir():
        problem = "does not exist"
    else:
        missing = [lang for lang in wanted if lang not in _installed_languages(folder)]
        if not missing:
            return folder
        problem = f"has no {', '.join(missing)} model"
    key = (folder, languages)
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "tessdata folder %s %s: reading %s with the system's tesseract data instead "
            "(run scripts/fetch_model.py, or unset SOHOA_TESSDATA)",
            folder,
            problem,
            languages,
        )
    return None


@lru_cache(maxsize=32)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def model_info(languages: str, tessdata: str | None = None) -> dict[str, str]:
    """The tessdata folder used and the SHA-256 prefix of each language's traineddata."""
    folder = _list_languages(tessdata)[0] if tessdata is None else tessdata
    info = {"tessdata": folder or "system"}
    for lang in (lang for lang in languages.split("+") if lang):
        path = Path(folder) / f"{lang}.traineddata"
        try:
            stat = path.stat()
            info[lang] = "sha256:" + _file_digest(str(path), stat.st_mtime_ns, stat.st_size)
        except OSError:
            info[lang] = "unknown"
    return info


def _tessdata_option(folder: str | None) -> str:
    return f" --tessdata-dir {shlex.quote(folder)}" if folder else ""


def _run(kind: str, image_path: Path, call: Callable[[], str], *, timeout: float) -> str:
    """Run one pytesseract call and translate its failures."""
    _ensure_single_thread()
    try:
        return call()
    except pytesseract.TesseractNotFoundError as exc:
        raise ToolMissingError(
            "tesseract is not installed or not on PATH: install tesseract-ocr."
        ) from exc
    except RuntimeError as exc:
        # pytesseract raises a bare RuntimeError on timeout; TesseractError subclasses it.
        if isinstance(exc, pytesseract.TesseractError):
            message = str(exc.message or "")
            lowered = message.lower()
            if (
                "cannot be read" in lowered
                or "unknown format" in lowered
                or ("no pix returned" in lowered)
            ):
                raise CorruptFileError(
                    f"{image_path.name}: tesseract cannot read this image ({message[:160]}); "
                    "check the file is a valid image.",
                    path=image_path,
                ) from exc
            if "failed loading language" in lowered:
                raise ToolMissingError(
                    f"tesseract could not load its language data ({message[:160]}); "
                    "reinstall the tesseract language packages.",
                    path=image_path,
                ) from exc
            raise ToolError(
                f"tesseract {kind} failed on {image_path.name} (exit {exc.status}): "
                f"{message[:200]}; retry, or check the image.",
                path=image_path,
            ) from exc
        if "timeout" in str(exc).lower():
            raise ToolTimeoutError(
                f"tesseract {kind} on {image_path.name} took longer than {timeout:g} s and was "
                "stopped; retry with a longer timeout or check the image.",
                path=image_path,
            ) from exc
        raise


def _check_input(image_path: Path) -> tuple[int, int]:
    """Make sure the file is an image before tesseract sees it; return its size.

    Tesseract treats a file that is not an image as a list of image paths, so a text file
    must never reach it. Only the header is read here.
    """
    if not image_path.is_file():
        raise InputError(f"{image_path}: image file not found; check the path.", path=image_path)
    if image_path.stat().st_size == 0:
        raise EmptyFileError(f"{image_path}: the image file is empty; rescan it.", path=image_path)
    try:
        with Image.open(image_path) as img:
            return img.size
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(
            f"{image_path}: the image has too many pixels to process safely ({exc}); "
            "rescan it at a lower resolution.",
            path=image_path,
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedFormatError(
            f"{image_path}: not an image file tesseract can read; convert it to TIFF or PNG.",
            path=image_path,
        ) from exc
    except OSError as exc:
        raise CorruptFileError(
            f"{image_path}: the image cannot be opened ({exc}); check or rescan the file.",
            path=image_path,
        ) from exc


def _parse_tsv(tsv: str) -> tuple[list[TextLine], int, int]:
    """Build lines from tesseract TSV (levels: 1 page, 2 block, 3 par, 4 line, 5 word)."""
    rows = tsv.splitlines()
    if not rows:
        return [], 0, 0
    header = rows[0].split("\t")
    col = {name: i for i, name in enumerate(header)}
    needed = ("level", "block_num", "par_num", "line_num", "left", "top", "width", "height")
    if any(name not in col for name in (*needed, "conf", "text")):
        raise ToolError(f"tesseract returned TSV with an unexpected header: {rows[0][:200]!r}.")
    width = height = 0
    line_boxes: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}
    line_words: dict[tuple[int, int, int], list[Word]] = {}
    order: list[tuple[int, int, int]] = []
    text_i = col["text"]
    for row in rows[1:]:
        cells = row.split("\t")
        if len(cells) < text_i:
            continue
        if len(cells) == text_i:
            cells.append("")
        try:
            level = int(cells[col["level"]])
            key = (
                int(cells[col["block_num"]]),
                int(cells[col["par_num"]]),
                int(cells[col["line_num"]]),
            )
            box = (
                int(cells[col["left"]]),
                int(cells[col["top"]]),
                int(cells[col["width"]]),
                int(cells[col["height"]]),
            )
        except ValueError:
            continue
        if level == 1:
            width, height = box[2], box[3]
        elif level == 4:
            line_boxes[key] = box
        elif level == 5:
            text = cells[text_i].strip()
            if not text:
                continue
            try:
                conf = float(cells[col["conf"]])
            except ValueError:
                conf = -1.0
            if key not in line_words:
                line_words[key] = []
                order.append(key)
            line_words[key].append(Word(text, *box, conf=conf))
    lines: list[TextLine] = []
    for key in order:
        words = line_words[key]
        if key in line_boxes:
            left, top, w, h = line_boxes[key]
        else:
            left = min(wd.left for wd in words)
            top = min(wd.top for wd in words)
            w = max(wd.right for wd in words) - left
            h = max(wd.bottom for wd in words) - top
        lines.append(TextLine(tuple(words), left, top, w, h, block=key[0], par=key[1]))
    return lines, width, height


def run_ocr(
    image_path: Path,
    *,
    languages: str = "vie+eng",
    dpi: int = 300,
    timeout: float = 300,
    psm: int = 3,
    thresholding: int | None = None,
    tessdata: str | Path | None = None,
) -> OcrResult:
    """Recognise one page image file with a single tesseract run.

    ``thresholding`` selects tesseract's ``thresholding_method`` (0 Otsu, 1 LeptonicaOtsu,
    2 Sauvola); ``None`` keeps tesseract's default. ``tessdata`` is a folder of models to use
    (see :func:`resolve_tessdata`). Word boxes are in pixels of the file.
    """
    image_path = Path(image_path)
    file_size = _check_input(image_path)
    folder = resolve_tessdata(tessdata, languages)
    _check_languages(languages, folder)
    config = f"--psm {int(psm)} --dpi {int(dpi)}" + _tessdata_option(folder)
    if thresholding is not None:
        config += f" -c thresholding_method={int(thresholding)}"
    tsv = _run(
        "OCR",
        image_path,
        lambda: pytesseract.image_to_data(
            str(image_path),
            lang=languages,
            config=config,
            timeout=timeout,
            output_type=pytesseract.Output.STRING,
        ),
        timeout=timeout,
    )
    lines, width, height = _parse_tsv(tsv)
    if not width or not height:
        width, height = file_size
    log.debug("%s: %d lines recognised", image_path.name, len(lines))
    return OcrResult(
        lines=tuple(lines),
        width=width,
        height=height,
        dpi=float(dpi),
        engine=f"tesseract {tesseract_version()}",
        languages=languages,
        extra={
            "psm": psm,
            "thresholding": thresholding,
            "model": model_info(languages, folder),
        },
    )


def _osd_copy(image: Image.Image, dpi: float | None) -> tuple[Image.Image, float]:
    """A greyscale copy at about ``OSD_DPI`` (or ``OSD_LONG_SIDE`` when the dpi is unknown).

    Returns the copy and its scale relative to ``image``; images are never enlarged.
    """
    gray = image if image.mode == "L" else image.convert("L")
    if dpi:
        scale = OSD_DPI / dpi
    else:
        scale = OSD_LONG_SIDE / max(gray.size)
    if scale >= 1.0:
        return gray, 1.0
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    return gray.resize(size, Image.Resampling.BOX), scale


def detect_orientation(
    image: Image.Image,
    *,
    timeout: float = 60,
    dpi: float | None = None,
    tessdata: str | Path | None = None,
) -> tuple[int, float]:
    """Tesseract OSD on a downscaled copy of ``image``.

    Returns ``(degrees, confidence)``: how many degrees to rotate the page clockwise to make it
    upright (0, 90, 180 or 270), and tesseract's orientation confidence. Pages with too little
    text, or whose confidence is below ``OSD_MIN_CONFIDENCE``, give ``(0, confidence)``.
    ``dpi`` is the resolution of ``image`` (default: ``image.info["dpi"]``; when unknown the
    copy's long side is ``OSD_LONG_SIDE`` pixels). ``tessdata``: a folder holding ``osd``.
    """
    folder = resolve_tessdata(tessdata, "osd")
    if dpi is None:
        info_dpi = image.info.get("dpi")
        dpi = float(info_dpi[0]) if info_dpi and info_dpi[0] and info_dpi[0] > 1 else None
    small, scale = _osd_copy(image, dpi)
    small_dpi = max(70, round((dpi or 300.0) * scale))
    with tempfile.TemporaryDirectory(prefix="sohoa-osd-") as tmp:
        # Uncompressed TIFF: as quick to write as PGM, and it carries the resolution.
        path = Path(tmp) / "page.tif"
        small.save(path, format="TIFF", dpi=(small_dpi, small_dpi))
        try:
            out = _run(
                "orientation detection",
                path,
                lambda: pytesseract.image_to_osd(
                    str(path),
                    config=f"--psm 0 --dpi {small_dpi}" + _tessdata_option(folder),
                    timeout=timeout,
                    output_type=pytesseract.Output.STRING,
                ),
                timeout=timeout,
            )
        except (ToolTimeoutError, ToolMissingError):
            raise
        except ToolError as exc:
            detail = f"{exc} {getattr(exc.__cause__, 'message', '')}".lower()
            if "too few characters" in detail:
                return 0, 0.0
            raise
    rotate, conf = _parse_osd(out)
    if rotate not in (0, 90, 180, 270):
        raise ToolError(f"tesseract OSD gave an unexpected rotation {rotate}: {out[:200]!r}.")
    if conf < OSD_MIN_CONFIDENCE:
        log.debug("OSD says rotate %d but confidence %.2f is too low; leaving it", rotate, conf)
        return 0, conf
    return rotate, conf


def _parse_osd(out: str) -> tuple[int, float]:
    rotate: int | None = None
    conf = 0.0
    for line in out.splitlines():
        name, _, value = line.partition(":")
        name = name.strip().lower()
        try:
            if name == "rotate":
                rotate = int(value.strip())
            elif name == "orientation confidence":
                conf = float(value.strip())
        except ValueError:
            continue
    if rotate is None:
        raise ToolError(f"tesseract OSD output has no rotation: {out[:200]!r}.")
    return rotate, conf
