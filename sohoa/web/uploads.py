"""Upload from the browser: the ``/upload`` page and its JSON API (staff only, CSRF header).

``POST /api/uploads`` opens a session, ``PUT /api/uploads/{id}/files/{n}?offset=N`` sends a
chunk as the raw body (``X-Chunk-SHA256`` optional), ``POST .../files/{n}/finish`` checks a
file's SHA-256, ``GET /api/uploads/{id}`` says what the server holds, ``POST
/api/uploads/{id}/finish`` turns the upload into a batch. A chunk at the wrong offset gets
409 with ``offset`` (and an ``Upload-Offset`` header) to resume from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from sohoa.services import upload_files, uploads
from sohoa.services.upload_files import OffsetConflict, TooLarge, UploadError
from sohoa.web.responses import app_context, render
from sohoa.web.security import StaffUser

router = APIRouter()


class FileIn(BaseModel):
    """One file of an upload, as the browser describes it."""

    path: str = Field(max_length=2000)
    size: int
    sha256: str = Field(max_length=100)


class SessionIn(BaseModel):
    """A new upload: the batch name and the files."""

    batch: str = Field(max_length=500)
    fonds: str | None = Field(None, max_length=100)
    files: list[FileIn]


def _error(exc: UploadError) -> JSONResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    headers = {}
    if isinstance(exc, OffsetConflict):
        body["offset"] = exc.offset
        headers["Upload-Offset"] = str(exc.offset)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service function off the event loop; upload errors become their JSON answer."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except UploadError as exc:
        return _error(exc)


@router.get("/upload", include_in_schema=False)
def upload_page(request: Request, user: StaffUser) -> Response:
    """The file and folder pickers, with progress per file and for the batch."""
    settings = app_context(request).settings
    return render(
        request,
        "upload.html",
        max_bytes=upload_files.max_file_bytes(settings)[0],
        max_session_bytes=settings.upload_max_session_bytes,
        default_fonds=settings.fonds,
    )


@router.post("/api/uploads", status_code=201, tags=["api"])
async def create_upload(request: Request, user: StaffUser, body: SessionIn) -> Any:
    """Open an upload session for the files listed."""
    files = [f.model_dump() for f in body.files]
    return await _call(
        uploads.create_session,
        app_context(request),
        owner=user.username,
        batch=body.batch,
        files=files,
        fonds=body.fonds,
    )


@router.get("/api/uploads/{session_id}", tags=["api"])
async def upload_status(request: Request, user: StaffUser, session_id: str) -> Any:
    """The bytes the server holds of each file (resume from there)."""
    return await _call(uploads.status, app_context(request), session_id, owner=user.username)


async def _read_body(request: Request, limit: int) -> tuple[bytes, bool]:
    """The raw body (at most ``limit`` bytes) and whether it arrived whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"một lần gửi tối đa {limit} byte")
    data = bytearray()
    try:
        async for piece in request.stream():
            data += piece
            if len(data) > limit:
                raise TooLarge(f"một lần gửi tối đa {limit} byte")
    except ClientDisconnect:
        return bytes(data), False
    complete = declared is None or (declared.isdigit() and int(declared) == len(data))
    return bytes(data), complete


@router.put("/api/uploads/{session_id}/files/{index}", tags=["api"])
@router.post("/api/uploads/{session_id}/files/{index}", tags=["api"])
async def upload_chunk(
    request: Request, user: StaffUser, session_id: str, index: int, offset: int
) -> Any:
    """One chunk of a file, as the raw body, written at ``offset``."""
    ctx = app_context(request)
    try:
        data, complete = await _read_body(request, ctx.settings.upload_chunk_bytes)
    except UploadError as exc:
        return _error(exc)
    return await _call(
        uploads.receive_chunk,
        ctx,
        session_id,
        index,
        owner=user.username,
        offset=offset,
        data=data,
        complete=complete,
        chunk_sha256=request.headers.get("x-chunk-sha256"),
    )


@router.post("/api/uploads/{session_id}/files/{index}/finish", tags=["api"])
async def finish_file(request: Request, user: StaffUser, session_id: str, index: int) -> Any:
    """Check the file's size and SHA-256 (a mismatch discards it: send it again)."""
    return await _call(
        uploads.finish_file, app_context(request), session_id, index, owner=user.username
    )


@router.post("/api/uploads/{session_id}/finish", tags=["api"])
async def finish_upload(request: Request, user: StaffUser, session_id: str) -> Any:
    """Turn the complete upload into a batch; its id and the files intake refused."""
    return await _call(
        uploads.finish_session, app_context(request), session_id, owner=user.username
    )
