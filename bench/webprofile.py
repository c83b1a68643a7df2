"""Where the web server's CPU goes: server CPU per request for each request class (requests
sent one at a time, so each class's CPU is its own), and a py-spy profile of the class that
costs most (inclusive samples per function, summed over the server's worker processes).

Used by ``bench/web.py --profile N`` after the load phase.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any


async def cpu_per_class(official: Any, mix: list, n: int, server: int, tree_cpu_s: Any) -> dict:
    """{class: (server CPU ms per request, wall ms per request)} over ``n`` serial requests."""
    weights = [0.0] * len(mix)
    out = {}
    for index, (label, _w, _choices) in enumerate(mix):
        chosen = [1.0 if i == index else 0.0 for i in range(len(weights))]
        cpu0, t0 = tree_cpu_s(server), time.perf_counter()
        for _ in range(n):
            _label, path, params = official.pick(mix, chosen)
            await official.client.get(path, params=params)
        cpu = tree_cpu_s(server) - cpu0
        out[label] = (1000 * cpu / n, 1000 * (time.perf_counter() - t0) / n)
    return out


def _py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


async def profile_class(
    official: Any, mix: list, label: str, n: int, server: int, top: int = 25
) -> list[tuple[float, float, str]]:
    """py-spy samples of the server while ``n`` requests of ``label`` run one after another:
    [(inclusive %, self %, function)] of the ``top`` functions, as shares of the samples
    that were serving a request; [] without py-spy."""
    import asyncio

    spy = _py_spy()
    if spy is None:
        return []
    index = next(i for i, (name, _w, _c) in enumerate(mix) if name == label)
    chosen = [1.0 if i == index else 0.0 for i in range(len(mix))]
    raw = Path(tempfile.mkdtemp(prefix="sohoa-pyspy-")) / "stacks.txt"
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "-p",
            str(server),
            "--subprocesses",
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await asyncio.sleep(2.0)  # py-spy attaches
    for _ in range(n):
        _l, path, params = official.pick(mix, chosen)
        await official.client.get(path, params=params)
    proc.send_signal(2)  # SIGINT: py-spy writes its file and stops
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if not raw.exists():
        return []
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    busy = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        # Keep what serves a request: from the first web framework or sohoa frame on (the
        # event loop's select, uvicorn's supervisor pings and idle threads are left out).
        start = next(
            (
                i
                for i, f in enumerate(frames)
                if any(m in f for m in ("starlette/", "fastapi/", "sohoa/"))
            ),
            None,
        )
        if start is None:
            continue
        frames = frames[start:]
        weight = int(count)
        busy += weight
        for frame in set(frames):
            inclusive[frame] += weight
        self_time[frames[-1]] += weight
    if not busy:
        return []
    return [(100 * c / busy, 100 * self_time[f] / busy, f) for f, c in inclusive.most_common(top)]
