"""Check a backup: re-hash every object and every snapshot's catalog copy and manifest.

An object's name is its SHA-256, so objects are checked against their own names while the
objects folder is walked (bounded memory); then each snapshot's manifest is read to find the
entries whose object is missing or damaged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.backup.store import TEMP_PREFIX, BackupStore, hash_file, read_manifest, read_summary

log = logging.getLogger(__name__)


@dataclass
class VerifyReport:
    """What a check of a backup found (paths relative to the backup folder)."""

    snapshots: int = 0
    objects: int = 0
    bytes_read: int = 0
    damaged: list[str] = field(default_factory=list)  # objects whose content is not their name
    missing: list[str] = field(default_factory=list)  # "snapshot: path" with no object
    affected: list[str] = field(default_factory=list)  # "snapshot: path" with a damaged object
    bad_snapshots: list[str] = field(default_factory=list)  # catalog copy or manifest damaged
    leftovers: list[str] = field(default_factory=list)  # temporary files of interrupted runs

    @property
    def clean(self) -> bool:
        """True when nothing is damaged or missing."""
        return not (self.damaged or self.missing or self.affected or self.bad_snapshots)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--json``)."""
        return {**asdict(self), "clean": self.clean}


def _check_objects(store: BackupStore, report: VerifyReport) -> set[str]:
    damaged: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(store.objects):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(store.root).as_posix()
            if name.startswith(TEMP_PREFIX):
                report.leftovers.append(rel)
                continue
            report.objects += 1
            try:
                sha, size = hash_file(path)
            except OSError as exc:
                log.warning("cannot read %s: %s", path, exc)
                sha, size = "", 0
            report.bytes_read += size
            if sha != name:
                damaged.add(name)
                report.damaged.append(rel)
    return damaged


def _check_snapshot(store: BackupStore, name: str, damaged: set[str], report: VerifyReport) -> None:
    folder = store.snapshots / name
    summary = read_summary(folder)
    for part in ("catalog", "manifest"):
        info = summary[part]
        try:
            sha, _size = hash_file(folder / info["file"])
        except OSError:
            sha = ""
        if sha != info["sha256"]:
            report.bad_snapshots.append(f"{name}: {info['file']}")
    if any(
        b.startswith(f"{name}: ") and b.endswith("manifest.jsonl") for b in report.bad_snapshots
    ):
        return  # its entries cannot be trusted to name the right objects
    for entry in read_manifest(folder):
        if entry.sha256 in damaged:
            report.affected.append(f"{name}: {entry.path}")
        elif not store.object_path(entry.sha256).is_file():
            report.missing.append(f"{name}: {entry.path}")


def verify_backup(dest: Path, *, snapshot: str | None = None) -> VerifyReport:
    """Re-hash the backup folder ``dest``; every snapshot, or only ``snapshot``."""
    store = BackupStore(dest)
    names = [store.snapshot_dir(snapshot).name] if snapshot else store.snapshot_names()
    if not names:
        store.snapshot_dir()  # raises: no complete backup here
    report = VerifyReport(snapshots=len(names))
    damaged = _check_objects(store, report)
    for name in names:
        _check_snapshot(store, name, damaged, report)
    return report
