"""The web app over a real archive (pipeline, SQLite catalog, FTS5 index), with TestClient.

One small archive per module: four records, one per access situation (public; conditional
of unit VP; conditional of unit KT; secret), each holding born-digital text PDFs so the
pipeline runs without OCR. Five users look at it: admin, staff, an official of VP, an
official of KT, and an official of no unit holding a grant on the secret record.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from archive import accounts, review
from archive import schema as t
from archive.catalog import now
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.runner import run_embedded
from sohoa.services import access as services
from sohoa.web.app import create_app, vn_number
from tests.batches import text_pdf

PASSWORD = "mat-khau-rat-dai-1"
RECORDS = {  # name in the matrix -> (record code, access mode, unit)
    "public": ("HS-PUB", "01", None),
    "own": ("HS-VP", "02", "VP"),
    "other": ("HS-KT", "02", "KT"),
    "secret": ("HS-MAT", "03", "VP"),
}
WORDS = {  # a word only this record's document holds
    "public": "congkhaiword",
    "own": "vanphongword",
    "other": "ketoanword",
    "secret": "bimatword",
}
USERS = {  # username -> (role, unit)
    "admin": ("admin", None),
    "staff": ("staff", None),
    "off_vp": ("official", "VP"),
    "off_kt": ("official", "KT"),
    "off_grant": ("official", None),
}
SEES = {
    "admin": {"public", "own", "other", "secret"},
    "staff": {"public", "own", "other", "secret"},
    "off_vp": {"public", "own"},
    "off_kt": {"public", "other"},
    "off_grant": {"public", "secret"},
}
YEARS = {"public": "2021", "own": "2022", "other": "2023", "secret": "2024"}
XSS = "<script>alert('xss')</script>"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every page carries the CSRF token"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch") / "lo-web"
    for name, (code, _mode, _unit) in RECORDS.items():
        text_pdf(root / code / "vb1.pdf", f"Kế hoạch số hóa tài liệu lưu trữ {WORDS[name]}")
    text_pdf(root / "HS-PUB" / "vb2.pdf", f"Thông báo xssword {XSS}")
    settings = load_settings(
        home=tmp_path_factory.mktemp("home"), workers=2, login_delay_seconds=1.0
    )
    ctx = pipeline.open_context(settings)
    report = pipeline.intake(ctx, root, fonds="F1", operator="tester")
    final = run_embedded(ctx, {report.batch_id})
    assert final.failed == 0 and final.done == 5
    docs = {name: report.documents[f"{code}/vb1.pdf"] for name, (code, *_) in RECORDS.items()}
    docs["xss"] = report.documents["HS-PUB/vb2.pdf"]
    # staff-entered metadata (the review path): type, year, issuing body per document
    for name, doc_id in docs.items():
        year = YEARS.get(name, "2021")
        for field, value in (
            ("type_name", "Kế hoạch"),
            ("issued_date", f"{year}-03-0{1 + list(docs).index(name)}"),
            ("organ", "UBND tỉnh Bắc Ninh"),
        ):
            review.review_field(ctx.catalog, doc_id, field, value=value, actor="tester")
        pipeline.refresh_index(ctx, doc_id)
    accounts.create_unit(ctx.catalog, "VP", name="Văn phòng")
    accounts.create_unit(ctx.catalog, "KT", name="Kế toán")
    for username, (role, unit) in USERS.items():
        accounts.create_user(ctx.catalog, username, PASSWORD, role=role, unit=unit)
    accounts.create_user(ctx.catalog, "victim", PASSWORD, role="official")
    records = {}
    for name, (code, mode, unit) in RECORDS.items():
        records[name] = accounts.find_record(ctx.catalog, code, fonds="F1")
        services.set_record_access(ctx, records[name], mode=mode, unit=unit, actor="tester")
    services.grant_record(ctx, records["secret"], "off_grant", actor="tester")
    ctx.close()

    app = create_app(settings)
    clients = {}
    for username in USERS:
        client = TestClient(app)
        response = login(client, username)
        assert response.status_code == 303, response.text
        clients[username] = client
    with TestClient(app) as anonymous:
        yield {
            "app": app,
            "ctx": app.state.ctx,
            "settings": settings,
            "docs": docs,
            "records": records,
            "clients": clients,
            "anon": anonymous,
        }


def _pages(ctx, doc_id: int) -> list[int]:
    with ctx.catalog.tx() as conn:
        return list(
            conn.execute(select(t.page.c.id).where(t.page.c.document_id == doc_id)).scalars()
        )


# ---------------------------------------------------------------------- permission matrix


@pytest.mark.parametrize("username", list(USERS))
def test_matrix_documents_files_and_api(web, username: str) -> None:
    client = web["clients"][username]
    for name in RECORDS:
        doc_id = web["docs"][name]
        page_id = _pages(web["ctx"], doc_id)[0]
        allowed = name in SEES[username]
        expected = 200 if allowed else 404  # hidden documents do not exist for this user
        cells = {
            f"/documents/{doc_id}": expected,
            f"/files/documents/{doc_id}.pdf": expected,
            f"/files/documents/{doc_id}.pdf?download=1": expected,
            f"/files/pages/{page_id}/thumb.png": expected,
            f"/api/documents/{doc_id}": expected,
        }
        for url, status in cells.items():
            response = client.get(url)
            assert response.status_code == status, (username, name, url, response.status_code)
            if status == 404:
                assert WORDS[name] not in response.text
        if allowed:
            pdf = client.get(f"/files/documents/{doc_id}.pdf")
            assert pdf.headers["content-type"] == "application/pdf"
            assert pdf.content.startswith(b"%PDF")
            assert pdf.headers["content-disposition"].startswith("inline")
            download = client.get(f"/files/documents/{doc_id}.pdf?download=1")
            assert download.headers["content-disposition"].startswith("attachment")
            thumb = client.get(f"/files/pages/{page_id}/thumb.png")
            assert thumb.content.startswith(b"\x89PNG")
            api = client.get(f"/api/documents/{doc_id}").json()
            assert api["record_code"] == RECORDS[name][0]


@pytest.mark.parametrize("username", list(USERS))
def test_matrix_search_totals_snippets_and_facets(web, username: str) -> None:
    client = web["clients"][username]
    for name in RECORDS:
        allowed = name in SEES[username]
        data = client.get("/api/search", params={"q": WORDS[name]}).json()
        assert data["total"] == (1 if allowed else 0), (username, name, data)
        assert sum(f["count"] for f in data["facets"]["types"]) == (1 if allowed else 0)
        html = client.get("/search", params={"q": WORDS[name]}).text
        assert (WORDS[name] in html.split('id="results"')[1]) == allowed
    # a query every document matches: totals and facet counts are exactly the visible ones
    data = client.get("/api/search", params={"q": "lưu trữ"}).json()
    assert data["total"] == len(SEES[username])
    assert {h["record"] for h in data["hits"]} == {RECORDS[n][0] for n in SEES[username]}
    years = {f["value"]: f["count"] for f in data["facets"]["years"]}
    assert years == {YEARS[n]: 1 for n in SEES[username]}
    organs = {f["value"]: f["count"] for f in data["facets"]["organs"]}
    assert organs == {"UBND tỉnh Bắc Ninh": len(SEES[username])}
    facets = client.get("/api/facets", params={"q": "luu tru"}).json()  # accent-insensitive
    assert {f["value"]: f["count"] for f in facets["years"]} == years
    # the HTML facet block shows the same counts
    html = client.get("/search", params={"q": "luu tru"}).text
    block = html.split('id="facet-years"')[1].split("</section>")[0]
    shown = dict(re.findall(r'data-value="(\d{4})">\d{4} <span class="count">(\d+)</span>', block))
    assert {k: int(v) for k, v in shown.items()} == years


ROLE_PAGES = {  # url -> roles allowed (others: 403)
    "/dashboard": {"admin", "staff"},
    "/review": {"admin", "staff"},
    "/api/dashboard": {"admin", "staff"},
    "/api/transfer-status": {"admin", "staff"},
    "/api/review": {"admin", "staff"},
    "/admin/users": {"admin"},
    "/admin/units": {"admin"},
    "/admin/records": {"admin"},
    "/admin/events": {"admin"},
    "/api/users": {"admin"},
    "/api/units": {"admin"},
    "/api/records": {"admin"},
    "/api/events": {"admin"},
    "/search": {"admin", "staff", "off_vp", "off_kt", "off_grant"},
    "/api/me": {"admin", "staff", "off_vp", "off_kt", "off_grant"},
}


@pytest.mark.parametrize("username", list(USERS))
def test_matrix_role_pages(web, username: str) -> None:
    client = web["clients"][username]
    role_of = {"admin": "admin", "staff": "staff"}
    for url, allowed in ROLE_PAGES.items():
        response = client.get(url)
        assert response.status_code == (200 if username in allowed else 403), (username, url)
    # the review page of a document and its field crops: staff and admin only
    doc_id = web["docs"]["public"]
    assert client.get(f"/review/{doc_id}").status_code == (200 if username in role_of else 403)
    token = client.get("/search").text
    posted = client.post("/api/retry", headers={"X-CSRF-Token": csrf_of(token)}, json={})
    assert posted.status_code == (200 if username in role_of else 403)


def test_anonymous_is_sent_to_login(web) -> None:
    anon = web["anon"]
    doc_id = web["docs"]["public"]
    for url in ("/search", "/dashboard", f"/documents/{doc_id}", f"/files/documents/{doc_id}.pdf"):
        response = anon.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    for url in ("/api/search?q=x", f"/api/documents/{doc_id}", "/api/dashboard"):
        assert anon.get(url).status_code == 401


def test_number_alone_goes_to_the_visible_document(web) -> None:
    ctx = web["ctx"]
    doc_id = web["docs"]["own"]
    with ctx.catalog.tx() as conn:
        conn.execute(t.document.update().where(t.document.c.id == doc_id).values(number="77/KH-VP"))
    pipeline.refresh_index(ctx, doc_id)
    seen = web["clients"]["off_vp"].get("/search", params={"q": "77/KH-VP"}, follow_redirects=False)
    assert seen.status_code == 303 and seen.headers["location"] == f"/documents/{doc_id}"
    hidden = web["clients"]["off_kt"].get("/search", params={"q": "77/KH-VP"})
    assert hidden.status_code == 200 and "77/KH-VP" not in hidden.text.split('id="results"')[1]


def test_access_change_reindexes_the_record(web) -> None:
    admin, off_vp = web["clients"]["admin"], web["clients"]["off_vp"]
    record_id = web["records"]["other"]
    assert off_vp.get("/api/search", params={"q": WORDS["other"]}).json()["total"] == 0
    token = csrf_of(admin.get("/admin/records").text)
    response = admin.post(
        f"/admin/records/{record_id}/access",
        data={"csrf_token": token, "access_mode": "01", "unit": "KT"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert off_vp.get("/api/search", params={"q": WORDS["other"]}).json()["total"] == 1
    assert off_vp.get(f"/documents/{web['docs']['other']}").status_code == 200
    response = admin.post(
        f"/api/records/{record_id}/access",
        headers={"X-CSRF-Token": token},
        json={"access_mode": "02", "unit": "KT"},
    )
    assert response.status_code == 200 and response.json()["reindexed"] == 1
    assert off_vp.get("/api/search", params={"q": WORDS["other"]}).json()["total"] == 0
    assert off_vp.get(f"/documents/{web['docs']['other']}").status_code == 404


def test_grant_and_revoke_from_the_admin_api(web) -> None:
    admin, off_kt = web["clients"]["admin"], web["clients"]["off_kt"]
    token = csrf_of(admin.get("/admin/records").text)
    record_id = web["records"]["secret"]
    secret_doc = web["docs"]["secret"]
    assert off_kt.get(f"/documents/{secret_doc}").status_code == 404
    granted = admin.post(
        f"/api/records/{record_id}/grants",
        headers={"X-CSRF-Token": token},
        json={"username": "off_kt"},
    )
    assert granted.status_code == 201
    assert off_kt.get(f"/documents/{secret_doc}").status_code == 200
    assert off_kt.get("/api/search", params={"q": WORDS["secret"]}).json()["total"] == 1
    revoked = admin.delete(
        f"/api/records/{record_id}/grants/off_kt", headers={"X-CSRF-Token": token}
    )
    assert revoked.status_code == 200 and revoked.json() == {"revoked": True}
    assert off_kt.get(f"/documents/{secret_doc}").status_code == 404
    assert off_kt.get("/api/search", params={"q": WORDS["secret"]}).json()["total"] == 0


# ------------------------------------------------------------------------------ security


def test_ocr_text_and_metadata_render_escaped(web) -> None:
    client = web["clients"]["off_vp"]
    ctx = web["ctx"]
    doc_id = web["docs"]["xss"]
    evil = '<img src=x onerror="alert(1)">'
    review.review_field(ctx.catalog, doc_id, "summary", value=evil, actor="t")
    pipeline.refresh_index(ctx, doc_id)
    html = client.get("/search", params={"q": "xssword"}).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html  # the snippet shows the text, escaped
    assert "&lt;img src=x" in html
    assert "<mark>xssword</mark>" in html  # highlighting still works after escaping
    page = client.get(f"/documents/{doc_id}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    # the API returns the text as it is (JSON), for clients to escape
    api = client.get("/api/search", params={"q": "xssword"}).json()
    assert "<script>" in api["hits"][0]["pages"][0]["snippet"]


def test_csrf_is_required_on_every_unsafe_request(web) -> None:
    staff = web["clients"]["staff"]
    token = csrf_of(staff.get("/dashboard").text)
    assert staff.post("/dashboard/retry", data={}).status_code == 403
    assert staff.post("/dashboard/retry", data={"csrf_token": "wrong"}).status_code == 403
    assert staff.post("/api/retry", json={}).status_code == 403
    assert staff.post("/api/retry", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    ok = staff.post("/dashboard/retry", data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    doc_id = web["docs"]["public"]
    assert staff.post(f"/review/{doc_id}/summary", data={"action": "accept"}).status_code == 403
    fresh = TestClient(web["app"])
    assert fresh.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
    # a token from another session does not work either
    other = csrf_of(web["clients"]["admin"].get("/search").text)
    assert staff.post("/api/retry", headers={"X-CSRF-Token": other}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/files/../catalog.sqlite",
        "/files/documents/..%2F..%2Fcatalog.sqlite",
        "/files/documents/%2e%2e%2f%2e%2e%2fsecret_key.pdf",
        "/files/documents/..%2f..%2fsecret_key",
        "/files/pages/..%2F..%2Fsecret_key/thumb.png",
        "/files/documents/1.pdf%2f..%2f..%2fsecret_key",
        "/files/documents/-1.pdf",
        "/files/documents/1e3.pdf",
        "/static/..%2f..%2f..%2fsecret_key",
        "/static/%2e%2e/%2e%2e/%2e%2e/catalog.sqlite",
        "/files/documents/1/fields/..%2f..%2fsecret_key.png",
    ],
)
def test_path_traversal_never_serves_a_file(web, url: str) -> None:
    client = web["clients"]["admin"]
    secret = (Path(web["settings"].home) / "secret_key").read_text().strip()
    response = client.get(url)
    assert response.status_code in (404, 422), (url, response.status_code)
    assert secret not in response.text
    assert not response.content.startswith(b"SQLite format")


def test_login_throttling(web) -> None:
    # a long first wait (60 s) so a slow machine cannot slip past it between two requests
    settings = load_settings(home=web["settings"].home, login_delay_seconds=60.0)
    app = create_app(settings)
    client = TestClient(app)
    statuses = [login(client, "victim", "wrong-password").status_code for _ in range(5)]
    assert statuses == [401] * settings.login_max_failures
    throttled = login(client, "victim", "wrong-password")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    right = login(client, "victim")  # the right password waits too
    assert right.status_code == 429 and "sohoa_session" not in right.headers.get("set-cookie", "")
    # each further failure doubles the wait
    with web["ctx"].catalog.tx() as conn:
        conn.execute(
            t.app_user.update()
            .where(t.app_user.c.username == "victim")
            .values(last_failed_at=now() - timedelta(seconds=61))
        )
    assert login(client, "victim", "wrong-password").status_code == 401
    again = login(client, "victim")
    assert again.status_code == 429 and 60 < int(again.headers["Retry-After"]) <= 120
    # once the wait is over, the right password gets in and the counter is reset
    with web["ctx"].catalog.tx() as conn:
        conn.execute(
            t.app_user.update()
            .where(t.app_user.c.username == "victim")
            .values(last_failed_at=now() - timedelta(seconds=121))
        )
    assert login(client, "victim").status_code == 303
    with web["ctx"].catalog.tx() as conn:
        failures = conn.execute(
            select(t.app_user.c.failed_logins).where(t.app_user.c.username == "victim")
        ).scalar()
    assert failures == 0
    events = web["clients"]["admin"].get("/api/events", params={"kind": "login_failed"}).json()
    assert sum(1 for e in events["events"] if e["detail"].get("user") == "victim") == 6
    app.state.ctx.close()


def test_failures_per_address_are_throttled(web) -> None:
    # its own in-memory per-address counter, with a low threshold to keep the test short
    settings = load_settings(home=web["settings"].home, login_max_failures=2)
    app = create_app(settings)
    client = TestClient(app)
    limit = settings.login_max_failures * 4
    for i in range(limit):
        assert login(client, f"nobody{i}", "x" * 10).status_code == 401
    assert login(client, "nobody-else", "x" * 10).status_code == 429
    app.state.ctx.close()


def test_session_expires(web, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(web["app"])
    assert login(client, "off_vp").status_code == 303
    assert client.get("/api/me").status_code == 200
    real = time.time
    idle = web["settings"].session_idle_minutes * 60 + 5
    monkeypatch.setattr("sohoa.web.security.time.time", lambda: real() + idle)
    assert client.get("/api/me").status_code == 401
    assert client.get("/search", follow_redirects=False).status_code == 303


def test_session_cookie_flags(web) -> None:
    client = TestClient(web["app"])
    response = login(client, "off_vp")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_deactivated_user_loses_access_at_once(web) -> None:
    ctx = web["ctx"]
    accounts.create_user(ctx.catalog, "temp", PASSWORD, role="official")
    client = TestClient(web["app"])
    assert login(client, "temp").status_code == 303
    assert client.get("/api/me").status_code == 200
    admin = web["clients"]["admin"]
    token = csrf_of(admin.get("/admin/users").text)
    response = admin.post(
        "/admin/users/temp/active",
        data={"csrf_token": token, "active": "0"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/api/me").status_code == 401
    assert login(client, "temp").status_code == 401


# ------------------------------------------------------------------------- pages and audit


def test_views_and_downloads_are_events(web) -> None:
    client = web["clients"]["off_grant"]
    doc_id = web["docs"]["secret"]
    client.get(f"/documents/{doc_id}")
    client.get(f"/files/documents/{doc_id}.pdf?download=1")
    admin = web["clients"]["admin"]
    events = admin.get("/api/events", params={"actor": "off_grant", "document": doc_id}).json()
    kinds = {e["kind"] for e in events["events"]}
    assert {"document_viewed", "document_downloaded"} <= kinds
    html = admin.get("/admin/events", params={"actor": "off_grant"}).text
    assert "document_downloaded" in html
    logins = admin.get("/api/events", params={"kind": "login", "actor": "off_grant"}).json()
    assert logins["total"] >= 1


def test_document_page_shows_metadata_pdf_and_history(web) -> None:
    client = web["clients"]["off_vp"]
    doc_id = web["docs"]["own"]
    html = client.get(f"/documents/{doc_id}", params={"page": 1}).text
    assert 'id="doc-meta"' in html and "UBND tỉnh Bắc Ninh" in html
    assert f'src="/files/documents/{doc_id}.pdf#page=1"' in html
    assert 'id="download"' in html and "HS-VP" in html
    assert 'id="history"' in html and "metadata_edited" in html


def test_review_shows_crop_and_correction_is_indexed(web) -> None:
    ctx = web["ctx"]
    doc_id = web["docs"]["public"]
    with ctx.catalog.tx() as conn:
        fields = dict(
            conn.execute(select(t.document.c.fields).where(t.document.c.id == doc_id)).scalar()
        )
        fields["summary"] = {
            "value": "Ke hoach so hoa",
            "confidence": 0.4,
            "raw": "Ke hoach so hoa",
            "rule": "test",
            "box": [100, 200, 600, 40],
            "page": 1,
            "flags": ["low OCR confidence"],
        }
        fields["needs_review"] = True  # as the package stage sets it for a flagged field
        conn.execute(t.document.update().where(t.document.c.id == doc_id).values(fields=fields))
    staff = web["clients"]["staff"]
    listing = staff.get("/review").text
    assert f'data-document-id="{doc_id}"' in listing
    page = staff.get(f"/review/{doc_id}").text
    assert 'data-field="summary"' in page
    crop = staff.get(f"/files/documents/{doc_id}/fields/summary.png")
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(crop.content))
    assert image.size == (600 + 48, 40 + 48)  # the box plus its margin, in OCR pixels
    official = web["clients"]["off_vp"]
    assert official.get(f"/files/documents/{doc_id}/fields/summary.png").status_code == 403
    response = staff.post(
        f"/review/{doc_id}/summary",
        data={"csrf_token": csrf_of(page), "action": "correct", "value": "Kế hoạch chỉnh sửa đúng"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert f'data-document-id="{doc_id}"' not in staff.get("/review").text
    hits = staff.get("/api/search", params={"q": "congkhaiword"}).json()["hits"]
    assert hits[0]["title"] == "Kế hoạch chỉnh sửa đúng"  # re-indexed
    events = (
        web["clients"]["admin"]
        .get("/api/events", params={"kind": "metadata_edited", "actor": "staff"})
        .json()
    )
    assert any(e["document_id"] == doc_id for e in events["events"])


def test_dashboard_totals_progress_and_charts(web) -> None:
    staff = web["clients"]["staff"]
    data = staff.get("/api/dashboard").json()
    assert data["totals"]["pages"] == 5 and data["totals"]["documents"] == 5
    assert data["totals"]["records"] == 4 and data["totals"]["bytes"] > 0
    batch = data["batches"][0]
    assert batch["pages_done"] == 5 and batch["percent"] == 100.0
    html = staff.get("/dashboard").text
    assert re.search(r'id="total-pages" class="value">5<', html)
    assert 'class="batch-progress" max="5" value="5"' in html
    for chart in ("chart-pages-per-day", "chart-storage", "chart-fonds"):
        svg = html.split(f'<svg id="{chart}"')[1].split("</svg>")[0]
        assert 'class="axis"' in svg and 'class="tick' in svg
    fonds_svg = html.split('<svg id="chart-fonds"')[1].split("</svg>")[0]
    assert fonds_svg.count('class="bar"') == 1 and ">F1<" in fonds_svg
    assert "/static/dashboard.js" in html
    assert staff.get("/static/dashboard.js").status_code == 200


def test_openapi_lists_the_api(web) -> None:
    spec = web["anon"].get("/openapi.json").json()
    for path in ("/api/search", "/api/documents/{doc_id}", "/api/dashboard", "/api/review"):
        assert path in spec["paths"]
    assert "/search" not in spec["paths"]  # pages are not part of the API description


def test_filters_alone_sort_and_facet_links(web) -> None:
    admin = web["clients"]["admin"]
    newest = admin.get("/api/search", params={"organ": "bac ninh", "sort": "date_desc"}).json()
    dates = [h["issued"] for h in newest["hits"]]
    assert newest["total"] == 5 and dates == sorted(dates, reverse=True)
    oldest = admin.get("/api/search", params={"organ": "bac ninh", "sort": "date_asc"}).json()
    assert [h["issued"] for h in oldest["hits"]] == sorted(dates)
    # following a year facet link narrows the results to that year's count
    official = web["clients"]["off_vp"]
    html = official.get("/search", params={"q": "lưu trữ"}).text
    block = html.split('id="facet-years"')[1].split("</section>")[0]
    href, year, count = re.search(
        r'href="([^"]+)" data-value="(\d{4})">\d{4} <span class="count">(\d+)</span>', block
    ).groups()
    narrowed = official.get(href.replace("&amp;", "&")).text
    assert f"{count} tài liệu" in narrowed.split('id="result-count"')[1][:40]
    assert year in href


def test_a_listing_past_the_count_cap_shows_at_least(web, monkeypatch) -> None:
    # Listings count at most LIST_COUNT_CAP documents (10,000) exactly; past it the total is
    # a lower bound, said so on the page and in the API. Shrunk here to 2 of the 5 documents.
    from search.sqlite import listing
    from sohoa.services import search as search_service

    monkeypatch.setattr(listing, "LIST_COUNT_CAP", 2)
    monkeypatch.setattr(search_service, "PAGE_SIZE", 2)
    admin = web["clients"]["admin"]
    params = {"organ": "bac ninh", "date_from": "2001"}
    api = admin.get("/api/search", params=params).json()
    assert (api["total"], api["total_exact"]) == (2, False) and len(api["hits"]) == 2
    html = admin.get("/search", params=params).text
    assert "Ít nhất 2 tài liệu" in html.split('id="result-count"')[1][:40]
    monkeypatch.setattr(listing, "LIST_COUNT_CAP", 10_000)
    params["organ"] = "Bắc Ninh"  # another query: not the cached answer
    again = admin.get("/api/search", params=params).json()
    assert (again["total"], again["total_exact"]) == (5, True)
    assert vn_number(10_000) == "10.000" and vn_number(999) == "999"  # "Ít nhất 10.000 tài liệu"


@pytest.mark.parametrize(("threads", "expected"), [(3, 3), (0, 40)])
def test_request_threads_follow_the_setting(tmp_path: Path, threads: int, expected: int) -> None:
    """SOHOA_WEB_THREADS bounds the threads that run requests (0 keeps anyio's 40)."""
    import anyio.to_thread

    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    settings = load_settings(home=tmp_path / "home", web_threads=threads)
    with TestClient(create_app(settings)) as client:
        assert client.portal is not None
        assert client.portal.call(tokens) == expected
