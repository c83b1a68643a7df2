"""Connections to the SQLite index file: a pool of readers, one writer, typed errors.

Reads take a connection from this process's pool (autocommit, so every statement sees the
latest commit); writes go through one connection per process, kept open (its page cache
stays warm for FTS5's merges) and guarded by a lock, so one ``Connections`` (and the
``SqliteIndex`` holding it) may be shared by threads. After a fork, the parent's connections
are never reused.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from errors import CatalogError, StorageError

__all__ = ["MAX_READERS", "READER_CACHE_KIB", "WRITER_CACHE_KIB", "Connections"]

MAX_READERS = 8  # idle reader connections kept per process
WRITER_CACHE_KIB = 65_536  # page cache of the writer connection (FTS5 merges reread segments)
READER_CACHE_KIB = 65_536  # page cache of each reader (at most MAX_READERS idle per process):
# FTS5 rereads the same doclist pages, which SQLite's default 2 MiB re-fetches from the
# OS (5 M pages: phrase 23.3 -> 17.5 CPU ms, docs/benchmarks.md)


class Connections:
    """The reader pool, the writer and the generation probe of one SQLite index file."""

    def __init__(self, path: Path, *, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._writer_pid = 0
        self._read_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._readers_pid = os.getpid()
        self._gen_conn: sqlite3.Connection | None = None
        self._gen_pid = 0

    def open(self, *, cache_kib: int | None = None) -> sqlite3.Connection:
        """A new connection (autocommit, busy timeout, WAL-safe sync), errors typed;
        ``cache_kib``: its page cache (SQLite's default when None)."""
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # WAL + NORMAL: never corrupt; a crash may lose the last commits (re-index them).
            conn.execute("PRAGMA synchronous = NORMAL")
            if cache_kib is not None:
                conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        except sqlite3.Error as exc:
            raise StorageError(
                f"Cannot open the search database {self.path}: {exc}; check the path and its "
                "permissions.",
                path=self.path,
            ) from exc
        return conn

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn SQLite errors into the package's typed errors."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise StorageError(
                    f"The search database {self.path} stayed locked for {self.timeout:g} s; "
                    "retry when the other writer has finished.",
                    path=self.path,
                ) from exc
            raise CatalogError(
                f"The search index in {self.path} failed: {exc}; run a reindex if it persists.",
                path=self.path,
            ) from exc
        except sqlite3.Error as exc:
            raise CatalogError(
                f"The search index in {self.path} failed: {exc}; run a reindex if it persists.",
                path=self.path,
            ) from exc

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A reader connection from this process's pool (autocommit: every statement sees
        the latest commit). Reusing connections keeps their page cache and parsed schema
        warm: a fresh connection per query cost about a third of a short search."""
        conn = None
        with self._read_lock:
            if self._readers_pid != os.getpid():
                self._readers = []  # after a fork, never reuse the parent's connections
                self._readers_pid = os.getpid()
            elif self._readers:
                conn = self._readers.pop()
        if conn is None:
            conn = self.open(cache_kib=READER_CACHE_KIB)
        healthy = False
        try:
            with self.errors():
                yield conn
            healthy = not conn.in_transaction
        finally:
            with self._read_lock:
                pooled = self._readers_pid == os.getpid() and len(self._readers) < MAX_READERS
                if healthy and pooled:
                    self._readers.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def generation(self) -> int:
        """A number that changes whenever anything commits to the file, in any process
        (SQLite's ``data_version`` on a connection kept for that)."""
        with self._read_lock:
            if self._gen_conn is None or self._gen_pid != os.getpid():
                self._gen_conn = self.open()
                self._gen_pid = os.getpid()
            with self.errors():
                return int(self._gen_conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this process's writer connection (kept open, so its page
        cache stays warm across transactions; writes are serialised by a lock, as SQLite
        serialises writers anyway)."""
        with self._write_lock:
            if self._writer is None or self._writer_pid != os.getpid():
                # after a fork, never reuse the parent's
                self._writer = self.open(cache_kib=WRITER_CACHE_KIB)
                self._writer_pid = os.getpid()
            conn = self._writer
            try:
                with self.errors():
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
            except BaseException:
                self._close_writer()  # start the next write from a fresh connection
                raise

    def _close_writer(self) -> None:
        if self._writer is not None and self._writer_pid == os.getpid():
            self._writer.close()
        self._writer = None

    def close(self) -> None:
        """Close the writer, the idle readers and the generation probe."""
        with self._write_lock:
            self._close_writer()
        with self._read_lock:
            readers, self._readers = self._readers, []
            if self._gen_conn is not None and self._gen_pid == os.getpid():
                readers.append(self._gen_conn)
            self._gen_conn = None
        for conn in readers:
            conn.close()
