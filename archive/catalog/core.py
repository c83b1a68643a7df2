"""The catalog's engine and transactions: opening the database, one short transaction per
change, schema migrations, and the clock every row is stamped with.

SQLAlchemy Core over SQLite (WAL, the embedded default) or PostgreSQL. On SQLite every
transaction takes the write lock at ``BEGIN IMMEDIATE``; on PostgreSQL rows are locked with
``SELECT ... FOR UPDATE`` where it matters (see :mod:`archive.catalog.document_rows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from errors import CatalogError

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def now() -> datetime:
    """The current time in UTC, as every catalog row and event is stamped."""
    return datetime.now(UTC)


def make_engine(url: str, timeout: float) -> Engine:
    """An engine for ``url``: on SQLite in WAL mode, with foreign keys and immediate writes."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": timeout, "check_same_thread": False}, future=True
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the lock at BEGIN: no deadlock between two upgrading readers.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, future=True)


class CatalogCore:
    """The engine and its transactions, which every part of :class:`Catalog` builds on."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url = url
        try:
            self.engine = make_engine(url, timeout)
        except (SQLAlchemyError, ValueError) as exc:
            raise CatalogError(f"cannot open the catalog {url}: {exc}") from exc

    @property
    def sqlite_path(self) -> str | None:
        """The database file of an SQLite catalog; None on any other database."""
        if self.engine.dialect.name != "sqlite":
            return None
        return self.engine.url.database

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back (CatalogError) on error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"catalog operation failed: {exc.__class__.__name__}: {exc}"
            ) from exc

    def create(self) -> None:
        """Bring the schema up to date by running the migrations (idempotent).

        Several workers may start at once: on PostgreSQL an advisory lock serialises them;
        SQLite's ``BEGIN IMMEDIATE`` already does.
        """
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        from archive.catalog import summary

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(741200)")
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                if conn.dialect.name == "sqlite":  # a migration copying a table drops them
                    summary.ensure_triggers(conn)
        except (SQLAlchemyError, CommandError) as exc:
            raise CatalogError(f"cannot create or migrate the catalog {self.url}: {exc}") from exc

    def schema_revision(self) -> str | None:
        """The migration revision the catalog's schema is at."""
        with self.tx() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
