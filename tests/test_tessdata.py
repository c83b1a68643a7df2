"""A tessdata folder for tesseract (SOHOA_TESSDATA): used when complete, else the system's."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest
from PIL import Image

import ocr
from errors import ConfigError
from ocr import detect_orientation, model_info, read_region, resolve_tessdata, run_ocr
from ocr.tesseract import tesseract_version
from sohoa.config import load_settings
from sohoa.synthetic import degrade, paragraph_page, vietnamese_paragraphs
from tests.textmetrics import cer


def _system_folder() -> Path:
    return Path(model_info("vie")["tessdata"])


@pytest.fixture
def tessdata(tmp_path: Path) -> Path:
    """A folder of links to the system's vie, eng and osd models."""
    folder = tmp_path / "tessdata"
    folder.mkdir()
    for lang in ("vie", "eng", "osd"):
        (folder / f"{lang}.traineddata").symlink_to(_system_folder() / f"{lang}.traineddata")
    return folder


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The first three lines of a generated Vietnamese page at 300 dpi."""
    image, truth = paragraph_page(vietnamese_paragraphs(random.Random(11), 1))
    crop = image.crop((0, 0, image.width, 236 + 3 * 73))
    path = tmp_path_factory.mktemp("tessdata-page") / "page.png"
    degrade(crop, noise=5, blur=0.4).save(path, dpi=(300, 300))
    return path, "\n".join(truth.splitlines()[:3])


def test_reads_a_page_with_the_folder_and_records_the_model(
    tessdata: Path, page: tuple[Path, str]
) -> None:
    path, truth = page
    result = run_ocr(path, tessdata=tessdata)
    assert cer(result.text, truth) <= 0.03, result.text
    model = result.extra["model"]
    assert model["tessdata"] == str(tessdata.resolve())
    system = run_ocr(path).extra["model"]
    # Same files behind the links: same hashes, different folder.
    assert model["vie"] == system["vie"] and model["vie"].startswith("sha256:")
    assert model["eng"] == system["eng"]
    assert Path(system["tessdata"]).resolve() == _system_folder().resolve()
    assert ocr.OcrResult.from_dict(result.to_dict()).extra["model"] == model
    assert result.engine == f"tesseract {tesseract_version()}"


def test_folder_models_are_really_used(tmp_path: Path, page: tuple[Path, str]) -> None:
    # A folder whose "vie" is the eng model: tesseract reads it as given (no Vietnamese
    # marks), which shows --tessdata-dir reached tesseract.
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "vie.traineddata").symlink_to(_system_folder() / "eng.traineddata")
    (folder / "eng.traineddata").symlink_to(_system_folder() / "eng.traineddata")
    path, truth = page
    odd = run_ocr(path, languages="vie", tessdata=folder)
    normal = run_ocr(path, languages="vie")
    eng = model_info("eng")["eng"]
    assert odd.extra["model"]["vie"] == eng != normal.extra["model"]["vie"]
    assert cer(normal.text, truth) < cer(odd.text, truth)


def test_missing_folder_falls_back_with_one_warning(
    tmp_path: Path, page: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    path, truth = page
    missing = tmp_path / "nowhere"
    with caplog.at_level(logging.WARNING, logger="ocr.tesseract"):
        first = run_ocr(path, tessdata=missing)
        second = run_ocr(path, tessdata=missing)
    warnings = [r for r in caplog.records if "does not exist" in r.getMessage()]
    assert len(warnings) == 1 and str(missing) in warnings[0].getMessage()
    assert cer(first.text, truth) <= 0.03 and second.text == first.text
    assert Path(first.extra["model"]["tessdata"]).resolve() == _system_folder().resolve()


def test_folder_lacking_a_language_falls_back(
    tmp_path: Path, page: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "only-vie"
    folder.mkdir()
    (folder / "vie.traineddata").symlink_to(_system_folder() / "vie.traineddata")
    assert resolve_tessdata(folder, "vie") == str(folder.resolve())
    with caplog.at_level(logging.WARNING, logger="ocr.tesseract"):
        assert resolve_tessdata(folder, "vie+eng") is None
        result = run_ocr(page[0], tessdata=folder)
    assert [r for r in caplog.records if "has no eng model" in r.getMessage()]
    assert result.extra["model"]["tessdata"] != str(folder.resolve())
    assert resolve_tessdata(None, "vie+eng") is None and resolve_tessdata("", "vie") is None


def test_orientation_and_region_reads_use_the_folder(
    tessdata: Path, page: tuple[Path, str], tmp_path: Path
) -> None:
    path, truth = page
    with Image.open(path) as img:
        image = img.copy()
    box = (0, 180, image.width, 125)  # the first line with its margins
    text = read_region(image, box, dpi=300, tessdata=tessdata, workdir=tmp_path)
    assert text == read_region(image, box, dpi=300, workdir=tmp_path)
    assert cer(text, truth.splitlines()[0]) <= 0.1, text
    assert detect_orientation(image, tessdata=tessdata) == detect_orientation(image)
    # A folder without osd: orientation detection falls back, it does not fail.
    no_osd = tmp_path / "no-osd"
    no_osd.mkdir()
    (no_osd / "vie.traineddata").symlink_to(tessdata / "vie.traineddata")
    assert detect_orientation(image, tessdata=no_osd) == detect_orientation(image)


def test_recognise_page_passes_the_folder(
    tessdata: Path, page: tuple[Path, str], tmp_path: Path
) -> None:
    with Image.open(page[0]) as img:
        image = img.copy()
    target = tmp_path / "work.png"

    def save(img: Image.Image) -> Path:
        img.save(target, dpi=(300, 300))
        return target

    _prepared, result = ocr.recognise_page(image, dpi=300, save=save, tessdata=tessdata)
    assert result is not None and result.extra["model"]["tessdata"] == str(tessdata.resolve())


def test_setting_default_empty_resolved_and_file_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_settings().tessdata == ""
    monkeypatch.setenv("SOHOA_TESSDATA", "  ")
    assert load_settings().tessdata == ""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOHOA_TESSDATA", "models/tessdata")
    assert load_settings().tessdata == str(tmp_path / "models" / "tessdata")
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("SOHOA_TESSDATA", str(tmp_path / "afile"))
    with pytest.raises(ConfigError, match="tessdata.*is a file"):
        load_settings()


def test_pipeline_reads_with_sohoa_tessdata_and_the_json_says_so(
    tessdata: Path, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from archive import schema as t
    from sohoa import pipeline
    from sohoa.runner import run_embedded
    from tests.batches import short_page

    batch = tmp_path / "lo-model" / "HS-01"
    batch.mkdir(parents=True)
    short_page("Báo cáo kết quả chỉnh lý tài liệu lưu trữ").save(batch / "p.png", dpi=(300, 300))
    settings = load_settings(home=tmp_path / "home", workers=1, tessdata=str(tessdata))
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, batch.parent, fonds="F1", operator="tester")
        assert run_embedded(ctx, {report.batch_id}).failed == 0
        with ctx.catalog.tx() as conn:
            rel = conn.execute(
                select(t.stored_file.c.path).where(
                    t.stored_file.c.id == select(t.page.c.ocr_file_id).scalar_subquery()
                )
            ).scalar_one()
    finally:
        ctx.close()
    stored = json.loads((tmp_path / "home" / rel).read_text(encoding="utf-8"))
    assert stored["extra"]["model"]["tessdata"] == str(tessdata.resolve())
    assert stored["extra"]["model"]["vie"].startswith("sha256:")
