"""Helpers shared by the benchmark scripts: measured subprocesses, machine facts, tables.

CPU accounting: a tool is started with :class:`subprocess.Popen` and reaped with
:func:`os.wait4`, whose resource usage covers that process and every descendant it waited for
(worker pools, tesseract, Ghostscript...). That is the CPU the tool costs, whatever its
process layout. Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import os
import platform
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    """What one finished process cost."""

    command: str
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    timed_out: bool = False

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cpu_s": self.cpu_s}


def run_measured(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    timeout: float | None = None,
) -> Measured:
    """Run ``cmd`` to completion; return its wall time and the CPU of it and its descendants.

    ``stdout``/``stderr`` are files to write the streams to (default: discarded). On
    ``timeout`` the whole process group is killed and ``timed_out`` is set.
    """
    argv = [os.fspath(c) for c in cmd]
    full_env = dict(os.environ if env is None else env)
    out_f = open(stdout, "wb") if stdout else subprocess.DEVNULL
    err_f = open(stderr, "wb") if stderr else subprocess.DEVNULL
    killed = threading.Event()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=full_env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out_f,
            stderr=err_f,
            start_new_session=True,  # its own process group, so a timeout kills everything
        )

        def _kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, _kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
    finally:
        for f in (out_f, err_f):
            if not isinstance(f, int):
                f.close()
    return Measured(
        command=shlex.join(argv),
        returncode=proc.returncode,
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        timed_out=killed.is_set(),
    )


def tree_bytes(path: Path, *, suffixes: Sequence[str] = ()) -> int:
    """Total size of the files under ``path`` (only those ending in ``suffixes`` if given)."""
    if path.is_file():
        return path.stat().st_size
    if not path.exists():
        return 0
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and (not suffixes or p.name.endswith(tuple(suffixes))):
            total += p.stat().st_size
    return total


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def tool_version(cmd: Sequence[str | os.PathLike[str]]) -> str:
    """First non-empty line a ``--version`` style command prints, or why it could not run."""
    try:
        res = subprocess.run(
            [os.fspath(c) for c in cmd], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return _first_line(res.stdout) or _first_line(res.stderr) or f"exit {res.returncode}"


def _proc_field(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return ""


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, RAM and load: the facts a reader needs to compare two runs."""
    mem_kb = _proc_field("/proc/meminfo", "MemTotal").split()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu_model": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "ram_gib": round(int(mem_kb[0]) / 1024 / 1024, 1) if mem_kb else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: text columns left-aligned, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover
