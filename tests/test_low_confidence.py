"""Pages read with a low mean confidence are listed for rescanning (CLI, dashboard) and a
document's view shows what was done to each page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from archive import accounts
from archive import schema as t
from ocr import OcrResult
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.pipeline.recognise import processing_facts
from sohoa.runner import run_embedded
from sohoa.web.app import create_app
from tests.batches import short_page
from tests.test_web import PASSWORD, login

TEXT = "Báo cáo kết quả chỉnh lý tài liệu lưu trữ của Ủy ban nhân dân xã"


def _smudged(text: str) -> Image.Image:
    """A page under heavy grain (sensor noise): tesseract reads it, unsure of most words."""
    grey = np.asarray(short_page(text).convert("L"), dtype=np.float64)
    grain = np.random.default_rng(3).normal(0.0, 45.0, grey.shape)
    return Image.fromarray((grey + grain).clip(0, 255).astype(np.uint8), "L")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict:
    batch = tmp_path_factory.mktemp("batch") / "lo-conf"
    (batch / "HS-01").mkdir(parents=True)
    short_page(TEXT).save(batch / "HS-01" / "sach.png", dpi=(300, 300))
    _smudged(TEXT).save(batch / "HS-01" / "mo.png", dpi=(300, 300))
    home = tmp_path_factory.mktemp("home")
    # Cleaning off: the binarisation (ocr.clean) reads the grainy page confidently.
    settings = load_settings(home=home, workers=2, clean="off")
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, batch, fonds="F1", operator="tester")
    final = run_embedded(ctx, {report.batch_id})
    assert final.failed == 0
    with ctx.catalog.tx() as conn:
        confs = dict(conn.execute(select(t.page.c.document_id, t.page.c.mean_conf)).all())
    accounts.create_user(ctx.catalog, "lan", PASSWORD, role="staff")
    ctx.close()
    clean = confs[report.documents["HS-01/sach.png"]]
    smudged = confs[report.documents["HS-01/mo.png"]]
    assert smudged < clean - 5, "the blurred page must read with visibly less confidence"
    return {
        "home": home,
        "docs": report.documents,
        "threshold": (clean + smudged) / 2,
        "clean": clean,
        "smudged": smudged,
    }


def _status(home: Path, threshold: float) -> list[dict]:
    env = {**os.environ, "SOHOA_HOME": str(home), "SOHOA_LOW_CONFIDENCE": f"{threshold:.3f}"}
    done = subprocess.run(
        [sys.executable, "-m", "sohoa", "status", "--low-confidence", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_status_lists_only_pages_under_the_threshold(archive: dict) -> None:
    listed = _status(archive["home"], archive["threshold"])
    assert [p["document_name"] for p in listed] == ["HS-01/mo.png"]
    assert listed[0]["record"] == "HS-01" and listed[0]["seq"] == 1
    assert listed[0]["mean_conf"] == pytest.approx(archive["smudged"])
    assert _status(archive["home"], 0.0) == []
    both = _status(archive["home"], 100.0)
    assert [p["document_name"] for p in both] == ["HS-01/mo.png", "HS-01/sach.png"]  # worst first


def test_dashboard_and_document_view_show_low_confidence(
    archive: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_LOW_CONFIDENCE", f"{archive['threshold']:.3f}")
    settings = load_settings(home=archive["home"])
    client = TestClient(create_app(settings))
    assert login(client, "lan").status_code in (302, 303)
    snap = client.get("/api/dashboard").json()["low_confidence"]
    assert [p["document_name"] for p in snap["pages"]] == ["HS-01/mo.png"]
    html = client.get("/dashboard").text
    assert 'id="low-confidence"' in html and "HS-01/mo.png" in html and "sach.png" not in html
    smudged = client.get(f"/documents/{archive['docs']['HS-01/mo.png']}").text
    assert 'class="page-facts low-confidence"' in smudged and "nên quét lại" in smudged
    assert '<details id="page-processing" open>' in smudged
    clean = client.get(f"/documents/{archive['docs']['HS-01/sach.png']}").text
    assert 'class="page-facts"' in clean and "nên quét lại" not in clean
    # Why the page was (not) turned and how its skew was measured, on the rotation/skew cells.
    assert 'class="rotation" title="upright: the reading is confident"' in clean
    assert 'class="skew" title="' in clean and "letters on lines" in clean


def test_processing_facts_come_from_the_reading() -> None:
    result = OcrResult(
        lines=(),
        width=10,
        height=10,
        dpi=300,
        extra={
            "preparation": {
                "applied": ["colour", "flatten"],
                "reasons": {"colour": "red stamp", "flatten": "uneven light"},
                "seconds": {"colour": 0.1},
            },
            "correction": {"changed": 3, "raw": []},
        },
    )
    facts = processing_facts(result)
    assert facts == {
        "preparation": {
            "applied": ["colour", "flatten"],
            "reasons": {"colour": "red stamp", "flatten": "uneven light"},
        },
        "words_corrected": 3,
    }
    assert processing_facts(OcrResult(lines=(), width=1, height=1, dpi=300)) == {}
