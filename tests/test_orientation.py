"""Orientation and skew on pages that are not a column of prose (real tesseract).

Generated pages with known geometry (``sohoa.synthetic.geometry``): a landscape page must not
be turned, turned portrait pages come back upright, pages with little text are turned only
when a turn reads clearly better, tables are straightened by their rules, photographs and maps
are left as they are, and every decision says why in the reading's ``extra["geometry"]``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr import OcrResult, PreparedPage, TextLine, Word, prepare_page, recognise_page
from ocr.deskew import measure_skew, rule_angles
from ocr.orient import (
    clear_winner,
    reading_suspect,
    sideways_share,
    turn_wins,
    turns_to_try,
)
from sohoa.pipeline.recognise import processing_facts
from sohoa.synthetic import degrade, paragraph_page, vietnamese_paragraphs
from sohoa.synthetic.geometry import geometry_page

DPI = 200


def _scan(page: Image.Image, *, angle: float = 0.0, turns: int = 0, seed: int = 0) -> Image.Image:
    return degrade(page, angle=angle, quarter_turns=turns, blur=0.5, noise=6, seed=seed)


def _recognise(image: Image.Image, tmp_path: Path) -> tuple[PreparedPage, OcrResult]:
    target = tmp_path / "page.pnm"

    def save(img: Image.Image) -> Path:
        img.save(target, format="PPM")
        return target

    prepared, result = recognise_page(image, dpi=DPI, save=save)
    assert result is not None
    # The image left on disk for packaging is the one kept.
    assert Image.open(target).size == prepared.image.size
    return prepared, result


@pytest.fixture(scope="module")
def prose() -> Image.Image:
    return paragraph_page(vietnamese_paragraphs(random.Random(21), 8), dpi=DPI)[0]


def _word(text: str, w: int, h: int, conf: float = 95.0) -> Word:
    return Word(text=text, left=0, top=0, width=w, height=h, conf=conf)


def _reading(words: list[Word]) -> OcrResult:
    line = TextLine(words=tuple(words), left=0, top=0, width=100, height=100)
    return OcrResult(lines=(line,), width=1000, height=1000, dpi=DPI)


def test_sideways_reading_is_suspect_even_when_confident() -> None:
    across = _reading([_word("quyết", 60, 20)] * 20)
    down = _reading([_word("quyết", 20, 60)] * 20)
    assert sideways_share(across) == 0.0 and not reading_suspect(across)
    assert sideways_share(down) == 1.0 and reading_suspect(down)
    # A detection of 180 contradicts lines running down the page: both quarter turns are tried.
    assert turns_to_try(down, 180, 9.0) == (90, 270)
    assert turns_to_try(down, 270, 9.0) == (270,)
    assert turns_to_try(_reading([_word("ab", 30, 20, 10.0)] * 3), 0, 0.5) == (90, 180, 270)
    many = _reading([_word("xyz", 30, 20, 10.0)] * 200)
    assert turns_to_try(many, 0, 0.5) == ()  # a full page detection cannot place stays


def test_a_tried_turn_must_read_clearly_better() -> None:
    poor = _reading([_word("xq", 30, 20, 30.0)] * 6)
    slightly = _reading([_word("xq", 30, 20, 30.0)] * 4 + [_word("Việt", 60, 20)] * 3)
    clearly = _reading([_word("Việt", 60, 20)] * 6)
    assert not turn_wins(slightly, poor, detected=False)
    assert turn_wins(clearly, poor, detected=False)
    assert not turn_wins(clearly, clearly, detected=False)
    # A detected turn beats a sideways reading however confident that one was.
    down = _reading([_word("Việt", 20, 60)] * 6)
    fair = _reading([_word("Việt", 60, 20)] * 4 + [_word("xq", 30, 20, 50.0)] * 2)
    assert turn_wins(fair, down, detected=True) and not turn_wins(down, fair, detected=True)
    # Confident words running down the page are no evidence of the turn being right.
    assert not turn_wins(_reading([_word("Việt", 20, 60)] * 6), poor, detected=False)
    # A map: its labels among line art never reach a 0.6 confident share, even upright. A turn
    # reading 5 of 12 words confidently beats one reading 1 of 14; 5 of 20 is too little.
    upside_down = _reading([_word("Việt", 60, 20)] + [_word("xq", 30, 20, 30.0)] * 13)
    labels = _reading([_word("Việt", 60, 20)] * 5 + [_word("xq", 30, 20, 30.0)] * 7)
    noise = _reading([_word("Việt", 60, 20)] * 5 + [_word("xq", 30, 20, 30.0)] * 15)
    assert turn_wins(labels, upside_down, detected=False)
    assert not turn_wins(noise, upside_down, detected=False)
    # ... and it must beat every other turn twice over, not only the first reading: labels
    # that read across at two turns (a map lettered at every angle) leave the page as it is.
    other = _reading([_word("Việt", 60, 20)] * 3 + [_word("xq", 30, 20, 30.0)] * 9)
    assert clear_winner(labels, [upside_down, labels])
    assert not clear_winner(labels, [upside_down, labels, other])


def test_landscape_page_is_not_turned(tmp_path: Path) -> None:
    page, _ = geometry_page("landscape", random.Random(1), dpi=DPI)
    prepared, result = _recognise(_scan(page, angle=1.5, seed=1), tmp_path)
    assert prepared.rotation == 0
    assert prepared.skew == pytest.approx(1.5, abs=0.3)
    assert prepared.image.size == page.size  # still wide
    geometry = result.extra["geometry"]
    assert geometry["rotation"] == {"applied": 0, "reason": "upright: the reading is confident"}
    assert geometry["skew"]["method"] == "text"


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_turned_portrait_page_comes_back_upright(
    prose: Image.Image, turns: int, tmp_path: Path
) -> None:
    prepared, result = _recognise(_scan(prose, angle=1.0, turns=turns, seed=turns), tmp_path)
    assert prepared.rotation == 90 * turns
    assert prepared.image.size == prose.size
    assert prepared.skew == pytest.approx(1.0, abs=0.3)
    rotation = result.extra["geometry"]["rotation"]
    assert rotation["applied"] == 90 * turns and rotation["reason"].startswith("turned")
    assert sideways_share(result) < 0.1


@pytest.mark.parametrize("kind", ["title", "cover"])
def test_page_with_little_text_is_never_turned_wrong(kind: str, tmp_path: Path) -> None:
    page, _ = geometry_page(kind, random.Random(3), dpi=DPI)
    upright, result = _recognise(_scan(page, angle=-1.2, seed=3), tmp_path)
    assert upright.rotation == 0
    assert upright.skew == pytest.approx(-1.2, abs=0.3)
    assert result.extra["geometry"]["rotation"]["applied"] == 0
    for turns in (1, 2, 3):
        prepared, result = _recognise(_scan(page, turns=turns, seed=turns), tmp_path)
        # Upright when it can be told, else left as scanned; never another way up.
        assert prepared.rotation in (0, 90 * turns), (turns, result.extra["geometry"])
        reason = result.extra["geometry"]["rotation"]["reason"]
        assert reason.startswith("turned" if prepared.rotation else "left as it is")


@pytest.mark.parametrize(("kind", "angle"), [("table", 3.3), ("table", -2.4), ("form", 2.7)])
def test_table_is_straightened_by_its_rules(kind: str, angle: float) -> None:
    page, _ = geometry_page(kind, random.Random(5), dpi=DPI)
    scanned = _scan(page, angle=angle, seed=5)
    rules = rule_angles(np.asarray(scanned))
    assert len(rules) >= 10 and max(abs(r - angle) for r in rules) < 0.2
    prepared = prepare_page(scanned, orient=False)
    assert prepared.skew == pytest.approx(angle, abs=0.3)
    assert prepared.facts["skew"]["method"] == "rules"
    straight = measure_skew(np.asarray(prepared.image))
    assert straight.angle is None or abs(straight.angle) < 0.3


def test_rules_are_not_found_on_prose_photographs_or_maps(prose: Image.Image) -> None:
    assert rule_angles(np.asarray(_scan(prose, angle=2.0))) == []
    for kind in ("photo", "map"):
        page, _ = geometry_page(kind, random.Random(6), dpi=DPI)
        assert rule_angles(np.asarray(_scan(page, angle=2.0))) == [], kind


@pytest.mark.parametrize(("kind", "turns"), [("photo", 0), ("photo", 1), ("map", 0), ("map", 2)])
def test_photograph_and_map_are_left_as_they_are(kind: str, turns: int, tmp_path: Path) -> None:
    page, _ = geometry_page(kind, random.Random(7), dpi=DPI)
    prepared, result = _recognise(_scan(page, turns=turns, seed=7), tmp_path)
    # Left as scanned, or turned upright when the caption reads clearly better turned.
    assert prepared.rotation in (0, 90 * turns)
    assert abs(prepared.skew) <= 0.5, result.extra["geometry"]
    assert "reason" in result.extra["geometry"]["skew"]


@pytest.mark.parametrize("angle", [0.5, -0.5, 1.3, -2.2, 3.6, -5.0])
def test_text_page_skew_is_corrected_within_a_third_of_a_degree(
    prose: Image.Image, angle: float
) -> None:
    prepared = prepare_page(_scan(prose, angle=angle, seed=11), orient=False)
    assert abs(prepared.skew - angle) <= 0.3
    assert prepared.facts["skew"]["method"] == "text"


def test_geometry_reasons_reach_the_page_facts() -> None:
    result = _reading([_word("Việt", 60, 20)] * 6)
    geometry = {
        "rotation": {"applied": 90, "reason": "turned 90: detection"},
        "skew": {"applied": 1.2, "method": "rules", "reason": "12 ruled lines at 1.20 degrees"},
    }
    facts = processing_facts(replace(result, extra={"geometry": geometry}))
    assert facts["geometry"] == geometry


def test_sparse_page_whose_halves_disagree_is_left_straight() -> None:
    page, _ = geometry_page("title", random.Random(8), dpi=DPI)
    arr = np.asarray(page).copy()
    mid = arr.shape[0] // 2
    # The title block drawn at +3 degrees, the signature block at -1: no one skew to remove.
    top = np.asarray(_scan(Image.fromarray(arr), angle=3.0))[:mid]
    bottom = np.asarray(_scan(Image.fromarray(arr), angle=-1.0))[mid:]
    measure = measure_skew(np.vstack([top, bottom]))
    assert measure.angle is None and "halves disagree" in measure.reason
    assert measure_skew(np.asarray(_scan(page, angle=-1.0))).angle == pytest.approx(-1.0, abs=0.3)
