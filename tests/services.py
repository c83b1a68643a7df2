"""Real servers for the tests and benchmarks: redis-server and PostgreSQL on loopback.

Each server runs from a fresh temporary directory on a free port and is stopped (and its
directory removed) afterwards. Nothing is mocked: these are the Debian packages'
``redis-server`` and ``/usr/lib/postgresql/*/bin`` binaries. A missing binary is a test
failure that says how to install it, never a skip.

PostgreSQL's ``initdb`` refuses to run as root, so as root the cluster is created and run as
the ``postgres`` system user (made by the Debian package) in a directory owned by it.

Fixtures (import them into ``tests/conftest.py``):

- ``redis_server`` / ``redis_url``: one redis-server per test session; ``redis_url`` is
  ``redis://127.0.0.1:PORT/0``. Call ``redis_server.flush()`` for an empty database.
- ``postgres_server`` / ``postgres_url``: one PostgreSQL cluster per session;
  ``postgres_url`` is a ``postgresql+psycopg://`` URL of a database created for the session;
  ``postgres_server.create_database()`` gives a fresh empty database when a test needs one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

INSTALL_HINT = (
    "run `bash scripts/install.sh` (it installs the redis-server and postgresql packages)"
)


class ServiceError(RuntimeError):
    """A server could not be started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, what: str, timeout: float, proc: subprocess.Popen | None, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        if check():
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise ServiceError(f"{what} did not start within {timeout:.0f} s; its log ends with:\n{tail}")


# -------------------------------------------------------------------------- redis


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _redis_command(port: int, *args: str) -> bytes:
    payload = f"*{len(args)}\r\n".encode()
    for arg in args:
        raw = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(raw), raw)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(4096)


@dataclass
class RedisServer:
    port: int
    folder: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        """Empty every database (queues left by an earlier test)."""
        reply = _redis_command(self.port, "FLUSHALL")
        if not reply.startswith(b"+OK"):
            raise ServiceError(f"redis FLUSHALL failed: {reply!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_redis(*, timeout: float = 20.0) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError(f"redis-server is not installed: {INSTALL_HINT}")
    folder = Path(tempfile.mkdtemp(prefix="sohoa-redis-"))
    port = free_port()
    log = folder / "redis.log"
    cmd = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(folder),
        "--daemonize", "no",
        "--logfile", str(log),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(port=port, folder=folder, proc=proc)
    try:
        _wait(lambda: _redis_ping(port), "redis-server", timeout, proc, log)
    except ServiceError:
        server.stop()
        raise
    return server


# ---------------------------------------------------------------------- postgres


def postgres_bin() -> Path:
    """The newest installed PostgreSQL server's bin folder."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if not found:
        raise ServiceError(f"PostgreSQL (initdb) is not installed: {INSTALL_HINT}")
    return Path(found[-1]).parent


def _as_owner() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run PostgreSQL as (the postgres user when we are root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServiceError(
            f"running as root and there is no postgres system user: {INSTALL_HINT}"
        ) from exc
    runuser = shutil.which("runuser")
    prefix = (
        [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]
    )
    return prefix, entry.pw_uid, entry.pw_gid


def _psql_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class PostgresServer:
    port: int
    folder: Path
    bin: Path
    prefix: list[str]
    databases: list[str] = field(default_factory=list)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.prefix and self.prefix[0] == "su":
            import shlex

            cmd = [*self.prefix, shlex.join(cmd)]
        else:
            cmd = [*self.prefix, *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = name or f"sohoa_{uuid.uuid4().hex[:10]}"
        done = self._run(
            [self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name]
        )
        if done.returncode != 0:
            raise ServiceError(f"createdb {name} failed: {done.stderr.strip()}")
        self.databases.append(name)
        return self.url_for(name)

    def stop(self) -> None:
        self._run(
            [self.bin / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "-w", "stop"]
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(*, timeout: float = 60.0) -> PostgresServer:
    bin_dir = postgres_bin()
    prefix, uid, gid = _as_owner()
    folder = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
    os.chmod(folder, 0o700)
    if uid is not None:
        os.chown(folder, uid, gid)
    port = free_port()
    server = PostgresServer(port=port, folder=folder, bin=bin_dir, prefix=prefix)
    log = folder / "server.log"
    try:
        done = server._run(
            [
                bin_dir / "initdb",
                "-D", folder / "data",
                "-U", "postgres",
                "--auth=trust",
                "-E", "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise ServiceError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        done = server._run(
            [bin_dir / "pg_ctl", "-D", folder / "data", "-l", log, "-o", options, "-w", "start"],
            timeout=timeout,
        )
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServiceError(f"pg_ctl start failed: {done.stderr.strip()}\n{tail}")
        _wait(lambda: _psql_ready(port), "PostgreSQL", timeout, None, log)
    except (ServiceError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        if isinstance(exc, ServiceError):
            raise
        raise ServiceError(f"cannot start PostgreSQL: {exc}") from exc
    return server


# ----------------------------------------------------------------------- fixtures


@contextlib.contextmanager
def _failing_on_error() -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with _failing_on_error():
        server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with _failing_on_error():
        server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    with _failing_on_error():
        return postgres_server.create_database("sohoa_test")


# ------------------------------------------------------------------ quick batches


def quick_batch(root: Path, *, documents: int, pages_per_document: int = 1, dpi: int = 200) -> int:
    """A batch of short bilevel pages that OCR quickly; returns the number of pages.

    Documents are TIFF files (G4) spread over two records; every page has its own text so no
    two documents share a checksum.
    """
    from tests.batches import save_tiff, short_page

    total = 0
    for d in range(documents):
        pages = [
            short_page(f"Biên bản số {d + 1}/{p + 1} về việc số hóa tài liệu lưu trữ", dpi=dpi)
            .point(lambda v: 0 if v < 150 else 255)
            .convert("1")
            for p in range(pages_per_document)
        ]
        record = "HS-01" if d % 2 == 0 else "HS-02"
        save_tiff(root / record / f"vb{d + 1:03d}.tif", pages, compression="group4", dpi=dpi)
        total += len(pages)
    return total
