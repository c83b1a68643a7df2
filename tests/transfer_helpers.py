"""Helpers of the transfer tests and benchmark: a centre served by `sohoa serve`, a site
archive made by `sohoa ingest`, and a fault-injecting TCP proxy (seeded)."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.hotfolder_helpers import env_for, kill, make_lot, run, start
from tests.services import free_port


def make_site(home: Path, work: Path, records: dict[str, int]) -> None:
    """An archived site: one record per tag with that many one-page documents."""
    batch = work / "site-batch"
    for tag, docs in records.items():
        make_lot(batch, tag, docs)
    done = run(["ingest", str(batch), "--no-progress"], env_for(home))
    assert done.returncode == 0, done.stdout + done.stderr


def copy_home(source: Path, target: Path) -> Path:
    """A copy of an archive (stopped) under ``target``."""
    shutil.copytree(source, target)
    return target


def issue_key(home: Path, site: str) -> str:
    """`sohoa site add SITE` on the centre; the key it prints."""
    done = run(["site", "add", site], env_for(home))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1].strip()


@contextmanager
def centre_server(home: Path, log: Path, port: int = 0, **extra: str) -> Iterator[str]:
    """`sohoa serve` on loopback (``port``, else a free one); yields its URL."""
    port = port or free_port()
    proc = start(["serve", "--port", str(port)], env_for(home, **extra), log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            with socket.socket() as sock:
                sock.settimeout(1.0)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the centre did not start: " + log.read_text())
        yield f"http://127.0.0.1:{port}"
    finally:
        kill(proc, 15)


@dataclass
class FaultProxy:
    """A TCP proxy to ``target`` that, per connection and seeded, passes everything, cuts
    the connection after a random number of bytes (either way), or stalls it."""

    target: tuple[str, int]
    seed: int = 1
    fault_rate: float = 0.5
    stall_seconds: float = 4.0
    port: int = 0
    faults: dict[str, int] = field(default_factory=lambda: {"none": 0, "cut": 0, "stall": 0})
    bytes_up: int = 0  # bytes passed on from the client to the target (the benchmark's count)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.stopped.set()
        self.server.close()

    def _plan(self) -> tuple[str, int]:
        with self.lock:
            if self.rng.random() >= self.fault_rate:
                kind = "none"
            else:
                kind = self.rng.choice(("cut", "cut", "stall"))
            self.faults[kind] += 1
            return kind, self.rng.randint(200, 400_000)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        kind, budget = self._plan()
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        state = {"left": budget}
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if src is client:
                        with self.lock:
                            self.bytes_up += len(data)
                    if kind != "none":
                        with self.lock:
                            state["left"] -= len(data)
                            hit = state["left"] <= 0
                        if hit:
                            if kind == "stall":
                                time.sleep(self.stall_seconds)
                            else:
                                dst.sendall(data[: max(0, len(data) + state["left"])])
                            break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                done.set()
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threads = [
            threading.Thread(target=pump, args=(client, upstream), daemon=True),
            threading.Thread(target=pump, args=(upstream, client), daemon=True),
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        client.close()
        upstream.close()


def wait_exit(proc: subprocess.Popen, timeout: float) -> int:
    """The exit code of ``proc`` (killed after ``timeout`` seconds)."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise
