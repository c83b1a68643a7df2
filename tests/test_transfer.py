"""Site-to-centre transfer between two real sohoa instances (site and centre) on loopback.

The site archive is made once by `sohoa ingest` and copied per test; the centre is
`sohoa serve`; pushes are `sohoa push` processes. The reliability test puts a seeded
fault-injecting TCP proxy between them and SIGKILLs the pushing process several times.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from archive.storage import sha256_file
from tests.hotfolder_helpers import env_for, kill, query, run, start
from tests.transfer_helpers import (
    FaultProxy,
    centre_server,
    copy_home,
    issue_key,
    make_site,
    wait_exit,
)

pytestmark = [pytest.mark.service, pytest.mark.timeout(600)]
RECORDS = {"A": 2, "B": 1, "C": 2}


@pytest.fixture(scope="module")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("site")
    make_site(work / "home", work, RECORDS)
    return work / "home"


def _push(site: Path, url: str, key: str, **extra: str):
    return run(["push", "--to", url, "--key", key], env_for(site, **extra))


def _check_centre(site: Path, centre: Path) -> None:
    """Every site record once, every document's PDF/A with the site's checksum."""
    received = query(centre, "SELECT site, site_record_id, version FROM received")
    assert len(received) == len(set(received)) == len(RECORDS)
    site_sums = sorted(
        r[0]
        for r in query(
            site,
            "SELECT f.sha256 FROM document d JOIN stored_file f ON f.id = d.pdf_file_id "
            "WHERE d.state = 'indexed'",
        )
    )
    rows = query(
        centre,
        "SELECT f.path, f.sha256 FROM document d JOIN stored_file f ON f.id = d.pdf_file_id "
        "WHERE d.state = 'indexed'",
    )
    assert sorted(r[1] for r in rows) == site_sums
    for path, sha in rows:
        assert sha256_file(centre / path) == sha
    assert query(centre, "SELECT count(*) FROM event WHERE kind = 'transfer.received'") == [
        (len(site_sums),)
    ]
    assert query(site, "SELECT count(*) FROM outbox WHERE state != 'confirmed'") == [(0,)]


def test_push_resend_and_correction(site_template: Path, tmp_path: Path) -> None:
    site = copy_home(site_template, tmp_path / "site")
    centre = tmp_path / "centre"
    key = issue_key(centre, "XA01")
    with centre_server(centre, tmp_path / "centre.log") as url:
        done = _push(site, url, key)
        assert done.returncode == 0, done.stdout + done.stderr
        _check_centre(site, centre)
        # a confirmation lost on the way: the entries are sent again, nothing is duplicated
        conn = sqlite3.connect(site / "catalog.sqlite")
        conn.execute("UPDATE outbox SET state = 'sent'")
        conn.commit()
        conn.close()
        again = _push(site, url, key)
        assert again.returncode == 0, again.stdout + again.stderr
        _check_centre(site, centre)
        # a document corrected at the site: its record travels again as version 2
        [(doc_id,)] = query(site, "SELECT min(id) FROM document")
        fixed = run(
            ["review", str(doc_id), "--set", "summary=Về việc sửa lỗi", "--who", "kt"],
            env_for(site),
        )
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        third = _push(site, url, key)
        assert third.returncode == 0, third.stdout + third.stderr
        versions = query(centre, "SELECT site_record_id, version FROM received ORDER BY 1, 2")
        assert len(versions) == len(RECORDS) + 1 and max(v for _r, v in versions) == 2
        summaries = query(centre, "SELECT state, summary FROM document WHERE summary != ''")
        assert ("indexed", "Về việc sửa lỗi") in summaries
        assert query(centre, "SELECT count(*) FROM document WHERE state = 'superseded'") >= [(1,)]


def test_revoked_and_unknown_keys_and_wrong_checksum(site_template: Path, tmp_path: Path) -> None:
    site = copy_home(site_template, tmp_path / "site")
    centre = tmp_path / "centre"
    key = issue_key(centre, "XA02")
    with centre_server(centre, tmp_path / "centre.log") as url:
        body = b"not the offered bytes"
        offer = {
            "record": 1,
            "version": 1,
            "files": [{"name": "catalog.json", "size": len(body), "sha256": "0" * 64}],
        }
        with httpx.Client(base_url=url, timeout=30) as client:
            # no key at all: refused (the CSRF check answers first, 403)
            assert client.post("/api/transfer/offer", json=offer).status_code in (401, 403)
            bad = {"X-Sohoa-Site-Key": "guessed"}
            assert client.post("/api/transfer/offer", json=offer, headers=bad).status_code == 401
            good = {"X-Sohoa-Site-Key": key}
            assert client.post("/api/transfer/offer", json=offer, headers=good).status_code == 200
            put = client.put(
                f"/api/transfer/file/1/1/{'0' * 64}",
                params={"offset": 0},
                content=body,
                headers=good,
            )
            assert put.status_code == 422  # wrong SHA-256: refused and discarded
            commit = client.post("/api/transfer/commit", json=offer, headers=good)
            assert commit.status_code == 400
        assert query(centre, "SELECT count(*) FROM received") == [(0,)]
        revoked = run(["site", "revoke", "XA02"], env_for(centre))
        assert revoked.returncode == 0, revoked.stdout + revoked.stderr
        with httpx.Client(base_url=url, timeout=30) as client:
            refused = client.post(
                "/api/transfer/offer", json=offer, headers={"X-Sohoa-Site-Key": key}
            )
            assert refused.status_code == 403
        pushed = _push(site, url, key)
        assert pushed.returncode != 0
        assert query(site, "SELECT count(*) FROM outbox WHERE state = 'confirmed'") == [(0,)]


@pytest.mark.slow
def test_faults_and_kills_lose_and_duplicate_nothing(site_template: Path, tmp_path: Path) -> None:
    site = copy_home(site_template, tmp_path / "site")
    centre = tmp_path / "centre"
    key = issue_key(centre, "XA03")
    rng = random.Random(11)
    slow = {
        "SOHOA_TRANSFER_BANDWIDTH": "15000",
        "SOHOA_TRANSFER_CHUNK_BYTES": "4096",
        "SOHOA_TRANSFER_TIMEOUT": "2",
        "SOHOA_TRANSFER_RETRIES": "30",
    }
    with centre_server(centre, tmp_path / "centre.log") as url:
        port = int(url.rsplit(":", 1)[1])
        proxy = FaultProxy(("127.0.0.1", port), seed=5, fault_rate=0.4, stall_seconds=3.0)
        try:
            env = env_for(site, **slow)
            kills = 0
            for _ in range(4):
                proc = start(["push", "--to", proxy.url, "--key", key], env, tmp_path / "push.log")
                time.sleep(rng.uniform(1.0, 4.0))
                if proc.poll() is None:
                    kill(proc)
                    kills += 1
            assert kills >= 2, "the pushes ended before they could be killed"
            for _ in range(10):
                proc = start(["push", "--to", proxy.url, "--key", key], env, tmp_path / "push.log")
                if wait_exit(proc, 300) == 0:
                    break
            else:
                raise AssertionError((tmp_path / "push.log").read_text()[-3000:])
            assert proxy.faults["cut"] + proxy.faults["stall"] > 0
        finally:
            proxy.close()
        _check_centre(site, centre)
