"""The summary counts (archive.catalog.summary) equal a recount from the base tables after
every kind of write, with writers running at once, on SQLite and PostgreSQL; the migration
backfills a catalog that already holds data."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import update

from archive import schema as t
from archive import stats
from archive.catalog import Catalog, PageSource, summary


def _fill(catalog: Catalog, tag: str, documents: int = 4, pages: int = 3) -> list[int]:
    batch = catalog.begin_batch(f"lo-{tag}", "/in")
    doc_ids = []
    for n in range(documents):
        record = catalog.ensure_record(f"PHONG-{n % 2}", f"HS-{tag}-{n % 3}")
        source = catalog.register_file(
            kind="original",
            path=f"in/{tag}/{n}.pdf",
            size=100 + n,
            sha256=f"{tag}{n}".ljust(64, "0"),
        )
        doc_id, _pages = catalog.add_document(
            record_id=record,
            batch_id=batch,
            name=f"{tag}-{n}.pdf",
            source_key=f"key-{tag}-{n}",
            source_files=[source],
            pages=[PageSource(source, index, "pdf") for index in range(pages)],
        )
        doc_ids.append(doc_id)
    return doc_ids


def _assert_consistent(catalog: Catalog) -> None:
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)


def _exercise(catalog: Catalog) -> None:
    docs = _fill(catalog, "a")
    _assert_consistent(catalog)
    with catalog.tx() as conn:
        # recognition, failure, packaging with a PDF/A file
        conn.execute(update(t.page).where(t.page.c.document_id == docs[0]).values(state="indexed"))
        conn.execute(update(t.page).where(t.page.c.document_id == docs[1]).values(state="failed"))
        conn.execute(update(t.document).where(t.document.c.id == docs[1]).values(state="failed"))
    pdf = catalog.register_file(kind="pdfa", path="pdfa/a.pdf", size=5000, sha256="f" * 64)
    with catalog.tx() as conn:
        conn.execute(
            update(t.document)
            .where(t.document.c.id == docs[0])
            .values(state="indexed", pdf_file_id=pdf)
        )
    _assert_consistent(catalog)
    catalog.retry_failed(actor="test")  # failed pages back to the queue
    _assert_consistent(catalog)
    with catalog.tx() as conn:
        # a split/join: pages move to another document, a document moves to another record
        conn.execute(
            update(t.page)
            .where(t.page.c.document_id == docs[2])
            .values(document_id=docs[3], seq=t.page.c.seq + 100)
        )
        other = conn.execute(
            t.record.select()
            .where(t.record.c.id != t.document.c.record_id)
            .where(t.document.c.id == docs[3])
        ).first()
        conn.execute(
            update(t.document)
            .where(t.document.c.id == docs[3])
            .values(record_id=other.id, seq=1000)
        )
    _assert_consistent(catalog)
    with catalog.tx() as conn:
        conn.execute(update(t.document).where(t.document.c.id == docs[2]).values(state="failed"))
    assert catalog.forget_failed_document(docs[2])  # deletes its rows
    _assert_consistent(catalog)


def test_summary_follows_every_write_on_sqlite(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _exercise(catalog)
    figures = stats.collect(catalog)
    assert figures["pages"] == 12 and figures["documents"] == 3
    catalog.close()


@pytest.mark.service
def test_summary_follows_every_write_on_postgres(postgres_server) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _exercise(catalog)
    catalog.close()


def _concurrent(catalog: Catalog) -> None:
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            docs = _fill(catalog, tag, documents=6)
            for doc in docs:
                with catalog.tx() as conn:
                    conn.execute(
                        update(t.page).where(t.page.c.document_id == doc).values(state="indexed")
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for fonds in ("PHONG-0", "PHONG-1"):  # fonds rows first: their creation is not the test
        catalog.ensure_record(fonds, "HS-setup")
    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    _assert_consistent(catalog)
    assert stats.collect(catalog)["pages_by_state"] == {"indexed": 54}


def test_summary_correct_under_concurrent_writers_sqlite(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _concurrent(catalog)
    catalog.close()


@pytest.mark.service
def test_summary_correct_under_concurrent_writers_postgres(postgres_server) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _concurrent(catalog)
    catalog.close()


def test_migration_backfills_a_catalog_with_data(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from archive.catalog.core import MIGRATIONS

    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    _fill(catalog, "old")  # written before the summary existed
    catalog.create()  # upgrades to head: creates and backfills the summary
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)
        assert summary.totals(conn, "page", "state") == {"received": (12, 0)}
    catalog.close()


def test_keyset_pages_list_every_document_once(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _fill(catalog, "k", documents=7)
    whole = stats.documents(catalog)
    seen, after = [], None
    while page := stats.documents(catalog, after=after, limit=3):
        seen.extend(page)
        after = page[-1]["id"]
    assert [d["id"] for d in seen] == [d["id"] for d in whole]
    assert seen == whole  # the same rows, sources and pages as the whole listing
    catalog.close()
