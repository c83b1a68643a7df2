"""Scale-out: throughput with 1 and 2 worker processes over Redis + PostgreSQL vs embedded.

Run from the repository root on an otherwise idle machine:

    .venv/bin/python bench/scale.py                    # 24 dense pages, every mode
    .venv/bin/python bench/scale.py --pages 4 --modes embedded   # smoke run

Modes, each on the same generated pages (``bench/pipeline.py``'s batch: dense A4 Vietnamese
administrative pages at 300 dpi, skewed and noisy) and each in a fresh SOHOA_HOME/database:

- ``embedded``: ``sohoa ingest BATCH --workers 1`` then ``--workers 2`` (SQLite catalog,
  in-process queue);
- ``redis``: a real redis-server and PostgreSQL on loopback (started by this script, as in
  ``tests/services.py``); 1 then 2 ``sohoa worker --processes 1 --threads 1`` processes are
  started and left to warm up, then ``sohoa ingest BATCH --no-wait`` registers and enqueues
  the batch; the clock runs from the enqueue to the moment the catalog shows every page
  indexed.

CPU: the embedded run is reaped with ``os.wait4`` (it and its tesseract children); in the
redis mode the CPU of every process of each worker's session (``/proc``: own + reaped
children), of the enqueuing command, and of redis-server and PostgreSQL (postmaster with its
reaped backends) is summed, before/after, so the broker and catalog cost is included.

Figures printed: pages/min, CPU s/page, scaling efficiency (throughput with 2 / (2 x with 1)),
and the broker+catalog overhead per page (redis mode minus embedded mode at one worker).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import REPO, format_table, machine_info, run_measured

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipeline import make_batch, sohoa_exe  # noqa: E402  (bench/pipeline.py's batch)

DEFAULT_WORK = REPO / "bench" / "out" / "scale"
TARGET_EFFICIENCY = 0.85
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    mode: str  # embedded | redis
    parallel: int  # worker threads (embedded) or worker processes (redis)
    pages: int
    wall_s: float = 0.0
    cpu_s: float = 0.0
    server_cpu_s: float = 0.0  # redis-server + PostgreSQL, included in cpu_s
    ok: bool = True
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def pages_per_min(self) -> float:
        return 60.0 * self.pages / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def wall_per_page(self) -> float:
        return self.wall_s / self.pages if self.pages else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_s / self.pages if self.pages else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "pages_per_min": self.pages_per_min,
            "cpu_per_page": self.cpu_per_page,
        }


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), **extra)
    return env


# ------------------------------------------------------------------ CPU via /proc


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(session id, CPU seconds of the process and its reaped children) or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # after the command: state ppid pgrp session ... utime(12) stime(13) cutime(14) cstime(15)
    session = int(fields[3])
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return session, ticks / CLK_TCK


def session_cpu(sessions: set[int]) -> float:
    """CPU seconds of every live process in these sessions (with their reaped children)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        got = _proc_stat(int(entry))
        if got is not None and got[0] in sessions:
            total += got[1]
    return total


def pid_cpu(pids: list[int]) -> float:
    return sum((_proc_stat(p) or (0, 0.0))[1] for p in pids)


# ------------------------------------------------------------------------ embedded


def run_embedded(batch_folder: Path, pages: int, home: Path, *, jobs: int, timeout: float) -> Run:
    home.mkdir(parents=True)
    cmd = [str(sohoa_exe()), "ingest", str(batch_folder), "--workers", str(jobs), "--no-progress"]
    measured = run_measured(
        cmd,
        env=_env(home),
        cwd=home,
        stdout=home / "ingest.out",
        stderr=home / "ingest.log",
        timeout=timeout,
    )
    run = Run("embedded", jobs, pages, wall_s=measured.wall_s, cpu_s=measured.cpu_s)
    if not measured.ok:
        run.ok = False
        run.error = f"exit {measured.returncode}: {_tail(home / 'ingest.log')}"
    return run


def _tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


# --------------------------------------------------------------------------- redis


def _indexed(catalog: Any, pages: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from archive import schema as t

    with catalog.tx() as conn:
        states = dict(
            conn.execute(select(t.page.c.state, func.count()).group_by(t.page.c.state)).all()
        )
    return states.get("indexed", 0), states.get("failed", 0)


def _heartbeats(redis_port: int) -> int:
    from tests.services import _redis_command

    reply = _redis_command(redis_port, "ZCARD", "dramatiq:__heartbeats__")
    return int(reply[1:].split(b"\r\n")[0]) if reply.startswith(b":") else 0


def _stop_session(proc: subprocess.Popen, grace: float = 20.0) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_distributed(
    batch_folder: Path,
    pages: int,
    home: Path,
    *,
    processes: int,
    redis: Any,
    postgres: Any,
    timeout: float,
    warmup: float,
) -> Run:
    from archive import Catalog

    home.mkdir(parents=True)
    redis.flush()
    database_url = postgres.create_database()
    env = _env(home, SOHOA_BROKER=redis.url, SOHOA_DATABASE_URL=database_url)
    run = Run("redis", processes, pages)
    server_pids = [redis.proc.pid, _postmaster_pid(postgres)]
    workers: list[subprocess.Popen] = []
    catalog = Catalog(database_url)
    try:
        cmd = [str(sohoa_exe()), "worker", "--processes", "1", "--threads", "1"]
        for i in range(processes):
            with open(home / f"worker{i}.log", "wb") as log:
                workers.append(
                    subprocess.Popen(
                        cmd,
                        env=env,
                        cwd=home,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + warmup
        while time.monotonic() < deadline and _heartbeats(redis.port) < processes:
            time.sleep(0.2)
        time.sleep(1.0)  # let every process finish importing
        for i, w in enumerate(workers):
            if w.poll() is not None:
                raise RuntimeError(f"worker {i} exited: {_tail(home / f'worker{i}.log')}")
        sessions = {w.pid for w in workers}
        server_before = pid_cpu(server_pids)
        cpu0 = session_cpu(sessions) + server_before
        enqueue = run_measured(
            [str(sohoa_exe()), "ingest", str(batch_folder), "--no-wait", "--no-progress"],
            env=env,
            cwd=home,
            stdout=home / "ingest.out",
            stderr=home / "ingest.log",
            timeout=timeout,
        )
        started = time.perf_counter() - enqueue.wall_s
        if not enqueue.ok:
            raise RuntimeError(f"sohoa ingest --no-wait failed: {_tail(home / 'ingest.log')}")
        limit = time.monotonic() + timeout
        while True:
            indexed, failed = _indexed(catalog, pages)
            if indexed + failed >= pages:
                break
            if time.monotonic() > limit:
                raise RuntimeError(f"only {indexed} of {pages} pages indexed after {timeout} s")
            for i, w in enumerate(workers):
                if w.poll() is not None:
                    raise RuntimeError(f"worker {i} exited: {_tail(home / f'worker{i}.log')}")
            time.sleep(0.1)
        run.wall_s = time.perf_counter() - started
        server_after = pid_cpu(server_pids)
        cpu1 = session_cpu(sessions) + server_after
        run.cpu_s = cpu1 - cpu0 + enqueue.cpu_s
        run.server_cpu_s = server_after - server_before
        if failed:
            run.ok = False
            run.error = f"{failed} pages failed"
    except (RuntimeError, OSError) as exc:
        run.ok = False
        run.error = str(exc)
    finally:
        for w in workers:
            if w.poll() is None:
                _stop_session(w)
        catalog.close()
    return run


def _postmaster_pid(postgres: Any) -> int:
    pidfile = postgres.folder / "data" / "postmaster.pid"
    return int(pidfile.read_text().split()[0])


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=24, help="dense pages (default 24)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument(
        "--modes", default="embedded,redis", help="comma-separated: embedded, redis (default both)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument(
        "--warmup", type=float, default=30.0, help="max seconds for workers to start"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(args.modes) <= {"embedded", "redis"} or not args.modes:
        parser.error("--modes takes embedded, redis or both")
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    return args


def _efficiency(one: Run | None, two: Run | None) -> float | None:
    if one is None or two is None or not (one.ok and two.ok) or one.pages_per_min <= 0:
        return None
    return two.pages_per_min / (2 * one.pages_per_min)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"machine: {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['cpu_model']}, {machine['ram_gib']} GiB RAM, load {machine['load_avg_1m']}"
    )
    if args.pages < 20:
        print(f"note: {args.pages} pages is a smoke run; use at least 20 for figures")
    batch = make_batch(work, pages=args.pages, seed=args.seed)
    pages = len(batch.pages)
    runs_dir = work / "runs"
    if runs_dir.exists():
        import shutil

        shutil.rmtree(runs_dir)
    runs: dict[tuple[str, int], Run] = {}

    def report(run: Run) -> None:
        state = "ok" if run.ok else f"FAILED: {run.error}"
        print(
            f"  {run.mode} x{run.parallel}: {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU, "
            f"{run.pages_per_min:.1f} pages/min, {state}",
            flush=True,
        )

    if "embedded" in args.modes:
        for jobs in (1, 2):
            print(f"embedded, {jobs} worker thread(s) ...", flush=True)
            run = run_embedded(
                batch.folder, pages, runs_dir / f"embedded-{jobs}", jobs=jobs, timeout=args.timeout
            )
            runs[("embedded", jobs)] = run
            report(run)

    if "redis" in args.modes:
        from tests.services import ServiceError, start_postgres, start_redis

        try:
            redis = start_redis()
            postgres = start_postgres()
        except ServiceError as exc:
            print(f"cannot start the servers: {exc}")
            return 1
        try:
            for procs in (1, 2):
                print(f"redis + PostgreSQL, {procs} worker process(es) ...", flush=True)
                run = run_distributed(
                    batch.folder,
                    pages,
                    runs_dir / f"redis-{procs}",
                    processes=procs,
                    redis=redis,
                    postgres=postgres,
                    timeout=args.timeout,
                    warmup=args.warmup,
                )
                runs[("redis", procs)] = run
                report(run)
        finally:
            postgres.stop()
            redis.stop()

    rows = [
        (
            r.mode,
            r.parallel,
            r.pages,
            round(r.wall_s, 1),
            round(r.pages_per_min, 1),
            round(r.cpu_per_page, 2),
            round(r.server_cpu_s / r.pages, 3) if r.pages else None,
            "ok" if r.ok else "FAILED",
        )
        for r in runs.values()
    ]
    print()
    print(
        format_table(
            (
                "mode",
                "workers",
                "pages",
                "wall s",
                "pages/min",
                "CPU s/page",
                "server CPU s/page",
                "state",
            ),
            rows,
        )
    )
    figures: dict[str, Any] = {}
    for mode in ("embedded", "redis"):
        eff = _efficiency(runs.get((mode, 1)), runs.get((mode, 2)))
        if eff is not None:
            figures[f"{mode}_efficiency"] = eff
            verdict = "meets" if eff >= TARGET_EFFICIENCY else "BELOW"
            print(
                f"scaling efficiency, {mode}: {eff:.0%} (throughput with 2 / (2 x with 1)); "
                f"{verdict} the {TARGET_EFFICIENCY:.0%} target"
            )
    emb, dist = runs.get(("embedded", 1)), runs.get(("redis", 1))
    if emb and dist and emb.ok and dist.ok:
        wall = dist.wall_per_page - emb.wall_per_page
        cpu = dist.cpu_per_page - emb.cpu_per_page
        figures["overhead_wall_s_per_page"] = wall
        figures["overhead_cpu_s_per_page"] = cpu
        print(
            f"broker + catalog overhead per page (redis+PostgreSQL minus embedded, 1 worker): "
            f"{wall * 1000:+.0f} ms wall, {cpu * 1000:+.0f} ms CPU "
            f"(of which redis-server + PostgreSQL: {dist.server_cpu_s / pages * 1000:.0f} ms)"
        )
    best = [r for r in runs.values() if r.ok]
    if best:
        cpu_page = (
            max(r.cpu_per_page for r in best if r.parallel == 1)
            if any(r.parallel == 1 for r in best)
            else best[0].cpu_per_page
        )
        figures["cpu_s_per_page_for_capacity"] = cpu_page
        print(f"CPU per page for capacity planning (docs/capacity.md): {cpu_page:.2f} s")
    if args.json:
        payload = {
            "machine": machine,
            "pages": pages,
            "runs": [r.to_dict() for r in runs.values()],
            "figures": figures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0 if all(r.ok for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
