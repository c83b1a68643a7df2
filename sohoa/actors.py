"""Dramatiq actors: thin wrappers that decode a message (ids only) and call a stage.

``declare_actors`` binds the actors to a broker and a pipeline context without global state,
so the embedded mode (a ``StubBroker`` worked by threads in this process) and a real broker
use the same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from errors import ConfigError, InputError
from sohoa import pipeline
from sohoa.config import Settings
from sohoa.pipeline import Context

log = logging.getLogger(__name__)

PAGES_QUEUE = "sohoa-pages"
DOCUMENTS_QUEUE = "sohoa-documents"


@dataclass(frozen=True)
class Actors:
    """The two actors (recognise a page, package a document) bound to one broker."""

    broker: dramatiq.Broker
    recognise: dramatiq.Actor
    package: dramatiq.Actor

    @property
    def queues(self) -> tuple[str, str]:
        """The names of the queues the actors consume."""
        return (PAGES_QUEUE, DOCUMENTS_QUEUE)


def _last_attempt() -> bool:
    """True when the message being processed will not be retried after this failure."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    return message.options.get("retries", 0) >= message.options.get("max_retries", 3)


def make_broker(settings: Settings | None = None) -> dramatiq.Broker:
    """The broker named by ``SOHOA_BROKER``: Redis, RabbitMQ, or (empty) in-process."""
    url = settings.broker if settings is not None else ""
    if not url:
        broker: dramatiq.Broker = StubBroker()
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(
            url=url, heartbeat_timeout=settings.broker_heartbeat_ms if settings else 60_000
        )
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ConfigError(
            f"SOHOA_BROKER={url!r} is not supported: use redis://HOST:6379/0, amqp://HOST, "
            "or leave it empty to work in-process"
        )
    broker.add_middleware(CurrentMessage())
    return broker


def declare_actors(ctx: Context, broker: dramatiq.Broker) -> Actors:
    """Bind the stage actors to ``broker``, working with ``ctx`` (no global state)."""
    settings = ctx.settings
    # A worker's time limit cannot stop a subprocess: tesseract has its own timeout, and
    # this limit only catches a stage that hangs in Python.
    page_limit_ms = int((settings.ocr_timeout * 2 + settings.osd_timeout + 120) * 1000)

    def recognise(page_id: int) -> None:
        try:
            doc_id = pipeline.recognise_page(ctx, page_id)
        except Exception as exc:
            log.exception("page %s: unexpected error while recognising", page_id)
            if _last_attempt():
                pipeline.record_page_crash(ctx, page_id, exc)
            raise
        if doc_id is not None:
            package_actor.send(doc_id)

    def package(doc_id: int) -> None:
        try:
            pipeline.package_document(  # no-op unless it waits for packaging
                ctx, doc_id, on_split=lambda parts: [package_actor.send(i) for i in parts]
            )
            pipeline.index_document(ctx, doc_id)  # no-op unless packaged: resumes a kill here
        except Exception as exc:
            log.exception("document %s: unexpected error while packaging", doc_id)
            if _last_attempt():
                ctx.catalog.document_failed(
                    doc_id, f"internal error while packaging: {exc!r}", stage="package"
                )
            raise

    recognise_actor = dramatiq.Actor(
        recognise,
        broker=broker,
        actor_name="sohoa_recognise_page",
        queue_name=PAGES_QUEUE,
        priority=10,
        options={
            "max_retries": 3,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
            "time_limit": page_limit_ms,
            "throws": (InputError,),
        },
    )
    package_actor = dramatiq.Actor(
        package,
        broker=broker,
        actor_name="sohoa_package_document",
        queue_name=DOCUMENTS_QUEUE,
        priority=0,  # finish documents first: frees their work files early
        options={
            "max_retries": 3,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
            "time_limit": 30 * 60_000,
            "throws": (InputError,),
        },
    )
    return Actors(broker=broker, recognise=recognise_actor, package=package_actor)
