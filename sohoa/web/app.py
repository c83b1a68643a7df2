"""The FastAPI application: server-rendered Vietnamese pages and a JSON API, one permission model.

``create_app(settings)`` opens the catalog and the search index once (``app.state.ctx``) and
mounts the pages (``sohoa.web.pages``, ``staff_pages``, ``admin_pages``) and the API
(``sohoa.web.api``). ``sohoa serve`` runs
it with uvicorn; with several workers uvicorn imports ``app_from_env`` in each process.
"""

from __future__ import annotations

import logging
import re
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from errors import InputError, NotFoundError, QueryError
from sohoa.config import Settings, load_settings
from sohoa.web import security
from sohoa.web.charts import human_bytes

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
_MARK = re.compile(r"\[\[(.*?)\]\]", re.S)

ROLE_NAMES = {"admin": "Quản trị", "staff": "Cán bộ số hóa", "official": "Cán bộ tra cứu"}
STATE_NAMES = {
    "pending": "đang xử lý",
    "received": "chờ xử lý",
    "working": "đang nhận dạng",
    "recognised": "đã nhận dạng",
    "packaging": "chờ đóng gói",
    "packing": "đang đóng gói",
    "packaged": "đã đóng gói",
    "indexed": "đã lưu trữ",
    "failed": "lỗi",
}
ACCESS_NAMES = {"01": "Công khai", "02": "Hạn chế theo đơn vị", "03": "Mật (cần cấp quyền)"}


def highlight(snippet: str | None) -> Markup:
    """Escape a snippet, then turn the index's ``[[``/``]]`` match markers into <mark>."""
    text = str(escape(snippet or ""))
    return Markup(_MARK.sub(lambda m: f"<mark>{m.group(1)}</mark>", text))


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value or "")


def _vn_date(value: str | None) -> str:
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    return value or ""


def vn_number(value: int) -> str:
    """An integer with the Vietnamese thousands separator: 10000 -> "10.000"."""
    return f"{value:,}".replace(",", ".")


def make_templates() -> Jinja2Templates:
    """The Jinja templates with the filters and names the pages use."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)
    env.filters.update(
        highlight=highlight,
        when=_when,
        vndate=_vn_date,
        vnnum=vn_number,
        size=human_bytes,
        urlquote=lambda v: quote(str(v), safe=""),
    )
    env.globals.update(ROLE_NAMES=ROLE_NAMES, STATE_NAMES=STATE_NAMES, ACCESS_NAMES=ACCESS_NAMES)
    return Jinja2Templates(env=env)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, **security.template_globals(request)},
        status_code=status,
    )


MESSAGES = {
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc tài liệu này.",
    405: "Phương thức không được hỗ trợ.",
}


def create_app(settings: Settings) -> FastAPI:
    """The web application over the archive described by ``settings``."""
    from sohoa.pipeline import open_context
    from sohoa.web import admin_pages, api, pages, staff_pages, transfer, uploads

    ctx = open_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        from sohoa.services import upload_runner
        from sohoa.services.watch import start_background

        if settings.web_threads:
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = settings.web_threads
        watcher = start_background(settings)  # SOHOA_SERVE_WATCH: the hot folder too
        yield
        upload_runner.wait_all(timeout=10.0)  # an uploaded batch in hand resumes on retry
        if watcher is not None:
            watcher.close()
        ctx.close()

    app = FastAPI(
        title="sohoa",
        description="Kho lưu trữ số: tra cứu, bảng điều khiển, kiểm tra siêu dữ liệu.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(security.check_csrf)],
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.state.templates = make_templates()
    app.state.ip_throttle = security.IpThrottle(
        max_failures=settings.login_max_failures * security.IP_MAX_FAILURES_FACTOR,
        base=settings.login_delay_seconds,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=security.secret_key(settings),
        session_cookie="sohoa_session",
        max_age=settings.session_minutes * 60,
        same_site="lax",
        https_only=False,
    )

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/docs"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; frame-src 'self'; object-src 'self'; frame-ancestors 'self'",
            )
        return response

    @app.exception_handler(security.LoginRequired)
    async def _login_required(request: Request, _exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Chưa đăng nhập."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, _exc: Exception) -> Response:
        return _error_page(request, 404, MESSAGES[404])

    @app.exception_handler(InputError)
    @app.exception_handler(QueryError)
    async def _bad_input(request: Request, exc: Exception) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = MESSAGES.get(exc.status_code) or str(exc.detail)
        if exc.status_code == 403 and exc.detail and "CSRF" in str(exc.detail):
            message = "Phiên làm việc không hợp lệ (CSRF). Hãy tải lại trang rồi thử lại."
        response = _error_page(request, exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return _error_page(request, 422, "Tham số không hợp lệ.")

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(staff_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(uploads.router)
    app.include_router(transfer.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): settings from SOHOA_*."""
    return create_app(load_settings())
