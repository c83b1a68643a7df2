"""The JSON API: the same session, CSRF rule and permissions as the pages, over the same
services (``sohoa.services``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from archive.accounts import User
from sohoa.services import access, batches, documents, review, statistics, transfer
from sohoa.services import events as event_log
from sohoa.services import search as search_service
from sohoa.services.search import SearchForm
from sohoa.web import security
from sohoa.web.pages import run_search, search_form
from sohoa.web.responses import app_context
from sohoa.web.security import AdminUser, CurrentUser, StaffUser

router = APIRouter(prefix="/api", tags=["api"])

DOCUMENT_KEYS = (
    "id",
    "seq",
    "name",
    "state",
    "number",
    "issued_date",
    "type_code",
    "type_name",
    "organ",
    "summary",
    "fields",
    "page_count",
    "record_code",
    "record_title",
    "access_mode",
    "unit_code",
    "fonds_code",
    "pdf_size",
    "pdf_sha256",
    "pages",
)


class LoginIn(BaseModel):
    """A login: user name and password."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class ReviewIn(BaseModel):
    """A review decision on one field."""

    value: str | None = Field(None, description="the corrected value; null accepts the field")


class UserIn(BaseModel):
    """A new user."""

    username: str
    password: str
    role: str
    unit: str | None = None
    full_name: str = ""


class ActiveIn(BaseModel):
    """Whether a user may sign in."""

    active: bool


class UnitIn(BaseModel):
    """A new unit."""

    code: str
    name: str = ""


class AccessIn(BaseModel):
    """A record's access mode and unit."""

    access_mode: str = Field(pattern="^0[123]$")
    unit: str | None = None


class GrantIn(BaseModel):
    """Who is granted a record."""

    username: str


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit": user.unit,
    }


@router.get("/csrf")
def csrf(request: Request) -> dict[str, str]:
    """The session's CSRF token (send it as X-CSRF-Token on POST/PUT/PATCH/DELETE)."""
    return {"csrf_token": security.csrf_token(request)}


@router.post("/login")
def login(request: Request, body: LoginIn) -> dict[str, Any]:
    """Sign in; the answer holds the user and the session's CSRF token."""
    user, wait = security.log_in(request, body.username.strip(), body.password)
    if wait:
        raise security.throttled(wait)
    if user is None:
        raise HTTPException(status_code=401, detail="Sai tên đăng nhập hoặc mật khẩu.")
    return {"user": _user_json(user), "csrf_token": request.session["csrf"]}


@router.post("/logout")
def logout(request: Request) -> dict[str, bool]:
    """Sign out."""
    security.log_out(request)
    return {"ok": True}


@router.get("/me")
def me(user: CurrentUser) -> dict[str, Any]:
    """The signed-in user."""
    return _user_json(user)


@router.get("/search")
def search(
    request: Request, user: CurrentUser, form: Annotated[SearchForm, Depends(search_form)]
) -> dict[str, Any]:
    """Documents visible to the caller; snippets mark matches with [[ and ]]."""
    outcome = run_search(request, user, form)
    results = outcome.results
    return {
        "total": results.total if results else 0,
        "total_exact": results.total_exact if results else True,
        "page": form.page,
        "pages": outcome.pages,
        "hits": [search_service.hit_dict(h) for h in results.hits] if results else [],
        "facets": search_service.facets_dict(outcome.facets),
        "number_match": outcome.redirect_to,
        "error": outcome.error,
    }


@router.get("/facets")
def facets(
    request: Request, user: CurrentUser, form: Annotated[SearchForm, Depends(search_form)]
) -> dict[str, Any]:
    """Facet counts (types, organs, years) of a search."""
    return search_service.facets_dict(run_search(request, user, form).facets)


@router.get("/documents/{doc_id}")
def document(request: Request, user: CurrentUser, doc_id: int) -> Any:
    """A document with its pages, events and the link to its PDF/A."""
    ctx = app_context(request)
    doc = documents.load_document(ctx, user, doc_id)
    event_log.log_event(ctx, "document_viewed", user, document_id=doc_id)
    out = {k: doc.get(k) for k in DOCUMENT_KEYS}
    out["pdf_url"] = f"/files/documents/{doc_id}.pdf" if doc.get("pdf_path") else None
    out["events"] = event_log.document_events(ctx, doc_id)
    return jsonable_encoder(out)


@router.get("/dashboard")
def dashboard(request: Request, user: StaffUser) -> Any:
    """The dashboard's figures."""
    return jsonable_encoder(statistics.dashboard(app_context(request)))


@router.get("/transfer-status")
def transfer_status(request: Request, user: StaffUser) -> Any:
    """The outbox, the last push and the sites heard from (as ``sohoa status --transfer``)."""
    ctx = app_context(request)
    return jsonable_encoder(transfer.transfer_status(ctx.catalog, ctx.home))


@router.post("/retry")
def retry(request: Request, user: StaffUser) -> dict[str, Any]:
    """Mark failed pages for another try (queued at once with a broker)."""
    return batches.queue_retry(app_context(request), actor=user.username)


@router.get("/review")
def review_list(
    request: Request,
    user: StaffUser,
    after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Documents with fields to check: a page of ``limit`` from the id ``after``."""
    queue = review.review_queue(app_context(request), after=after, limit=limit)
    return jsonable_encoder(queue["documents"])


@router.post("/review/{doc_id}/{field}")
def review_field(
    request: Request, user: StaffUser, doc_id: int, field: str, body: ReviewIn
) -> dict[str, Any]:
    """Accept a field (value null) or correct it; the old and the new value."""
    return review.review_as(app_context(request), user, doc_id, field, body.value)


@router.get("/users")
def users(request: Request, user: AdminUser) -> Any:
    """Every user."""
    return jsonable_encoder(access.list_users(app_context(request)))


@router.post("/users", status_code=201)
def users_create(request: Request, user: AdminUser, body: UserIn) -> Any:
    """Add a user."""
    user_id = access.create_user(
        app_context(request),
        body.username,
        body.password,
        role=body.role,
        unit=body.unit,
        full_name=body.full_name,
        actor=user.username,
    )
    return {"id": user_id}


@router.post("/users/{username}/active")
def users_active(
    request: Request, user: AdminUser, username: str, body: ActiveIn
) -> dict[str, bool]:
    """Activate or deactivate a user."""
    access.set_active(app_context(request), username, body.active, actor=user.username)
    return {"active": body.active}


@router.get("/units")
def units(request: Request, user: AdminUser) -> Any:
    """Every unit."""
    return access.list_units(app_context(request))


@router.post("/units", status_code=201)
def units_create(request: Request, user: AdminUser, body: UnitIn) -> Any:
    """Add a unit."""
    return {"id": access.create_unit(app_context(request), body.code, name=body.name)}


@router.get("/records")
def records(request: Request, user: AdminUser) -> Any:
    """Every record with its access mode, unit and grants."""
    return access.list_records(app_context(request))


@router.post("/records/{record_id}/access")
def records_access(request: Request, user: AdminUser, record_id: int, body: AccessIn) -> Any:
    """Set a record's access mode and unit (its documents are re-indexed)."""
    docs = access.set_record_access(
        app_context(request),
        record_id,
        mode=body.access_mode,
        unit=body.unit,
        clear_unit=not body.unit,
        actor=user.username,
    )
    return {"record": record_id, "reindexed": len(docs)}


@router.post("/records/{record_id}/grants", status_code=201)
def records_grant(request: Request, user: AdminUser, record_id: int, body: GrantIn) -> Any:
    """Let a user see a record whatever its access mode."""
    access.grant_record(app_context(request), record_id, body.username, actor=user.username)
    return {"record": record_id, "user": body.username}


@router.delete("/records/{record_id}/grants/{username}")
def records_revoke(request: Request, user: AdminUser, record_id: int, username: str) -> Any:
    """Withdraw a grant."""
    ctx = app_context(request)
    return {"revoked": access.revoke_record(ctx, record_id, username, actor=user.username)}


@router.get("/events")
def events(
    request: Request,
    user: AdminUser,
    kind: str = "",
    actor: str = "",
    document: int | None = None,
    since: str = "",
    until: str = "",
    limit: int = 100,
    offset: int = 0,
) -> Any:
    """The events, filtered, newest first."""
    total, rows = event_log.list_events(
        app_context(request),
        kind=kind,
        actor=actor,
        document=document,
        since=since,
        until=until,
        limit=max(1, min(limit, 1000)),
        offset=max(0, offset),
    )
    return jsonable_encoder({"total": total, "events": rows})
