"""A backup folder's layout: objects named by their SHA-256, dated snapshots and manifests.

```
DEST/objects/ab/<sha256>              every file once per content (never rewritten)
DEST/snapshots/<YYYYmmddTHHMMSSZ>/    one consistent backup
    catalog.sqlite | catalog.pgdump   the catalog at one moment
    manifest.jsonl                    one line per file: path, sha256, size, kind
    snapshot.json                     written last: what the snapshot holds, with checksums
```

A snapshot is built under ``snapshots/.tmp-<name>`` and renamed when complete, so a snapshot
folder with a final name is whole. Every file is written to a temporary file, fsynced and
renamed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.storage import CHUNK, FILE_MODE, atomic_write, fsync_dir
from errors import InputError, StorageError

OBJECTS = "objects"
SNAPSHOTS = "snapshots"
MANIFEST = "manifest.jsonl"
SUMMARY = "snapshot.json"
TEMP_PREFIX = ".tmp-"


class ContentMismatch(Exception):
    """The file read does not have the checksum the catalog recorded (it changed or went)."""


@dataclass(frozen=True)
class Entry:
    """One file of a snapshot: where it lives in the archive, its checksum, size and kind."""

    path: str  # relative to SOHOA_HOME
    sha256: str
    size: int
    kind: str  # original | pdfa | ocr | work | config

    def line(self) -> str:
        """The entry as one manifest line (JSON)."""
        return json.dumps(
            {"path": self.path, "sha256": self.sha256, "size": self.size, "kind": self.kind},
            ensure_ascii=False,
        )


def copy_hashing(source: Path, target_dir: Path) -> tuple[Path, str, int]:
    """Copy ``source`` to a fsynced temporary file in ``target_dir``; (temp, sha256, size).

    Raises ``FileNotFoundError`` (and other ``OSError``) as the source does.
    """
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target_dir)
    digest = hashlib.sha256()
    size = 0
    try:
        os.fchmod(fd, FILE_MODE)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), digest.hexdigest(), size


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file (``OSError`` when it cannot be read)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BackupStore:
    """The backup folder ``DEST``: its objects and its snapshots."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / OBJECTS
        self.snapshots = self.root / SNAPSHOTS

    def object_path(self, sha256: str) -> Path:
        """Where the object with this checksum lives."""
        return self.objects / sha256[:2] / sha256

    def has(self, sha256: str, size: int) -> bool:
        """True when the object is there with the right size (content: see ``--verify``)."""
        try:
            return self.object_path(sha256).stat().st_size == size
        except FileNotFoundError:
            return False

    def put(self, source: Path, expected: str | None = None) -> tuple[str, int]:
        """Copy a file into the objects; (sha256, size). ``ContentMismatch`` if not ``expected``."""
        temp, sha, size = copy_hashing(source, self.objects)
        if expected is not None and sha != expected:
            temp.unlink(missing_ok=True)
            raise ContentMismatch(str(source))
        target = self.object_path(sha)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            fsync_dir(target.parent)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise StorageError(f"cannot write the backup object {target}: {exc}") from exc
        return sha, size

    def snapshot_names(self) -> list[str]:
        """Complete snapshots, oldest first."""
        if not self.snapshots.is_dir():
            return []
        return sorted(
            p.name
            for p in self.snapshots.iterdir()
            if not p.name.startswith(".") and (p / SUMMARY).is_file()
        )

    def snapshot_dir(self, name: str | None = None) -> Path:
        """The named snapshot's folder, or the newest one's; ``InputError`` when none."""
        names = self.snapshot_names()
        if not names:
            raise InputError(
                f"{self.root} holds no complete backup: check the folder", path=self.root
            )
        if name is None:
            return self.snapshots / names[-1]
        if name not in names:
            raise InputError(
                f"{self.root} has no snapshot {name}: choose one of {', '.join(names)}",
                path=self.root,
            )
        return self.snapshots / name


def read_summary(snapshot: Path) -> dict[str, Any]:
    """A snapshot's ``snapshot.json``."""
    return json.loads((snapshot / SUMMARY).read_text(encoding="utf-8"))


def write_summary(snapshot: Path, summary: dict[str, Any]) -> None:
    """Write ``snapshot.json`` durably."""
    with atomic_write(snapshot / SUMMARY) as fh:
        fh.write(json.dumps(summary, ensure_ascii=False, indent=1).encode())


def read_manifest(snapshot: Path) -> Iterator[Entry]:
    """The snapshot's files, one at a time (bounded memory)."""
    with open(snapshot / MANIFEST, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                data = json.loads(line)
                yield Entry(data["path"], data["sha256"], int(data["size"]), data["kind"])
