"""`sohoa status` shows failures with their reasons; `sohoa retry` queues them again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.batches import short_page


def _sohoa(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sohoa", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_timeout_fails_page_then_retry_archives_it(tmp_path: Path) -> None:
    batch = tmp_path / "lo-01"
    (batch / "HS-01").mkdir(parents=True)
    for i in range(2):
        short_page(f"Báo cáo số {i} về công tác lưu trữ").save(
            batch / "HS-01" / f"p{i}.png", dpi=(300, 300)
        )
    env = {**os.environ, "SOHOA_HOME": str(tmp_path / "home"), "SOHOA_WORKERS": "2"}
    # a tesseract timeout no page can meet: every page fails, with the reason recorded
    failed = _sohoa(["ingest", str(batch), "--no-progress"], {**env, "SOHOA_OCR_TIMEOUT": "0.01"})
    assert failed.returncode == 4, failed.stderr
    status = json.loads(_sohoa(["status", "--json"], env).stdout)
    assert status[0]["pages_by_state"] == {"failed": 2}
    assert len(status[0]["failures"]) == 2
    assert all("p0.png" in f["error"] or "p1.png" in f["error"] for f in status[0]["failures"])
    assert status[0]["pages_remaining"] == 0 and status[0]["done"]  # finished, with failures

    retried = _sohoa(["retry"], env)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "retrying 2 pages of 2 documents" in retried.stdout
    status = json.loads(_sohoa(["status", "--json"], env).stdout)
    assert status[0]["pages_by_state"] == {"indexed": 2}
    assert status[0]["failures"] == [] and status[0]["done"]
    found = json.loads(_sohoa(["search", "cong tac luu tru", "--json"], env).stdout)
    assert found["total"] == 2
