"""Site keys (centre side): issued by the centre's admin, one per site, stored as SHA-256.

A key is 32 random bytes (URL-safe text), so a plain SHA-256 of it is enough: there is
nothing to guess, unlike a password. Revoking keeps the row, so a revoked key is told
apart from an unknown one (403, not 401).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from archive import schema as t
from archive.catalog import Catalog
from archive.catalog.core import now
from errors import InputError, NotFoundError

SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class SiteCheck:
    """What a presented key is: the site it belongs to, and whether it was revoked."""

    site: str | None
    revoked: bool


def key_hash(key: str) -> str:
    """The stored form of a site key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_key(catalog: Catalog, site: str) -> str:
    """A new key for ``site`` (replacing any earlier one, revoked or not); returns the key."""
    if not SITE_CODE.match(site):
        raise InputError(f"site code {site!r}: use letters, digits, '.', '_' or '-'")
    key = secrets.token_urlsafe(32)
    with catalog.tx() as conn:
        found = conn.execute(select(t.site_key.c.id).where(t.site_key.c.site == site)).first()
        values: dict[str, Any] = {
            "key_hash": key_hash(key),
            "created_at": now(),
            "revoked_at": None,
        }
        if found is None:
            conn.execute(t.site_key.insert().values(site=site, **values))
        else:
            conn.execute(update(t.site_key).where(t.site_key.c.id == found[0]).values(**values))
    return key


def revoke_key(catalog: Catalog, site: str) -> None:
    """Revoke ``site``'s key: its pushes are refused from now on."""
    with catalog.tx() as conn:
        done = conn.execute(
            update(t.site_key)
            .where(t.site_key.c.site == site, t.site_key.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )
        if done.rowcount == 0:
            raise NotFoundError(f"site {site!r} has no active key")


def list_sites(catalog: Catalog) -> list[dict[str, Any]]:
    """Every site with a key: code, when issued and revoked, versions received, the last one."""
    with catalog.tx() as conn:
        rows = [
            dict(r) for r in conn.execute(select(t.site_key).order_by(t.site_key.c.site)).mappings()
        ]
        counts = {
            site: (n, last)
            for site, n, last in conn.execute(
                select(
                    t.received.c.site, func.count(), func.max(t.received.c.received_at)
                ).group_by(t.received.c.site)
            ).all()
        }
    return [
        {
            "site": r["site"],
            "created_at": r["created_at"],
            "revoked_at": r["revoked_at"],
            "received": counts.get(r["site"], (0, None))[0],
            "last_received_at": counts.get(r["site"], (0, None))[1],
        }
        for r in rows
    ]


def check_key(catalog: Catalog, key: str) -> SiteCheck:
    """Which site ``key`` belongs to (``site`` None for an unknown key)."""
    with catalog.tx() as conn:
        row = conn.execute(
            select(t.site_key.c.site, t.site_key.c.revoked_at).where(
                t.site_key.c.key_hash == key_hash(key)
            )
        ).first()
    if row is None:
        return SiteCheck(site=None, revoked=False)
    revoked_at: datetime | None = row[1]
    return SiteCheck(site=row[0], revoked=revoked_at is not None)
