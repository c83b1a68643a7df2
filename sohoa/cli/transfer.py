"""Commands for site-to-centre transfer: ``site`` (the centre's keys) and ``push`` (a site)."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from sohoa.cli.console import boundary, open_ctx, out, print_json
from sohoa.config import load_settings
from sohoa.exit_codes import ExitCode


def _catalog() -> Any:
    from sohoa.services.access import open_catalog

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)  # a centre's first command may be this
    return open_catalog(settings).catalog


@click.group("site")
def site_group() -> None:
    """The centre's sites: the keys they push records with."""


@site_group.command("add")
@click.argument("code")
@boundary
def site_add(code: str) -> None:
    """Issue a key for site CODE (a new one replaces the old); shown once, kept hashed."""
    from sohoa.services import transfer

    key = transfer.add_site(_catalog(), code)
    out.print(f"site {escape(code)}: key (give it to the site as SOHOA_TRANSFER_KEY)")
    out.print(key, markup=False)


@site_group.command("revoke")
@click.argument("code")
@boundary
def site_revoke(code: str) -> None:
    """Revoke site CODE's key: its pushes are refused (403) until a new key is issued."""
    from sohoa.services import transfer

    transfer.revoke_site(_catalog(), code)
    out.print(f"site {escape(code)}: key revoked")


@site_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def site_list(as_json: bool) -> None:
    """The sites with a key, whether it is revoked, record versions received."""
    from sohoa.services import transfer

    rows = transfer.sites(_catalog())
    if as_json:
        print_json(rows)
        return
    table = Table()
    for col in ("site", "issued", "revoked", "received"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            escape(r["site"]),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            f"{r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "",
            str(r["received"]),
        )
    out.print(table)


@click.command()
@click.option("--to", "url", default=None, help="The centre's address (else SOHOA_TRANSFER_URL).")
@click.option("--key", default=None, help="This site's key (else SOHOA_TRANSFER_KEY).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@boundary
def push(url: str | None, key: str | None, as_json: bool) -> None:
    """Send archived records (and corrected ones, as new versions) to the centre.

    Resumable: run it again after a dropped link, a power cut or Ctrl-C and it goes on
    from where it stopped. Exits 4 when some record could not be sent this time.
    """
    from sohoa.services import transfer

    settings = load_settings()
    ctx = open_ctx(settings)
    try:
        report = transfer.push(
            ctx,
            url=url or settings.transfer_url,
            key=key or settings.transfer_key,
            progress=None if as_json else lambda name: out.print(f"confirmed {escape(name)}"),
        )
        counts = transfer.transfer_status(ctx.catalog)["outbox"]
    finally:
        ctx.close()
    if as_json:
        print_json({**report.__dict__, "result": report.result, "outbox": counts})
    else:
        if report.busy:
            out.print("another push is running for this archive: nothing done")
        if report.error:
            out.print(f"[red]push stopped:[/] {escape(report.error)}")
        if report.outside_window:
            out.print(f"outside the transfer window {settings.transfer_window}: stopped")
        for name, why in report.failed.items():
            out.print(f"[red]not sent {escape(name)}:[/] {escape(why)}")
        out.print(
            f"{len(report.confirmed)} confirmed, {len(report.failed)} not sent, "
            f"{report.bytes_sent} bytes, {report.retries} retries; outbox: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    if report.failed or report.error or report.left:
        raise SystemExit(ExitCode.PARTIAL)


def print_transfer_status(catalog: Any, home: Any = None, *, as_json: bool) -> None:
    """The outbox, the last push and, at a centre, the sites (``sohoa status --transfer``)."""
    from sohoa.services import transfer

    status = transfer.transfer_status(catalog, home)
    if as_json:
        print_json(status)
        return
    counts = status["outbox"]
    out.print(
        f"outbox: {counts['pending'] + counts['built']} waiting, {counts['sent']} sent, "
        f"{counts['confirmed']} confirmed by the centre"
    )
    last = status["last_push"]
    if last:
        error = f": {escape(last['error'])}" if last.get("error") else ""
        out.print(
            f"last push {transfer.short_time(last['finished_at'])} to {escape(last['url'])}: "
            f"{last['result']}, {last['confirmed']} confirmed, {last['bytes_sent']} bytes{error}"
        )
        if last.get("last_confirmed_at"):
            out.print(f"  last record confirmed {transfer.short_time(last['last_confirmed_at'])}")
    for e in status["open"]:
        error = f" ({escape(e['error'])})" if e["error"] else ""
        out.print(f"  {escape(e['record'])} v{e['version']}: {e['state']}{error}")
    for s in status["sites"]:
        state = "revoked" if s["revoked_at"] else "active"
        contact = s.get("contact") or {}
        waiting = contact.get("outbox") or {}
        backlog = waiting.get("pending", 0) + waiting.get("built", 0) + waiting.get("sent", 0)
        out.print(
            f"site {escape(s['site'])} ({state}): {s['received']} record versions received, "
            f"last {transfer.short_time(s['last_received_at'])}; "
            f"last contact {transfer.short_time(contact.get('at'))}"
            + (f", {backlog} waiting there" if contact else "")
        )


__all__ = ["print_transfer_status", "push", "site_group"]
