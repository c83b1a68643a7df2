"""Helpers shared by the hot-folder and backup tests: subprocesses of sohoa and small lots."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a sohoa subprocess: no SOHOA_* of the caller, one tesseract thread."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), OMP_THREAD_LIMIT="1", SOHOA_WORKERS="1", **extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``sohoa ARGS`` in its own session (so SIGKILL reaches its children too)."""
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "sohoa", *args],
            env=env,
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``sohoa ARGS`` to its end; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "sohoa", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process's whole session and wait for it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, step: float = 0.2) -> None:
    """Poll ``check`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def query(home: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of a read-only query on the archive's catalog (empty before it exists)."""
    path = home / "catalog.sqlite"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        conn.close()


def make_lot(root: Path, tag: str, documents: int, *, pages: int = 1) -> list[str]:
    """A batch folder of short G4 TIFF pages whose text names ``tag`` (unique checksums)."""
    from tests.batches import save_tiff, short_page

    names = []
    for d in range(documents):
        images = [
            short_page(f"Biên bản {tag} số {d + 1}/{p + 1} về việc số hóa tài liệu", dpi=200)
            .point(lambda v: 0 if v < 150 else 255)
            .convert("1")
            for p in range(pages)
        ]
        rel = f"HS-{tag}/vb{d + 1:03d}.tif"
        save_tiff(root / rel, images, compression="group4", dpi=200)
        names.append(rel)
    return names
