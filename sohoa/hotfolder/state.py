"""The watcher's durable state: which batches it took, how far each got, what it moved.

One JSON file per hot folder under ``SOHOA_HOME/watch/``, always replaced whole through a
temporary file, fsync and rename, so a crash leaves the old state or the new one. A lock file
beside it (``flock``) makes sure one watcher at a time works on a hot folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.storage import atomic_write
from errors import InputError, StorageError

log = logging.getLogger(__name__)

HISTORY = 200  # finished batches remembered

#: Steps of a batch: taken (intake may have begun), finished (archived; to be moved).
TAKEN, FINISHED = "taken", "finished"


def now_text() -> str:
    """The time now, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def state_paths(home: Path, root: Path) -> tuple[Path, Path]:
    """The state file and lock file that belong to the hot folder ``root``."""
    resolved = str(Path(root).resolve())
    slug = re.sub(r"[^\w.-]+", "_", Path(resolved).name) or "root"
    key = hashlib.sha256(resolved.encode()).hexdigest()[:10]
    folder = Path(home) / "watch"
    return folder / f"{slug}-{key}.json", folder / f"{slug}-{key}.lock"


@dataclass
class WatchState:
    """Batches in hand (by name) and the last ones finished; saved after every step."""

    path: Path
    root: str
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, root: Path) -> WatchState:
        """The saved state, or an empty one when there is none yet."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path=Path(path), root=str(Path(root).resolve()))
        except (OSError, ValueError) as exc:
            raise StorageError(
                f"cannot read the watcher's state {path}: {exc}; move it away to start afresh",
                path=path,
            ) from exc
        return cls(
            path=Path(path),
            root=data.get("root", str(root)),
            batches=dict(data.get("batches", {})),
            history=list(data.get("history", [])),
        )

    def save(self) -> None:
        """Write the whole state durably (temp file, fsync, rename)."""
        payload = {"root": self.root, "batches": self.batches, "history": self.history}
        with atomic_write(self.path) as fh:
            fh.write(json.dumps(payload, ensure_ascii=False, indent=1).encode())

    def take(self, name: str, digest: str) -> dict[str, Any]:
        """Note that a batch is taken (or taken again after a restart); saved."""
        entry = self.batches.setdefault(
            name, {"step": TAKEN, "batch_ids": [], "attempts": 0, "removed": [], "taken_at": ""}
        )
        entry.update(digest=digest, taken_at=entry.get("taken_at") or now_text())
        self.save()
        return entry

    def finish(self, name: str, outcome: dict[str, Any]) -> None:
        """The batch is archived (or failed for good): what is left is to move it; saved."""
        entry = self.batches[name]
        entry.update(step=FINISHED, outcome=outcome)
        self.save()

    def moved(self, name: str, destination: Path) -> None:
        """The batch folder is in the done or failed folder: forget it; saved."""
        entry = self.batches.pop(name, {})
        outcome = entry.get("outcome", {})
        self.history.append(
            {
                "name": name,
                "moved_to": str(destination),
                "ok": bool(outcome.get("ok")),
                "batch_ids": entry.get("batch_ids", []),
                "at": now_text(),
            }
        )
        self.history = self.history[-HISTORY:]
        self.save()

    def drop(self, name: str) -> None:
        """Forget a batch that disappeared before it was archived; saved."""
        if self.batches.pop(name, None) is not None:
            self.save()


class WatchLock:
    """An exclusive ``flock`` on the hot folder's lock file, held while a watcher runs."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = Path(path)
        self.root = root
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``InputError`` when another watcher holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise InputError(
                f"another `sohoa watch` already watches {self.root}: stop it first, or "
                "watch another folder",
                path=self.root,
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        """Let go of the lock."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
