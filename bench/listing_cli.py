"""``sohoa documents`` as a user runs it, on a catalog bench/catalog.py built: the time to
its first byte of output and to the last, its CPU seconds and its peak memory.

    nice -n 10 .venv/bin/python bench/listing_cli.py --pages 5000000 -- --batch 1 --json

``--tree DIR`` runs the command from another checkout (an older version, for a before/after;
its schema must match the catalog's). The arguments after ``--`` go to ``sohoa documents``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the listing once and print what it cost."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5_000_000)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument("args", nargs="*", help="arguments of sohoa documents")
    args = parser.parse_args()
    catalog = ROOT / "bench" / "out" / f"catalog-{args.pages}.sqlite"
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "SOHOA_HOME": home,
            "SOHOA_DATABASE_URL": f"sqlite:///{catalog}",
        }
        command = [sys.executable, "-m", "sohoa", "documents", *args.args]
        began = time.perf_counter()
        proc = subprocess.Popen(command, cwd=args.tree, env=env, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        first = proc.stdout.read(1)
        first_at = time.perf_counter() - began
        size = len(first) + sum(len(c) for c in iter(lambda: proc.stdout.read(1 << 20), b""))
        code = proc.wait(timeout=3600)
        wall = time.perf_counter() - began
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"sohoa documents {' '.join(args.args)} ({args.tree}): exit {code}, {size:,} bytes, "
        f"first byte after {first_at:.2f} s, all after {wall:.2f} s, "
        f"CPU {use.ru_utime + use.ru_stime:.2f} s, peak RSS {use.ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
