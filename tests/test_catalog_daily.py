"""The documents and pages archived per day (summary kind ``archived``, kept by triggers on
the event log) equal what ``sohoa stats`` and the dashboard counted from the event log at
every request, over several days with failures and a re-indexed document, on SQLite and
PostgreSQL, with writers at once, after the 0008 migration's backfill; after a staff split or
join the days keep the pages indexed on them (the old query rewrote them)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import String, cast, func, select, update

from archive import schema as t
from archive import stats
from archive.catalog import Catalog, DocumentPart, PageSource, summary
from sohoa.services import statistics

DAYS = [datetime(2026, 3, d, 9, 30, tzinfo=UTC) for d in (1, 2, 3, 4, 5)]


class Clock:
    """The moment the catalog's events are stamped with (set per step of a test)."""

    def __init__(self) -> None:
        self.at = DAYS[0]

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    chosen = Clock()
    monkeypatch.setattr("archive.catalog.events.now", chosen)
    return chosen


def _fill(catalog: Catalog, tag: str, pages: list[int]) -> list[int]:
    """Documents of ``pages`` pages each in a new batch, two records; their ids."""
    batch = catalog.begin_batch(f"lo-{tag}", "/in")
    ids = []
    for n, count in enumerate(pages):
        record = catalog.ensure_record("PHONG-1", f"HS-{tag}-{n % 2}")
        source = catalog.register_file(
            kind="original", path=f"in/{tag}/{n}.pdf", size=100, sha256=f"{tag}{n}".ljust(64, "0")
        )
        doc_id, _pages = catalog.add_document(
            record_id=record,
            batch_id=batch,
            name=f"{tag}-{n}.pdf",
            source_key=f"key-{tag}-{n}",
            source_files=[source],
            pages=[PageSource(source, index, "pdf") for index in range(count)],
        )
        ids.append(doc_id)
    return ids


def _index(catalog: Catalog, doc_id: int) -> None:
    """Package (by hand) and index a document through the catalog's own call."""
    with catalog.tx() as conn:
        conn.execute(update(t.document).where(t.document.c.id == doc_id).values(state="packaged"))
    assert catalog.document_indexed(doc_id)


def _old_documents_per_day(catalog: Catalog) -> list[tuple[str, int]]:
    """The query ``collect()`` ran before migration 0008."""
    with catalog.tx() as conn:
        day = func.substr(cast(t.event.c.at, String), 1, 10)
        rows = conn.execute(
            select(day, func.count()).where(t.event.c.kind == "indexed").group_by(day).order_by(day)
        ).all()
    return [(d, n) for d, n in rows]


def _old_pages_per_day(catalog: Catalog) -> list[tuple[str, float]]:
    """The query ``series()`` ran before migration 0008."""
    with catalog.tx() as conn:
        day = func.substr(cast(t.event.c.at, String), 1, 10)
        rows = conn.execute(
            select(day, func.coalesce(func.sum(t.document.c.page_count), 0))
            .select_from(t.event)
            .join(t.document, t.document.c.id == t.event.c.document_id)
            .where(t.event.c.kind == "indexed")
            .group_by(day)
            .order_by(day)
        ).all()
    return [(str(d), float(n)) for d, n in rows]


def _new_documents_per_day(catalog: Catalog) -> list[tuple[str, int]]:
    rows = stats.collect(catalog)["documents_archived_per_day"]
    return [(r["day"], r["documents"]) for r in rows]


def _new_pages_per_day(catalog: Catalog) -> list[tuple[str, float]]:
    return statistics.series(catalog)["pages_per_day"]


def _assert_as_before(catalog: Catalog) -> None:
    assert _new_documents_per_day(catalog) == _old_documents_per_day(catalog)
    assert _new_pages_per_day(catalog) == _old_pages_per_day(catalog)
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)


def _history(catalog: Catalog, clock: Clock) -> list[int]:
    """Five days of work: indexing, a failure, a re-index, an event written without pages."""
    docs = _fill(catalog, "a", [3, 2, 4, 1, 5])
    clock.at = DAYS[0]
    _index(catalog, docs[0])
    _index(catalog, docs[1])
    clock.at = DAYS[1]
    _index(catalog, docs[2])
    catalog.document_failed(docs[3], "unreadable", stage="package")
    clock.at = DAYS[3]  # a day off in between
    _index(catalog, docs[0])  # indexed again: counted again, as the event log counts it
    later = _fill(catalog, "b", [6, 2])
    _index(catalog, later[0])
    # an event without the pages in its detail (received from a site, or written before
    # 0008): the pages are the document's
    catalog.log_event("indexed", document_id=later[1])
    return docs + later


def _series_is_kept(catalog: Catalog, clock: Clock) -> None:
    docs = _history(catalog, clock)
    _assert_as_before(catalog)
    assert _new_documents_per_day(catalog) == [
        ("2026-03-01", 2),
        ("2026-03-02", 1),
        ("2026-03-04", 3),
    ]
    assert _new_pages_per_day(catalog) == [
        ("2026-03-01", 5.0),
        ("2026-03-02", 4.0),
        ("2026-03-04", 11.0),
    ]
    _restructure(catalog, clock, docs)
    _events_rewritten(catalog)


def _events_rewritten(catalog: Catalog) -> None:
    """Events are written once, but a moved or deleted ``indexed`` event moves its counts."""
    with catalog.tx() as conn:
        first = conn.execute(
            select(func.min(t.event.c.id)).where(t.event.c.kind == "indexed")
        ).scalar()
        conn.execute(update(t.event).where(t.event.c.id == first).values(at=DAYS[2]))
    assert ("2026-03-03", 1) in _new_documents_per_day(catalog)
    assert _new_documents_per_day(catalog) == _old_documents_per_day(catalog)
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)
    with catalog.tx() as conn:
        conn.execute(t.event.delete().where(t.event.c.id == first))
        conn.execute(update(t.event).where(t.event.c.kind == "indexed").values(kind="reindexed"))
    assert _new_documents_per_day(catalog) == []
    assert _new_pages_per_day(catalog) == []
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)


def _pages_of(catalog: Catalog, doc_id: int) -> list[int]:
    with catalog.tx() as conn:
        return list(
            conn.execute(
                select(t.page.c.id).where(t.page.c.document_id == doc_id).order_by(t.page.c.seq)
            ).scalars()
        )


def _part(pages: list[int], tag: str, *, document_id: int | None, seq: int | None = None):
    return DocumentPart(
        page_ids=tuple(pages),
        pdf={"path": f"pdfa/{tag}.pdf", "size": 10, "sha256": tag.ljust(64, "0")},
        columns={},
        document_id=document_id,
        seq=seq,
        name=f"{tag}.pdf",
    )


def _restructure(catalog: Catalog, clock: Clock, docs: list[int]) -> None:
    """A staff split and a join of archived documents leave the past days as they were."""
    before_docs, before_pages = _new_documents_per_day(catalog), _new_pages_per_day(catalog)
    clock.at = DAYS[4]
    # split document 3 (4 pages, indexed on day 2) into 1 + 3 pages: a new document
    pages = _pages_of(catalog, docs[2])
    catalog.restructure_documents(
        kind="document_split",
        expected={docs[2]: pages},
        parts=[
            _part(pages[:1], "s1", document_id=docs[2]),
            _part(pages[1:], "s2", document_id=None, seq=900),
        ],
    )
    # join documents 1 and 2 (indexed on day 1) into document 1; document 2 is deleted
    first, second = _pages_of(catalog, docs[0]), _pages_of(catalog, docs[1])
    catalog.restructure_documents(
        kind="document_joined",
        expected={docs[0]: first, docs[1]: second},
        parts=[_part(first + second, "j1", document_id=docs[0])],
        removed=[docs[1]],
    )
    assert _new_documents_per_day(catalog) == before_docs == _old_documents_per_day(catalog)
    assert _new_pages_per_day(catalog) == before_pages
    # the old query moved the joined pages to the other days document 1 was indexed on and
    # lost the split-off ones: day 2 fell from 4 pages to 1
    assert dict(_old_pages_per_day(catalog))["2026-03-02"] == 1.0
    with catalog.tx() as conn:
        assert summary.stored(conn) == summary.recount(conn)


def test_archived_per_day_equals_the_event_log_on_sqlite(tmp_path: Path, clock: Clock) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _series_is_kept(catalog, clock)
    catalog.close()


@pytest.mark.service
def test_archived_per_day_equals_the_event_log_on_postgres(postgres_server, clock: Clock) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _series_is_kept(catalog, clock)
    catalog.close()


def _concurrent(catalog: Catalog) -> None:
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for doc in _fill(catalog, tag, [2, 3, 1, 4, 2, 3]):
                _index(catalog, doc)
                catalog.log_event("document_viewed", document_id=doc)  # not counted
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    catalog.ensure_record("PHONG-1", "HS-setup")  # the fonds row first: not the test
    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    _assert_as_before(catalog)
    today = _new_documents_per_day(catalog)
    assert sum(n for _day, n in today) == 18
    assert sum(n for _day, n in _new_pages_per_day(catalog)) == 45.0


def test_archived_per_day_under_concurrent_writers_sqlite(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.create()
    _concurrent(catalog)
    catalog.close()


@pytest.mark.service
def test_archived_per_day_under_concurrent_writers_postgres(postgres_server) -> None:
    catalog = Catalog(postgres_server.create_database())
    catalog.create()
    _concurrent(catalog)
    catalog.close()


def _backfilled(catalog: Catalog, clock: Clock) -> None:
    from alembic import command
    from alembic.config import Config

    from archive.catalog.core import MIGRATIONS

    catalog.create()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with catalog.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")  # a catalog as the previous version left it
    assert catalog.schema_revision() == "0007"
    _history(catalog, clock)  # written without the event triggers
    with catalog.tx() as conn:
        assert summary.totals(conn, "archived", "day") == {}
    catalog.create()  # 0008: the triggers, and the backfill from the event log
    assert catalog.schema_revision() == "0008"
    _assert_as_before(catalog)
    clock.at = DAYS[4]
    _index(catalog, _fill(catalog, "c", [7])[0])  # the triggers keep it from now on
    _assert_as_before(catalog)
    assert _new_pages_per_day(catalog)[-1] == ("2026-03-05", 7.0)


def test_migration_backfills_the_days_on_sqlite(tmp_path: Path, clock: Clock) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    _backfilled(catalog, clock)
    catalog.close()


@pytest.mark.service
def test_migration_backfills_the_days_on_postgres(postgres_server, clock: Clock) -> None:
    catalog = Catalog(postgres_server.create_database())
    _backfilled(catalog, clock)
    catalog.close()
