"""Stored files: atomic writes (temp file, fsync, rename) and SHA-256 checksums."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from errors import StorageError

CHUNK = 1 << 20
FILE_MODE = 0o644  # mkstemp creates 0600; stored files are readable by the archive's readers


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks (bounded memory)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}", path=path) from exc
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; on success it is fsynced and renamed into place.

    A crash at any moment leaves either the old file or the complete new one, never a half
    written file under the final name. Temporary names start with ``.tmp-`` so an audit or a
    resume can recognise leftovers. For writers that want a path (pikepdf, Pillow).
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
        os.fchmod(fd, FILE_MODE)
        os.close(fd)
    except OSError as exc:
        raise StorageError(
            f"cannot write into {target.parent}: {exc.strerror}", path=target
        ) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {target}: {exc.strerror}", path=target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Like :func:`atomic_path`, for writers that want an open binary file."""
    with atomic_path(target) as tmp:
        try:
            fh = open(tmp, "wb")  # closed below, before atomic_path fsyncs and renames
        except OSError as exc:
            raise StorageError(f"cannot write {target}: {exc.strerror}", path=target) from exc
        with fh:
            yield fh


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through :func:`atomic_write`."""
    try:
        with open(source, "rb") as src, atomic_write(target) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    except OSError as exc:
        raise StorageError(f"cannot copy {source}: {exc.strerror}", path=source) from exc
