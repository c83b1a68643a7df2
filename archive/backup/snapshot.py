"""Take a backup: a dated snapshot of the catalog and of every file it lists, incrementally.

The catalog is copied first, consistently (``dbcopy``); then every file that copy lists is
put into the content store unless an object with its checksum is there already. A file that
changed or went since the copy (a PDF/A rebuilt, a prepared image packaged meanwhile) is
looked up by its checksum in the live catalog; stored files still missing after that make the
next round take a fresh catalog copy (objects copied already are not copied again). Prepared
page images of work in progress are kept when they are still there; a restore redoes the
pages whose image was not.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive import Catalog
from archive import schema as t
from archive.backup.dbcopy import Row, catalog_snapshot
from archive.backup.store import (
    MANIFEST,
    TEMP_PREFIX,
    BackupStore,
    ContentMismatch,
    Entry,
    hash_file,
    write_summary,
)
from archive.storage import atomic_write, fsync_dir
from errors import StorageError

log = logging.getLogger(__name__)

ROUNDS = 3
CONFIG_FILES = ("secret_key", "sohoa.toml")  # in SOHOA_HOME, kept with the backup


@dataclass
class BackupReport:
    """What one backup wrote: the snapshot, files listed, copied and already present."""

    snapshot: str
    path: Path
    files: int = 0
    copied: int = 0
    reused: int = 0
    bytes_copied: int = 0
    work_skipped: int = 0  # prepared images packaged meanwhile: those pages are redone
    missing: list[str] = field(default_factory=list)  # stored files not found at all
    rounds: int = 0
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """True when every stored file the snapshot lists is in the backup."""
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--json``)."""
        return {
            **{k: v for k, v in self.__dict__.items() if k != "path"},
            "path": str(self.path),
            "complete": self.complete,
        }


def _snapshot_name(store: BackupStore) -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 2
    while (store.snapshots / name).exists():
        name, n = f"{base}-{n}", n + 1
    return name


def _live_paths(catalog: Catalog, sha256: str) -> list[str]:
    with catalog.tx() as conn:
        return list(
            conn.execute(
                select(t.stored_file.c.path).where(t.stored_file.c.sha256 == sha256)
            ).scalars()
        )


class _Round:
    """One pass over the files a catalog copy lists."""

    def __init__(self, store: BackupStore, catalog: Catalog, home: Path, report: BackupReport):
        self.store, self.catalog, self.home, self.report = store, catalog, home, report

    def stored(self, kind: str, path: str, sha: str, size: int) -> Entry | None:
        if self.store.has(sha, size):
            self.report.reused += 1
            return Entry(path, sha, size, kind)
        for candidate in [path, *(p for p in _live_paths(self.catalog, sha) if p != path)]:
            try:
                self.store.put(self.home / candidate, expected=sha)
            except (ContentMismatch, FileNotFoundError):
                continue
            except OSError as exc:
                raise StorageError(f"cannot read {self.home / candidate}: {exc}") from exc
            self.report.copied += 1
            self.report.bytes_copied += size
            return Entry(path, sha, size, kind)
        return None

    def loose(self, kind: str, path: str) -> Entry | None:
        try:
            sha, size = hash_file(self.home / path)
            if not self.store.has(sha, size):
                sha, size = self.store.put(self.home / path)
                self.report.copied += 1
                self.report.bytes_copied += size
            else:
                self.report.reused += 1
        except FileNotFoundError:
            return None
        except (OSError, ContentMismatch) as exc:
            raise StorageError(f"cannot read {self.home / path}: {exc}") from exc
        return Entry(path, sha, size, kind)

    def run(self, rows: Any, manifest: Path) -> tuple[list[str], int]:
        """Write the manifest of ``rows``; (stored files missing, prepared images skipped)."""
        missing: list[str] = []
        files = skipped = 0
        with atomic_write(manifest) as fh:
            row: Row
            for row in rows:
                kind, path, sha, size = row
                if sha is None:
                    entry = self.loose(kind, path)
                    skipped += entry is None
                else:
                    entry = self.stored(kind, path, sha, int(size or 0))
                    if entry is None:
                        missing.append(path)
                if entry is not None:
                    fh.write((entry.line() + "\n").encode())
                    files += 1
            for name in CONFIG_FILES:
                if (self.home / name).is_file() and (entry := self.loose("config", name)):
                    fh.write((entry.line() + "\n").encode())
                    files += 1
        self.report.files = files
        return missing, skipped


def take_backup(catalog: Catalog, home: Path, dest: Path) -> BackupReport:
    """Write a new dated snapshot of the archive at ``home`` into the backup folder ``dest``."""
    started = time.monotonic()
    store = BackupStore(dest)
    name = _snapshot_name(store)
    temp = store.snapshots / f"{TEMP_PREFIX}{name}"
    try:
        temp.mkdir(parents=True)
    except OSError as exc:
        raise StorageError(f"cannot write into the backup folder {dest}: {exc}", path=dest) from exc
    report = BackupReport(snapshot=name, path=store.snapshots / name)
    try:
        _fill(store, catalog, Path(home), temp, report)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)  # an unfinished snapshot never stays
        raise
    report.seconds = time.monotonic() - started
    return report


def _fill(
    store: BackupStore, catalog: Catalog, home: Path, temp: Path, report: BackupReport
) -> None:
    """Copy the catalog and its files into ``temp``, then rename it to the snapshot's name."""
    catalog_name = fmt = ""
    for attempt in range(1, ROUNDS + 1):
        report.rounds, report.copied, report.reused, report.bytes_copied = attempt, 0, 0, 0
        catalog_name, fmt, snapshot = catalog_snapshot(catalog, temp)
        with snapshot as rows:  # type: ignore[attr-defined]
            missing, skipped = _Round(store, catalog, Path(home), report).run(rows, temp / MANIFEST)
        report.missing, report.work_skipped = missing, skipped
        if not missing:
            break
        log.info(
            "%d stored files changed during the backup: taking the catalog again", len(missing)
        )
    summary = _summary(report, temp, catalog_name, fmt, home)
    write_summary(temp, summary)
    os.replace(temp, report.path)
    fsync_dir(store.snapshots)


def _summary(report: BackupReport, temp: Path, catalog_name: str, fmt: str, home: Path) -> dict:
    cat_sha, cat_size = hash_file(temp / catalog_name)
    man_sha, man_size = hash_file(temp / MANIFEST)
    return {
        "snapshot": report.snapshot,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(Path(home).resolve()),
        "catalog": {"file": catalog_name, "format": fmt, "sha256": cat_sha, "size": cat_size},
        "manifest": {"file": MANIFEST, "sha256": man_sha, "size": man_size, "files": report.files},
        "missing": report.missing,
        "work_skipped": report.work_skipped,
    }
