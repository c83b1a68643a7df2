"""Sessions, CSRF, login throttling and role checks for the web app.

The session is Starlette's signed cookie (itsdangerous, HttpOnly, SameSite=Lax) holding only
the user id, the login and last-seen times and the CSRF token. Every request re-reads the
user from the catalog, so a deactivated account loses access at once.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from archive import accounts
from archive.accounts import User
from archive.storage import atomic_write
from sohoa.config import Settings
from sohoa.services import access
from sohoa.services.events import log_event

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TRANSFER_PREFIX = "/api/transfer/"  # site pushes authenticate with a key header instead
SITE_KEY_HEADER = "x-sohoa-site-key"  # as sohoa.services.transfer.SITE_KEY_HEADER
IP_MAX_FAILURES_FACTOR = 4  # an address may fail this many times more than one user name


def secret_key(settings: Settings) -> str:
    """``SOHOA_SECRET_KEY``, or the key generated once into ``SOHOA_HOME/secret_key`` (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.home / "secret_key"
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    settings.home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    old = os.umask(0o077)
    try:
        with atomic_write(path) as fh:
            fh.write(key.encode("ascii"))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    # Two processes starting at once: both wrote a key, the last rename won; use that one.
    return path.read_text(encoding="ascii").strip()


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in (handled as a redirect or 401)."""


class IpThrottle:
    """Failed logins per client address, in memory (per process), with a growing wait."""

    def __init__(self, *, max_failures: int, base: float) -> None:
        self.max_failures = max_failures
        self.base = base
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def wait(self, ip: str) -> float:
        """Seconds ``ip`` must still wait before its next try (0: it may try now)."""
        with self._lock:
            count, last = self._failures.get(ip, (0, 0.0))
        delay = accounts.login_delay(count, max_failures=self.max_failures, base=self.base)
        return max(0.0, last + delay - time.monotonic()) if delay else 0.0

    def failed(self, ip: str) -> None:
        """Count a failed login from ``ip``."""
        with self._lock:
            count, _ = self._failures.get(ip, (0, 0.0))
            self._failures[ip] = (count + 1, time.monotonic())
            if len(self._failures) > 100_000:  # bounded memory under a spray of addresses
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, ip: str) -> None:
        """Forget the failures of ``ip`` after a successful login."""
        with self._lock:
            self._failures.pop(ip, None)


def client_ip(request: Request) -> str:
    """The address the request came from."""
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """App-wide dependency: unsafe methods must carry the session's CSRF token (else 403)."""
    if request.method not in UNSAFE:
        return
    if request.url.path.startswith(TRANSFER_PREFIX) and request.headers.get(SITE_KEY_HEADER):
        return  # a site's push: no session or cookie, its route checks the site key
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


def start_session(request: Request, user: User) -> None:
    """A fresh signed session (and CSRF token) for ``user``."""
    request.session.clear()  # a fresh session (and CSRF token) at every login
    stamp = time.time()
    request.session.update(
        uid=user.id, login_at=stamp, seen_at=stamp, csrf=secrets.token_urlsafe(32)
    )


def end_session(request: Request) -> None:
    """Forget the session (sign out)."""
    request.session.clear()


def session_user(request: Request) -> User | None:
    """The signed-in, active user, or None (expired sessions are cleared)."""
    cached = getattr(request.state, "user", False)
    if cached is not False:
        return cached
    settings: Settings = request.app.state.settings
    user: User | None = None
    uid = request.session.get("uid")
    if uid is not None:
        stamp = time.time()
        login_at = float(request.session.get("login_at", 0))
        seen_at = float(request.session.get("seen_at", 0))
        if (
            stamp - login_at > settings.session_minutes * 60
            or stamp - seen_at > settings.session_idle_minutes * 60
        ):
            request.session.clear()
        else:
            user = access.get_user(request.app.state.ctx, int(uid))
            if user is None or not user.active:
                request.session.clear()
                user = None
            elif stamp - seen_at > 30:  # refresh the idle clock (not on every request)
                request.session["seen_at"] = stamp
    request.state.user = user
    return user


def current_user(request: Request) -> User:
    """Dependency: the signed-in user (else :class:`LoginRequired`)."""
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    return user


def require_roles(*roles: str) -> Callable[..., User]:
    """Dependency factory: the signed-in user, if their role is one of ``roles`` (else 403)."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="Bạn không có quyền xem trang này.")
        return user

    return dependency


staff_user = require_roles("admin", "staff")
admin_user = require_roles("admin")


CurrentUser = Annotated[User, Depends(current_user)]
StaffUser = Annotated[User, Depends(staff_user)]
AdminUser = Annotated[User, Depends(admin_user)]


def template_globals(request: Request) -> dict[str, Any]:
    """What every template sees: the CSRF token and the signed-in user."""
    return {"csrf_token": csrf_token(request), "user": session_user(request)}


# ------------------------------------------------------------------------------ login


def log_in(request: Request, username: str, password: str) -> tuple[User | None, float]:
    """Shared by the form and the API: (user or None, seconds to wait when throttled)."""
    ctx = request.app.state.ctx
    ip = client_ip(request)
    throttle: IpThrottle = request.app.state.ip_throttle
    ip_wait = throttle.wait(ip)
    if ip_wait > 0:
        log_event(ctx, "login_throttled", None, detail={"user": username, "ip": ip})
        return None, ip_wait
    result = access.authenticate(ctx, username, password)
    if result.wait > 0:
        throttle.failed(ip)
        log_event(ctx, "login_throttled", None, detail={"user": username, "ip": ip})
        return None, result.wait
    if result.user is None:
        throttle.failed(ip)
        log_event(ctx, "login_failed", None, detail={"user": username[:200], "ip": ip})
        return None, 0.0
    throttle.succeeded(ip)
    start_session(request, result.user)
    log_event(ctx, "login", result.user, detail={"ip": ip})
    return result.user, 0.0


def throttled(wait: float) -> HTTPException:
    """429 Too Many Requests, saying (and with Retry-After) how long to wait."""
    seconds = max(1, int(wait + 0.999))
    return HTTPException(
        status_code=429,
        detail=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {seconds} giây.",
        headers={"Retry-After": str(seconds)},
    )


def log_out(request: Request) -> None:
    """Record the logout of the signed-in user (if any) and end the session."""
    user = session_user(request)
    if user is not None:
        log_event(request.app.state.ctx, "logout", user)
    end_session(request)
