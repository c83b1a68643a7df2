"""Server-rendered pages (Vietnamese): login, search, document, files, dashboard, review, admin."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from archive import accounts, review
from archive.accounts import User
from errors import InputError, NotFoundError
from sohoa.pipeline import Context, refresh_index
from sohoa.web import dashboard as dash
from sohoa.web import images, security, services
from sohoa.web.charts import bar_chart, human_bytes, line_chart
from sohoa.web.security import AdminUser, CurrentUser, StaffUser

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def _ctx(request: Request) -> Context:
    return request.app.state.ctx


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        name,
        {**security.template_globals(request), **context},
        status_code=status_code,
    )


def _safe_next(target: str | None) -> str:
    """Only local paths: no scheme, no host, no protocol-relative '//' (open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/search"
    return target


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ------------------------------------------------------------------------------ login


@router.get("/")
def home(user: CurrentUser) -> Response:
    return _redirect("/dashboard" if user.role in ("admin", "staff") else "/search")


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002
    return render(request, "login.html", next=_safe_next(next), error="")


def do_login(request: Request, username: str, password: str) -> tuple[User | None, float]:
    """Shared by the form and the API: (user or None, seconds to wait when throttled)."""
    ctx = _ctx(request)
    settings = ctx.settings
    ip = security.client_ip(request)
    throttle: security.IpThrottle = request.app.state.ip_throttle
    ip_wait = throttle.wait(ip)
    if ip_wait > 0:
        services.log_event(ctx, "login_throttled", None, detail={"user": username, "ip": ip})
        return None, ip_wait
    result = accounts.authenticate(
        ctx.catalog,
        username,
        password,
        max_failures=settings.login_max_failures,
        base_delay=settings.login_delay_seconds,
    )
    if result.wait > 0:
        throttle.failed(ip)
        services.log_event(ctx, "login_throttled", None, detail={"user": username, "ip": ip})
        return None, result.wait
    if result.user is None:
        throttle.failed(ip)
        services.log_event(ctx, "login_failed", None, detail={"user": username[:200], "ip": ip})
        return None, 0.0
    throttle.succeeded(ip)
    security.start_session(request, result.user)
    services.log_event(ctx, "login", result.user, detail={"ip": ip})
    return result.user, 0.0


def throttled(wait: float) -> HTTPException:
    seconds = max(1, int(wait + 0.999))
    return HTTPException(
        status_code=429,
        detail=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {seconds} giây.",
        headers={"Retry-After": str(seconds)},
    )


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    user, wait = do_login(request, username.strip(), password)
    if wait:
        raise throttled(wait)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error="Sai tên đăng nhập hoặc mật khẩu.",
            username=username,
        )
    return _redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    user = security.session_user(request)
    if user is not None:
        services.log_event(_ctx(request), "logout", user)
    security.end_session(request)
    return _redirect("/login")


# ------------------------------------------------------------------------------ search


def search_form(
    q: str = "",
    fonds: str = "",
    record: str = "",
    type: str = "",  # noqa: A002
    organ: str = "",
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    number: str = "",
    sort: str = "relevance",
    page: int = Query(1, ge=1, le=10_000),
) -> services.SearchForm:
    return services.SearchForm(
        q=q[:2000],
        fonds=fonds.strip(),
        record=record.strip(),
        type=type.strip(),
        organ=organ.strip(),
        date_from=date_from.strip(),
        date_to=date_to.strip(),
        number=number.strip(),
        sort=sort if sort in services.SORTS else "relevance",
        page=page,
    )


@router.get("/search")
def search_page(
    request: Request, user: CurrentUser, form: Annotated[services.SearchForm, Depends(search_form)]
) -> Response:
    outcome = services.run_search(_ctx(request), user, form)
    if outcome.redirect_to is not None:
        return _redirect(f"/documents/{outcome.redirect_to}")

    def link(**changes: Any) -> str:
        return "/search?" + urlencode(form.params(page="", **changes))

    return render(
        request,
        "search.html",
        form=form,
        outcome=outcome,
        facets=services.facets_dict(outcome.facets),
        link=link,
        page_link=lambda n: "/search?" + urlencode(form.params(page=n if n > 1 else "")),
    )


# ---------------------------------------------------------------------------- documents


@router.get("/documents/{doc_id}")
def document_page(
    request: Request, user: CurrentUser, doc_id: int, page: int = Query(1, ge=1, le=100_000)
) -> Response:
    ctx = _ctx(request)
    doc = services.load_document(ctx, user, doc_id)
    services.log_event(ctx, "document_viewed", user, document_id=doc_id)
    page = min(page, max(1, len(doc["pages"])))
    fields = doc.get("fields") or {}
    return render(
        request,
        "document.html",
        doc=doc,
        page_no=page,
        fields=fields,
        events=services.document_events(ctx, doc_id),
    )


@router.get("/files/documents/{doc_id}.pdf")
def document_file(
    request: Request, user: CurrentUser, doc_id: int, download: int = Query(0, ge=0, le=1)
) -> Response:
    ctx = _ctx(request)
    doc = services.load_document(ctx, user, doc_id)
    if not doc.get("pdf_path"):
        raise NotFoundError(f"document {doc_id} has no PDF/A yet")
    path = ctx.home / doc["pdf_path"]
    if not path.is_file():
        raise NotFoundError(f"the PDF/A of document {doc_id} is missing")
    services.log_event(
        ctx, "document_downloaded" if download else "document_file_viewed", user, document_id=doc_id
    )
    filename = doc["pdf_path"].rsplit("/", 1)[-1]
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=filename,
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/files/pages/{page_id}/thumb.png")
def page_thumbnail(request: Request, user: CurrentUser, page_id: int) -> Response:
    ctx = _ctx(request)
    doc, page = services.load_page(ctx, user, page_id)
    path = images.thumbnail(ctx.home, doc, page)
    services.log_event(ctx, "page_image_viewed", user, document_id=doc["id"], page_id=page_id)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private"})


@router.get("/files/documents/{doc_id}/fields/{field}.png")
def field_crop(request: Request, user: StaffUser, doc_id: int, field: str) -> Response:
    ctx = _ctx(request)
    doc = services.load_document(ctx, user, doc_id)
    path = images.field_crop(ctx.home, doc, field)
    services.log_event(ctx, "field_image_viewed", user, document_id=doc_id, detail={"field": field})
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private"})


# ---------------------------------------------------------------------------- dashboard


def charts(snapshot: dict[str, Any]) -> dict[str, Any]:
    series = snapshot["series"]
    return {
        "pages_per_day": line_chart(
            "chart-pages-per-day",
            "Số trang lưu trữ mỗi ngày",
            [(d[5:], v) for d, v in series["pages_per_day"]],
            y_label="trang",
        )
        if len(series["pages_per_day"]) > 1
        else bar_chart(
            "chart-pages-per-day",
            "Số trang lưu trữ mỗi ngày",
            [(d[5:], v) for d, v in series["pages_per_day"]],
            y_label="trang",
        ),
        "storage": line_chart(
            "chart-storage",
            "Dung lượng lưu trữ theo thời gian",
            [(d[5:], v) for d, v in series["storage"]],
            y_label="dung lượng",
            fmt=human_bytes,
        ),
        "fonds": bar_chart(
            "chart-fonds",
            "Số trang theo phông",
            [(f["fonds"], float(f["pages"])) for f in snapshot["per_fonds"]],
            y_label="trang",
        ),
    }


@router.get("/dashboard")
def dashboard_page(request: Request, user: StaffUser, flash: str = "") -> Response:
    snapshot = dash.snapshot(_ctx(request).catalog)
    return render(
        request,
        "dashboard.html",
        snap=snapshot,
        charts=charts(snapshot),
        flash=flash[:300],
        broker=bool(_ctx(request).settings.broker),
    )


@router.post("/dashboard/retry")
def dashboard_retry(request: Request, user: StaffUser) -> Response:
    outcome = services.retry_failed(_ctx(request), actor=user.username)
    if outcome["queued"]:
        message = f"Đã đưa {outcome['pages']} trang lỗi vào hàng đợi để xử lý lại."
    elif outcome["pages"] or outcome["repackage"]:
        message = (
            f"Đã đánh dấu {outcome['pages']} trang lỗi để xử lý lại. Máy chủ web không tự nhận "
            "dạng: hãy chạy lệnh “sohoa retry” (hoặc “sohoa ingest” lần tới) để xử lý."
        )
    else:
        message = "Không có trang lỗi nào để xử lý lại."
    if outcome["rejected_at_intake"]:
        message += (
            f" {outcome['rejected_at_intake']} tài liệu bị từ chối khi tiếp nhận: "
            "hãy sửa tệp và tiếp nhận lại."
        )
    return _redirect("/dashboard?" + urlencode({"flash": message}))


# ------------------------------------------------------------------------------- review


@router.get("/review")
def review_list(request: Request, user: StaffUser) -> Response:
    return render(request, "review.html", docs=review.documents_to_review(_ctx(request).catalog))


@router.get("/review/{doc_id}")
def review_document(request: Request, user: StaffUser, doc_id: int, flash: str = "") -> Response:
    ctx = _ctx(request)
    doc = services.load_document(ctx, user, doc_id)
    fields = doc.get("fields") or {}
    flagged = [
        {"name": name, **value}
        for name, value in fields.items()
        if isinstance(value, dict) and value.get("flags")
    ]
    return render(
        request,
        "review_doc.html",
        doc=doc,
        flagged=flagged,
        flash=flash[:300],
    )


def apply_review(
    ctx: Context, user: User, doc_id: int, field: str, value: str | None
) -> dict[str, Any]:
    services.load_document(ctx, user, doc_id)  # 404 when it does not exist
    if not images.FIELD_NAME.fullmatch(field):
        raise InputError(f"{field!r} is not a field name")
    result = review.review_field(ctx.catalog, doc_id, field, value=value, actor=user.username)
    refresh_index(ctx, doc_id)
    return result


@router.post("/review/{doc_id}/{field}")
def review_submit(
    request: Request,
    user: StaffUser,
    doc_id: int,
    field: str,
    action: str = Form(...),
    value: str = Form(""),
) -> Response:
    if action not in ("accept", "correct"):
        raise InputError("action must be accept or correct")
    apply_review(_ctx(request), user, doc_id, field, value if action == "correct" else None)
    message = "Đã chấp nhận." if action == "accept" else "Đã sửa."
    return _redirect(f"/review/{doc_id}?" + urlencode({"flash": f"{field}: {message}"}))


# -------------------------------------------------------------------------------- admin


@router.get("/admin/users")
def users_page(request: Request, user: AdminUser, flash: str = "") -> Response:
    catalog = _ctx(request).catalog
    return render(
        request,
        "users.html",
        users=accounts.list_users(catalog),
        units=accounts.list_units(catalog),
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
    try:
        accounts.create_user(
            _ctx(request).catalog,
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
    return _redirect("/admin/users?" + urlencode({"flash": flash}))


@router.post("/admin/users/{username}/active")
def users_active(
    request: Request, user: AdminUser, username: str, active: int = Form(..., ge=0, le=1)
) -> Response:
    if username == user.username and not active:
        raise InputError("you cannot deactivate yourself")
    accounts.set_active(_ctx(request).catalog, username, bool(active), actor=user.username)
    return _redirect("/admin/users")


@router.get("/admin/units")
def units_page(request: Request, user: AdminUser) -> Response:
    return render(request, "units.html", units=accounts.list_units(_ctx(request).catalog))


@router.post("/admin/units")
def units_create(
    request: Request, user: AdminUser, code: str = Form(...), name: str = Form("")
) -> Response:
    accounts.create_unit(_ctx(request).catalog, code, name=name, actor=user.username)
    return _redirect("/admin/units")


@router.get("/admin/records")
def records_page(request: Request, user: AdminUser, flash: str = "") -> Response:
    catalog = _ctx(request).catalog
    return render(
        request,
        "records.html",
        records=accounts.list_records(catalog),
        units=accounts.list_units(catalog),
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
    services.set_record_access(
        _ctx(request),
        record_id,
        mode=access_mode,
        unit=unit or None,
        clear_unit=not unit,
        actor=user.username,
    )
    return _redirect("/admin/records?" + urlencode({"flash": "Đã cập nhật chế độ sử dụng."}))


@router.post("/admin/records/{record_id}/grants")
def records_grant(
    request: Request, user: AdminUser, record_id: int, username: str = Form(...)
) -> Response:
    services.grant_record(_ctx(request), record_id, username.strip(), actor=user.username)
    return _redirect("/admin/records?" + urlencode({"flash": f"Đã cấp quyền cho {username}."}))


@router.post("/admin/records/{record_id}/grants/{username}/revoke")
def records_revoke(request: Request, user: AdminUser, record_id: int, username: str) -> Response:
    services.revoke_record(_ctx(request), record_id, username, actor=user.username)
    return _redirect("/admin/records?" + urlencode({"flash": f"Đã thu hồi quyền của {username}."}))


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
    size = 100
    total, events = services.list_events(
        _ctx(request),
        kind=kind,
        actor=actor,
        document=document,
        since=since,
        until=until,
        limit=size,
        offset=(page - 1) * size,
    )
    params = {
        k: v
        for k, v in {
            "kind": kind,
            "actor": actor,
            "document": document or "",
            "since": since,
            "until": until,
        }.items()
        if v
    }
    return render(
        request,
        "events.html",
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        filters=params,
        page_link=lambda n: "/admin/events?" + urlencode({**params, "page": n}),
    )
