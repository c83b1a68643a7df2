"""Drive queued work: in this process (embedded mode) or through a broker's workers.

The catalog, not the queue, says what is left: every mode starts by queueing the unfinished
work it finds there, and waiting loops re-queue work whose message or worker was lost.
Duplicate messages are harmless because stages claim their page or document first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker

from sohoa.actors import Actors, declare_actors, make_broker
from sohoa.pipeline import Context

log = logging.getLogger(__name__)

DONE_PAGE_STATES = ("recognised", "packaged", "indexed")


@dataclass(frozen=True)
class Progress:
    """How far the watched batches are: pages and documents done, failed, in total."""

    total: int  # pages of the batches being watched
    done: int  # pages recognised or further
    failed: int
    documents_done: int  # indexed or failed
    documents_total: int
    elapsed: float

    @property
    def pages_per_minute(self) -> float:
        """Pages done per minute since the watch began."""
        return 60.0 * self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def finished(self) -> bool:
        """True when every document is indexed or failed."""
        return self.documents_done >= self.documents_total


def progress(ctx: Context, batch_ids: set[int], started: float) -> Progress:
    """The progress of ``batch_ids`` now, timed from ``started`` (``time.monotonic``)."""
    pages: dict[str, int] = {}
    docs: dict[str, int] = {}
    for batch_id in batch_ids:
        counts = ctx.catalog.batch_progress(batch_id)
        for state, n in counts["pages"].items():
            pages[state] = pages.get(state, 0) + n
        for state, n in counts["documents"].items():
            docs[state] = docs.get(state, 0) + n
    return Progress(
        total=sum(pages.values()),
        done=sum(n for s, n in pages.items() if s in DONE_PAGE_STATES),
        failed=pages.get("failed", 0),
        documents_done=docs.get("indexed", 0) + docs.get("failed", 0),
        documents_total=sum(docs.values()),
        elapsed=time.monotonic() - started,
    )


def enqueue_unfinished(ctx: Context, actors: Actors, *, stale_after: float | None = None) -> int:
    """Queue what the catalog says is unfinished; returns the number of messages sent."""
    pages, to_package, to_index = ctx.catalog.unfinished_work(stale_after=stale_after)
    for doc_id in to_index + to_package:
        actors.package.send(doc_id)
    for page_id in pages:
        actors.recognise.send(page_id)
    sent = len(pages) + len(to_package) + len(to_index)
    if sent:
        log.info("queued %d pages and %d documents", len(pages), sent - len(pages))
    return sent


def run_embedded(
    ctx: Context,
    batch_ids: set[int],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    poll_ms: int = 500,
) -> Progress:
    """Process every unfinished page and document in the catalog with in-process workers.

    Work left by an interrupted run is picked up too. No other process works on an
    embedded catalog, so claims left by a killed run are released first.
    """
    broker = make_broker()
    actors = declare_actors(ctx, broker)
    ctx.catalog.release_claims()
    started = time.monotonic()
    worker = dramatiq.Worker(broker, worker_threads=ctx.settings.workers, worker_timeout=100)
    worker.start()
    try:
        enqueue_unfinished(ctx, actors)
        while True:
            if on_progress is not None:
                on_progress(progress(ctx, batch_ids, started))
            if _idle(broker, actors, poll_ms):
                break
    finally:
        worker.stop()
        broker.close()
    final = progress(ctx, batch_ids, started)
    if on_progress is not None:
        on_progress(final)
    return final


def _idle(broker: StubBroker, actors: Actors, poll_ms: int) -> bool:
    """True when both queues are drained (join returns) within ``poll_ms``."""
    try:
        for _ in range(2):  # twice: a page finishing may just have queued its document
            for queue in actors.queues:
                broker.join(queue, timeout=poll_ms, fail_fast=False)
    except dramatiq.errors.QueueJoinTimeout:
        return False
    return True


def wait_for_batches(
    ctx: Context,
    actors: Actors,
    batch_ids: set[int],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    poll_seconds: float = 1.0,
    timeout: float | None = None,
) -> Progress:
    """Broker mode: watch the catalog until the batches are done, re-queueing lost work."""
    started = time.monotonic()
    last_sweep = started
    sweep_every = max(5.0, ctx.settings.lease / 2)
    while True:
        current = progress(ctx, batch_ids, started)
        if on_progress is not None:
            on_progress(current)
        if current.finished:
            return current
        if timeout is not None and current.elapsed > timeout:
            return current
        if time.monotonic() - last_sweep > sweep_every:
            enqueue_unfinished(ctx, actors, stale_after=ctx.settings.lease)
            last_sweep = time.monotonic()
        time.sleep(poll_seconds)


def serve_worker(ctx: Context, *, threads: int, stop: threading.Event) -> None:
    """One worker process: consume the broker's queues until ``stop`` is set.

    It also sweeps: work untouched for longer than the lease (its worker died) is queued
    again, so a crashed machine never leaves pages behind.
    """
    broker = make_broker(ctx.settings)
    actors = declare_actors(ctx, broker)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=1000)
    worker.start()
    log.info("worker started: %d threads on %s", threads, ctx.settings.broker)
    sweep_every = max(5.0, ctx.settings.lease / 2)
    try:
        while not stop.wait(sweep_every):
            enqueue_unfinished(ctx, actors, stale_after=ctx.settings.lease)
    finally:
        worker.stop()
        broker.close()
