"""Bad input fails only its own document, with a sentence naming the file; the rest goes on."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from archive import stats as archive_stats
from errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ImageTooLargeError,
    UnsupportedFormatError,
)
from ingest.sources import inspect_file, load_page
from sohoa import pipeline
from sohoa.runner import run_embedded
from tests.batches import encrypted_pdf, huge_png_header, short_page

MAX = 180_000_000


def _truncated_tiff(path: Path) -> None:
    buf = io.BytesIO()
    short_page("Tài liệu bị hỏng").save(buf, format="TIFF", compression="tiff_lzw")
    data = buf.getvalue()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    root = tmp_path / "lo-hong"
    (root / "HS-01").mkdir(parents=True)
    short_page("Quyết định về việc bảo quản tài liệu lưu trữ").save(
        root / "HS-01" / "good.png", dpi=(300, 300)
    )
    (root / "HS-01" / "empty.tif").write_bytes(b"")
    _truncated_tiff(root / "HS-01" / "truncated.tif")
    (root / "HS-01" / "notes.txt").write_text("không phải ảnh", encoding="utf-8")
    (root / "HS-01" / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    encrypted_pdf(root / "HS-01" / "locked.pdf")
    huge_png_header(root / "HS-01" / "huge.png")
    return root


def test_inspect_raises_typed_errors(bad_batch: Path) -> None:
    folder = bad_batch / "HS-01"
    with pytest.raises(EmptyFileError, match="empty.tif"):
        inspect_file(folder / "empty.tif", max_pixels=MAX)
    with pytest.raises(UnsupportedFormatError, match="notes.txt"):
        inspect_file(folder / "notes.txt", max_pixels=MAX)
    with pytest.raises(CorruptFileError, match="broken.pdf"):
        inspect_file(folder / "broken.pdf", max_pixels=MAX)
    with pytest.raises(EncryptedFileError, match="locked.pdf"):
        inspect_file(folder / "locked.pdf", max_pixels=MAX)
    with pytest.raises(ImageTooLargeError, match="huge.png"):
        inspect_file(folder / "huge.png", max_pixels=MAX)
    with pytest.raises(CorruptFileError, match="truncated.tif"):
        src = inspect_file(folder / "truncated.tif", max_pixels=MAX)
        load_page(folder / "truncated.tif", 0, kind=src.kind, max_pixels=MAX)


def test_pixel_limit_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    Image.new("L", (2000, 3000), 255).save(path)
    assert inspect_file(path, max_pixels=MAX).pages == 1
    with pytest.raises(ImageTooLargeError, match="SOHOA_MAX_PIXELS"):
        inspect_file(path, max_pixels=5_000_000)


def test_each_bad_file_fails_only_its_document(bad_batch: Path, settings) -> None:
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, bad_batch)
        run_embedded(ctx, {report.batch_id})
        docs = {Path(d["name"]).name: d for d in archive_stats.documents(ctx.catalog)}
    finally:
        ctx.close()
    assert docs["good.png"]["state"] == "indexed"
    bad = ["empty.tif", "truncated.tif", "notes.txt", "broken.pdf", "locked.pdf", "huge.png"]
    for name in bad:
        assert docs[name]["state"] == "failed", name
        assert name in docs[name]["error"], docs[name]["error"]
    # the originals are kept even when they cannot be archived: nothing is lost
    assert all(docs[name]["sources"] for name in bad)


def test_cli_reports_failures_and_exit_code(bad_batch: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SOHOA_HOME": str(tmp_path / "home"), "SOHOA_WORKERS": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "sohoa", "ingest", str(bad_batch), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 4, run.stderr
    for name in ("empty.tif", "truncated.tif", "notes.txt", "broken.pdf", "locked.pdf", "huge.png"):
        assert name in run.stdout
    assert "1 documents ok, 6 failed" in run.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "sohoa", "documents", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    docs = json.loads(listing.stdout)
    assert sum(d["state"] == "failed" for d in docs) == 6


def test_cli_not_a_folder(tmp_path: Path) -> None:
    env = {**os.environ, "SOHOA_HOME": str(tmp_path / "home")}
    run = subprocess.run(
        [sys.executable, "-m", "sohoa", "ingest", str(tmp_path / "missing")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 5
    assert "missing" in run.stderr
