"""The centre's receiving end of site-to-centre transfer: ``/api/transfer/`` (JSON).

Every request carries the site's key in ``X-Sohoa-Site-Key``: none or an unknown key is
401, a revoked key 403. ``POST /api/transfer/hello`` notes the site's contact (and its
outbox counts) at the start of every push. ``POST /api/transfer/offer`` registers a
version's file list and answers the bytes held of each file (or ``confirmed`` for a
version received before);
``PUT /api/transfer/file/{record}/{version}/{sha256}?offset=N`` appends a chunk (the raw
body; 409 with ``held`` when the offset is not where the centre's copy ends, 422 when the
completed file's SHA-256 is wrong: it is discarded); ``POST /api/transfer/commit`` imports
the complete version once and indexes it. See ``sohoa.services.transfer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from archive.transfer.incoming import ChecksumMismatch, OffsetMismatch
from errors import InputError, NotFoundError
from sohoa.services import transfer
from sohoa.web.responses import app_context

router = APIRouter(prefix=transfer.API, tags=["transfer"])


async def site_of(request: Request) -> str:
    """The site whose key the request carries (401 unknown or none, 403 revoked)."""
    key = request.headers.get(transfer.SITE_KEY_HEADER)
    site, revoked = await run_in_threadpool(transfer.site_for_key, app_context(request), key)
    if site is None:
        raise HTTPException(status_code=401, detail="unknown site key")
    if revoked:
        raise HTTPException(status_code=403, detail="this site's key was revoked")
    return site


Site = Annotated[str, Depends(site_of)]


class FileIn(BaseModel):
    """One file of a package."""

    name: str = Field(max_length=1000)
    size: int = Field(ge=0)
    sha256: str = Field(min_length=64, max_length=64)


class OfferIn(BaseModel):
    """A version of a site's record and its package's files."""

    record: int
    version: int = Field(ge=1)
    files: list[FileIn] = Field(max_length=100_000)


class CommitIn(BaseModel):
    """The version to import."""

    record: int
    version: int = Field(ge=1)


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a service call off the event loop; its errors as JSON answers."""
    try:
        return await run_in_threadpool(fn, *args)
    except OffsetMismatch as exc:
        return JSONResponse({"detail": str(exc), "held": exc.held}, status_code=409)
    except ChecksumMismatch as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    except NotFoundError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=404)
    except InputError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)


class HelloIn(BaseModel):
    """A site's greeting: its outbox counts by state."""

    outbox: dict[str, int] = Field(default_factory=dict, max_length=10)


@router.post("/hello")
async def hello(request: Request, site: Site, body: HelloIn) -> Any:
    """Note the site's contact; the centre's time (the site's key is checked first)."""
    return await _call(transfer.receive_hello, app_context(request), site, body.outbox)


@router.post("/offer")
async def offer(request: Request, site: Site, body: OfferIn) -> Any:
    """Register an offer; the bytes held of each file, by SHA-256."""
    files = [f.model_dump() for f in body.files]
    ctx = app_context(request)
    return await _call(transfer.receive_offer, ctx, site, body.record, body.version, files)


@router.put("/file/{record}/{version}/{sha256}")
async def chunk(
    request: Request, site: Site, record: int, version: int, sha256: str, offset: int
) -> Any:
    """Append the body at ``offset`` to an offered file; the bytes now held."""
    limit = app_context(request).settings.transfer_chunk_bytes * 2
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > limit:
        return JSONResponse({"detail": f"send at most {limit} bytes"}, status_code=413)
    data = bytearray()
    try:
        async for piece in request.stream():
            data += piece
            if len(data) > limit:
                return JSONResponse({"detail": "body too large"}, status_code=413)
    except ClientDisconnect:
        return JSONResponse({"detail": "connection lost"}, status_code=400)
    if len(data) != int(declared):
        return JSONResponse({"detail": "incomplete chunk"}, status_code=400)
    ctx = app_context(request)
    return await _call(
        transfer.receive_chunk, ctx, site, record, version, sha256, offset, bytes(data)
    )


@router.post("/commit")
async def commit(request: Request, site: Site, body: CommitIn) -> Any:
    """Import a complete version (once) and index it; the confirmation."""
    ctx = app_context(request)
    return await _call(transfer.receive_commit, ctx, site, body.record, body.version)
