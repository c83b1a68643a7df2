"""Fixity audit: re-hash stored files against the SHA-256 the catalog recorded for them.

The audit runs in bounded memory on a large archive:

- ``stored_file`` rows are read in keyset-paginated chunks (``id > last ORDER BY id LIMIT n``),
  never all at once; a sample is drawn by the database (``ORDER BY random() LIMIT n``);
- files are hashed in 1 MiB chunks (:func:`archive.storage.sha256_file`);
- the stored folders (``originals/ pdfa/ ocr/``) are walked lazily and each batch of walked
  paths is looked up in the catalog with one indexed ``IN`` query, so no set of every path is
  ever held in memory.

Temporary files left by an interrupted write (``.tmp-*``, see :mod:`archive.storage`) are
reported apart as ``leftovers``: they were never archived files. The ``work/`` folder and the
catalog's database files live outside the stored folders and are not looked at.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select

from archive import schema as t
from archive.catalog import Catalog, now
from archive.storage import sha256_file
from errors import StorageError

log = logging.getLogger(__name__)

STORED_FOLDERS = ("originals", "pdfa", "ocr")
TEMP_PREFIX = ".tmp-"
CHUNK_ROWS = 500
LOOKUP_BATCH = 1000
EVENT_LIST_LIMIT = 50  # paths kept in the audit event's detail per category


@dataclass(frozen=True)
class AuditReport:
    """What one audit found. Paths are relative to SOHOA_HOME."""

    checked: int
    ok: int
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    bytes_read: int = 0
    seconds: float = 0.0
    scope: str = "all"

    @property
    def clean(self) -> bool:
        """True when every checked file is intact and no unknown file was found."""
        return not (self.missing or self.changed or self.unknown or self.unreadable)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "clean": self.clean}


ProgressCallback = Callable[[int, int], None]  # (files checked so far, files to check)


def _scope_query(
    query: Select, *, older_than_days: float | None, stamp: Any
) -> Select:  # pragma: no cover - trivial
    if older_than_days is None:
        return query
    cutoff = stamp - timedelta(days=older_than_days)
    return query.where(
        or_(t.stored_file.c.checked_at.is_(None), t.stored_file.c.checked_at < cutoff)
    )


def _rows_all(catalog: Catalog, *, older_than_days: float | None, stamp: Any) -> Iterator[list]:
    """Every stored_file row in scope, as chunks of rows (keyset pagination on id)."""
    last = 0
    cols = (t.stored_file.c.id, t.stored_file.c.path, t.stored_file.c.size, t.stored_file.c.sha256)
    while True:
        query = select(*cols).where(t.stored_file.c.id > last)
        query = _scope_query(query, older_than_days=older_than_days, stamp=stamp)
        with catalog.tx() as conn:
            rows = conn.execute(query.order_by(t.stored_file.c.id).limit(CHUNK_ROWS)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _rows_sample(
    catalog: Catalog, sample: int, *, older_than_days: float | None, stamp: Any
) -> Iterator[list]:
    """A random sample of ``sample`` rows in scope (drawn by the database), in chunks."""
    query = select(t.stored_file.c.id)
    query = _scope_query(query, older_than_days=older_than_days, stamp=stamp)
    with catalog.tx() as conn:
        ids = sorted(conn.execute(query.order_by(func.random()).limit(sample)).scalars())
    cols = (t.stored_file.c.id, t.stored_file.c.path, t.stored_file.c.size, t.stored_file.c.sha256)
    for start in range(0, len(ids), CHUNK_ROWS):
        part = ids[start : start + CHUNK_ROWS]
        with catalog.tx() as conn:
            rows = conn.execute(
                select(*cols).where(t.stored_file.c.id.in_(part)).order_by(t.stored_file.c.id)
            ).all()
        yield rows


def _count_in_scope(
    catalog: Catalog, *, sample: int | None, older_than_days: float | None, stamp: Any
) -> int:
    query = select(func.count()).select_from(t.stored_file)
    query = _scope_query(query, older_than_days=older_than_days, stamp=stamp)
    with catalog.tx() as conn:
        total = int(conn.execute(query).scalar() or 0)
    return min(total, sample) if sample is not None else total


def _walk_stored(home: Path) -> Iterator[str]:
    """Relative paths (POSIX style) of every file under the stored folders, lazily."""
    for folder in STORED_FOLDERS:
        top = home / folder
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            rel_dir = Path(dirpath).relative_to(home).as_posix()
            for name in sorted(filenames):
                yield f"{rel_dir}/{name}"


def _find_unknown(catalog: Catalog, home: Path, unknown: list[str], leftovers: list[str]) -> None:
    """Walk the stored folders; paths the catalog does not know go to ``unknown``."""

    def flush(batch: Sequence[str]) -> None:
        if not batch:
            return
        with catalog.tx() as conn:
            known = set(
                conn.execute(
                    select(t.stored_file.c.path).where(t.stored_file.c.path.in_(batch))
                ).scalars()
            )
        unknown.extend(p for p in batch if p not in known)

    pending: list[str] = []
    for rel in _walk_stored(home):
        if rel.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
            leftovers.append(rel)
            continue
        pending.append(rel)
        if len(pending) >= LOOKUP_BATCH:
            flush(pending)
            pending = []
    flush(pending)


def audit(
    catalog: Catalog,
    home: Path,
    *,
    sample: int | None = None,
    older_than_days: float | None = None,
    find_unknown: bool = True,
    on_progress: ProgressCallback | None = None,
) -> AuditReport:
    """Re-hash stored files and compare them with the catalog; record an ``audit`` event.

    ``sample`` checks that many files drawn at random; ``older_than_days`` only files never
    checked or last checked longer ago than that. Files found intact get ``checked_at`` set.
    ``find_unknown`` also walks the stored folders for files the catalog does not list.
    """
    if sample is not None and sample < 0:
        raise ValueError("sample must be zero or more")
    home = Path(home)
    started = time.monotonic()
    stamp = now()
    total = _count_in_scope(catalog, sample=sample, older_than_days=older_than_days, stamp=stamp)
    if sample is not None:
        chunks = _rows_sample(catalog, sample, older_than_days=older_than_days, stamp=stamp)
    else:
        chunks = _rows_all(catalog, older_than_days=older_than_days, stamp=stamp)

    checked = ok = bytes_read = 0
    missing: list[str] = []
    changed: list[str] = []
    unreadable: list[str] = []
    for rows in chunks:
        good: list[int] = []
        for row in rows:
            checked += 1
            path = home / row.path
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                missing.append(row.path)
                continue
            except OSError as exc:
                log.warning("cannot stat %s: %s", path, exc.strerror)
                unreadable.append(row.path)
                continue
            if size != row.size:
                changed.append(row.path)
                continue
            try:
                digest = sha256_file(path)
            except StorageError as exc:
                log.warning("%s", exc)
                unreadable.append(row.path)
                continue
            bytes_read += size
            if digest != row.sha256:
                changed.append(row.path)
            else:
                ok += 1
                good.append(row.id)
        if good:
            with catalog.tx() as conn:
                conn.execute(
                    t.stored_file.update()
                    .where(t.stored_file.c.id.in_(good))
                    .values(checked_at=stamp)
                )
        if on_progress is not None:
            on_progress(checked, total)

    unknown: list[str] = []
    leftovers: list[str] = []
    if find_unknown:
        _find_unknown(catalog, home, unknown, leftovers)

    scope = "all"
    if sample is not None:
        scope = f"sample of {sample}"
    if older_than_days is not None:
        scope += f", not checked for {older_than_days:g} days"
    report = AuditReport(
        checked=checked,
        ok=ok,
        missing=missing,
        changed=changed,
        unknown=unknown,
        unreadable=unreadable,
        leftovers=leftovers,
        bytes_read=bytes_read,
        seconds=time.monotonic() - started,
        scope=scope,
    )
    catalog.log_event(
        "audit",
        detail={
            "scope": scope,
            "checked": checked,
            "ok": ok,
            "missing": len(missing),
            "changed": len(changed),
            "unknown": len(unknown),
            "unreadable": len(unreadable),
            "leftovers": len(leftovers),
            "bytes_read": bytes_read,
            "seconds": round(report.seconds, 3),
            "paths": {
                "missing": missing[:EVENT_LIST_LIMIT],
                "changed": changed[:EVENT_LIST_LIMIT],
                "unknown": unknown[:EVENT_LIST_LIMIT],
                "unreadable": unreadable[:EVENT_LIST_LIMIT],
            },
        },
    )
    log.info(
        "audit (%s): %d checked, %d ok, %d missing, %d changed, %d unknown",
        scope,
        checked,
        ok,
        len(missing),
        len(changed),
        len(unknown),
    )
    return report


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def render_audit(report: AuditReport) -> str:
    """The audit as plain text for the CLI (one summary line, then each problem path)."""
    rate = report.bytes_read / report.seconds if report.seconds > 0 else 0.0
    lines = [
        f"audit ({report.scope}): {report.checked} files checked, {report.ok} intact, "
        f"{len(report.missing)} missing, {len(report.changed)} changed, "
        f"{len(report.unknown)} unknown; {_size(report.bytes_read)} read in "
        f"{report.seconds:.1f} s ({_size(int(rate))}/s)"
    ]
    for label, paths in (
        ("missing", report.missing),
        ("changed", report.changed),
        ("unknown", report.unknown),
        ("unreadable", report.unreadable),
    ):
        lines.extend(f"  {label}: {p}" for p in paths)
    if report.leftovers:
        lines.append(
            f"{len(report.leftovers)} temporary files left by interrupted writes "
            "(not archived files; safe to delete when no sohoa process is running):"
        )
        lines.extend(f"  leftover: {p}" for p in report.leftovers)
    if report.clean:
        lines.append("all checked files are intact")
    else:
        lines.append(
            "problems found: restore missing or changed files from a backup copy, and "
            "check where unknown files came from"
        )
    return "\n".join(lines)
