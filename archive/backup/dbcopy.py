"""A consistent copy of the catalog while it is in use, and the files it lists at that moment.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database as one
read transaction sees it, while others keep writing. PostgreSQL: a repeatable-read
transaction exports its snapshot; ``pg_dump --snapshot`` dumps exactly that, and the stored
files are listed in the same transaction.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, create_engine, select

from archive import Catalog
from archive import schema as t
from errors import CatalogError, ToolError, ToolMissingError

Row = tuple[str, str, str | None, int | None]  # kind, path, sha256 (None: hash it), size


def catalog_files(conn: Connection) -> Iterator[Row]:
    """Every stored file of the catalog, then the prepared page images of work in progress."""
    sf = t.stored_file
    query = select(sf.c.kind, sf.c.path, sf.c.sha256, sf.c.size).order_by(sf.c.id)
    for row in conn.execution_options(stream_results=True).execute(query):
        yield row.kind, row.path, row.sha256, row.size
    work = select(t.page.c.work_path).where(t.page.c.work_path.is_not(None)).order_by(t.page.c.id)
    for (path,) in conn.execute(work):
        yield "work", path, None, None


def _sqlite_copy(source: str, target: Path) -> None:
    try:
        src = sqlite3.connect(source, timeout=60)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # all pages in one step: one consistent read
            finally:
                dst.close()
        finally:
            src.close()
        with open(target, "rb+") as fh:
            os.fsync(fh.fileno())
    except sqlite3.Error as exc:
        raise CatalogError(f"cannot back up the catalog {source}: {exc}") from exc


@contextlib.contextmanager
def sqlite_snapshot(catalog: Catalog, target: Path) -> Iterator[Iterator[Row]]:
    """Copy the SQLite catalog to ``target``; yields the files the copy lists."""
    _sqlite_copy(str(catalog.sqlite_path), target)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            yield catalog_files(conn)
    finally:
        engine.dispose()


def libpq_env(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """The catalog's URL for libpq tools (password in the environment, not the command)."""
    url = catalog.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(
            f"{name} is not installed: install the PostgreSQL client (apt install "
            "postgresql-client) of the server's major version or newer"
        )
    return path


@contextlib.contextmanager
def postgres_snapshot(catalog: Catalog, target: Path) -> Iterator[Iterator[Row]]:
    """``pg_dump`` the catalog to ``target``; yields the files listed in the same snapshot."""
    url, env = libpq_env(catalog)
    pg_dump = _tool("pg_dump")
    with catalog.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            cmd = [pg_dump, "--format=custom", f"--snapshot={snapshot}", "-f", str(target), url]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ToolError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
            with open(target, "rb+") as fh:
                os.fsync(fh.fileno())
            yield catalog_files(conn)


def catalog_snapshot(catalog: Catalog, folder: Path) -> tuple[str, str, object]:
    """(file name, format, context manager) for the catalog's kind of database."""
    if catalog.sqlite_path:
        return "catalog.sqlite", "sqlite", sqlite_snapshot(catalog, folder / "catalog.sqlite")
    if catalog.engine.dialect.name == "postgresql":
        return "catalog.pgdump", "pg_dump", postgres_snapshot(catalog, folder / "catalog.pgdump")
    raise CatalogError(f"cannot back up a {catalog.engine.dialect.name} catalog")


def pg_restore(dump: Path, database_url: str) -> None:
    """Load a ``pg_dump`` file into the (empty) database ``database_url``."""
    target = Catalog(database_url)
    try:
        url, env = libpq_env(target)
    finally:
        target.close()
    cmd = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", url, str(dump)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ToolError(
            f"pg_restore failed: {done.stderr.strip()[-500:]}; restore into an empty database"
        )
