"""Recognition with the real tesseract on generated Vietnamese pages, and its typed errors."""

from __future__ import annotations

import os
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from errors import (
    CorruptFileError,
    EmptyFileError,
    InputError,
    ToolMissingError,
    ToolTimeoutError,
    UnsupportedFormatError,
)
from ocr import OcrResult, detect_orientation, run_ocr, tesseract_version
from sohoa.synthetic import degrade, paragraph_page, vietnamese_paragraphs
from tests.textmetrics import cer, normalise


def test_cer_helper() -> None:
    assert cer("kitten", "sitting") == pytest.approx(3 / 7)
    assert cer("Việt  Nam", "Việt Nam") == 0.0
    assert cer("", "abcd") == 1.0


@pytest.fixture(scope="module")
def small_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A quick page: the top of a generated page, a few lines, at 300 dpi."""
    page, truth = paragraph_page(vietnamese_paragraphs(random.Random(3), 1))
    lines = truth.splitlines()[:3]
    assert len(lines) == 3
    # Top margin 20 mm (236 px), line step 13 pt x 1.35 (73 px): keep the first three lines.
    crop = page.crop((0, 0, page.width, 236 + 3 * 73))
    path = tmp_path_factory.mktemp("ocr") / "small.png"
    degrade(crop, noise=6, blur=0.5).save(path, dpi=(300, 300))
    return path, "\n".join(lines)


def test_small_page_words_lines_and_boxes(small_page: tuple[Path, str]) -> None:
    path, truth = small_page
    result = run_ocr(path)
    with Image.open(path) as img:
        size = img.size
    assert (result.width, result.height) == size
    assert result.dpi == 300.0 and result.languages == "vie+eng"
    assert result.engine.startswith("tesseract 5")
    assert cer(result.text, truth) <= 0.03, result.text
    assert len(result.lines) == len(truth.splitlines())
    for line in result.lines:
        assert line.words, "empty lines must be dropped"
        for word in line.words:
            assert word.text.strip() == word.text and word.text
            assert isinstance(word.conf, float) and 0.0 <= word.conf <= 100.0
            assert 0 <= word.left < word.right <= size[0]
            assert 0 <= word.top < word.bottom <= size[1]
            # A word lies inside its line's box.
            assert line.left <= word.left and word.right <= line.left + line.width
            assert line.top <= word.top and word.bottom <= line.bottom
    assert result.mean_conf is not None and result.mean_conf > 80
    assert OcrResult.from_dict(result.to_dict()) == result
    assert os.environ.get("OMP_THREAD_LIMIT") == "1"


def test_thresholding_option(small_page: tuple[Path, str], tmp_path: Path) -> None:
    path, truth = small_page
    faint = tmp_path / "faint.png"
    with Image.open(path) as img:
        degrade(img, faint=0.5, noise=10, seed=2).save(faint)
    result = run_ocr(faint, thresholding=2, psm=6)
    assert result.extra["thresholding"] == 2 and result.extra["psm"] == 6
    assert cer(result.text, truth) <= 0.05, result.text


@pytest.mark.slow
def test_character_error_rate_vietnamese_pages(tmp_path: Path) -> None:
    pages = []
    for seed in range(3):
        page, truth = paragraph_page(vietnamese_paragraphs(random.Random(100 + seed), 6))
        path = tmp_path / f"page{seed}.png"
        degrade(page, noise=6, blur=0.5, seed=seed).save(path, dpi=(300, 300))
        pages.append((path, truth))

    def recognise(item: tuple[Path, str]) -> tuple[float, float, str]:
        start = time.perf_counter()
        result = run_ocr(item[0], languages="vie+eng", dpi=300)
        return time.perf_counter() - start, cer(result.text, item[1]), result.text

    # Pages run in parallel, one tesseract thread each, as the workers do.
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(recognise, pages))
    for (path, truth), (seconds, error, _) in zip(pages, outcomes, strict=True):
        print(f"\n{path.name}: {len(normalise(truth))} chars, CER {error:.4f}, {seconds:.1f} s")
    total = sum(e * len(normalise(t)) for (_, t), (_, e, _) in zip(pages, outcomes, strict=True))
    overall = total / sum(len(normalise(t)) for _, t in pages)
    print(f"overall CER {overall:.4f}")
    assert overall <= 0.02
    assert max(e for _, e, _ in outcomes) <= 0.03


def test_tiny_timeout_raises(small_page: tuple[Path, str]) -> None:
    path, _ = small_page
    with pytest.raises(ToolTimeoutError) as info:
        run_ocr(path, timeout=0.01)
    assert info.value.permanent is False
    with Image.open(path) as img, pytest.raises(ToolTimeoutError):
        detect_orientation(img.copy(), timeout=0.01)


@pytest.mark.parametrize("languages", ["xyz", "vie+xyz"])
def test_unknown_language_raises(small_page: tuple[Path, str], languages: str) -> None:
    with pytest.raises(ToolMissingError, match="xyz"):
        run_ocr(small_page[0], languages=languages)


def test_unreadable_files_raise_input_errors(tmp_path: Path, small_page: tuple[Path, str]) -> None:
    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n/etc/hostname\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match="notes.png"):
        run_ocr(text)
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError):
        run_ocr(empty)
    with pytest.raises(InputError):
        run_ocr(tmp_path / "missing.png")
    truncated = tmp_path / "truncated.png"
    data = small_page[0].read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptFileError):
        run_ocr(truncated)


def test_tesseract_version() -> None:
    assert re.match(r"^\d+\.\d+", tesseract_version())


def test_orientation_of_blank_page_is_zero() -> None:
    rotation, confidence = detect_orientation(Image.new("L", (2480, 3508), 255))
    assert (rotation, confidence) == (0, 0.0)


@pytest.mark.slow
def test_detect_orientation_quarter_turns() -> None:
    page, _ = paragraph_page(vietnamese_paragraphs(random.Random(21), 4))
    for turns in range(4):
        img = degrade(page, quarter_turns=turns, angle=-1.0, noise=8, seed=turns)
        img.info["dpi"] = (300, 300)
        start = time.perf_counter()
        rotation, confidence = detect_orientation(img)
        seconds = time.perf_counter() - start
        print(f"\nquarter_turns={turns}: rotate {rotation} conf {confidence:.1f} {seconds:.2f} s")
        assert rotation == (90 * turns) % 360
        assert confidence >= 2.0
