"""Commands for the web app's people and access: unit, user, access, grant.

Units, users and grants need only the catalog, so these commands open no search index;
``access`` re-indexes the record's documents and opens the full context.
"""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from sohoa.cli.console import boundary, login_name, open_ctx, out, print_json
from sohoa.config import load_settings


def _catalog() -> Any:
    from sohoa.services.access import open_catalog

    return open_catalog(load_settings())


def _password(value: str | None) -> str:
    if value:
        return value
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@click.group("unit")
def unit_group() -> None:
    """Units (đơn vị): officials see the conditional (02) records of their own unit."""


@unit_group.command("add")
@click.argument("code")
@click.option("--name", default="", help="Full name of the unit.")
@boundary
def unit_add(code: str, name: str) -> None:
    from sohoa.services import access

    unit_id = access.create_unit(_catalog(), code, name=name, actor=login_name())
    out.print(f"unit {code} (id {unit_id})")


@unit_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def unit_list(as_json: bool) -> None:
    from sohoa.services import access

    units = access.list_units(_catalog())
    if as_json:
        print_json(units)
        return
    for u in units:
        out.print(f"{escape(u['code'])}\t{escape(u['name'])}")


@click.group("user")
def user_group() -> None:
    """Web app users: admin, staff (digitisation) and official (search) roles."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staff", "official"]), required=True)
@click.option("--unit", help="Unit code (officials see their unit's conditional records).")
@click.option("--full-name", default="")
@click.option("--password", help="The password (prompted when omitted).")
@boundary
def user_add(
    username: str, role: str, unit: str | None, full_name: str, password: str | None
) -> None:
    from sohoa.services import access

    catalog = _catalog()
    user_id = access.create_user(
        catalog,
        username,
        _password(password),
        role=role,
        unit=unit,
        full_name=full_name,
        actor=login_name(),
    )
    out.print(f"user {username} ({role}, id {user_id})")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@boundary
def user_list(as_json: bool) -> None:
    from sohoa.services import access

    users = access.list_users(_catalog())
    if as_json:
        print_json(users)
        return
    table = Table()
    for col in ("user", "name", "role", "unit", "active", "failed logins"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u["username"],
            u["full_name"],
            u["role"],
            u["unit"] or "",
            str(u["active"]),
            str(u["failed_logins"]),
        )
    out.print(table)


@user_group.command("deactivate")
@click.argument("username")
@boundary
def user_deactivate(username: str) -> None:
    from sohoa.services import access

    access.set_active(_catalog(), username, False, actor=login_name())
    out.print(f"user {username} deactivated")


@user_group.command("activate")
@click.argument("username")
@boundary
def user_activate(username: str) -> None:
    from sohoa.services import access

    access.set_active(_catalog(), username, True, actor=login_name())
    out.print(f"user {username} activated (failed logins reset)")


@user_group.command("password")
@click.argument("username")
@click.option("--password", help="The new password (prompted when omitted).")
@boundary
def user_password(username: str, password: str | None) -> None:
    from sohoa.services import access

    access.set_password(_catalog(), username, _password(password), actor=login_name())
    out.print(f"password of {username} changed")


@click.command("access")
@click.argument("record")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option(
    "--mode",
    type=click.Choice(["01", "02", "03"]),
    help="01 public, 02 conditional (own unit), 03 secret (explicit grant).",
)
@click.option("--unit", help="Unit that owns the record.")
@click.option("--no-unit", is_flag=True, help="The record belongs to no unit.")
@boundary
def access_cmd(
    record: str, fonds: str | None, mode: str | None, unit: str | None, no_unit: bool
) -> None:
    """Show or set a record's access mode and unit (its documents are re-indexed)."""
    from sohoa.services import access

    ctx = open_ctx(load_settings())
    try:
        record_id = access.find_record(ctx, record, fonds=fonds)
        if mode or unit or no_unit:
            docs = access.set_record_access(
                ctx, record_id, mode=mode, unit=unit, clear_unit=no_unit, actor=login_name()
            )
            out.print(f"{len(docs)} documents re-indexed")
        info = access.record_info(ctx, record_id)
    finally:
        ctx.close()
    out.print(
        f"{escape(info['fonds'])}/{escape(info['code'])}: access {info['access_mode']}, "
        f"unit {escape(info['unit'] or '-')}"
    )


@click.command("grant")
@click.argument("record")
@click.argument("username")
@click.option("--fonds", help="Fonds of the record (needed when several fonds use the code).")
@click.option("--revoke", is_flag=True, help="Withdraw the grant instead.")
@boundary
def grant_cmd(record: str, username: str, fonds: str | None, revoke: bool) -> None:
    """Let USERNAME see RECORD whatever its access mode (or --revoke)."""
    from sohoa.services import access

    catalog = _catalog()
    record_id = access.find_record(catalog, record, fonds=fonds)
    actor = login_name()
    if revoke:
        done = access.revoke_record(catalog, record_id, username, actor=actor)
        out.print(f"grant of {record} to {username} {'revoked' if done else 'did not exist'}")
    else:
        access.grant_record(catalog, record_id, username, actor=actor)
        out.print(f"{username} may see {record}")
