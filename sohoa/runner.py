"""Run queued work to completion in this process (the embedded mode)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker

from sohoa.actors import Actors, declare_actors, make_broker
from sohoa.pipeline import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    total: int  # pages of the documents being processed
    done: int  # pages recognised or further
    failed: int
    documents_done: int
    documents_total: int
    elapsed: float

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.done / self.elapsed if self.elapsed > 0 else 0.0


def _progress(ctx: Context, batch_ids: set[int], started: float) -> Progress:
    pages: dict[str, int] = {}
    docs: dict[str, int] = {}
    for batch_id in batch_ids:
        counts = ctx.catalog.batch_progress(batch_id)
        for state, n in counts["pages"].items():
            pages[state] = pages.get(state, 0) + n
        for state, n in counts["documents"].items():
            docs[state] = docs.get(state, 0) + n
    total = sum(pages.values())
    failed = pages.get("failed", 0)
    done = sum(n for s, n in pages.items() if s in ("recognised", "packaged", "indexed"))
    return Progress(
        total=total,
        done=done,
        failed=failed,
        documents_done=docs.get("indexed", 0) + docs.get("failed", 0),
        documents_total=sum(docs.values()),
        elapsed=time.monotonic() - started,
    )


def run_embedded(
    ctx: Context,
    batch_ids: set[int],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    poll_ms: int = 500,
) -> Progress:
    """Process every unfinished page and document in the catalog with in-process workers.

    Work left over by an earlier interrupted run is picked up too: the catalog, not the
    queue, says what remains.
    """
    broker = make_broker()
    actors: Actors = declare_actors(ctx, broker)
    pages, to_package, to_index = ctx.catalog.unfinished_work()
    started = time.monotonic()
    worker = dramatiq.Worker(broker, worker_threads=ctx.settings.workers, worker_timeout=100)
    worker.start()
    try:
        for doc_id in to_index + to_package:
            actors.package.send(doc_id)
        for page_id in pages:
            actors.recognise.send(page_id)
        log.info("queued %d pages and %d documents", len(pages), len(to_package) + len(to_index))
        while True:
            if on_progress is not None:
                on_progress(_progress(ctx, batch_ids, started))
            if _idle(broker, actors, poll_ms):
                break
    finally:
        worker.stop()
        broker.close()
    final = _progress(ctx, batch_ids, started)
    if on_progress is not None:
        on_progress(final)
    return final


def _idle(broker: StubBroker, actors: Actors, poll_ms: int) -> bool:
    """True when both queues are drained (join returns) within ``poll_ms``."""
    try:
        for queue in actors.queues:
            broker.join(queue, timeout=poll_ms, fail_fast=False)
        for queue in actors.queues:
            broker.join(queue, timeout=poll_ms, fail_fast=False)
    except dramatiq.errors.QueueJoinTimeout:
        return False
    return True
