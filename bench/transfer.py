"""Site-to-centre transfer on loopback: throughput with and without injected faults.

    nice -n 10 .venv/bin/python bench/transfer.py [--records N] [--docs D]

Builds a site archive with `sohoa ingest` (N records of D one-page documents), a centre
with `sohoa serve`, and times `sohoa push` straight to the centre and through the seeded
fault proxy of tests/transfer_helpers.py (each push into a fresh centre).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hotfolder_helpers import env_for, query, run  # noqa: E402
from tests.transfer_helpers import FaultProxy, centre_server, issue_key, make_site  # noqa: E402


def _one(site: Path, work: Path, name: str, faults: bool, chunk: int) -> dict:
    centre = work / f"centre-{name}"
    key = issue_key(centre, "BENCH")
    with centre_server(centre, work / f"{name}.log") as url:
        proxy = None
        if faults:
            port = int(url.rsplit(":", 1)[1])
            proxy = FaultProxy(("127.0.0.1", port), seed=3, fault_rate=0.3, stall_seconds=2.0)
            url = proxy.url
        conn = __import__("sqlite3").connect(site / "catalog.sqlite")
        conn.execute("DELETE FROM outbox")
        conn.commit()
        conn.close()
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=4)
    parser.add_argument("--docs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=65536)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = work / "site"
        make_site(site, work, {f"R{i}": args.docs for i in range(args.records)})
        for name, faults in (("clean", False), ("faults", True)):
            print(json.dumps(_one(site, work, name, faults, args.chunk)))


if __name__ == "__main__":
    main()
