"""The push schedule of `sohoa watch` and the outbox on the dashboard, between two real
instances on loopback: a site watching a hot folder and a centre receiving.

A batch dropped into the site's hot folder while the centre is down reaches the centre
once it is up, without anyone running `sohoa push` (the failed pushes back off and are
tried again); then both dashboards, read over real HTTP as a staff user, show the outbox
and the site, as `sohoa status --transfer` does.
"""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx
import pytest

from archive.transfer.ledger import PushLock, last_push
from sohoa.config import load_settings
from sohoa.services.push_schedule import check_schedule, next_delay
from tests.hotfolder_helpers import env_for, kill, make_lot, query, run, start, wait_for
from tests.services import free_port
from tests.transfer_helpers import centre_server, issue_key

pytestmark = [pytest.mark.service, pytest.mark.timeout(600)]
PASSWORD = "mat-khau-du-dai-1"


def test_backoff_doubles_up_to_the_limit() -> None:
    settings = load_settings(push_interval=300, push_retry_seconds=30, push_backoff_max=200)
    assert next_delay(settings, 0) == 300
    assert [next_delay(settings, n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 200, 200]


def test_schedule_needs_url_and_key() -> None:
    assert not check_schedule(load_settings(push_interval=0))
    with pytest.raises(Exception, match="SOHOA_TRANSFER_URL"):
        check_schedule(load_settings(push_interval=60, transfer_url="", transfer_key=""))


def test_a_second_push_waits_for_none_and_does_nothing(tmp_path: Path) -> None:
    home = tmp_path / "site"
    lock = PushLock(home)
    assert lock.acquire()
    try:
        assert not PushLock(home).acquire()
        done = run(["push", "--to", "http://127.0.0.1:9", "--key", "k"], env_for(home))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "another push is running" in done.stdout
    finally:
        lock.release()
    assert PushLock(home).acquire()


def _login(client: httpx.Client, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    done = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:500]


def _add_user(home: Path, name: str, role: str) -> None:
    done = run(["user", "add", name, "--role", role, "--password", PASSWORD], env_for(home))
    assert done.returncode == 0, done.stdout + done.stderr


def test_watch_pushes_a_dropped_batch_to_the_centre(tmp_path: Path) -> None:
    site, centre, hot = tmp_path / "site", tmp_path / "centre", tmp_path / "hot"
    hot.mkdir()
    key = issue_key(centre, "XA07")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = env_for(
        site,
        SOHOA_TRANSFER_URL=url,
        SOHOA_TRANSFER_KEY=key,
        SOHOA_PUSH_INTERVAL="600",  # the batch, not the interval, must trigger the push
        SOHOA_PUSH_RETRY_SECONDS="1",
        SOHOA_PUSH_BACKOFF_MAX="2",
        SOHOA_TRANSFER_RETRIES="0",
        SOHOA_TRANSFER_TIMEOUT="5",
        SOHOA_WATCH_STABLE_SECONDS="1",
    )
    watch_log = tmp_path / "watch.log"
    watcher = start(["watch", str(hot)], env, watch_log)
    try:
        # the centre is down: the first push fails and is logged, then retried with backoff
        wait_for(
            lambda: (last_push(site) or {}).get("result") == "failed",
            timeout=120,
            what="a failed push while the centre is down",
        )
        staging = tmp_path / "staging"
        make_lot(staging, "P", 2)
        make_lot(staging, "Q", 1)
        (staging / "READY").write_text("")
        staging.rename(hot / "lot-1")  # one rename: the batch appears whole
        wait_for(lambda: (hot / "_done" / "lot-1").is_dir(), timeout=240, what="the batch done")
        assert query(centre, "SELECT count(*) FROM received") in ([], [(0,)])
        with centre_server(centre, tmp_path / "centre.log", port=port):
            wait_for(
                lambda: query(centre, "SELECT count(*) FROM received") == [(2,)],
                timeout=180,
                what="both records at the centre",
            )
            wait_for(
                lambda: (last_push(site) or {}).get("result") == "ok",
                timeout=60,
                what="the push noted as ok",
            )
            _check_dashboards(site, centre, tmp_path, url)
    finally:
        kill(watcher, signal.SIGTERM)
    log = watch_log.read_text()
    assert "push failed" in log and "push pushed" in log, log[-3000:]
    assert query(site, "SELECT count(*) FROM outbox WHERE state != 'confirmed'") == [(0,)]
    assert query(site, "SELECT count(*) FROM outbox") == [(2,)]
    assert query(centre, "SELECT count(*) FROM document WHERE state = 'indexed'") == [(3,)]
    pushes = query(site, "SELECT detail FROM event WHERE kind = 'transfer.push'")
    results = [json.loads(d)["result"] for (d,) in pushes]
    assert "failed" in results and "ok" in results
    status = run(["status", "--transfer", "--json"], env_for(site))
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["outbox"]["confirmed"] == 2 and shown["last_push"]["result"] == "ok"
    at_centre = run(["status", "--transfer"], env_for(centre))
    assert "site XA07 (active): 2 record versions received" in at_centre.stdout
    assert "last contact 20" in at_centre.stdout


def _check_dashboards(site: Path, centre: Path, tmp_path: Path, centre_url: str) -> None:
    """The centre's dashboard lists the site; the site's shows its outbox and last push."""
    _add_user(centre, "kt_centre", "staff")
    with httpx.Client(base_url=centre_url, timeout=30) as client:
        _login(client, "kt_centre")
        page = client.get("/dashboard")
        assert page.status_code == 200
        row = re.search(r'<tr class="site" data-site="XA07">(.*?)</tr>', page.text, re.S)
        assert row, page.text[-3000:]
        assert '<td class="site-received">2</td>' in row.group(1)
        assert re.search(r'<td class="site-contact">20\d\d-', row.group(1))
        api = client.get("/api/transfer-status").json()
        [listed] = api["sites"]
        assert listed["site"] == "XA07" and listed["received"] == 2 and listed["contact"]["at"]
    _add_user(site, "admin_site", "admin")
    site_port = free_port()
    server = start(["serve", "--port", str(site_port)], env_for(site), tmp_path / "site-web.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{site_port}", timeout=30) as client:
            wait_for(lambda: _answers(client), timeout=120, what="the site's web app")
            _login(client, "admin_site")
            page = client.get("/dashboard").text
            assert re.search(r'id="outbox-confirmed" class="value">2<', page), page[-3000:]
            assert re.search(r'id="outbox-waiting" class="value">0<', page)
            assert 'data-result="ok"' in page
            assert page.count('class="outbox-confirmed"') == 2
            assert "HS-P" in page and "HS-Q" in page
            assert client.get("/api/transfer-status").json()["outbox"]["confirmed"] == 2
        with httpx.Client(base_url=f"http://127.0.0.1:{site_port}", timeout=30) as anon:
            assert anon.get("/api/transfer-status").status_code in (401, 403)
    finally:
        kill(server, signal.SIGTERM)


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/login").status_code == 200
    except httpx.HTTPError:
        return False


def test_the_web_apps_watcher_pushes_too(tmp_path: Path) -> None:
    site, centre, hot = tmp_path / "site", tmp_path / "centre", tmp_path / "hot"
    hot.mkdir()
    key = issue_key(centre, "XA08")
    with centre_server(centre, tmp_path / "centre.log") as url:
        env = env_for(
            site,
            SOHOA_TRANSFER_URL=url,
            SOHOA_TRANSFER_KEY=key,
            SOHOA_PUSH_INTERVAL="600",
            SOHOA_SERVE_WATCH="1",
            SOHOA_WATCH_DIR=str(hot),
            SOHOA_WATCH_STABLE_SECONDS="1",
        )
        server = start(["serve", "--port", str(free_port())], env, tmp_path / "site-web.log")
        try:
            staging = tmp_path / "staging"
            make_lot(staging, "W", 1)
            (staging / "READY").write_text("")
            staging.rename(hot / "lot-w")
            wait_for(
                lambda: query(centre, "SELECT count(*) FROM received") == [(1,)],
                timeout=240,
                what="the record at the centre",
            )
        finally:
            kill(server, signal.SIGTERM)
    assert (hot / "_done" / "lot-w").is_dir()
    assert query(site, "SELECT state FROM outbox") == [("confirmed",)]
    assert (last_push(site) or {}).get("result") == "ok"


def test_outside_the_window_a_push_sends_nothing_and_says_so(tmp_path: Path) -> None:
    from datetime import datetime

    from sohoa.pipeline import open_context
    from sohoa.services import transfer

    settings = load_settings(home=tmp_path / "site", transfer_window="01:00-02:00")
    ctx = open_context(settings)
    try:
        noon = datetime(2026, 12, 7, 12, 0)
        report = transfer.push(ctx, url="http://127.0.0.1:9", key="k", at=lambda: noon)
    finally:
        ctx.close()
    assert report.outside_window and report.result == "outside-window"
    note = last_push(tmp_path / "site")
    assert note is not None and note["result"] == "outside-window" and note["bytes_sent"] == 0
