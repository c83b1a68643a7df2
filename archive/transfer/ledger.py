"""Small durable notes about transfers that the catalog's tables do not hold.

At a site: how the last push went (``outbox/last_push.json``: when, result, records
confirmed, bytes, error), shown by ``sohoa status --transfer`` and the dashboard. At the
centre: when each site was last heard from and what it said of its outbox
(``transfer/sites/<site>.json``). Each is one small JSON file replaced whole through a
temporary file, fsync and rename; one file per site, so concurrent requests of two sites
never write the same file, and two requests of one site simply leave the later note.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

from archive.storage import atomic_write
from errors import StorageError

log = logging.getLogger(__name__)

LAST_PUSH = Path("outbox") / "last_push.json"
PUSH_LOCK = Path("outbox") / "push.lock"
SITES_DIR = Path("transfer") / "sites"


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    with atomic_write(path) as fh:
        fh.write(blob.encode("utf-8"))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # never half-written; unreadable means damaged
        log.warning("cannot read %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def save_last_push(home: Path, note: dict[str, Any]) -> None:
    """Keep ``note`` as the record of the last push from this site."""
    _write(Path(home) / LAST_PUSH, note)


def last_push(home: Path) -> dict[str, Any] | None:
    """The record of the last push from this site (None before the first)."""
    return _read(Path(home) / LAST_PUSH)


def save_contact(home: Path, site: str, note: dict[str, Any]) -> None:
    """Keep ``note`` (time, what the site said) as the centre's last contact with ``site``."""
    _write(Path(home) / SITES_DIR / f"{site}.json", note)


def contacts(home: Path) -> dict[str, dict[str, Any]]:
    """The centre's last contact with each site that was ever heard from, by site."""
    folder = Path(home) / SITES_DIR
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob("*.json")):
        note = _read(path)
        if note is not None:
            found[path.stem] = note
    return found


class PushLock:
    """An exclusive, non-blocking ``flock`` so that one push at a time runs per archive,
    whether started by ``sohoa push``, ``sohoa watch`` or the web app's watcher."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / PUSH_LOCK
        self.fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another push holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot open {self.path}: {exc.strerror}", path=self.path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        """Let the next push run."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
