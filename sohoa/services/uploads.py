"""Uploads from the browser: sessions of files sent in resumable chunks, then a batch.

State lives on disk only, under ``$SOHOA_HOME/uploads/<id>/``: ``session.json`` (the batch
name, the owner, the files with their relative paths, sizes and SHA-256) and, per file
``n``, ``parts/n.part`` (the data), ``parts/n.json`` (the bytes received so far, written
atomically after the data is fsynced) and ``parts/n.lock`` (a ``flock`` so that two requests,
even in two server processes, never write one file at once). The recorded length is the
truth: a chunk must start exactly there, else :class:`OffsetConflict` says where to resume.

Checksums: the browser computes each file's SHA-256 before the upload (incrementally, see
``static/upload.js``) and the SHA-256 of each chunk it sends. A chunk whose hash differs is
refused before anything is recorded; a file whose whole SHA-256 on arrival differs from the
declared one is discarded so that it can be sent again.

When every file arrived, the files are put in place under the session, the folder is moved
by one rename into ``uploads/_batches/<id>/<batch name>`` and archived like a hot-folder
batch: intake here, processing in a background thread (in this process, or waiting on the
workers with a broker). See ``sohoa.services.upload_files`` for the checks of names and sizes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive.storage import atomic_write, fsync_dir, sha256_file
from errors import InputError, NotFoundError, StorageError
from sohoa.pipeline import Context
from sohoa.services import upload_files
from sohoa.services.upload_files import ChecksumMismatch, OffsetConflict

log = logging.getLogger(__name__)

BATCHES = "_batches"  # uploads/_batches/<id>/<batch name>: complete folders being archived
_ID = re.compile(r"[0-9a-f]{32}")


def uploads_root(ctx: Context) -> Path:
    """``$SOHOA_HOME/uploads``."""
    return ctx.home / "uploads"


def _folder(ctx: Context, session_id: str) -> Path:
    if not _ID.fullmatch(session_id or ""):
        raise NotFoundError(f"không có phiên tải lên {session_id!r}")
    folder = uploads_root(ctx) / session_id
    if not (folder / "session.json").is_file():
        raise NotFoundError(f"không có phiên tải lên {session_id} (đã xong hoặc đã bị xóa)")
    return folder


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read {path}: {exc}", path=path) from exc


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if needed) for the duration."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError as exc:  # the session was finished or removed meanwhile
        raise NotFoundError(f"phiên tải lên {path.parent.parent.name} đã kết thúc") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _load(ctx: Context, session_id: str, owner: str) -> tuple[Path, dict[str, Any]]:
    folder = _folder(ctx, session_id)
    session = _read_json(folder / "session.json")
    if session.get("owner") != owner:
        raise NotFoundError(f"không có phiên tải lên {session_id} của người dùng {owner}")
    return folder, session


def _entry(session: dict[str, Any], index: int) -> dict[str, Any]:
    files = session["files"]
    if not 0 <= index < len(files):
        raise NotFoundError(f"phiên tải lên {session['id']} không có tệp số {index}")
    return files[index]


def _part_state(folder: Path, index: int) -> dict[str, Any]:
    path = folder / "parts" / f"{index}.json"
    return _read_json(path) if path.exists() else {"received": 0, "done": False}


# ------------------------------------------------------------------------------ sessions


def create_session(
    ctx: Context,
    *,
    owner: str,
    batch: str,
    files: list[dict[str, Any]],
    fonds: str | None = None,
) -> dict[str, Any]:
    """Open an upload of ``files`` (path, size, sha256) as the batch ``batch``; its status."""
    cleanup_abandoned(ctx)
    name = upload_files.check_batch_name(batch)
    checked = upload_files.check_files(files, settings=ctx.settings)
    session_id = secrets.token_hex(16)
    folder = uploads_root(ctx) / session_id
    try:
        (folder / "parts").mkdir(parents=True)
    except OSError as exc:
        raise StorageError(f"cannot create the upload folder {folder}: {exc}", path=folder) from exc
    session = {
        "id": session_id,
        "batch": name,
        "fonds": (fonds or "").strip()[:100] or None,
        "owner": owner,
        "created": time.time(),
        "chunk_bytes": ctx.settings.upload_chunk_bytes,
        "files": checked,
        "state": "open",
        "batch_id": None,
    }
    _write_json(folder / "session.json", session)
    log.info("upload %s opened by %s: %d files, batch %s", session_id, owner, len(checked), name)
    return status(ctx, session_id, owner=owner)


def status(ctx: Context, session_id: str, *, owner: str) -> dict[str, Any]:
    """The session: its batch, its state and, per file, the bytes the server holds."""
    folder, session = _load(ctx, session_id, owner)
    files = []
    for index, entry in enumerate(session["files"]):
        part = _part_state(folder, index)
        received = entry["size"] if session["state"] != "open" else part["received"]
        done = session["state"] != "open" or part["done"]
        files.append({"index": index, **entry, "received": received, "done": done})
    keys = ("id", "batch", "state", "batch_id", "chunk_bytes", "rejected")
    return {**{k: session.get(k) for k in keys}, "files": files}


# -------------------------------------------------------------------------------- chunks


def receive_chunk(
    ctx: Context,
    session_id: str,
    index: int,
    *,
    owner: str,
    offset: int,
    data: bytes,
    complete: bool = True,
    chunk_sha256: str | None = None,
) -> dict[str, Any]:
    """Write ``data`` at ``offset`` of file ``index`` and record it; the bytes now held.

    ``complete`` False means the connection dropped during the chunk: nothing of it is kept
    (the server may not even have seen all that arrived), so every byte recorded came in a
    whole chunk, checked against its hash when the client sent one; the client resumes from
    the recorded length, which :class:`OffsetConflict` tells it.
    """
    folder, session = _load(ctx, session_id, owner)
    entry = _entry(session, index)
    if session["state"] != "open":
        raise OffsetConflict(f"{entry['path']}: phiên tải lên đã kết thúc", offset=entry["size"])
    if len(data) > session["chunk_bytes"]:
        raise upload_files.TooLarge(
            f"{entry['path']}: mỗi lần gửi tối đa {session['chunk_bytes']} byte"
        )
    parts = folder / "parts"
    with _locked(parts / f"{index}.lock"):
        state = _part_state(folder, index)
        if state["done"]:
            raise OffsetConflict(f"{entry['path']}: tệp đã nhận đủ", offset=entry["size"])
        if offset != state["received"]:
            raise OffsetConflict(
                f"{entry['path']}: máy chủ đã có {state['received']} byte; "
                f"hãy gửi tiếp từ vị trí đó (không phải {offset})",
                offset=state["received"],
            )
        if not complete:
            log.info(
                "upload %s: connection dropped during the chunk of %s at %d (%d bytes came); "
                "not kept, resume at %d",
                session_id,
                entry["path"],
                offset,
                len(data),
                state["received"],
            )
            raise OffsetConflict(
                f"{entry['path']}: đoạn dữ liệu từ vị trí {offset} đến không đủ (mất kết nối); "
                f"hãy gửi lại từ vị trí {state['received']}",
                offset=state["received"],
            )
        if offset + len(data) > entry["size"]:
            raise InputError(
                f"{entry['path']}: nhận nhiều hơn kích thước đã khai ({entry['size']} byte)"
            )
        if chunk_sha256 is not None:
            got = hashlib.sha256(data).hexdigest()
            if got != chunk_sha256.strip().lower():
                raise ChecksumMismatch(
                    f"{entry['path']}: đoạn dữ liệu từ vị trí {offset} bị hỏng trên đường "
                    "truyền (SHA-256 không khớp); hãy gửi lại đoạn này"
                )
        if data:
            _write_at(parts / f"{index}.part", offset, data)
            state = {"received": offset + len(data), "done": False}
            _write_json(parts / f"{index}.json", state)
    return {"index": index, "received": state["received"], "size": entry["size"]}


def _write_at(path: Path, offset: int, data: bytes) -> None:
    """Write ``data`` at ``offset`` (dropping any stray tail beyond it) and fsync."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)  # bytes past the recorded length are not the truth
            written = 0
            while written < len(data):
                written += os.pwrite(fd, memoryview(data)[written:], offset + written)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write the upload part {path}: {exc}", path=path) from exc


def finish_file(ctx: Context, session_id: str, index: int, *, owner: str) -> dict[str, Any]:
    """Check a fully received file's size and SHA-256; a mismatch discards its data."""
    folder, session = _load(ctx, session_id, owner)
    entry = _entry(session, index)
    if session["state"] != "open":
        return {"index": index, "done": True, "received": entry["size"]}
    parts = folder / "parts"
    with _locked(parts / f"{index}.lock"):
        state = _part_state(folder, index)
        if state["done"]:
            return {"index": index, "done": True, "received": entry["size"]}
        part = parts / f"{index}.part"
        if entry["size"] and not part.exists():
            state = {"received": 0, "done": False}
        if state["received"] != entry["size"]:
            raise OffsetConflict(
                f"{entry['path']}: mới nhận {state['received']}/{entry['size']} byte; "
                "hãy gửi phần còn lại",
                offset=state["received"],
            )
        actual = sha256_file(part)
        if actual != entry["sha256"]:
            part.unlink(missing_ok=True)
            _write_json(parts / f"{index}.json", {"received": 0, "done": False})
            log.warning("upload %s: %s arrived with a wrong SHA-256", session_id, entry["path"])
            raise ChecksumMismatch(
                f"{entry['path']}: SHA-256 của tệp nhận được ({actual[:12]}…) khác với mã trình "
                f"duyệt đã tính ({entry['sha256'][:12]}…); dữ liệu đã bị hủy, hãy gửi lại tệp"
            )
        _write_json(parts / f"{index}.json", {"received": entry["size"], "done": True})
    return {"index": index, "done": True, "received": entry["size"]}


# ------------------------------------------------------------------------- the batch


def finish_session(ctx: Context, session_id: str, *, owner: str) -> dict[str, Any]:
    """Move the complete folder into place, register the batch, start its processing.

    Calling it again after a crash or a lost answer goes on from where it stopped (intake
    recognises files it registered before by their checksums).
    """
    from sohoa.services import upload_runner

    folder, session = _load(ctx, session_id, owner)
    with _locked(folder / "session.lock"):
        session = _read_json(folder / "session.json")
        if session["state"] == "archiving":
            return status(ctx, session_id, owner=owner)
        target = uploads_root(ctx) / BATCHES / session_id / session["batch"]
        if session["state"] == "open":
            _assemble(folder, session, target)
            session["state"] = "received"
            _write_json(folder / "session.json", session)
        report = upload_runner.intake(ctx, target, fonds=session["fonds"], operator=owner)
        session.update(
            state="archiving",
            batch_id=report.batch_id,
            rejected=[{"path": name, "error": why} for name, why in report.rejected],
        )
        _write_json(folder / "session.json", session)
        shutil.rmtree(folder / "parts", ignore_errors=True)
        shutil.rmtree(target.parent, ignore_errors=True)  # intake stored the originals
    upload_runner.process_later(ctx, report.batch_id)
    log.info("upload %s became batch %s", session_id, report.batch_id)
    return status(ctx, session_id, owner=owner)


def _assemble(folder: Path, session: dict[str, Any], target: Path) -> None:
    """Put every part at its relative path, then move the folder into ``target`` at once."""
    missing = [
        e["path"] for i, e in enumerate(session["files"]) if not _part_state(folder, i)["done"]
    ]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise InputError(f"chưa nhận đủ {len(missing)} tệp: {shown}; hãy gửi chúng trước")
    if target.is_dir():  # moved before a crash, the session's state not yet saved
        return
    staging = folder / "batch"
    try:
        staging.mkdir(exist_ok=True)
        for index, entry in enumerate(session["files"]):
            dest = staging / entry["path"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = folder / "parts" / f"{index}.part"
            if part.exists():
                part.rename(dest)
            elif not (dest.is_file() and dest.stat().st_size == entry["size"]):
                raise InputError(f"{entry['path']}: không có dữ liệu; hãy gửi lại tệp")
        for sub in sorted({p.parent for p in staging.rglob("*")} | {staging}):
            fsync_dir(sub)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
        fsync_dir(target.parent)
    except OSError as exc:
        raise StorageError(f"cannot move the upload into {target}: {exc}", path=target) from exc


# ------------------------------------------------------------------------------ upkeep


def _touched(folder: Path) -> float:
    stamps = [folder.stat().st_mtime]
    for path in (folder / "session.json", *(folder / "parts").glob("*")):
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(stamps)


def cleanup_abandoned(ctx: Context, *, now: float | None = None) -> list[str]:
    """Delete upload sessions untouched for ``SOHOA_UPLOAD_ABANDON_HOURS``; their ids."""
    root = uploads_root(ctx)
    if not root.is_dir():
        return []
    limit = (now if now is not None else time.time()) - ctx.settings.upload_abandon_hours * 3600
    removed = []
    for folder in root.iterdir():
        if not _ID.fullmatch(folder.name) or not folder.is_dir():
            continue
        try:
            if _touched(folder) >= limit:
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(root / BATCHES / folder.name, ignore_errors=True)
        removed.append(folder.name)
    if removed:
        log.info("removed %d abandoned upload session(s)", len(removed))
    return removed
