"""Server-rendered pages for admins: users, units, record access and grants, the events."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from errors import InputError, NotFoundError
from sohoa.services import access, events
from sohoa.web.responses import app_context, redirect, render
from sohoa.web.security import AdminUser

router = APIRouter(include_in_schema=False)
EVENTS_PAGE = 100


@router.get("/admin/users")
def users_page(request: Request, user: AdminUser, flash: str = "") -> Response:
    """The users and the form to add one."""
    ctx = app_context(request)
    return render(
        request,
        "users.html",
        users=access.list_users(ctx),
        units=access.list_units(ctx),
        flash=flash[:300],
    )


@router.post("/admin/users")
def users_create(
    request: Request,
    user: AdminUser,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
    unit: str = Form(""),
    full_name: str = Form(""),
) -> Response:
    """Add a user (a refusal is shown on the page)."""
    try:
        access.create_user(
            app_context(request),
            username,
            password,
            role=role,
            unit=unit or None,
            full_name=full_name,
            actor=user.username,
        )
        flash = f"Đã tạo người dùng {username}."
    except (InputError, NotFoundError) as exc:
        flash = f"Không tạo được người dùng: {exc}"
    return redirect("/admin/users?" + urlencode({"flash": flash}))


@router.post("/admin/users/{username}/active")
def users_active(
    request: Request, user: AdminUser, username: str, active: int = Form(..., ge=0, le=1)
) -> Response:
    """Activate or deactivate a user (not oneself)."""
    if username == user.username and not active:
        raise InputError("you cannot deactivate yourself")
    access.set_active(app_context(request), username, bool(active), actor=user.username)
    return redirect("/admin/users")


@router.get("/admin/units")
def units_page(request: Request, user: AdminUser) -> Response:
    """The units and the form to add one."""
    return render(request, "units.html", units=access.list_units(app_context(request)))


@router.post("/admin/units")
def units_create(
    request: Request, user: AdminUser, code: str = Form(...), name: str = Form("")
) -> Response:
    """Add a unit."""
    access.create_unit(app_context(request), code, name=name, actor=user.username)
    return redirect("/admin/units")


@router.get("/admin/records")
def records_page(request: Request, user: AdminUser, flash: str = "") -> Response:
    """The records with their access mode, unit and grants."""
    ctx = app_context(request)
    return render(
        request,
        "records.html",
        records=access.list_records(ctx),
        units=access.list_units(ctx),
        flash=flash[:300],
    )


@router.post("/admin/records/{record_id}/access")
def records_access(
    request: Request,
    user: AdminUser,
    record_id: int,
    access_mode: str = Form(...),
    unit: str = Form(""),
) -> Response:
    """Set a record's access mode and unit (its documents are re-indexed)."""
    access.set_record_access(
        app_context(request),
        record_id,
        mode=access_mode,
        unit=unit or None,
        clear_unit=not unit,
        actor=user.username,
    )
    return redirect("/admin/records?" + urlencode({"flash": "Đã cập nhật chế độ sử dụng."}))


@router.post("/admin/records/{record_id}/grants")
def records_grant(
    request: Request, user: AdminUser, record_id: int, username: str = Form(...)
) -> Response:
    """Let a user see a record whatever its access mode."""
    access.grant_record(app_context(request), record_id, username.strip(), actor=user.username)
    return redirect("/admin/records?" + urlencode({"flash": f"Đã cấp quyền cho {username}."}))


@router.post("/admin/records/{record_id}/grants/{username}/revoke")
def records_revoke(request: Request, user: AdminUser, record_id: int, username: str) -> Response:
    """Withdraw a grant."""
    access.revoke_record(app_context(request), record_id, username, actor=user.username)
    return redirect("/admin/records?" + urlencode({"flash": f"Đã thu hồi quyền của {username}."}))


@router.get("/admin/events")
def events_page(
    request: Request,
    user: AdminUser,
    kind: str = "",
    actor: str = "",
    document: int | None = Query(None, ge=1),
    since: str = "",
    until: str = "",
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    """The events, filtered, one page at a time."""
    total, rows = events.list_events(
        app_context(request),
        kind=kind,
        actor=actor,
        document=document,
        since=since,
        until=until,
        limit=EVENTS_PAGE,
        offset=(page - 1) * EVENTS_PAGE,
    )
    filters = {
        "kind": kind,
        "actor": actor,
        "document": document or "",
        "since": since,
        "until": until,
    }
    params = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "events.html",
        events=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // EVENTS_PAGE)),
        filters=params,
        page_link=lambda n: "/admin/events?" + urlencode({**params, "page": n}),
    )
