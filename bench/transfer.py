"""Site-to-centre transfer on loopback, and backup/restore of a 10,000-page archive.

    nice -n 10 .venv/bin/python bench/transfer.py [--parts throughput,resume,backup]
        [--records N] [--docs D] [--chunk BYTES] [--bandwidth B/s] [--pages P]

``throughput``: a site archive made by `sohoa ingest` (N records of D one-page documents),
a centre with `sohoa serve`; `sohoa push` timed straight to the centre and through the
seeded fault proxy of tests/transfer_helpers.py (each push into a fresh centre).

``resume``: the overhead of resuming. Pushes go through the proxy with no faults (it counts
the bytes the site sends) at ``--bandwidth`` bytes/s, each run under a fresh site code so
the one centre imports every run afresh. A straight push is the reference; then for each
kill point (a fraction of the straight push's wall time) a push is SIGKILLed there and
`sohoa push` run again until done; and one run is killed three times. Bytes re-sent and
seconds lost per interruption are the differences to the straight run.

``backup``: see bench/transfer_backup.py (backup, verify, restore, audit, search,
incremental backup of a ``--pages`` archive).

Prints one JSON line per case; wall and CPU seconds (the process and its children).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_measured  # noqa: E402
from tests.hotfolder_helpers import env_for, query, run  # noqa: E402
from tests.transfer_helpers import FaultProxy, centre_server, issue_key, make_site  # noqa: E402


def _reset_outbox(site: Path) -> None:
    conn = sqlite3.connect(site / "catalog.sqlite")
    conn.execute("DELETE FROM outbox")
    conn.commit()
    conn.close()
    shutil.rmtree(site / "outbox", ignore_errors=True)


def _one(site: Path, work: Path, name: str, faults: bool, chunk: int) -> dict:
    centre = work / f"centre-{name}"
    key = issue_key(centre, "BENCH")
    with centre_server(centre, work / f"{name}.log") as url:
        proxy = None
        if faults:
            port = int(url.rsplit(":", 1)[1])
            proxy = FaultProxy(("127.0.0.1", port), seed=3, fault_rate=0.3, stall_seconds=2.0)
            url = proxy.url
        _reset_outbox(site)
        env = env_for(
            site,
            SOHOA_TRANSFER_CHUNK_BYTES=str(chunk),
            SOHOA_TRANSFER_TIMEOUT="1",
            SOHOA_TRANSFER_RETRIES="50",
        )
        began = time.monotonic()
        done = run(["push", "--to", url, "--key", key, "--json"], env)
        seconds = time.monotonic() - began
        if proxy is not None:
            proxy.close()
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        return {
            "case": name,
            "seconds": round(seconds, 2),
            "bytes": report["bytes_sent"],
            "kB_per_s": round(report["bytes_sent"] / seconds / 1000, 1),
            "retries": report["retries"],
            "records": len(query(centre, "SELECT id FROM received")),
            "faults": proxy.faults if proxy else {},
        }


def _push_run(site: Path, centre: Path, url: str, code: str, kills: list[float], env: dict) -> dict:
    """One push to the end under site code ``code``, SIGKILLed after each of ``kills`` s."""
    key = issue_key(centre, code)
    _reset_outbox(site)
    port = int(url.rsplit(":", 1)[1])
    proxy = FaultProxy(("127.0.0.1", port), fault_rate=0.0)
    wall = cpu = 0.0
    killed = 0
    try:
        argv = [sys.executable, "-m", "sohoa", "push", "--to", proxy.url, "--key", key]
        for attempt in range(20):
            limit = kills[attempt] if attempt < len(kills) else 600.0
            m = run_measured(argv, env=env, timeout=limit)
            wall += m.wall_s
            cpu += m.cpu_s
            if m.timed_out:
                killed += 1
                continue
            if m.returncode == 0:
                break
        else:
            raise SystemExit(f"{code}: push did not finish")
    finally:
        proxy.close()
    received = query(centre, "SELECT count(*) FROM received WHERE site = ?", code)[0][0]
    return {
        "site": code,
        "kills": killed,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "bytes_up": proxy.bytes_up,
        "records": received,
    }


def resume(site: Path, work: Path, chunk: int, bandwidth: int) -> list[dict]:
    """The straight push and the interrupted ones (see the module's description)."""
    env = env_for(
        site,
        SOHOA_TRANSFER_CHUNK_BYTES=str(chunk),
        SOHOA_TRANSFER_BANDWIDTH=str(bandwidth),
        SOHOA_TRANSFER_TIMEOUT="5",
    )
    centre = work / "centre-resume"
    rows = []
    with centre_server(centre, work / "resume.log") as url:
        straight = _push_run(site, centre, url, "STRAIGHT", [], env)
        straight["case"] = "straight"
        rows.append(straight)
        base_wall, base_bytes = straight["wall_s"], straight["bytes_up"]
        plans = [(f"killed at {f:.0%}", [f * base_wall]) for f in (0.25, 0.5, 0.75)]
        plans.append(("killed 3 times at 40%", [0.4 * base_wall] * 3))
        for n, (name, kills) in enumerate(plans):
            row = _push_run(site, centre, url, f"RESUME{n}", kills, env)
            per = max(1, row["kills"])
            row.update(
                case=name,
                extra_bytes_per_kill=round((row["bytes_up"] - base_bytes) / per),
                seconds_lost_per_kill=round((row["wall_s"] - base_wall) / per, 2),
                cpu_s_lost_per_kill=round((row["cpu_s"] - straight["cpu_s"]) / per, 2),
            )
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="throughput,resume,backup")
    parser.add_argument("--records", type=int, default=4)
    parser.add_argument("--docs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=65536)
    parser.add_argument("--bandwidth", type=int, default=40_000, help="resume: bytes/s")
    parser.add_argument("--pages", type=int, default=10_000, help="backup: archive pages")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = work / "site"
        if parts & {"throughput", "resume"}:
            make_site(site, work, {f"R{i}": args.docs for i in range(args.records)})
        if "throughput" in parts:
            for name, faults in (("clean", False), ("faults", True)):
                print(json.dumps(_one(site, work, name, faults, args.chunk)), flush=True)
        if "resume" in parts:
            for row in resume(site, work, 16384, args.bandwidth):
                print(json.dumps(row), flush=True)
        if "backup" in parts:
            from bench.transfer_backup import run as backup_run

            for row in backup_run(work / "backup-bench", args.pages):
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
