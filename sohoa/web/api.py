"""The JSON API: the same session, CSRF rule and permissions as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from archive import accounts, review
from archive.accounts import User
from sohoa.web import dashboard as dash
from sohoa.web import pages, security, services
from sohoa.web.security import AdminUser, CurrentUser, StaffUser

router = APIRouter(prefix="/api", tags=["api"])


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class ReviewIn(BaseModel):
    value: str | None = Field(None, description="the corrected value; null accepts the field")


class UserIn(BaseModel):
    username: str
    password: str
    role: str
    unit: str | None = None
    full_name: str = ""


class ActiveIn(BaseModel):
    active: bool


class UnitIn(BaseModel):
    code: str
    name: str = ""


class AccessIn(BaseModel):
    access_mode: str = Field(pattern="^0[123]$")
    unit: str | None = None


class GrantIn(BaseModel):
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
    user, wait = pages.do_login(request, body.username.strip(), body.password)
    if wait:
        raise pages.throttled(wait)
    if user is None:
        from fastapi import HTTPException

        raise HTTPException(status_code=401, detail="Sai tên đăng nhập hoặc mật khẩu.")
    return {"user": _user_json(user), "csrf_token": request.session["csrf"]}


@router.post("/logout")
def logout(request: Request) -> dict[str, bool]:
    user = security.session_user(request)
    if user is not None:
        services.log_event(_ctx(request), "logout", user)
    security.end_session(request)
    return {"ok": True}


@router.get("/me")
def me(user: CurrentUser) -> dict[str, Any]:
    return _user_json(user)


@router.get("/search")
def search(
    request: Request,
    user: CurrentUser,
    form: Annotated[services.SearchForm, Depends(pages.search_form)],
) -> dict[str, Any]:
    """Documents visible to the caller; snippets mark matches with [[ and ]]."""
    outcome = services.run_search(_ctx(request), user, form)
    results = outcome.results
    return {
        "total": results.total if results else 0,
        "total_exact": results.total_exact if results else True,
        "page": form.page,
        "pages": outcome.pages,
        "hits": [services.hit_dict(h) for h in results.hits] if results else [],
        "facets": services.facets_dict(outcome.facets),
        "number_match": outcome.redirect_to,
        "error": outcome.error,
    }


@router.get("/facets")
def facets(
    request: Request,
    user: CurrentUser,
    form: Annotated[services.SearchForm, Depends(pages.search_form)],
) -> dict[str, Any]:
    outcome = services.run_search(_ctx(request), user, form)
    return services.facets_dict(outcome.facets)


@router.get("/documents/{doc_id}")
def document(request: Request, user: CurrentUser, doc_id: int) -> Any:
    ctx = _ctx(request)
    doc = services.load_document(ctx, user, doc_id)
    services.log_event(ctx, "document_viewed", user, document_id=doc_id)
    keep = (
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
    out = {k: doc.get(k) for k in keep}
    out["pdf_url"] = f"/files/documents/{doc_id}.pdf" if doc.get("pdf_path") else None
    out["events"] = services.document_events(ctx, doc_id)
    return jsonable_encoder(out)


@router.get("/dashboard")
def dashboard(request: Request, user: StaffUser) -> Any:
    return jsonable_encoder(dash.snapshot(_ctx(request).catalog))


@router.post("/retry")
def retry(request: Request, user: StaffUser) -> dict[str, Any]:
    return services.retry_failed(_ctx(request), actor=user.username)


@router.get("/review")
def review_list(request: Request, user: StaffUser) -> Any:
    return jsonable_encoder(review.documents_to_review(_ctx(request).catalog))


@router.post("/review/{doc_id}/{field}")
def review_field(
    request: Request, user: StaffUser, doc_id: int, field: str, body: ReviewIn
) -> dict[str, Any]:
    return pages.apply_review(_ctx(request), user, doc_id, field, body.value)


@router.get("/users")
def users(request: Request, user: AdminUser) -> Any:
    return jsonable_encoder(accounts.list_users(_ctx(request).catalog))


@router.post("/users", status_code=201)
def users_create(request: Request, user: AdminUser, body: UserIn) -> Any:
    user_id = accounts.create_user(
        _ctx(request).catalog,
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
    accounts.set_active(_ctx(request).catalog, username, body.active, actor=user.username)
    return {"active": body.active}


@router.get("/units")
def units(request: Request, user: AdminUser) -> Any:
    return accounts.list_units(_ctx(request).catalog)


@router.post("/units", status_code=201)
def units_create(request: Request, user: AdminUser, body: UnitIn) -> Any:
    return {"id": accounts.create_unit(_ctx(request).catalog, body.code, name=body.name)}


@router.get("/records")
def records(request: Request, user: AdminUser) -> Any:
    return accounts.list_records(_ctx(request).catalog)


@router.post("/records/{record_id}/access")
def records_access(request: Request, user: AdminUser, record_id: int, body: AccessIn) -> Any:
    docs = services.set_record_access(
        _ctx(request),
        record_id,
        mode=body.access_mode,
        unit=body.unit,
        clear_unit=not body.unit,
        actor=user.username,
    )
    return {"record": record_id, "reindexed": len(docs)}


@router.post("/records/{record_id}/grants", status_code=201)
def records_grant(request: Request, user: AdminUser, record_id: int, body: GrantIn) -> Any:
    services.grant_record(_ctx(request), record_id, body.username, actor=user.username)
    return {"record": record_id, "user": body.username}


@router.delete("/records/{record_id}/grants/{username}")
def records_revoke(request: Request, user: AdminUser, record_id: int, username: str) -> Any:
    return {
        "revoked": services.revoke_record(_ctx(request), record_id, username, actor=user.username)
    }


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
    total, rows = services.list_events(
        _ctx(request),
        kind=kind,
        actor=actor,
        document=document,
        since=since,
        until=until,
        limit=max(1, min(limit, 1000)),
        offset=max(0, offset),
    )
    return jsonable_encoder({"total": total, "events": rows})
