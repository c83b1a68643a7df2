"""Site-to-centre transfer over HTTP(S): the site's push, the centre's receiving end.

The site (:func:`push`) puts every archived record, and every correction of one, in its
outbox (:mod:`archive.transfer.outbox`), then for each open entry: builds the package,
*offers* its file list to the centre, sends what the centre lacks in chunks from where the
centre's copy ends (bandwidth-limited), and asks the centre to *commit*. Only the centre's
confirmation closes the entry. Every step is committed in the catalog before the next one,
and the centre's side is idempotent, so a push killed at any point (or a dropped link)
resumes by running it again.

The centre (:func:`receive_offer`, :func:`receive_chunk`, :func:`receive_commit`) stages
the files (:mod:`archive.transfer.incoming`), imports a complete, verified version
(:mod:`archive.transfer.importing`) and indexes its documents at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock
from typing import Any

from archive.transfer import incoming, outbox
from archive.transfer.importing import import_version, is_received, parse_map
from archive.transfer.keys import check_key
from errors import ConfigError, SohoaError
from sohoa.pipeline import Context
from sohoa.pipeline.indexing import index_document

log = logging.getLogger(__name__)

SITE_KEY_HEADER = "X-Sohoa-Site-Key"
API = "/api/transfer"


class TransferError(SohoaError):
    """The centre could not be reached or refused a request; running push again resumes."""

    permanent = False


class RefusedError(TransferError):
    """The centre refused this site's key (unknown: 401, revoked: 403)."""

    permanent = True


@dataclass
class PushReport:
    """What one push did."""

    confirmed: list[str] = field(default_factory=list)  # "record vN"
    failed: dict[str, str] = field(default_factory=dict)
    bytes_sent: int = 0
    outside_window: bool = False
    retries: int = 0


# ------------------------------------------------------------------------------ the window


def parse_window(text: str) -> tuple[clock, clock] | None:
    """``HH:MM-HH:MM`` as (start, end); None for an empty setting (any time)."""
    if not text.strip():
        return None
    try:
        start, end = (clock.fromisoformat(p.strip()) for p in text.split("-", 1))
    except ValueError as exc:
        raise ConfigError(f"SOHOA_TRANSFER_WINDOW {text!r}: write HH:MM-HH:MM") from exc
    return start, end


def in_window(text: str, at: datetime) -> bool:
    """Whether ``at`` (local time) falls in the window (which may run past midnight)."""
    window = parse_window(text)
    if window is None:
        return True
    start, end = window
    now = at.time()
    return start <= now < end if start <= end else (now >= start or now < end)


class Throttle:
    """Keeps the average rate of the bytes sent under ``rate`` bytes per second."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.began = time.monotonic()
        self.sent = 0

    def wait(self, nbytes: int) -> None:
        """Count ``nbytes`` as sent, sleeping first as long as the rate asks."""
        self.sent += nbytes
        if self.rate > 0:
            ahead = self.sent / self.rate - (time.monotonic() - self.began)
            if ahead > 0:
                time.sleep(ahead)


# --------------------------------------------------------------------------------- the site


class _Retry(Exception):
    """A request to try again (a dropped or refused connection, a 5xx, a bad chunk)."""


def _client(url: str, key: str, timeout: float) -> Any:
    import httpx

    return httpx.Client(
        base_url=url.rstrip("/"),
        headers={SITE_KEY_HEADER: key},
        timeout=httpx.Timeout(timeout),
    )


def _call(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    """One request; the JSON answer, ``_Retry`` for what trying again may cure."""
    import httpx

    try:
        resp = client.request(method, API + path, **kwargs)
    except httpx.HTTPError as exc:  # transport errors, timeouts, broken reads
        raise _Retry(f"{exc.__class__.__name__}: {exc}") from exc
    if resp.status_code in (401, 403):
        raise RefusedError(f"the centre refused this site's key ({resp.status_code})")
    try:
        body = resp.json()
    except ValueError as exc:
        raise _Retry(f"unreadable answer ({resp.status_code})") from exc
    if resp.status_code == 409 and "held" in body:
        return body  # the chunk was not where the centre's copy ends: resume from "held"
    if resp.status_code >= 400:
        raise _Retry(f"{resp.status_code}: {body.get('detail', body)}")
    return body


def _send_file(
    client: Any, entry: dict, folder: Any, f: dict, held: int, chunk: int, throttle: Throttle
) -> int:
    """Send one file from byte ``held`` on; returns the bytes sent."""
    sent = 0
    path = folder / f["name"]
    with open(path, "rb") as fh:
        while held < f["size"]:
            fh.seek(held)
            data = fh.read(chunk)
            throttle.wait(len(data))
            body = _call(
                client,
                "PUT",
                f"/file/{entry['record_id']}/{entry['version']}/{f['sha256']}",
                params={"offset": held},
                content=data,
                headers={"Content-Type": "application/octet-stream"},
            )
            sent += len(data)
            held = int(body["held"])
    return sent


def _send_entry(ctx: Context, client: Any, entry: dict, throttle: Throttle) -> tuple[str, int]:
    """Offer, send and commit one built entry; returns the centre's answer and bytes sent."""
    manifest = entry["manifest"]
    ident = {"record": entry["record_id"], "version": entry["version"]}
    answer = _call(client, "POST", "/offer", json={**ident, "files": manifest})
    sent = 0
    if not answer.get("confirmed"):
        folder = outbox.package_dir(ctx.home, entry["id"])
        for f in manifest:
            held = int(answer["held"].get(f["sha256"], 0))
            sent += _send_file(
                client, entry, folder, f, held, ctx.settings.transfer_chunk_bytes, throttle
            )
        if entry["state"] != "sent":
            outbox.mark(ctx.catalog, entry["id"], "sent")
            entry["state"] = "sent"
        answer = _call(client, "POST", "/commit", json=ident)
    if not answer.get("confirmed"):
        raise _Retry(f"the centre did not confirm: {answer}")
    return str(answer.get("record", "")), sent


def push(
    ctx: Context,
    *,
    url: str,
    key: str,
    progress: Callable[[str], None] | None = None,
    at: Callable[[], datetime] = datetime.now,
) -> PushReport:
    """Send every open outbox entry to the centre at ``url``; see the module's docstring."""
    settings = ctx.settings
    report = PushReport()
    if not url or not key:
        raise ConfigError("push needs the centre's URL and this site's key (SOHOA_TRANSFER_KEY)")
    if not in_window(settings.transfer_window, at()):
        report.outside_window = True
        return report
    outbox.enqueue_archived(ctx.catalog)
    throttle = Throttle(settings.transfer_bandwidth)
    with _client(url, key, settings.transfer_timeout) as client:
        for entry in outbox.open_entries(ctx.catalog):
            if not in_window(settings.transfer_window, at()):
                report.outside_window = True
                break
            name = f"{entry['record_code']} v{entry['version']}"
            entry["manifest"] = outbox.build_package(ctx.catalog, ctx.home, entry)
            if entry["state"] == "pending":
                entry["state"] = "built"
            for attempt in range(settings.transfer_retries + 1):
                try:
                    _code, sent = _send_entry(ctx, client, entry, throttle)
                except _Retry as exc:
                    report.retries += 1
                    outbox.mark(ctx.catalog, entry["id"], "failed-attempt", error=str(exc))
                    log.info("push %s: attempt %d failed: %s", name, attempt + 1, exc)
                    if attempt == settings.transfer_retries:
                        report.failed[name] = str(exc)
                    else:
                        time.sleep(min(0.2 * 2**attempt, 5.0))
                    continue
                outbox.mark(ctx.catalog, entry["id"], "confirmed")
                outbox.drop_package(ctx.home, entry["id"])
                report.confirmed.append(name)
                report.bytes_sent += sent
                if progress is not None:
                    progress(name)
                break
    return report


# ------------------------------------------------------------------------------- the centre


def site_for_key(ctx: Context, key: str | None) -> tuple[str | None, bool]:
    """(site, revoked) for a presented key; (None, False) when unknown or absent."""
    if not key:
        return None, False
    found = check_key(ctx.catalog, key)
    return found.site, found.revoked


def receive_offer(ctx: Context, site: str, record: int, version: int, files: list) -> dict:
    """The centre's answer to an offer: confirmed already, or the bytes held of each file."""
    done = is_received(ctx.catalog, site, record, version)
    if done:
        return receive_commit(ctx, site, record, version)
    return {"confirmed": False, "held": incoming.offer(ctx.home, site, record, version, files)}


def receive_chunk(
    ctx: Context, site: str, record: int, version: int, sha256: str, offset: int, data: bytes
) -> dict:
    """Store one chunk; the bytes now held of the file."""
    held = incoming.write_chunk(ctx.home, site, record, version, sha256, offset, data)
    return {"held": held}


def receive_commit(ctx: Context, site: str, record: int, version: int) -> dict:
    """Import a complete version (once) and index its documents; the confirmation."""
    settings = ctx.settings
    done = import_version(
        ctx.catalog,
        ctx.home,
        site=site,
        record=record,
        version=version,
        fonds_map=parse_map(settings.transfer_fonds_map),
        unit_map=parse_map(settings.transfer_unit_map),
    )
    for doc_id in done.superseded:
        ctx.index.delete_document(doc_id)
    for doc_id in done.documents:
        index_document(ctx, doc_id)
    if not done.already:
        log.info("received %s v%d from %s as %s", record, version, site, done.record_code)
    return {"confirmed": True, "record": done.record_code, "version": version}


# ------------------------------------------------------------------ keys and the outbox view


def add_site(catalog: Any, site: str) -> str:
    """Issue (or re-issue) ``site``'s key; returns it (shown once, stored hashed)."""
    from archive.transfer.keys import issue_key

    return issue_key(catalog, site)


def revoke_site(catalog: Any, site: str) -> None:
    """Revoke ``site``'s key."""
    from archive.transfer.keys import revoke_key

    revoke_key(catalog, site)


def sites(catalog: Any) -> list[dict[str, Any]]:
    """Every site with a key, and how many record versions it sent."""
    from archive.transfer.keys import list_sites

    return list_sites(catalog)


def transfer_status(catalog: Any) -> dict[str, Any]:
    """This archive's outbox (entries per state, the open ones) and the sites it heard from."""
    return {
        "outbox": outbox.outbox_counts(catalog),
        "open": [
            {
                "record": e["record_code"],
                "version": e["version"],
                "state": e["state"],
                "attempts": e["attempts"],
                "error": e["error"],
            }
            for e in outbox.open_entries(catalog)
        ],
        "sites": sites(catalog),
    }
