"""The centre's staging area for arriving packages: resumable, checksummed file uploads.

A site first *offers* a version of a record (its package's file list: name, size,
SHA-256); the centre answers with how much of each file it already holds. Each file then
arrives in chunks at a given offset, appended to ``<sha256>.part`` and fsynced; a chunk at
the wrong offset is refused with the offset the centre has (the site resumes from there).
When a file is complete its SHA-256 is checked: a match renames it to ``<sha256>``, a
mismatch deletes it (the site sends it again). Layout::

    transfer/incoming/<site>/<site record id>-v<version>/offer.json, <sha256>[.part]
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archive.storage import atomic_write, copy_atomic, fsync_dir, sha256_file
from errors import InputError, NotFoundError, StorageError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


class OffsetMismatch(InputError):
    """A chunk did not start where the centre's copy of the file ends."""

    def __init__(self, held: int) -> None:
        super().__init__(f"the centre holds {held} bytes of this file; resume from there")
        self.held = held


class ChecksumMismatch(InputError):
    """A complete file's SHA-256 is not the one offered; the file was discarded."""


def staging_dir(home: Path, site: str, record: int, version: int) -> Path:
    """Where one version of a site's record is staged."""
    return Path(home) / "transfer" / "incoming" / site / f"{int(record)}-v{int(version)}"


def check_manifest(files: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A clean copy of an offered file list; ``InputError`` for a bad name, size or hash."""
    clean = []
    for f in files:
        name, size, sha = str(f.get("name", "")), f.get("size"), str(f.get("sha256", ""))
        if not _NAME.match(name) or ".." in name.split("/"):
            raise InputError(f"bad file name in the offer: {name!r}")
        if not isinstance(size, int) or size < 0:
            raise InputError(f"bad size for {name!r}")
        if not SHA256.match(sha):
            raise InputError(f"bad SHA-256 for {name!r}")
        clean.append({"name": name, "size": size, "sha256": sha})
    if not any(f["name"] == "catalog.json" for f in clean):
        raise InputError("the offer has no catalog.json")
    return clean


def offer(
    home: Path, site: str, record: int, version: int, files: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """Register (or re-register) an offer; returns the bytes held of each file, by SHA-256."""
    clean = check_manifest(files)
    folder = staging_dir(home, site, record, version)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "offer.json"
    blob = json.dumps(clean, sort_keys=True).encode("utf-8")
    if not path.exists() or path.read_bytes() != blob:
        with atomic_write(path) as fh:
            fh.write(blob)
    return {f["sha256"]: held(folder, f) for f in clean}


def offered(home: Path, site: str, record: int, version: int) -> list[dict[str, Any]]:
    """The file list of a registered offer; ``NotFoundError`` without one."""
    path = staging_dir(home, site, record, version) / "offer.json"
    if not path.exists():
        raise NotFoundError("no offer for this record version; offer it first")
    return json.loads(path.read_bytes())


def held(folder: Path, f: Mapping[str, Any]) -> int:
    """Bytes the centre holds of an offered file (its size when complete and verified)."""
    if (folder / f["sha256"]).exists():
        return int(f["size"])
    part = folder / f"{f['sha256']}.part"
    return part.stat().st_size if part.exists() else 0


def write_chunk(
    home: Path, site: str, record: int, version: int, sha256: str, offset: int, data: bytes
) -> int:
    """Append a chunk at ``offset`` to an offered file; returns the bytes now held.

    Raises ``OffsetMismatch`` (with the held size) for a chunk in the wrong place,
    ``ChecksumMismatch`` when the completed file has another SHA-256 (it is discarded).
    """
    folder = staging_dir(home, site, record, version)
    match = [f for f in offered(home, site, record, version) if f["sha256"] == sha256]
    if not match:
        raise NotFoundError("this file is not part of the offer")
    f = match[0]
    have = held(folder, f)
    if have == f["size"] and (folder / sha256).exists():
        return have  # a resend of a verified file
    if offset != have:
        raise OffsetMismatch(have)
    if offset + len(data) > f["size"]:
        raise InputError("the chunk runs past the offered size of the file")
    part = folder / f"{sha256}.part"
    try:
        with open(part, "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise StorageError(f"cannot write {part}: {exc.strerror}", path=part) from exc
    have = offset + len(data)
    if have == f["size"]:
        if sha256_file(part) != sha256:
            part.unlink()
            raise ChecksumMismatch(f"{f['name']}: SHA-256 does not match the offer; send it again")
        os.replace(part, folder / sha256)
        fsync_dir(folder)
    return have


def complete(home: Path, site: str, record: int, version: int) -> list[dict[str, Any]]:
    """The offer's file list when every file has arrived and was verified; else ``InputError``."""
    folder = staging_dir(home, site, record, version)
    files = offered(home, site, record, version)
    missing = [f["name"] for f in files if not (folder / f["sha256"]).exists()]
    if missing:
        raise InputError(f"{len(missing)} file(s) not received yet: {', '.join(missing[:5])}")
    return files


def read_catalog_json(home: Path, site: str, record: int, version: int) -> dict[str, Any]:
    """The staged ``catalog.json`` of a complete offer."""
    folder = staging_dir(home, site, record, version)
    [f] = [f for f in offered(home, site, record, version) if f["name"] == "catalog.json"]
    return json.loads((folder / f["sha256"]).read_bytes())


def publish(home: Path, site: str, record: int, version: int, target: Path) -> None:
    """Move a complete offer's files under ``target`` by their names (idempotent)."""
    folder = staging_dir(home, site, record, version)
    for f in offered(home, site, record, version):
        dest = Path(target) / f["name"]
        source = folder / f["sha256"]
        if dest.exists() and not source.exists():
            continue  # moved by an earlier, interrupted publish
        dest.parent.mkdir(parents=True, exist_ok=True)
        if sha256_file(source) != f["sha256"]:
            raise StorageError(f"staged {f['name']} changed on disk", path=source)
        if len([g for g in offered(home, site, record, version) if g["sha256"] == f["sha256"]]) > 1:
            copy_atomic(source, dest)  # two names, one content: keep the source
        else:
            os.replace(source, dest)
        fsync_dir(dest.parent)


def discard(home: Path, site: str, record: int, version: int) -> None:
    """Remove a staged offer once its version is imported."""
    folder = staging_dir(home, site, record, version)
    if folder.exists():
        shutil.rmtree(folder)
