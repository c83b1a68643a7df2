"""What an upload may hold: safe relative paths, accepted formats, sizes, and its errors.

A relative path comes from the browser (a picked file's name, or ``webkitRelativePath`` for
a folder): it must stay inside the batch (no ``..``, no absolute path or drive, no NUL or
control character, no backslash), name a scan format intake accepts (TIFF, JPEG, PNG, PDF;
a manifest at the top), and be unique. Limits come from the ``SOHOA_UPLOAD_*`` settings.
"""

from __future__ import annotations

import re
from typing import Any

from errors import InputError
from ingest.manifest import MANIFEST_NAMES
from sohoa.config import Settings

#: The scan formats intake opens (``ingest.sources.KINDS``), by file-name extension.
SCAN_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_PATH_CHARS = 1000


class UploadError(InputError):
    """An upload request cannot be accepted as it is (HTTP 400 unless a subclass says)."""

    status = 400


class TooLarge(UploadError):
    """A file, a chunk or a whole upload is over its limit (HTTP 413)."""

    status = 413


class UnsupportedFile(UploadError):
    """A file of a format intake does not accept (HTTP 415)."""

    status = 415


class ChecksumMismatch(UploadError):
    """What arrived is not what the browser hashed (HTTP 422); it was discarded."""

    status = 422


class OffsetConflict(UploadError):
    """A chunk not at the server's recorded length (HTTP 409); ``offset`` says where to go on."""

    status = 409

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _size_text(n: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} byte"


def check_batch_name(name: Any) -> str:
    """The batch's name as given, if it can be a folder name (else :class:`UploadError`)."""
    text = str(name or "").strip()
    if not text:
        raise UploadError("hãy đặt tên cho lô tải lên")
    if (
        len(text) > 120
        or "/" in text
        or "\\" in text
        or _CONTROL.search(text)
        or text.startswith(".")
    ):
        raise UploadError(
            f"tên lô {text[:120]!r} không dùng được: tối đa 120 ký tự, không có / \\ "
            "hay ký tự điều khiển, không bắt đầu bằng dấu chấm"
        )
    return text


def check_path(path: Any) -> str:
    """A browser's relative path if it stays inside the batch (else :class:`UploadError`)."""
    text = str(path) if isinstance(path, str) else ""
    shown = repr(text[:200])
    if not text:
        raise UploadError("một tệp không có tên")
    if "\x00" in text or _CONTROL.search(text):
        raise UploadError(f"tệp {shown}: tên chứa ký tự điều khiển hoặc NUL")
    if "\\" in text:
        raise UploadError(f"tệp {shown}: tên có dấu \\; hãy dùng / giữa các thư mục")
    if len(text) > MAX_PATH_CHARS:
        raise UploadError(f"tệp {shown}: đường dẫn dài quá {MAX_PATH_CHARS} ký tự")
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        raise UploadError(f"tệp {shown}: đường dẫn tuyệt đối không được phép")
    parts = text.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise UploadError(f"tệp {shown}: đường dẫn không được chứa '..', '.' hay '//'")
    if any(p.startswith(".") for p in parts):
        raise UploadError(f"tệp {shown}: tệp hoặc thư mục ẩn (bắt đầu bằng dấu chấm)")
    return text


def check_suffix(path: str) -> None:
    """A scan format intake opens, or a manifest at the top (else :class:`UnsupportedFile`)."""
    lowered = path.lower()
    if lowered.endswith(SCAN_SUFFIXES) or ("/" not in path and lowered in MANIFEST_NAMES):
        return
    raise UnsupportedFile(
        f"tệp {path!r}: định dạng không được hỗ trợ; chỉ nhận "
        + ", ".join(SCAN_SUFFIXES)
        + " (và "
        + ", ".join(MANIFEST_NAMES)
        + " ở thư mục gốc của lô)"
    )


def max_file_bytes(settings: Settings) -> tuple[int, str]:
    """The largest file one may upload and the setting that says so (intake's own counts)."""
    if settings.max_file_bytes < settings.upload_max_bytes:
        return settings.max_file_bytes, "SOHOA_MAX_FILE_BYTES"
    return settings.upload_max_bytes, "SOHOA_UPLOAD_MAX_BYTES"


def check_files(files: Any, *, settings: Settings) -> list[dict[str, Any]]:
    """The list of files (path, size, sha256) checked against the limits; plain dicts."""
    if not isinstance(files, list) or not files:
        raise UploadError("lô tải lên không có tệp nào")
    if len(files) > settings.upload_max_files:
        raise TooLarge(
            f"lô có {len(files)} tệp, nhiều hơn giới hạn {settings.upload_max_files} tệp "
            "(SOHOA_UPLOAD_MAX_FILES); hãy chia thành nhiều lô"
        )
    limit, setting = max_file_bytes(settings)
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    total = 0
    for item in files:
        if not isinstance(item, dict):
            raise UploadError("mỗi tệp cần path, size và sha256")
        path = check_path(item.get("path"))
        check_suffix(path)
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise UploadError(f"tệp {path!r}: kích thước không hợp lệ")
        if size == 0:
            raise UploadError(f"tệp {path!r} rỗng (0 byte): hãy quét hoặc xuất lại tệp")
        if size > limit:
            raise TooLarge(
                f"tệp {path!r} ({_size_text(size)}) lớn hơn giới hạn {_size_text(limit)} "
                f"({setting})"
            )
        sha = str(item.get("sha256") or "").strip().lower()
        if not _HEX64.fullmatch(sha):
            raise UploadError(f"tệp {path!r}: sha256 phải là 64 chữ số hex")
        key = path.casefold()
        if key in seen:
            raise UploadError(f"tệp {path!r} có hai lần trong lô")
        seen.add(key)
        total += size
        checked.append({"path": path, "size": size, "sha256": sha})
    folders = {
        "/".join(p["path"].split("/")[:n]).casefold()
        for p in checked
        for n in range(1, 1 + p["path"].count("/"))
    }
    clash = [p["path"] for p in checked if p["path"].casefold() in folders]
    if clash:
        raise UploadError(f"tệp {clash[0]!r} trùng tên với một thư mục của lô")
    if total > settings.upload_max_session_bytes:
        raise TooLarge(
            f"cả lô ({_size_text(total)}) lớn hơn giới hạn "
            f"{_size_text(settings.upload_max_session_bytes)} (SOHOA_UPLOAD_MAX_SESSION_BYTES); "
            "hãy chia thành nhiều lô"
        )
    return checked
