"""Who may do and see what: units, users, logins, record access modes and grants.

Account operations need only the catalog, so they take anything holding one
(:class:`HasCatalog`): the pipeline ``Context`` of the web app, or the catalog alone that
:func:`open_catalog` gives the CLI (which then opens no search index). Changing a record's
access re-indexes its documents, so that one takes a full ``Context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import search
from archive import Catalog, accounts
from archive.accounts import LoginResult, User
from sohoa.config import Settings
from sohoa.pipeline import Context, refresh_index


class HasCatalog(Protocol):
    """Anything that holds the catalog (a pipeline ``Context``, a :class:`CatalogOnly`)."""

    @property
    def catalog(self) -> Catalog:
        """The catalog."""
        ...


@dataclass(frozen=True)
class CatalogOnly:
    """The catalog without the search index, for operations on accounts."""

    catalog: Catalog

    def close(self) -> None:
        """Close the catalog."""
        self.catalog.close()


def open_catalog(settings: Settings) -> CatalogOnly:
    """Open (and migrate) the catalog that ``settings`` name, without the search index."""
    catalog = Catalog(settings.catalog_url)
    catalog.create()
    return CatalogOnly(catalog)


# ----------------------------------------------------------------------- units and users


def create_unit(ctx: HasCatalog, code: str, *, name: str = "", actor: str = "sohoa") -> int:
    """Create a unit (đơn vị); returns its id."""
    return accounts.create_unit(ctx.catalog, code, name=name, actor=actor)


def list_units(ctx: HasCatalog) -> list[dict[str, Any]]:
    """Every unit with its code and name."""
    return accounts.list_units(ctx.catalog)


def create_user(
    ctx: HasCatalog,
    username: str,
    password: str,
    *,
    role: str,
    unit: str | None = None,
    full_name: str = "",
    actor: str,
) -> int:
    """Create a web app user; returns its id."""
    return accounts.create_user(
        ctx.catalog, username, password, role=role, unit=unit, full_name=full_name, actor=actor
    )


def list_users(ctx: HasCatalog) -> list[dict[str, Any]]:
    """Every user with role, unit, whether active and failed logins."""
    return accounts.list_users(ctx.catalog)


def get_user(ctx: HasCatalog, user_id: int) -> User | None:
    """The user with this id, or None."""
    return accounts.get_user(ctx.catalog, user_id)


def set_active(ctx: HasCatalog, username: str, active: bool, *, actor: str) -> None:
    """Activate (failed logins reset) or deactivate a user."""
    accounts.set_active(ctx.catalog, username, active, actor=actor)


def set_password(ctx: HasCatalog, username: str, password: str, *, actor: str) -> None:
    """Give a user a new password."""
    accounts.set_password(ctx.catalog, username, password, actor=actor)


def authenticate(ctx: Context, username: str, password: str) -> LoginResult:
    """Check a password, with the wait after repeated failures that the settings give."""
    return accounts.authenticate(
        ctx.catalog,
        username,
        password,
        max_failures=ctx.settings.login_max_failures,
        base_delay=ctx.settings.login_delay_seconds,
    )


# -------------------------------------------------------------------- records and grants


def find_record(ctx: HasCatalog, code: str, *, fonds: str | None = None) -> int:
    """The id of record ``code`` (``fonds`` needed when several fonds use the code)."""
    return accounts.find_record(ctx.catalog, code, fonds=fonds)


def record_info(ctx: HasCatalog, record_id: int) -> dict[str, Any]:
    """A record's fonds, code, access mode and unit."""
    return accounts.record_info(ctx.catalog, record_id)


def list_records(ctx: HasCatalog) -> list[dict[str, Any]]:
    """Every record with its access mode, unit and grants."""
    return accounts.list_records(ctx.catalog)


def set_record_access(
    ctx: Context,
    record_id: int,
    *,
    mode: str | None = None,
    unit: str | None = None,
    clear_unit: bool = False,
    actor: str,
) -> list[int]:
    """Change a record's access mode/unit and re-index its documents; returns their ids."""
    doc_ids = accounts.set_record_access(
        ctx.catalog, record_id, mode=mode, unit=unit, clear_unit=clear_unit, actor=actor
    )
    for doc_id in doc_ids:
        refresh_index(ctx, doc_id)
    return doc_ids


def grant_record(ctx: HasCatalog, record_id: int, username: str, *, actor: str) -> None:
    """Let ``username`` see the record whatever its access mode."""
    accounts.grant(ctx.catalog, record_id, username, actor=actor)


def revoke_record(ctx: HasCatalog, record_id: int, username: str, *, actor: str) -> bool:
    """Withdraw a grant; False when there was none."""
    return accounts.revoke(ctx.catalog, record_id, username, actor=actor)


def access_for(ctx: HasCatalog, user: User) -> search.Access | None:
    """The index filter for ``user``: None (everything) for admin and staff."""
    if user.sees_everything:
        return None
    records = frozenset(
        search.record_key(r["fonds"], r["code"])
        for r in accounts.granted_records(ctx.catalog, user.id)
    )
    units = frozenset({user.unit}) if user.unit else frozenset()
    return search.Access(units=units, records=records)
