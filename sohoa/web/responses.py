"""What every page handler shares: the app's context, rendering a template, redirects."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from sohoa.pipeline import Context
from sohoa.web import security


def app_context(request: Request) -> Context:
    """The pipeline context the app opened at start (catalog, index, settings)."""
    return request.app.state.ctx


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """The template ``name`` with the session's CSRF token and user and ``context``."""
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        name,
        {**security.template_globals(request), **context},
        status_code=status_code,
    )


def redirect(url: str) -> RedirectResponse:
    """303 See Other to ``url`` (after a form post, the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only local paths: no scheme, no host, no protocol-relative '//' (open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/search"
    return target
