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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from archive.transfer import incoming, ledger, outbox
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
    busy: bool = False  # another push held the lock: this one did nothing
    error: str = ""  # why the push stopped early (the centre unreachable or refusing)
    left: int = 0  # entries not tried because the push stopped early

    @property
    def result(self) -> str:
        """One word: ok, partial (some records not sent), failed, outside-window or busy."""
        if self.busy:
            return "busy"
        if self.error or self.failed or self.left:
            return "partial" if self.confirmed else "failed"
        if self.outside_window:
            return "outside-window"
        return "ok"


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
    """A request to try again (a dropped or refused connection, a 5xx, a bad chunk);
    ``unreachable`` when no answer came at all (the link or the centre is down)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


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
        raise _Retry(f"{exc.__class__.__name__}: {exc}", unreachable=True) from exc
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


def _hello(client: Any, counts: dict[str, int], retries: int) -> None:
    """Tell the centre this site is alive and what its outbox holds (retried like a chunk)."""
    for attempt in range(retries + 1):
        try:
            _call(client, "POST", "/hello", json={"outbox": counts})
            return
        except _Retry:
            if attempt == retries:
                raise
            time.sleep(min(0.2 * 2**attempt, 5.0))


def _push_entries(
    ctx: Context,
    client: Any,
    report: PushReport,
    progress: Callable[[str], None] | None,
    at: Callable[[], datetime],
    stop: threading.Event | None,
) -> None:
    """Send the open entries one by one; stop early when the centre stops answering."""
    settings = ctx.settings
    throttle = Throttle(settings.transfer_bandwidth)
    entries = outbox.open_entries(ctx.catalog)
    for n, entry in enumerate(entries):
        if not in_window(settings.transfer_window, at()):
            report.outside_window = True
            report.left = len(entries) - n
            return
        if stop is not None and stop.is_set():
            report.left = len(entries) - n
            report.error = "stopped"
            return
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
                if attempt < settings.transfer_retries:
                    time.sleep(min(0.2 * 2**attempt, 5.0))
                    continue
                report.failed[name] = str(exc)
                if exc.unreachable:  # the rest would fail alike: try again at the next push
                    report.left = len(entries) - n - 1
                    report.error = f"the centre stopped answering: {exc}"
                    return
                break
            outbox.mark(ctx.catalog, entry["id"], "confirmed")
            outbox.drop_package(ctx.home, entry["id"])
            report.confirmed.append(name)
            report.bytes_sent += sent
            if progress is not None:
                progress(name)
            break


def _note(ctx: Context, url: str, report: PushReport, started: datetime) -> None:
    """Keep how this push went (for status and the dashboard), and log it."""
    before = ledger.last_push(ctx.home) or {}
    finished = datetime.now(UTC)
    note = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "url": url,
        "result": report.result,
        "confirmed": len(report.confirmed),
        "records": report.confirmed[:50],
        "failed": dict(list(report.failed.items())[:50]),
        "left": report.left,
        "bytes_sent": report.bytes_sent,
        "retries": report.retries,
        "error": report.error,
        "last_ok_at": before.get("last_ok_at"),
        "last_confirmed_at": before.get("last_confirmed_at"),
    }
    if report.result in ("ok", "outside-window"):
        note["last_ok_at"] = note["finished_at"]
    if report.confirmed:
        note["last_confirmed_at"] = note["finished_at"]
    ledger.save_last_push(ctx.home, note)
    level = logging.INFO if report.result in ("ok", "outside-window") else logging.WARNING
    log.log(
        level,
        "push to %s: %s, %d confirmed, %d not sent, %d bytes, %d retries%s",
        url,
        report.result,
        len(report.confirmed),
        len(report.failed) + report.left,
        report.bytes_sent,
        report.retries,
        f" ({report.error})" if report.error else "",
    )
    if report.confirmed or report.failed or report.error:
        detail = {k: note[k] for k in ("url", "result", "confirmed", "bytes_sent", "error")}
        ctx.catalog.log_event("transfer.push", detail={**detail, "failed": note["failed"]})


def push(
    ctx: Context,
    *,
    url: str,
    key: str,
    progress: Callable[[str], None] | None = None,
    at: Callable[[], datetime] = datetime.now,
    stop: threading.Event | None = None,
) -> PushReport:
    """Send every open outbox entry to the centre at ``url``; see the module's docstring.

    One push at a time per archive (a lock file): a push started while another runs does
    nothing and says so (``busy``). The centre is greeted first (``/hello``: this site's
    outbox counts, its last contact), so a refused key or a dead link ends the push at once;
    a link that dies on the way ends it after that record's retries.
    """
    settings = ctx.settings
    report = PushReport()
    if not url or not key:
        raise ConfigError("push needs the centre's URL and this site's key (SOHOA_TRANSFER_KEY)")
    lock = ledger.PushLock(ctx.home)
    if not lock.acquire():
        report.busy = True
        log.info("push to %s: another push is running; nothing done", url)
        return report
    started = datetime.now(UTC)
    try:
        if not in_window(settings.transfer_window, at()):
            report.outside_window = True
            return report
        outbox.enqueue_archived(ctx.catalog)
        with _client(url, key, settings.transfer_timeout) as client:
            try:
                _hello(client, outbox.outbox_counts(ctx.catalog), settings.transfer_retries)
            except _Retry as exc:
                report.error = f"the centre did not answer: {exc}"
                report.left = len(outbox.open_entries(ctx.catalog))
                return report
            _push_entries(ctx, client, report, progress, at, stop)
    except RefusedError as exc:
        report.error = str(exc)
        raise
    finally:
        try:
            _note(ctx, url, report, started)
        finally:
            lock.release()
    return report


# ------------------------------------------------------------------------------- the centre


def site_for_key(ctx: Context, key: str | None) -> tuple[str | None, bool]:
    """(site, revoked) for a presented key; (None, False) when unknown or absent."""
    if not key:
        return None, False
    found = check_key(ctx.catalog, key)
    return found.site, found.revoked


def receive_hello(ctx: Context, site: str, counts: dict[str, int]) -> dict:
    """Note that ``site`` got in touch (and its outbox counts); the centre's time."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    clean = {str(k)[:20]: int(v) for k, v in list(counts.items())[:10]}
    ledger.save_contact(ctx.home, site, {"at": stamp, "outbox": clean})
    return {"site": site, "at": stamp}


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


def short_time(value: Any) -> str:
    """A time (a datetime or ISO text) to the minute, for people; a dash for none."""
    if not value:
        return "-"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:16].replace("T", " ")


def transfer_status(catalog: Any, home: Path | None = None) -> dict[str, Any]:
    """This archive's outbox (entries per state, the open ones, the last confirmed, the last
    push) and, at a centre, each site: records received, last record, last contact."""
    contacts = ledger.contacts(home) if home is not None else {}
    listed = sites(catalog)
    for s in listed:
        s["contact"] = contacts.pop(s["site"], None)
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
        "recent": outbox.recent_confirmed(catalog, limit=10),
        "last_push": ledger.last_push(home) if home is not None else None,
        "sites": listed,
    }
