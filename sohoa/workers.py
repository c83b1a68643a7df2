"""`sohoa worker`: worker processes consuming the broker's queues until told to stop."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from types import FrameType

from errors import ConfigError
from sohoa.config import Settings

log = logging.getLogger(__name__)


def _serve(settings: Settings, threads: int) -> None:
    from sohoa.pipeline import open_context
    from sohoa.runner import serve_worker

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current work and stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctx = open_context(settings)
    try:
        serve_worker(ctx, threads=threads, stop=stop)
    finally:
        ctx.close()


def run_workers(settings: Settings, *, processes: int, threads: int) -> None:
    """Run ``processes`` worker processes of ``threads`` threads each (one in this process
    when ``processes`` is 1)."""
    if not settings.broker:
        raise ConfigError(
            "sohoa worker needs a broker: set SOHOA_BROKER=redis://HOST:6379/0 (or amqp://...); "
            "without one, `sohoa ingest` does the work itself"
        )
    if processes < 1 or threads < 1:
        raise ConfigError("--processes and --threads must be at least 1")
    if processes == 1:
        _serve(settings, threads)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_serve, args=(settings, threads), name=f"sohoa-worker-{i}")
        for i in range(processes)
    ]
    for child in children:
        child.start()

    def forward(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # each child finishes its current message and stops

    signal.signal(signal.SIGTERM, forward)
    for child in children:
        child.join()
