"""What a hot folder holds: its batches, their files' sizes and times, and which are stable.

A batch is a sub-folder of the hot folder, or the loose files at its top. Its *signature* is
every file's relative path, size and modification time (hidden files too, so a copy tool's
temporary file keeps the batch unstable). A batch is ready when its signature has not changed
for the stable time, or at once when it holds the marker file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: Names that say a file is still being written (browsers, office programs, copy tools).
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".tmp", ".download", ".filepart")
PARTIAL_PREFIXES = ("~$", ".~lock.")

Signature = tuple[tuple[str, int, int], ...]  # (relative path, size, mtime_ns), sorted


@dataclass(frozen=True)
class Candidate:
    """A batch seen in the hot folder: a sub-folder, or the loose files at the top."""

    name: str  # the sub-folder's name; "" for the loose files
    path: Path
    signature: Signature
    ready_marker: bool  # the marker file is there: start at once
    partial: bool = False  # a file's name says it is still being written

    @property
    def files(self) -> list[str]:
        """Relative paths of the batch's files (the marker file included)."""
        return [rel for rel, _size, _mtime in self.signature]

    @property
    def digest(self) -> str:
        """A short fingerprint of the signature (kept in the durable state)."""
        text = "\n".join(f"{p}\t{s}\t{m}" for p, s, m in self.signature)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_partial_name(name: str) -> bool:
    """True when a file's name says another program is still writing it."""
    lower = name.lower()
    return lower.endswith(PARTIAL_SUFFIXES) or lower.startswith(PARTIAL_PREFIXES)


def _walk(folder: Path) -> Iterable[tuple[str, os.stat_result]]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            try:
                st = full.stat()
            except FileNotFoundError:
                continue  # removed while we looked: the next scan sees the folder as it is
            yield full.relative_to(folder).as_posix(), st


def folder_signature(folder: Path) -> Signature:
    """Every file below ``folder`` with its size and modification time, sorted."""
    return tuple((rel, st.st_size, st.st_mtime_ns) for rel, st in _walk(folder))


def scan_batch(folder: Path, *, marker: str) -> Candidate | None:
    """The batch in one sub-folder now (None when the folder is gone or holds no file)."""
    if not folder.is_dir():
        return None
    sig = folder_signature(folder)
    if not sig:
        return None
    names = [rel.rsplit("/", 1)[-1] for rel, _s, _m in sig]
    return Candidate(
        name=folder.name,
        path=folder,
        signature=sig,
        ready_marker=marker in {rel for rel, _s, _m in sig},
        partial=any(is_partial_name(n) for n in names),
    )


def loose_files(root: Path, *, marker: str) -> Candidate | None:
    """The files lying at the top of the hot folder (not hidden), as one candidate batch."""
    entries = []
    ready = False
    try:
        listing = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        return None
    for entry in listing:
        if entry.name == marker:
            ready = True
            continue
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            st = entry.stat()
        except FileNotFoundError:
            continue
        entries.append((entry.name, st.st_size, st.st_mtime_ns))
    if not entries:
        return None
    return Candidate(
        name="",
        path=root,
        signature=tuple(entries),
        ready_marker=ready,
        partial=any(is_partial_name(n) for n, _s, _m in entries),
    )


def scan(root: Path, *, marker: str, exclude: Iterable[Path] = ()) -> list[Candidate]:
    """Every batch in the hot folder now: sub-folders in name order, then the loose files."""
    skipped = {Path(p).resolve() for p in exclude}
    found: list[Candidate] = []
    try:
        listing = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        return found
    for entry in listing:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if path.resolve() in skipped:
            continue
        candidate = scan_batch(path, marker=marker)
        if candidate is not None:
            found.append(candidate)
    loose = loose_files(root, marker=marker)
    if loose is not None:
        found.append(loose)
    return found


@dataclass
class StabilityTracker:
    """When each batch's signature last changed, as this process saw it (monotonic clock).

    Only changes observed by this process count: a file's own modification time is not
    trusted, since a network share's clock may differ from ours.
    """

    stable_seconds: float
    seen: dict[str, tuple[str, float]] = field(default_factory=dict)  # name -> (digest, since)

    def observe(self, candidates: Iterable[Candidate], *, at: float | None = None) -> None:
        """Note the batches seen now; forget the ones no longer there."""
        stamp = time.monotonic() if at is None else at
        current: dict[str, tuple[str, float]] = {}
        for c in candidates:
            previous = self.seen.get(c.name)
            if previous is not None and previous[0] == c.digest:
                current[c.name] = previous
            else:
                current[c.name] = (c.digest, stamp)
        self.seen = current

    def stable_for(self, candidate: Candidate, *, at: float | None = None) -> float:
        """Seconds the batch has looked exactly like ``candidate`` (0 when it just changed)."""
        stamp = time.monotonic() if at is None else at
        previous = self.seen.get(candidate.name)
        if previous is None or previous[0] != candidate.digest:
            return 0.0
        return stamp - previous[1]

    def is_ready(self, candidate: Candidate, *, at: float | None = None) -> bool:
        """The marker is there, or nothing changed for the stable time; never a partial file."""
        if candidate.partial:
            return False
        if candidate.ready_marker:
            return True
        return self.stable_for(candidate, at=at) >= self.stable_seconds

    def wait_hint(self, candidates: Iterable[Candidate], *, at: float | None = None) -> float:
        """Seconds until the next batch may become stable (for the watcher's sleep)."""
        stamp = time.monotonic() if at is None else at
        waits = [
            max(0.0, self.stable_seconds - self.stable_for(c, at=stamp))
            for c in candidates
            if not c.ready_marker
        ]
        return min(waits, default=self.stable_seconds)
