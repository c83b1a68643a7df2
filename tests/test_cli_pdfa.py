"""`sohoa ingest --pdfa 1` end to end: the archived file passes PDFBox Preflight."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.batches import short_page
from tests.test_pdfa import preflight


def test_cli_pdfa_1_output_passes_preflight(tmp_path: Path) -> None:
    """`sohoa ingest --pdfa 1` end to end: the archived file is valid PDF/A-1b."""
    batch = tmp_path / "lo-pdfa1"
    (batch / "HS-01").mkdir(parents=True)
    short_page("Biên bản bàn giao tài liệu lưu trữ năm 2025").save(
        batch / "HS-01" / "bb.png", dpi=(300, 300)
    )
    env = {**os.environ, "SOHOA_HOME": str(tmp_path / "home"), "SOHOA_WORKERS": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "sohoa", "ingest", str(batch), "--pdfa", "1", "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (pdf,) = (tmp_path / "home" / "pdfa").rglob("*.pdf")
    valid, report = preflight(pdf)
    assert valid, report
