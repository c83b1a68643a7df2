"""Uploads from the browser, through the HTTP API of the real app, into archived batches.

The inputs are born-digital text PDFs generated here (no OCR needed), sent in small chunks
(``SOHOA_UPLOAD_CHUNK_BYTES`` = 4 KiB) so that every file takes several requests. The cut
connection test runs the app in a real uvicorn server and cuts a raw socket mid-chunk.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from archive import accounts
from archive import schema as t
from errors import StorageError
from sohoa import pipeline
from sohoa.config import load_settings
from sohoa.services import upload_runner, uploads
from sohoa.web.app import create_app
from tests.batches import text_pdf
from tests.services import free_port

PASSWORD = "mat-khau-rat-dai-1"
CHUNK = 4096


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("upload-home")


@pytest.fixture(scope="module")
def web(home: Path):
    settings = load_settings(
        home=home, workers=1, upload_chunk_bytes=CHUNK, upload_max_bytes=200_000
    )
    ctx = pipeline.open_context(settings)
    for username, role in (("staff", "staff"), ("staff2", "staff"), ("official", "official")):
        accounts.create_user(ctx.catalog, username, PASSWORD, role=role)
    ctx.close()
    app = create_app(settings)
    with TestClient(app) as anonymous:
        clients = {
            name: signed_in(TestClient(app), name) for name in ("staff", "staff2", "official")
        }
        yield {"app": app, "settings": settings, "anon": anonymous, **clients}
    upload_runner.wait_all(timeout=120)


def signed_in(client: Any, username: str) -> Any:
    client.headers["X-CSRF-Token"] = client.get("/api/csrf").json()["csrf_token"]
    answer = client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def make_files(root: Path, names: dict[str, str]) -> dict[str, bytes]:
    """Text PDFs at the relative paths given, each holding its own words; path -> bytes."""
    out = {}
    for rel, words in names.items():
        text_pdf(root / rel, f"Quyết định về việc số hóa tài liệu {words}")
        out[rel] = (root / rel).read_bytes()
    return out


def describe(files: dict[str, bytes], **wrong: str) -> list[dict[str, Any]]:
    return [
        {
            "path": rel,
            "size": len(data),
            "sha256": wrong.get(rel) or hashlib.sha256(data).hexdigest(),
        }
        for rel, data in files.items()
    ]


def open_session(
    client: Any, batch: str, files: list[dict[str, Any]], fonds: str | None = None
) -> dict[str, Any]:
    answer = client.post("/api/uploads", json={"batch": batch, "files": files, "fonds": fonds})
    assert answer.status_code == 201, answer.text
    return answer.json()


def send_file(client: Any, session_id: str, index: int, data: bytes, start: int = 0) -> Any:
    """Send ``data[start:]`` chunk by chunk (with chunk hashes), then finish the file."""
    offset = start
    while offset < len(data):
        piece = data[offset : offset + CHUNK]
        answer = client.put(
            f"/api/uploads/{session_id}/files/{index}",
            params={"offset": offset},
            content=piece,
            headers={"X-Chunk-SHA256": hashlib.sha256(piece).hexdigest()},
        )
        assert answer.status_code == 200, answer.text
        offset = answer.json()["received"]
    return client.post(f"/api/uploads/{session_id}/files/{index}/finish")


def documents_of(app: Any, batch_id: int) -> dict[str, str]:
    with app.state.ctx.catalog.tx() as conn:
        rows = conn.execute(
            select(t.document.c.name, t.document.c.state).where(t.document.c.batch_id == batch_id)
        )
        return {r.name: r.state for r in rows}


def document_ids(app: Any, batch_id: int) -> list[tuple[int, str]]:
    with app.state.ctx.catalog.tx() as conn:
        rows = conn.execute(
            select(t.document.c.id, t.document.c.name).where(t.document.c.batch_id == batch_id)
        )
        return [(r.id, r.name) for r in rows]


def stored_original(home: Path, data: bytes) -> bytes:
    sha = hashlib.sha256(data).hexdigest()
    return (home / "originals" / sha[:2] / f"{sha}.pdf").read_bytes()


# ------------------------------------------------------------------------- the good path


def test_a_multi_file_upload_becomes_an_archived_batch(web, tmp_path: Path, home: Path) -> None:
    files = make_files(
        tmp_path,
        {"HS-01/vb1.pdf": "tailenmot", "HS-01/vb2.pdf": "tailenhai", "HS-02/vb3.pdf": "tailenba"},
    )
    assert all(len(data) > 2 * CHUNK for data in files.values())  # several chunks each
    client = web["staff"]
    session = open_session(client, "lo-tai-len-1", describe(files), fonds="PHONG-UP")
    assert [f["received"] for f in session["files"]] == [0, 0, 0]
    for index, data in enumerate(files.values()):
        assert send_file(client, session["id"], index, data).status_code == 200
    finished = client.post(f"/api/uploads/{session['id']}/finish")
    assert finished.status_code == 200, finished.text
    batch_id = finished.json()["batch_id"]
    assert finished.json()["rejected"] == []
    upload_runner.wait_all(timeout=120)
    assert documents_of(web["app"], batch_id) == {name: "indexed" for name in files}
    for data in files.values():
        assert stored_original(home, data) == data
    hits = client.get("/api/search", params={"q": "tailenhai"}).json()
    ids = {name: doc_id for doc_id, name in document_ids(web["app"], batch_id)}
    assert [h["document_id"] for h in hits["hits"]] == [ids["HS-01/vb2.pdf"]]
    assert hits["hits"][0]["fonds"] == "PHONG-UP"
    # the session's data is gone; its status still says which batch it became
    status = client.get(f"/api/uploads/{session['id']}").json()
    assert status["state"] == "archiving" and status["batch_id"] == batch_id
    assert not (home / "uploads" / session["id"] / "parts").exists()
    again = client.post(f"/api/uploads/{session['id']}/finish")
    assert again.json()["batch_id"] == batch_id  # finishing twice makes one batch


# ------------------------------------------------------------------- resuming after a cut


@pytest.fixture(scope="module")
def server(web):
    port = free_port()
    config = uvicorn.Config(web["app"], host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", port
    srv.should_exit = True
    thread.join(10)


def test_a_cut_connection_resumes_from_the_servers_offset(
    server, tmp_path: Path, home: Path, web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sohoa.services.uploads")
    base, port = server
    files = make_files(tmp_path, {"vb-cat.pdf": "catketnoi"})
    data = files["vb-cat.pdf"]
    with httpx.Client(base_url=base) as client:
        signed_in(client, "staff")
        session = open_session(client, "lo-cat-ket-noi", describe(files))
        sid = session["id"]
        first = client.put(
            f"/api/uploads/{sid}/files/0", params={"offset": 0}, content=data[:CHUNK]
        )
        assert first.json()["received"] == CHUNK
        # a chunk declared whole, of which only half is sent before the socket closes
        half = CHUNK // 2
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        head = (
            f"PUT /api/uploads/{sid}/files/0?offset={CHUNK} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
            f"X-CSRF-Token: {client.headers['X-CSRF-Token']}\r\n"
            f"X-Chunk-SHA256: {hashlib.sha256(data[CHUNK : 2 * CHUNK]).hexdigest()}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {CHUNK}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(head.encode("ascii") + data[CHUNK : CHUNK + half])
        deadline = time.monotonic() + 30
        while not any("connection dropped" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the server never saw the cut chunk"
            time.sleep(0.05)
        held = client.get(f"/api/uploads/{sid}").json()["files"][0]["received"]
        assert held == CHUNK  # nothing of the cut chunk is kept
        # a client that believes the chunk went through sends the next one: 409, where to go on
        stale = client.put(
            f"/api/uploads/{sid}/files/0",
            params={"offset": 2 * CHUNK},
            content=data[2 * CHUNK : 3 * CHUNK],
        )
        assert stale.status_code == 409
        assert stale.json()["offset"] == held and stale.headers["Upload-Offset"] == str(held)
        assert "vb-cat.pdf" in stale.json()["detail"]
        assert send_file(client, sid, 0, data, start=held).status_code == 200
        finished = client.post(f"/api/uploads/{sid}/finish")
        assert finished.status_code == 200, finished.text
    upload_runner.wait_all(timeout=120)
    assert documents_of(web["app"], finished.json()["batch_id"]) == {"vb-cat.pdf": "indexed"}
    assert stored_original(home, data) == data  # byte-identical


# ------------------------------------------------------------------------------ checksums


def test_a_wrong_checksum_is_refused_and_nothing_is_archived_from_it(
    web, tmp_path: Path, home: Path
) -> None:
    files = make_files(tmp_path, {"vb-tot.pdf": "tepdung", "vb-sai.pdf": "tepsai"})
    forged = hashlib.sha256(b"something else").hexdigest()
    client = web["staff"]
    batches_before = len(client.get("/api/dashboard").json()["batches"])
    session = open_session(client, "lo-ma-sai", describe(files, **{"vb-sai.pdf": forged}))
    sid = session["id"]
    assert send_file(client, sid, 0, files["vb-tot.pdf"]).status_code == 200
    # a chunk damaged on the way (its hash says otherwise) is not recorded
    bad = client.put(
        f"/api/uploads/{sid}/files/1",
        params={"offset": 0},
        content=b"x" * CHUNK,
        headers={"X-Chunk-SHA256": hashlib.sha256(files["vb-sai.pdf"][:CHUNK]).hexdigest()},
    )
    assert bad.status_code == 422 and "vb-sai.pdf" in bad.json()["detail"]
    assert client.get(f"/api/uploads/{sid}").json()["files"][1]["received"] == 0
    # the whole file arrives intact but its declared SHA-256 is forged: refused, discarded
    refused = send_file(client, sid, 1, files["vb-sai.pdf"])
    assert refused.status_code == 422
    assert "vb-sai.pdf" in refused.json()["detail"] and "SHA-256" in refused.json()["detail"]
    status = client.get(f"/api/uploads/{sid}").json()
    assert status["files"][1]["received"] == 0 and not status["files"][1]["done"]
    assert not (home / "uploads" / sid / "parts" / "1.part").exists()
    finished = client.post(f"/api/uploads/{sid}/finish")
    assert finished.status_code == 400 and "vb-sai.pdf" in finished.json()["detail"]
    assert len(client.get("/api/dashboard").json()["batches"]) == batches_before
    sha = hashlib.sha256(files["vb-sai.pdf"]).hexdigest()
    assert not (home / "originals" / sha[:2] / f"{sha}.pdf").exists()


# ---------------------------------------------------------------------------- permissions


def test_only_staff_may_upload_and_csrf_is_enforced(web, tmp_path: Path) -> None:
    files = describe(make_files(tmp_path, {"vb.pdf": "quyen"}))
    body = {"batch": "lo-quyen", "files": files}
    page = web["anon"].get("/upload", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert web["anon"].post("/api/uploads", json=body).status_code in (401, 403)
    assert web["official"].get("/upload").status_code == 403
    assert web["official"].post("/api/uploads", json=body).status_code == 403
    staff = web["staff"]
    page = staff.get("/upload")
    assert page.status_code == 200 and "webkitdirectory" in page.text
    assert '<a href="/upload">' in page.text  # in the staff navigation
    token = staff.headers.pop("X-CSRF-Token")
    try:
        assert staff.post("/api/uploads", json=body).status_code == 403
        wrong = staff.post("/api/uploads", json=body, headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
    finally:
        staff.headers["X-CSRF-Token"] = token
    session = open_session(staff, "lo-quyen", files)
    # another staff member's session is not theirs to write into
    other = web["staff2"].put(
        f"/api/uploads/{session['id']}/files/0", params={"offset": 0}, content=b"%PDF"
    )
    assert other.status_code == 404
    token = staff.headers.pop("X-CSRF-Token")
    try:
        put = staff.put(
            f"/api/uploads/{session['id']}/files/0", params={"offset": 0}, content=b"%PDF"
        )
        assert put.status_code == 403
    finally:
        staff.headers["X-CSRF-Token"] = token
    assert staff.get(f"/api/uploads/{session['id']}").json()["files"][0]["received"] == 0


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("../thoat.pdf", 400, ".."),
        ("HS-01/../../thoat.pdf", 400, ".."),
        ("/etc/thoat.pdf", 400, "tuyệt đối"),
        ("C:/thoat.pdf", 400, "tuyệt đối"),
        ("HS-01/a\x00b.pdf", 400, "NUL"),
        ("HS-01\\thoat.pdf", 400, "\\"),
        ("HS-01/ghi-chu.docx", 415, "định dạng"),
    ],
)
def test_bad_paths_and_formats_get_a_clear_message_naming_the_file(
    web, path: str, status: int, words: str
) -> None:
    files = [{"path": path, "size": 100, "sha256": "0" * 64}]
    answer = web["staff"].post("/api/uploads", json={"batch": "lo-xau", "files": files})
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert repr(path[:200]) in detail or path in detail
    assert words in detail


def test_oversize_files_uploads_and_chunks_are_refused(web, tmp_path: Path) -> None:
    client = web["staff"]
    big = [{"path": "HS-01/to-qua.tif", "size": 200_001, "sha256": "0" * 64}]
    answer = client.post("/api/uploads", json={"batch": "lo-lon", "files": big})
    assert answer.status_code == 413
    assert "HS-01/to-qua.tif" in answer.json()["detail"]
    assert "SOHOA_UPLOAD_MAX_BYTES" in answer.json()["detail"]
    empty = [{"path": "rong.pdf", "size": 0, "sha256": "0" * 64}]
    answer = client.post("/api/uploads", json={"batch": "lo-rong", "files": empty})
    assert answer.status_code == 400 and "rong.pdf" in answer.json()["detail"]
    files = make_files(tmp_path, {"vb.pdf": "quakhuc"})
    session = open_session(client, "lo-khuc-lon", describe(files))
    answer = client.put(
        f"/api/uploads/{session['id']}/files/0", params={"offset": 0}, content=b"x" * (CHUNK + 1)
    )
    assert answer.status_code == 413


def test_a_total_over_the_session_limit_is_refused(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "h", upload_max_session_bytes=1000)
    ctx = pipeline.open_context(settings)
    try:
        files = [{"path": f"HS/p{n}.png", "size": 400, "sha256": "a" * 64} for n in range(3)]
        with pytest.raises(uploads.upload_files.TooLarge, match="SOHOA_UPLOAD_MAX_SESSION_BYTES"):
            uploads.create_session(ctx, owner="staff", batch="lo", files=files)
        two = files[:2]
        assert uploads.create_session(ctx, owner="staff", batch="lo", files=two)["files"]
    finally:
        ctx.close()


def test_abandoned_sessions_are_cleaned_up(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "h", upload_abandon_hours=1.0)
    ctx = pipeline.open_context(settings)
    try:
        files = [{"path": "HS/p1.png", "size": 10, "sha256": "a" * 64}]
        old = uploads.create_session(ctx, owner="staff", batch="lo-cu", files=files)
        uploads.receive_chunk(ctx, old["id"], 0, owner="staff", offset=0, data=b"12345")
        assert uploads.cleanup_abandoned(ctx) == []  # fresh: kept
        assert uploads.cleanup_abandoned(ctx, now=time.time() + 3 * 3600) == [old["id"]]
        assert not (ctx.home / "uploads" / old["id"]).exists()
    finally:
        ctx.close()


# ------------------------------------------------------------------------- in the browser


@pytest.mark.browser
def test_a_folder_uploaded_from_chromium_resumes_after_a_drop_and_is_archived(
    server, tmp_path: Path, home: Path, web
) -> None:
    from playwright.sync_api import sync_playwright

    base, _port = server
    folder = tmp_path / "lo-trinh-duyet"
    files = make_files(folder, {"HS-TD/vb1.pdf": "trinhduyetmot", "HS-TD/vb2.pdf": "trinhduyethai"})
    dropped: list[str] = []

    def drop_first_chunk(route: Any) -> None:
        if not dropped and "offset=4096" in route.request.url:
            dropped.append(route.request.url)
            route.abort("connectionreset")  # the connection drops during a chunk
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(base_url=base, locale="vi-VN").new_page()
            page.set_default_timeout(60_000)
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.on("pageerror", lambda e: console.append(str(e)))
            page.goto("/login")
            page.fill("#username", "staff")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url("**/search**")
            page.click('#main-nav a[href="/upload"]')
            page.route("**/api/uploads/*/files/*", drop_first_chunk)
            page.set_input_files("#folder-picker", folder)
            page.click("#upload-button")
            done = page.locator("#upload-done:not([hidden]), #upload-message.error")
            done.first.wait_for()
            assert page.is_visible("#upload-done"), (page.inner_text("#main"), console)
            batch_id = int(page.inner_text("#batch-id"))
            assert page.input_value("#batch-name") == "lo-trinh-duyet"
            assert page.eval_on_selector("#batch-progress", "e => e.value === e.max")
            states = page.eval_on_selector_all(".file-state", "els => els.map(e => e.textContent)")
            assert states == ["đã nhận, mã SHA-256 khớp"] * 2
            assert page.get_attribute("#batch-link", "href") == f"/dashboard#batch-{batch_id}"
        finally:
            browser.close()
    assert dropped, "the browser sent a second chunk that the test could drop"
    upload_runner.wait_all(timeout=120)
    assert documents_of(web["app"], batch_id) == {name: "indexed" for name in files}
    for data in files.values():
        assert stored_original(home, data) == data


def test_a_damaged_scan_is_named_in_the_answer_and_finishing_again_goes_on(
    web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = make_files(tmp_path, {"HS-H/vb-tot.pdf": "tephong"})
    files["HS-H/vb-hong.pdf"] = b"%PDF-1.7\n" + bytes(range(256)) * 40  # not a readable PDF
    client = web["staff"]
    session = open_session(client, "lo-tep-hong", describe(files))
    for index, data in enumerate(files.values()):
        assert send_file(client, session["id"], index, data).status_code == 200
    real_intake = upload_runner.intake

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(upload_runner, "intake", real_intake)
        raise StorageError("the disk went away during intake")

    monkeypatch.setattr(upload_runner, "intake", crash_once)
    with pytest.raises(StorageError):
        client.post(f"/api/uploads/{session['id']}/finish")
    assert client.get(f"/api/uploads/{session['id']}").json()["state"] == "received"
    finished = client.post(f"/api/uploads/{session['id']}/finish")  # the client tries again
    assert finished.status_code == 200, finished.text
    rejected = finished.json()["rejected"]
    assert [r["path"] for r in rejected] == ["HS-H/vb-hong.pdf"] and rejected[0]["error"]
    upload_runner.wait_all(timeout=120)
    states = documents_of(web["app"], finished.json()["batch_id"])
    assert states == {"HS-H/vb-tot.pdf": "indexed", "HS-H/vb-hong.pdf": "failed"}


@pytest.mark.browser
def test_an_upload_cut_off_by_a_reload_goes_on_when_the_files_are_picked_again(
    server, tmp_path: Path, home: Path, web
) -> None:
    from playwright.sync_api import sync_playwright

    base, _port = server
    folder = tmp_path / "lo-tai-lai"
    files = make_files(folder, {"HS-TL/vb1.pdf": "tailaimot"})
    opened: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(base_url=base, locale="vi-VN").new_page()
            page.set_default_timeout(60_000)
            page.on(
                "request",
                lambda r: (
                    r.method == "POST" and r.url.endswith("/api/uploads") and opened.append(r.url)
                ),
            )
            page.goto("/login")
            page.fill("#username", "staff")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url("**/search**")
            page.goto("/upload")
            # the network goes down after the first chunk: the page keeps retrying
            page.route(
                "**/api/uploads/*/files/*?offset=4096", lambda r: r.abort("internetdisconnected")
            )
            page.set_input_files("#folder-picker", folder)
            page.click("#upload-button")
            page.locator(".file-state", has_text="mất kết nối").wait_for()
            page.unroute("**/api/uploads/*/files/*?offset=4096")
            page.reload()  # the staff member reloads the page and picks the same folder
            page.set_input_files("#folder-picker", folder)
            page.click("#upload-button")
            page.wait_for_selector("#upload-done:not([hidden]), #upload-message.error")
            assert page.is_visible("#upload-done"), page.inner_text("#main")
            batch_id = int(page.inner_text("#batch-id"))
        finally:
            browser.close()
    assert len(opened) == 1  # one session, resumed: not a second upload from zero
    upload_runner.wait_all(timeout=120)
    assert documents_of(web["app"], batch_id) == {"HS-TL/vb1.pdf": "indexed"}
    assert stored_original(home, files["HS-TL/vb1.pdf"]) == files["HS-TL/vb1.pdf"]
