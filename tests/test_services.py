"""The test harness's real servers: redis-server and PostgreSQL answer, and sohoa uses them."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, inspect, select, text

from archive import Catalog, PageSource
from archive import schema as t
from archive.fixity import audit
from tests import services
from tests.services import ServiceError

pytestmark = pytest.mark.service


def test_redis_server_answers_and_flushes(redis_server, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("sohoa-test", "ok")
        assert client.get("sohoa-test") == b"ok"
        redis_server.flush()
        assert client.get("sohoa-test") is None
    finally:
        client.close()


def test_dramatiq_round_trip_over_real_redis(redis_server, redis_url: str) -> None:
    redis_server.flush()
    broker = RedisBroker(url=redis_url, namespace="sohoa-harness-test")
    seen: list[int] = []
    lock = threading.Lock()

    def record(n: int) -> None:
        with lock:
            seen.append(n)

    actor = dramatiq.Actor(
        record,
        broker=broker,
        actor_name="harness_record",
        queue_name="harness",
        priority=0,
        options={},
    )
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        for n in range(10):
            actor.send(n)
        broker.join("harness", timeout=20_000)
        worker.join()
    finally:
        worker.stop()
        broker.close()
    assert sorted(seen) == list(range(10))


def test_postgres_holds_the_catalog_schema(postgres_url: str) -> None:
    catalog = Catalog(postgres_url)
    try:
        assert catalog.engine.dialect.name == "postgresql"
        catalog.create()
        catalog.create()  # idempotent
        with catalog.tx() as conn:
            assert conn.execute(text("SELECT version()")).scalar().startswith("PostgreSQL")
            tables = set(inspect(conn).get_table_names())
        assert set(t.metadata.tables) <= tables
    finally:
        catalog.close()


def test_catalog_and_audit_on_postgres(postgres_server, tmp_path: Path) -> None:
    catalog = Catalog(postgres_server.create_database())
    home = tmp_path / "home"
    try:
        catalog.create()
        batch_id = catalog.begin_batch("b", str(tmp_path))
        record_id = catalog.ensure_record("PHONG", "HS-1")
        data = b"scan bytes"
        (home / "originals").mkdir(parents=True)
        (home / "originals" / "a.tif").write_bytes(data)
        file_id = catalog.register_file(
            kind="original",
            path="originals/a.tif",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        _, page_ids = catalog.add_document(
            record_id=record_id,
            batch_id=batch_id,
            name="a.tif",
            source_key="k" * 64,
            source_files=[file_id],
            pages=[PageSource(file_id, i, "tiff") for i in range(2)],
        )
        assert len(page_ids) == 2
        clean = audit(catalog, home)
        assert clean.clean and clean.checked == clean.ok == 1
        (home / "originals" / "a.tif").write_bytes(b"scan bytez")
        (home / "originals" / "b.tif").write_bytes(b"?")
        found = audit(catalog, home)
        assert found.changed == ["originals/a.tif"]
        assert found.unknown == ["originals/b.tif"]
        with catalog.tx() as conn:
            audits = conn.execute(
                select(func.count()).select_from(t.event).where(t.event.c.kind == "audit")
            ).scalar()
        assert audits == 2
    finally:
        catalog.close()


def test_missing_server_binary_fails_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ServiceError, match="scripts/install.sh"):
        services.start_redis()
    monkeypatch.setattr(services.glob, "glob", lambda pattern: [])
    with pytest.raises(ServiceError, match="scripts/install.sh"):
        services.start_postgres()
