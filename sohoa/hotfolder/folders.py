"""Moving batches about: loose files into a batch folder, finished batches to done or failed.

Every move is a rename where the folders share a filesystem (atomic), otherwise a copy and a
delete (``shutil.move``); the folders involved are fsynced so a move survives a power cut.
A failed batch gets a reasons file naming each bad file and what to do about it.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.storage import atomic_write, fsync_dir
from errors import StorageError

log = logging.getLogger(__name__)

REASONS_FILE = "SOHOA-FAILED.txt"
REPORT_FILE = "SOHOA-REPORT.txt"


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``... when that is taken."""
    target = folder / name
    n = 2
    while target.exists():
        target = folder / f"{name}-{n}"
        n += 1
    return target


def _sync(*folders: Path) -> None:
    for folder in folders:
        try:
            fsync_dir(folder)
        except OSError as exc:  # some network filesystems refuse fsync on a folder
            log.debug("cannot fsync %s: %s", folder, exc)


def move_into(source: Path, folder: Path) -> Path:
    """Move ``source`` (file or folder) into ``folder`` under a free name; the new path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, source.name)
        shutil.move(str(source), str(target))
    except OSError as exc:
        raise StorageError(f"cannot move {source} into {folder}: {exc}", path=source) from exc
    _sync(folder, source.parent)
    return target


def gather_loose(root: Path, names: list[str], *, marker: str) -> Path:
    """Move loose files of the hot folder into a new batch folder holding the marker.

    The marker is written last, so a crash half-way leaves an ordinary batch folder (taken
    once stable) and loose files (the next batch): nothing is lost or archived twice.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    batch = _free_name(root, f"{root.resolve().name}-{stamp}")
    try:
        batch.mkdir()
        for name in names:
            source = root / name
            if source.exists():
                source.rename(batch / name)
        _sync(batch, root)
        with atomic_write(batch / marker) as fh:
            fh.write(b"gathered by sohoa watch\n")
        (root / marker).unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot gather the loose files of {root}: {exc}", path=root) from exc
    return batch


def write_text(path: Path, text: str) -> None:
    """Write a text file durably (temp file, fsync, rename)."""
    with atomic_write(path) as fh:
        fh.write(text.encode("utf-8"))


def reasons_text(name: str, outcome: dict[str, Any], *, root: Path) -> str:
    """The reasons file of a failed batch: each bad file, why, and what to do."""
    lines = [
        f"sohoa could not archive everything in the batch {name}.",
        "",
        "Files that failed (each with the reason and what to do):",
    ]
    for item in outcome.get("failed", []):
        lines.append(f"  - {item['name']}: {item['error']}")
    for rel in outcome.get("removed", []):
        lines.append(f"  - {rel}: removed from the hot folder before it was archived; put it back")
    for problem in outcome.get("problems", []):
        lines.append(f"  - {problem}")
    archived = outcome.get("archived", [])
    lines += [
        "",
        f"{len(archived)} other document(s) of this batch are archived and safe.",
        "",
        "What to do: fix or replace the files listed above (rescan a damaged page, remove a",
        "password, export the PDF again), delete this file, and move the whole folder back into",
        f"{root}. Documents archived already are recognised by their checksum and are not",
        "archived twice; only the fixed files are added.",
        "",
    ]
    return "\n".join(lines)


def report_text(name: str, outcome: dict[str, Any]) -> str:
    """The report left in a finished batch that lost files before it was archived."""
    lines = [f"sohoa archived the batch {name}.", ""]
    removed = outcome.get("removed", [])
    if removed:
        lines.append("These files were removed before they were archived (not in the archive):")
        lines += [f"  - {rel}" for rel in removed]
        lines.append("Put them into the hot folder again to archive them.")
    lines.append("")
    return "\n".join(lines)
