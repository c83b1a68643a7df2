"""The review queue in keyset pages (archive.review.review_page) over its partial index:
every flagged document listed once, in id order, also while other writers add documents, on
SQLite and PostgreSQL; the planners use the index for it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import update

from archive import review
from archive import schema as t
from archive.catalog import Catalog, PageSource

FLAGGED = {"summary": {"value": "V/v", "flags": ["low confidence"]}, "needs_review": True}
CLEAN = {"summary": {"value": "V/v", "flags": []}, "needs_review": False}
WARNED = {"summary": {"value": "V/v", "flags": []}, "warnings": ["odd"], "needs_review": True}


def _add(catalog: Catalog, tag: str, kinds: list[str]) -> list[int]:
    """Documents of ``kinds`` ("flagged", "clean", "warned", "received"); the flagged ids."""
    batch = catalog.begin_batch(f"lo-{tag}", "/in")
    flagged = []
    for n, kind in enumerate(kinds):
        record = catalog.ensure_record("PHONG-0", f"HS-{tag}-{n % 3}")
        source = catalog.register_file(
            kind="original", path=f"in/{tag}/{n}.pdf", size=10, sha256=f"{tag}-{n}".ljust(64, "0")
        )
        doc, _pages = catalog.add_document(
            record_id=record,
            batch_id=batch,
            name=f"{tag}-{n}.pdf",
            source_key=f"key-{tag}-{n}",
            source_files=[source],
            pages=[PageSource(source, 0, "pdf")],
        )
        fields = {"flagged": FLAGGED, "clean": CLEAN, "warned": WARNED}.get(kind, FLAGGED)
        state = "received" if kind == "received" else ("packaged" if n % 2 else "indexed")
        with catalog.tx() as conn:
            conn.execute(
                update(t.document).where(t.document.c.id == doc).values(state=state, fields=fields)
            )
        if kind == "flagged":
            flagged.append(doc)
    return flagged


def _pages(catalog: Catalog, limit: int) -> list[int]:
    seen: list[int] = []
    after = None
    while page := review.review_page(catalog, after=after, limit=limit):
        assert len(page) <= limit
        seen.extend(d["id"] for d in page)
        after = page[-1]["id"]
    return seen


def _exercise(catalog: Catalog) -> None:
    kinds = ["flagged", "clean", "warned", "received", "flagged", "flagged", "clean"] * 5
    flagged = _add(catalog, "a", kinds)
    for limit in (1, 2, 3, 50):
        assert _pages(catalog, limit) == flagged
    assert [d["id"] for d in review.documents_to_review(catalog)] == flagged
    first = review.review_page(catalog, limit=2)
    assert first[0]["fields"] == [
        {"field": "summary", "value": "V/v", "reasons": ["low confidence"]}
    ]
    assert review.count_to_review(catalog) == len(flagged) + kinds.count("warned")
    # a review that settles the last flag takes the document out of the queue (and the index)
    review.review_field(catalog, flagged[0], "summary", actor="lan")
    assert _pages(catalog, 4) == flagged[1:]


def _concurrent(catalog: Catalog) -> None:
    before = _add(catalog, "old", ["flagged", "clean", "flagged"] * 10)
    stop = threading.Event()
    errors: list[BaseException] = []
    added: list[int] = []

    def writer() -> None:
        try:
            n = 0
            while not stop.is_set() and n < 40:
                added.extend(_add(catalog, f"new{n}", ["flagged", "clean"]))
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = _pages(catalog, 2)
    finally:
        stop.set()
        thread.join(timeout=120)
    assert not errors
    assert seen == sorted(set(seen))  # in id order, none twice
    assert set(before) <= set(seen)  # none that existed before the listing began is lost
    assert set(seen) <= set(before) | set(added)
    assert _pages(catalog, 3) == sorted(before + added)  # afterwards: all of them


def test_review_pages_on_sqlite(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _exercise(catalog)
    with catalog.tx() as conn:  # INDEXED BY fails unless the index can answer the query
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT document.id FROM document INDEXED BY "
                f"{review.REVIEW_INDEX} JOIN record ON record.id = document.record_id WHERE "
                f"{review.listed_sql('sqlite')} AND document.id > 0 ORDER BY document.id LIMIT 5"
            )
        )
    assert review.REVIEW_INDEX in plan and "TEMP B-TREE" not in plan
    catalog.close()


def test_review_pages_under_concurrent_inserts_sqlite(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _concurrent(catalog)
    catalog.close()


@pytest.mark.service
def test_review_pages_on_postgres(postgres_server) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _exercise(catalog)
    with catalog.tx() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN SELECT document.id FROM document WHERE "
                f"{review.listed_sql('postgresql')} AND document.id > 0 "
                "ORDER BY document.id LIMIT 5"
            )
        )
    assert review.REVIEW_INDEX in plan
    catalog.close()


@pytest.mark.service
def test_review_pages_under_concurrent_inserts_postgres(postgres_server) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _concurrent(catalog)
    catalog.close()


def test_migration_marks_documents_flagged_before_it(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from archive.catalog.core import MIGRATIONS

    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
    flagged = _add(catalog, "old", ["flagged", "clean", "flagged"])
    with catalog.tx() as conn:  # flags without needs_review, as older writers left them
        conn.execute(
            update(t.document)
            .where(t.document.c.id == flagged[0])
            .values(fields={"summary": {"value": "V/v", "flags": ["weak"]}})
        )
    catalog.create()  # upgrades to head
    assert _pages(catalog, 2) == flagged
    catalog.close()


def test_service_pages_carry_the_next_cursor(settings) -> None:
    from sohoa import pipeline
    from sohoa.services import review as service

    ctx = pipeline.open_context(settings)
    try:
        flagged = _add(ctx.catalog, "s", ["flagged", "clean", "warned"] * 3)
        seen, after, pages = [], None, 0
        while True:
            queue = service.review_queue(ctx, after=after, limit=2)
            assert queue["marked"] == 6  # three flagged, three marked for warnings alone
            seen.extend(d["id"] for d in queue["documents"])
            pages += 1
            if queue["next_after"] is None:
                break
            after = queue["next_after"]
        assert seen == flagged and pages == 2
    finally:
        ctx.close()
