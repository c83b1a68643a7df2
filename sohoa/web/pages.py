"""Server-rendered pages (Vietnamese) for everyone signed in: login, search, documents, files.

The staff pages are in ``sohoa.web.staff_pages``, the admin pages in
``sohoa.web.admin_pages``; every handler is a thin layer over ``sohoa.services``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, Response

from archive.accounts import User
from errors import NotFoundError
from sohoa.services import documents, events
from sohoa.services import search as search_service
from sohoa.services.search import SearchForm
from sohoa.web import images, security
from sohoa.web.responses import app_context, redirect, render, safe_next
from sohoa.web.search_cache import search_cache
from sohoa.web.security import CurrentUser

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


# ------------------------------------------------------------------------------ login


@router.get("/")
def home(user: CurrentUser) -> Response:
    """Staff start at the dashboard, officials at the search."""
    return redirect("/dashboard" if user.role in ("admin", "staff") else "/search")


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:  # noqa: A002
    """The login form."""
    return render(request, "login.html", next=safe_next(next), error="")


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),  # noqa: A002
) -> Response:
    """Sign in, then go where the user was going."""
    user, wait = security.log_in(request, username.strip(), password)
    if wait:
        raise security.throttled(wait)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next),
            error="Sai tên đăng nhập hoặc mật khẩu.",
            username=username,
        )
    return redirect(safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out."""
    security.log_out(request)
    return redirect("/login")


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
) -> SearchForm:
    """Dependency: the search parameters of the query string, trimmed."""
    return SearchForm(
        q=q[:2000],
        fonds=fonds.strip(),
        record=record.strip(),
        type=type.strip(),
        organ=organ.strip(),
        date_from=date_from.strip(),
        date_to=date_to.strip(),
        number=number.strip(),
        sort=sort if sort in search_service.SORTS else "relevance",
        page=page,
    )


def form_params(form: SearchForm, **changes: Any) -> dict[str, Any]:
    """Query-string parameters (non-empty), e.g. for links that add one filter."""
    values = {
        "q": form.q,
        "fonds": form.fonds,
        "record": form.record,
        "type": form.type,
        "organ": form.organ,
        "from": form.date_from,
        "to": form.date_to,
        "number": form.number,
        "sort": form.sort if form.sort != "relevance" else "",
        "page": form.page if form.page > 1 else "",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v not in ("", None)}


def run_search(request: Request, user: User, form: SearchForm) -> search_service.SearchOutcome:
    """The search as ``user``, through the app's result cache."""
    ctx = app_context(request)
    return search_service.run_search(ctx, user, form, cache=search_cache(ctx.index))


@router.get("/search")
def search_page(
    request: Request, user: CurrentUser, form: Annotated[SearchForm, Depends(search_form)]
) -> Response:
    """Search results with facets, or the document a number typed alone found."""
    outcome = run_search(request, user, form)
    if outcome.redirect_to is not None:
        return redirect(f"/documents/{outcome.redirect_to}")

    def link(**changes: Any) -> str:
        return "/search?" + urlencode(form_params(form, page="", **changes))

    return render(
        request,
        "search.html",
        form=form,
        outcome=outcome,
        facets=search_service.facets_dict(outcome.facets),
        link=link,
        page_link=lambda n: "/search?" + urlencode(form_params(form, page=n if n > 1 else "")),
    )


# ---------------------------------------------------------------------------- documents


@router.get("/documents/{doc_id}")
def document_page(
    request: Request, user: CurrentUser, doc_id: int, page: int = Query(1, ge=1, le=100_000)
) -> Response:
    """A document: its fields, its pages and its events."""
    ctx = app_context(request)
    doc = documents.load_document(ctx, user, doc_id)
    events.log_event(ctx, "document_viewed", user, document_id=doc_id)
    page = min(page, max(1, len(doc["pages"])))
    fields = doc.get("fields") or {}
    threshold = ctx.settings.low_confidence
    low = [
        p["seq"] for p in doc["pages"] if p["mean_conf"] is not None and p["mean_conf"] < threshold
    ]
    return render(
        request,
        "document.html",
        doc=doc,
        page_no=page,
        fields=fields,
        low_confidence=threshold,
        low_pages=low,
        events=events.document_events(ctx, doc_id),
    )


@router.get("/files/documents/{doc_id}.pdf")
def document_file(
    request: Request, user: CurrentUser, doc_id: int, download: int = Query(0, ge=0, le=1)
) -> Response:
    """The document's PDF/A, shown inline or downloaded."""
    ctx = app_context(request)
    doc = documents.load_document(ctx, user, doc_id)
    if not doc.get("pdf_path"):
        raise NotFoundError(f"document {doc_id} has no PDF/A yet")
    path = ctx.home / doc["pdf_path"]
    if not path.is_file():
        raise NotFoundError(f"the PDF/A of document {doc_id} is missing")
    events.log_event(
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
    """A page's thumbnail."""
    ctx = app_context(request)
    doc, page = documents.load_page(ctx, user, page_id)
    path = images.thumbnail(ctx.home, doc, page)
    events.log_event(ctx, "page_image_viewed", user, document_id=doc["id"], page_id=page_id)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private"})
