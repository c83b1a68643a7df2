"""Server-rendered pages for staff: the dashboard (figures, charts, retry) and the review of
extracted metadata, with the crops of the fields to check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response

from errors import InputError
from sohoa.services import batches, documents, events, review, statistics, transfer
from sohoa.web import images
from sohoa.web.charts import bar_chart, human_bytes, line_chart
from sohoa.web.responses import app_context, redirect, render
from sohoa.web.security import StaffUser

router = APIRouter(include_in_schema=False)
REVIEW_PAGE = 50  # documents on one page of the review list


# ---------------------------------------------------------------------------- dashboard


def charts(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's SVG charts: pages per day, storage over time, pages per fonds."""
    series = snapshot["series"]
    per_day = [(d[5:], v) for d, v in series["pages_per_day"]]
    daily = line_chart if len(series["pages_per_day"]) > 1 else bar_chart
    return {
        "pages_per_day": daily(
            "chart-pages-per-day", "Số trang lưu trữ mỗi ngày", per_day, y_label="trang"
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
    """Totals, batches with progress, failures and charts."""
    ctx = app_context(request)
    snapshot = statistics.dashboard(ctx)
    return render(
        request,
        "dashboard.html",
        snap=snapshot,
        transfer=transfer.transfer_status(ctx.catalog, ctx.home),
        when=transfer.short_time,
        pushing_to=ctx.settings.transfer_url,
        charts=charts(snapshot),
        flash=flash[:300],
        broker=bool(ctx.settings.broker),
    )


def retry_message(outcome: dict[str, Any]) -> str:
    """What a retry did, in Vietnamese, for the dashboard's flash line."""
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
    return message


@router.post("/dashboard/retry")
def dashboard_retry(request: Request, user: StaffUser) -> Response:
    """Mark failed pages for another try (queued at once with a broker)."""
    outcome = batches.queue_retry(app_context(request), actor=user.username)
    return redirect("/dashboard?" + urlencode({"flash": retry_message(outcome)}))


# ------------------------------------------------------------------------------- review


@router.get("/review")
def review_list(request: Request, user: StaffUser, after: int | None = None) -> Response:
    """Documents with fields to check, a page at a time from the id ``after``."""
    queue = review.review_queue(app_context(request), after=after, limit=REVIEW_PAGE)
    return render(
        request,
        "review.html",
        docs=queue["documents"],
        marked=queue["marked"],
        next_after=queue["next_after"],
    )


@router.get("/review/{doc_id}")
def review_document(request: Request, user: StaffUser, doc_id: int, flash: str = "") -> Response:
    """One document's flagged fields, each with the crop of where it was read."""
    doc = documents.load_document(app_context(request), user, doc_id)
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


@router.post("/review/{doc_id}/{field}")
def review_submit(
    request: Request,
    user: StaffUser,
    doc_id: int,
    field: str,
    action: str = Form(...),
    value: str = Form(""),
) -> Response:
    """Accept a field as read, or correct it."""
    if action not in ("accept", "correct"):
        raise InputError("action must be accept or correct")
    review.review_as(
        app_context(request), user, doc_id, field, value if action == "correct" else None
    )
    message = "Đã chấp nhận." if action == "accept" else "Đã sửa."
    return redirect(f"/review/{doc_id}?" + urlencode({"flash": f"{field}: {message}"}))


@router.get("/files/documents/{doc_id}/fields/{field}.png")
def field_crop(request: Request, user: StaffUser, doc_id: int, field: str) -> Response:
    """The region of the page where a field was read."""
    ctx = app_context(request)
    doc = documents.load_document(ctx, user, doc_id)
    path = images.field_crop(ctx.home, doc, field)
    events.log_event(ctx, "field_image_viewed", user, document_id=doc_id, detail={"field": field})
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private"})
