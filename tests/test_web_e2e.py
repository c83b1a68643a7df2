"""End to end in a real browser: Debian's Chromium, headless, driven by Playwright.

A small archive is built by the real pipeline (tesseract, PDF/A, FTS5), the real app is served
by uvicorn on a free loopback port, and a staff member logs in, searches with and without
accents, opens a document at its matching page, corrects a flagged field and watches the
dashboard follow a batch while it runs. Screenshots of every step go to
``test-artifacts/screenshots/``.

The browser is required: without ``/usr/bin/chromium`` (``scripts/install.sh`` installs it) or
the ``playwright`` package these tests fail, they never skip. Playwright's own browser
downloads are not used (``executable_path`` points at the Debian binary).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from archive import accounts
from archive import schema as t
from sohoa import pipeline
from sohoa.config import Settings, load_settings
from sohoa.runner import run_embedded
from sohoa.synthetic import degrade, random_admin_document, render_admin_document

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
STAFF, PASSWORD = "nv-e2e", "mat-khau-e2e-2025"
PAGE_TWO_TEXT = "Triển khai chuyển đổi số trong cơ quan nhà nước và số hóa hồ sơ lưu trữ"
CORRECTED = "Về việc phê duyệt Đề án chỉnh lý tài liệu lưu trữ giai đoạn 2025-2030"


# ------------------------------------------------------------------------------- fixtures


def _text_pdf(path: Path, pages: list[str]) -> None:
    """A born-digital PDF with one text line per page (kept as text, not OCR'd)."""
    from archive import PdfInfo, PdfPage, build_pdfa
    from ocr import OcrResult, TextLine, Word

    path.parent.mkdir(parents=True, exist_ok=True)
    built = []
    for n, text in enumerate(pages, start=1):
        image_path = path.with_name(f"{path.stem}-{n}.pgm")
        Image.new("L", (1240, 1754), 255).save(image_path)
        words, x = [], 100
        for token in text.split():
            width = 18 * len(token)
            words.append(Word(token, x, 200, width, 30, 95.0))
            x += width + 15
        line = TextLine(tuple(words), 100, 200, x - 100, 30)
        ocr_result = OcrResult(lines=(line,), width=1240, height=1754, dpi=150)
        built.append(PdfPage(image_path=image_path, dpi=150, ocr=ocr_result))
    build_pdfa(built, path, info=PdfInfo(title=path.stem), part=2)
    for page in built:
        page.image_path.unlink()


def _scan(path: Path, seed: int) -> None:
    """One generated administrative page, scanned (light noise), as a PNG at 300 dpi."""
    doc = random_admin_document(seed, pages=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    degrade(render_admin_document(doc)[0], noise=3, seed=seed).save(path, dpi=(300, 300))


def _decision_seed() -> int:
    """The first generated document that is a Quyết định (decision)."""
    return next(
        s for s in range(500) if random_admin_document(s, pages=1).type_name == "Quyết định"
    )


class Archive:
    def __init__(self, settings: Settings, decision: int, plan: int, batch2: Path) -> None:
        self.settings = settings
        self.decision = decision  # document id of the scanned Quyết định
        self.plan = plan  # document id of the 2-page born-digital plan
        self.batch2 = batch2


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("e2e")
    batch = root / "lo-1"
    seed = _decision_seed()
    _scan(batch / "HS-E2E" / "quyet-dinh.png", seed)
    _text_pdf(
        batch / "HS-E2E" / "ke-hoach.pdf",
        ["Kế hoạch công tác văn thư năm 2025 của Văn phòng", PAGE_TWO_TEXT],
    )
    batch2 = root / "lo-2"
    for k in range(2):  # the batch the dashboard watches
        _scan(batch2 / "HS-E2E-2" / f"vb-{k}.png", seed + 1 + k)

    settings = load_settings(home=root / "home", workers=2)
    ctx = pipeline.open_context(settings)
    try:
        report = pipeline.intake(ctx, batch, fonds="PHONG-E2E", operator="e2e")
        final = run_embedded(ctx, {report.batch_id})
        assert final.done == 3 and final.failed == 0, final
        with ctx.catalog.tx() as conn:
            ids = dict(
                conn.execute(
                    select(t.document.c.name, t.document.c.id).where(
                        t.document.c.batch_id == report.batch_id
                    )
                ).all()
            )
            decision = next(i for n, i in ids.items() if n.endswith("quyet-dinh.png"))
            plan = next(i for n, i in ids.items() if n.endswith("ke-hoach.pdf"))
            # flag the summary as doubtful, as validation does for a weak reading
            fields = conn.execute(
                select(t.document.c.fields).where(t.document.c.id == decision)
            ).scalar()
            fields["summary"]["flags"] = ["low OCR confidence on the field's words"]
            fields["needs_review"] = True
            conn.execute(
                t.document.update().where(t.document.c.id == decision).values(fields=fields)
            )
        accounts.create_user(ctx.catalog, STAFF, PASSWORD, role="staff", full_name="Nhân viên")
    finally:
        ctx.close()
    yield Archive(settings, decision, plan, batch2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(archive: Archive) -> Iterator[str]:
    import uvicorn

    from sohoa.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(archive.settings), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive(), "the web server stopped while starting (see the log above)"
        assert time.monotonic() < deadline, "the web server did not start within 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is required for the web end-to-end tests and {CHROMIUM} is "
            "missing: install it with 'apt-get install chromium' (scripts/install.sh does)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the playwright package is required for the web end-to-end tests: "
            "install the dev extras with '.venv/bin/pip install -e .[dev]'",
            pytrace=False,
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    """A fresh browser context (no cookies) with the base URL of the server."""
    context = browser.new_context(
        base_url=server, locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, username: str = STAFF, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(re.compile(r"/search"))


def search(page, text: str) -> list[int]:
    if not page.locator("#q").count():
        page.goto("/search")
    page.fill("#q", text)
    page.click("#search-button")
    page.wait_for_selector("#result-count, #no-results")
    ids = page.eval_on_selector_all(
        "ol#results > li.result", "els => els.map(e => Number(e.dataset.documentId))"
    )
    return ids


# ---------------------------------------------------------------------------------- tests


def test_login_rejects_wrong_password_then_accepts(page) -> None:
    page.goto("/search")
    page.wait_for_url(re.compile(r"/login"))  # not logged in: sent to the login page
    page.fill("#username", STAFF)
    page.fill("#password", "not-the-password")
    page.click("#login-button")
    assert page.locator("p.error").is_visible()
    shot(page, "01-login-failed")
    login(page)
    assert page.inner_text("#current-user").strip() == STAFF
    shot(page, "02-logged-in")


def test_search_with_and_without_accents(page, archive: Archive) -> None:
    login(page)
    accented = search(page, "quyết định")
    assert archive.decision in accented
    mark = page.locator(f'li.result[data-document-id="{archive.decision}"] .snippet mark').first
    assert mark.inner_text().lower() in ("quyết định", "quyết", "định")
    shot(page, "03-search-accented")
    folded = search(page, "quyet dinh")
    assert archive.decision in folded
    assert set(accented) <= set(folded)  # folding finds at least what the accents found
    shot(page, "04-search-folded")
    assert search(page, "zzqxw") == [] and page.locator("#no-results").is_visible()


def test_open_document_at_matching_page(page, archive: Archive) -> None:
    login(page)
    assert archive.plan in search(page, "chuyen doi so")
    hit = page.locator(f'li.result[data-document-id="{archive.plan}"]')
    # the API agrees on the matching page, and it is page 2 (where the words are)
    api = page.request.get("/api/search", params={"q": "chuyen doi so"}).json()
    api_hit = next(h for h in api["hits"] if h["document_id"] == archive.plan)
    pages = [p["page_no"] for p in api_hit["pages"]]
    assert pages == [2]
    href = hit.locator("a.doc-link").get_attribute("href")
    assert href.endswith(f"/documents/{archive.plan}?page=2")
    assert hit.locator("ul.pages a.page-link").first.get_attribute("href").endswith("?page=2")
    shot(page, "05-search-page-hit")
    hit.locator("a.doc-link").click()
    page.wait_for_url(re.compile(rf"/documents/{archive.plan}\?page=2"))
    src = page.get_attribute("iframe#pdf-viewer", "src")
    assert src.endswith(f"/files/documents/{archive.plan}.pdf#page=2")
    assert page.get_attribute("a#open-pdf", "href").endswith("#page=2")
    # the file behind the viewer is the PDF/A, served inline
    pdf = page.request.get(src.split("#")[0])
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body().startswith(b"%PDF")
    assert page.locator("div#thumbnails a.thumb").count() == 2
    thumb = page.locator('div#thumbnails a.thumb[data-page="2"] img')
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    shot(page, "06-document-page-2")


def test_review_and_correct_a_field(page, archive: Archive) -> None:
    login(page)
    page.goto("/review")
    row = page.locator(f'tr.review-doc[data-document-id="{archive.decision}"]')
    assert row.count() == 1
    shot(page, "07-review-list")
    row.locator("a.review-link").click()
    page.wait_for_url(re.compile(rf"/review/{archive.decision}"))
    field = page.locator('div.review-field[data-field="summary"]')
    old = field.locator(".field-value").inner_text().strip()
    assert old and old != CORRECTED
    assert "confidence" in field.locator(".field-reasons").inner_text()
    field.locator("form.correct-form input[name=value]").fill(CORRECTED)
    shot(page, "08-review-correcting")
    field.locator("form.correct-form button.correct").click()
    page.wait_for_selector("p#flash")
    assert page.locator('div.review-field[data-field="summary"]').count() == 0
    shot(page, "09-review-corrected")
    page.goto(f"/documents/{archive.decision}")
    assert page.inner_text("#meta-summary").strip() == CORRECTED
    edits = page.locator("table#history tr.event").filter(has_text="metadata_edited")
    assert edits.count() == 1
    assert STAFF in edits.inner_text() and "summary" in edits.inner_text()
    shot(page, "10-document-corrected")
    # the document was re-indexed: search results show the corrected summary at once
    assert archive.decision in search(page, "quyết định")
    summary = page.locator(f'li.result[data-document-id="{archive.decision}"] .doc-summary')
    assert summary.inner_text().strip() == CORRECTED


def test_dashboard_follows_a_running_batch(page, archive: Archive) -> None:
    ctx = pipeline.open_context(archive.settings)
    try:
        report = pipeline.intake(ctx, archive.batch2, fonds="PHONG-E2E", operator="e2e")
        assert report.pages == 2
        login(page)
        page.goto("/dashboard")
        row = page.locator(f'tr.batch[data-batch-id="{report.batch_id}"]')
        bar = row.locator("progress.batch-progress")
        assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == "2"
        assert row.locator(".batch-state").inner_text().strip() == "đang xử lý"
        page.evaluate("window.__e2eNoReload = true")  # gone if the page reloads
        stamp = page.inner_text("#last-update")
        shot(page, "11-dashboard-before")

        errors: list[BaseException] = []

        def work() -> None:
            try:
                run_embedded(ctx, {report.batch_id})
            except BaseException as exc:  # noqa: BLE001 (re-raised in the test thread)
                errors.append(exc)

        worker = threading.Thread(target=work, name="e2e-batch")
        worker.start()
        try:
            handle = bar.element_handle()
            page.wait_for_function("bar => bar.value > 0", arg=handle, timeout=60_000)
            shot(page, "12-dashboard-progress")
            page.wait_for_function("bar => bar.value == bar.max", arg=handle, timeout=90_000)
        finally:
            worker.join(120)
        assert not errors, errors
        page.wait_for_function(
            "row => row.querySelector('.batch-state').textContent.trim() == 'xong'",
            arg=row.element_handle(),
            timeout=10_000,
        )
        assert page.evaluate("window.__e2eNoReload === true"), "the dashboard reloaded"
        assert page.inner_text("#last-update") != stamp
        assert row.locator(".batch-done").inner_text().strip() == "2"
        assert int(page.inner_text("#total-pages-archived")) >= 5
        shot(page, "13-dashboard-done")
    finally:
        ctx.close()
