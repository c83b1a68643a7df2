"""Rebuild a working archive from a backup snapshot: the stored files, then the catalog.

Every object is checked against its checksum as it is copied; the catalog copy is put in
place last. Pages whose prepared image was not in the backup (packaged or changed while it was
taken) are set back to be recognised again, so the restored archive resumes its work with
``sohoa retry`` or the next ``sohoa ingest``. The search index is rebuilt by the caller.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive import Catalog
from archive import schema as t
from archive.backup.dbcopy import pg_restore
from archive.backup.store import BackupStore, copy_hashing, hash_file, read_manifest, read_summary
from archive.storage import copy_atomic, fsync_dir
from errors import InputError, StorageError

log = logging.getLogger(__name__)


@dataclass
class RestoreReport:
    """What a restore wrote, and what it could not."""

    snapshot: str
    files: int = 0
    bytes: int = 0
    damaged: list[str] = field(default_factory=list)  # archive paths whose object was bad
    pages_redone: int = 0  # pages set back to be recognised again

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data."""
        return asdict(self)


def _check_target(home: Path) -> None:
    if home.exists() and any(home.iterdir()):
        raise InputError(f"{home} is not empty: restore into a new, empty folder", path=home)


def _restore_file(store: BackupStore, home: Path, entry: Any, report: RestoreReport) -> None:
    target = home / entry.path
    try:
        temp, sha, size = copy_hashing(store.object_path(entry.sha256), target.parent)
    except FileNotFoundError:
        report.damaged.append(entry.path)
        return
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc}", path=target) from exc
    if sha != entry.sha256:
        temp.unlink(missing_ok=True)
        report.damaged.append(entry.path)
        return
    if entry.kind == "config" and entry.path == "secret_key":
        os.chmod(temp, 0o600)
    os.replace(temp, target)
    fsync_dir(target.parent)
    report.files += 1
    report.bytes += size


def redo_pages_without_image(catalog: Catalog, home: Path) -> int:
    """Set pages whose prepared image is missing back to ``received`` (documents to pending)."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(t.page.c.id, t.page.c.document_id, t.page.c.work_path).where(
                t.page.c.work_path.is_not(None)
            )
        ).all()
        lost = [r for r in rows if not (home / r.work_path).is_file()]
        for row in lost:
            conn.execute(
                t.page.update()
                .where(t.page.c.id == row.id)
                .values(state="received", work_path=None, claim=None, error=None)
            )
        docs = sorted({r.document_id for r in lost})
        if docs:
            conn.execute(
                t.document.update()
                .where(
                    t.document.c.id.in_(docs),
                    t.document.c.state.in_(("packaging", "packing")),
                )
                .values(state="pending", claim=None)
            )
    return len(lost)


def restore_backup(
    src: Path, home: Path, *, snapshot: str | None = None, database_url: str = ""
) -> RestoreReport:
    """Write the snapshot's files into the empty folder ``home`` and put its catalog in place.

    A SQLite catalog becomes ``home/catalog.sqlite``; a ``pg_dump`` is loaded into the empty
    database ``database_url``. Returns what was restored; ``damaged`` lists files whose
    backup copy was bad (run ``sohoa backup --verify``).
    """
    store = BackupStore(src)
    folder = store.snapshot_dir(snapshot)
    summary = read_summary(folder)
    home = Path(home)
    _check_target(home)
    home.mkdir(parents=True, exist_ok=True)
    report = RestoreReport(snapshot=folder.name)
    for entry in read_manifest(folder):
        _restore_file(store, home, entry, report)
    info = summary["catalog"]
    if hash_file(folder / info["file"])[0] != info["sha256"]:
        raise StorageError(
            f"the catalog copy of snapshot {folder.name} is damaged: restore an older snapshot "
            "(--snapshot)"
        )
    if info["format"] == "sqlite":
        copy_atomic(folder / info["file"], home / "catalog.sqlite")
        url = f"sqlite:///{(home / 'catalog.sqlite').resolve()}"
    else:
        if not database_url:
            raise InputError(
                "this backup holds a PostgreSQL catalog: give --database-url of an empty database"
            )
        pg_restore(folder / info["file"], database_url)
        url = database_url
    catalog = Catalog(url)
    try:
        report.pages_redone = redo_pages_without_image(catalog, home)
    finally:
        catalog.close()
    return report
