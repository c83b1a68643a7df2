"""People and access: units, users (argon2id passwords), record access modes and grants.

Plain functions over the catalog. Every change is an event naming who made it. Who may see
what is decided here too (``visible_records_clause``, ``can_see_record``), so the web pages,
the API and the CLI share one rule:

- ``admin`` and ``staff`` see every record (staff digitise everything);
- an ``official`` sees records with access mode ``01`` (public), records with mode ``02``
  (conditional) that belong to the official's own unit, and any record granted to them
  explicitly (the only way to see a ``03``, secret, record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from archive import schema as t
from archive.catalog import Catalog, now
from archive.records import find_record  # noqa: F401 - part of this module's API
from errors import InputError, NotFoundError

ROLES = ("admin", "staff", "official")
ACCESS_MODES = {"01": "Công khai", "02": "Hạn chế (đơn vị)", "03": "Mật (cấp quyền)"}
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_CODE = re.compile(r"[^\s/\\]{1,100}")
MIN_PASSWORD = 8

# argon2id (the library default type) with its RFC 9106 low-memory profile.
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A signed-in person as the web app sees them."""

    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None
    unit: str | None  # unit code
    active: bool

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "staff")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (PHC string with its own salt and parameters)."""
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password is too short: use at least {MIN_PASSWORD} characters")


# ------------------------------------------------------------------------------ units


def create_unit(catalog: Catalog, code: str, *, name: str = "", actor: str = "sohoa") -> int:
    """Add a unit (đơn vị) and return its id; an existing code keeps its id (name updated)."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise InputError(f"unit code {code!r} is not valid: use letters, digits and dashes")
    with catalog.tx() as conn:
        existing = conn.execute(select(t.unit.c.id).where(t.unit.c.code == code)).scalar()
        if existing is not None:
            if name:
                conn.execute(t.unit.update().where(t.unit.c.id == existing).values(name=name))
            return existing
        unit_id = conn.execute(t.unit.insert().values(code=code, name=name)).inserted_primary_key[0]
        catalog.add_event(conn, "unit_created", actor=actor, detail={"unit": code, "name": name})
    return unit_id


def list_units(catalog: Catalog) -> list[dict[str, Any]]:
    with catalog.tx() as conn:
        rows = conn.execute(select(t.unit).order_by(t.unit.c.code)).mappings().all()
    return [dict(r) for r in rows]


def _unit_id(conn: Any, code: str | None) -> int | None:
    if not code:
        return None
    unit_id = conn.execute(select(t.unit.c.id).where(t.unit.c.code == code)).scalar()
    if unit_id is None:
        raise NotFoundError(f"unit {code!r} does not exist: create it first (sohoa unit add)")
    return unit_id


# ------------------------------------------------------------------------------ users


def create_user(
    catalog: Catalog,
    username: str,
    password: str,
    *,
    role: str,
    unit: str | None = None,
    full_name: str = "",
    actor: str = "sohoa",
) -> int:
    """Add an active user with an argon2id password hash; returns the user id."""
    username = username.strip()
    if not _USERNAME.fullmatch(username):
        raise InputError(
            f"user name {username!r} is not valid: use letters, digits, '.', '_', '@' or '-'"
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    _check_password(password)
    digest = hash_password(password)
    with catalog.tx() as conn:
        if conn.execute(select(t.app_user.c.id).where(t.app_user.c.username == username)).first():
            raise InputError(f"user {username!r} already exists")
        user_id = conn.execute(
            t.app_user.insert().values(
                username=username,
                full_name=full_name,
                password_hash=digest,
                role=role,
                unit_id=_unit_id(conn, unit),
                active=True,
                failed_logins=0,
                created_at=now(),
            )
        ).inserted_primary_key[0]
        catalog.add_event(
            conn,
            "user_created",
            actor=actor,
            detail={"user": username, "role": role, "unit": unit},
        )
    return user_id


def _user_query() -> Any:
    return select(
        t.app_user.c.id,
        t.app_user.c.username,
        t.app_user.c.full_name,
        t.app_user.c.role,
        t.app_user.c.unit_id,
        t.unit.c.code.label("unit"),
        t.app_user.c.active,
    ).outerjoin(t.unit, t.unit.c.id == t.app_user.c.unit_id)


def get_user(catalog: Catalog, user_id: int) -> User | None:
    with catalog.tx() as conn:
        row = conn.execute(_user_query().where(t.app_user.c.id == user_id)).mappings().first()
    return User(**dict(row)) if row else None


def find_user(catalog: Catalog, username: str) -> User:
    with catalog.tx() as conn:
        row = (
            conn.execute(_user_query().where(t.app_user.c.username == username)).mappings().first()
        )
    if row is None:
        raise NotFoundError(f"user {username!r} does not exist")
    return User(**dict(row))


def list_users(catalog: Catalog) -> list[dict[str, Any]]:
    with catalog.tx() as conn:
        rows = (
            conn.execute(
                _user_query()
                .add_columns(
                    t.app_user.c.created_at,
                    t.app_user.c.failed_logins,
                    t.app_user.c.last_failed_at,
                )
                .order_by(t.app_user.c.username)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def set_active(catalog: Catalog, username: str, active: bool, *, actor: str) -> None:
    with catalog.tx() as conn:
        done = conn.execute(
            t.app_user.update()
            .where(t.app_user.c.username == username)
            .values(active=active, failed_logins=0, last_failed_at=None)
        ).rowcount
        if not done:
            raise NotFoundError(f"user {username!r} does not exist")
        catalog.add_event(
            conn,
            "user_activated" if active else "user_deactivated",
            actor=actor,
            detail={"user": username},
        )


def set_password(catalog: Catalog, username: str, password: str, *, actor: str) -> None:
    _check_password(password)
    digest = hash_password(password)
    with catalog.tx() as conn:
        done = conn.execute(
            t.app_user.update()
            .where(t.app_user.c.username == username)
            .values(password_hash=digest, failed_logins=0, last_failed_at=None)
        ).rowcount
        if not done:
            raise NotFoundError(f"user {username!r} does not exist")
        catalog.add_event(conn, "password_changed", actor=actor, detail={"user": username})


def set_user_role(
    catalog: Catalog, username: str, *, role: str, unit: str | None, actor: str
) -> None:
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    with catalog.tx() as conn:
        done = conn.execute(
            t.app_user.update()
            .where(t.app_user.c.username == username)
            .values(role=role, unit_id=_unit_id(conn, unit))
        ).rowcount
        if not done:
            raise NotFoundError(f"user {username!r} does not exist")
        catalog.add_event(
            conn, "user_changed", actor=actor, detail={"user": username, "role": role, "unit": unit}
        )


# ------------------------------------------------------------------ login and throttling


@dataclass(frozen=True)
class LoginResult:
    user: User | None  # set when the password was right and the account is active
    wait: float = 0.0  # > 0: too many failures, try again after this many seconds


def login_delay(failures: int, *, max_failures: int, base: float, cap: float = 900.0) -> float:
    """Seconds to wait after ``failures`` consecutive failures (0 below the threshold).

    From the ``max_failures``-th failure on, each further failure doubles the wait.
    """
    if failures < max_failures:
        return 0.0
    return min(cap, base * 2 ** (failures - max_failures))


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def authenticate(
    catalog: Catalog,
    username: str,
    password: str,
    *,
    max_failures: int = 5,
    base_delay: float = 2.0,
) -> LoginResult:
    """Check a password against the stored argon2id hash, slowing down repeated failures.

    While a user's wait is running, no password is checked at all (a right one waits too).
    A failure counts on the user row; success resets it. Unknown and inactive users fail
    like a wrong password (the caller cannot tell which).
    """
    stamp = now()
    with catalog.tx() as conn:
        row = (
            conn.execute(select(t.app_user).where(t.app_user.c.username == username))
            .mappings()
            .first()
        )
        if row is None:
            _hasher.hash(password)  # the same work as a real check: timing does not tell
            return LoginResult(user=None)
        delay = login_delay(row["failed_logins"], max_failures=max_failures, base=base_delay)
        last = _aware(row["last_failed_at"])
        if delay and last is not None:
            left = (last + timedelta(seconds=delay) - stamp).total_seconds()
            if left > 0:
                return LoginResult(user=None, wait=left)
        try:
            ok = _hasher.verify(row["password_hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or not row["active"]:
            conn.execute(
                t.app_user.update()
                .where(t.app_user.c.id == row["id"])
                .values(failed_logins=t.app_user.c.failed_logins + 1, last_failed_at=stamp)
            )
            return LoginResult(user=None)
        values: dict[str, Any] = {"failed_logins": 0, "last_failed_at": None}
        if _hasher.check_needs_rehash(row["password_hash"]):
            values["password_hash"] = hash_password(password)
        conn.execute(t.app_user.update().where(t.app_user.c.id == row["id"]).values(**values))
    return LoginResult(user=get_user(catalog, row["id"]))


# ------------------------------------------------------------------ records and grants


def _records(*extra: Any) -> Any:
    """Records with their fonds code, access mode and owning unit's code (plus ``extra``)."""
    return (
        select(
            t.record.c.id,
            t.record.c.code,
            t.record.c.title,
            t.record.c.access_mode,
            t.unit.c.code.label("unit"),
            t.fonds.c.code.label("fonds"),
            *extra,
        )
        .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
        .outerjoin(t.unit, t.unit.c.id == t.record.c.unit_id)
    )


def record_info(catalog: Catalog, record_id: int) -> dict[str, Any]:
    with catalog.tx() as conn:
        row = (
            conn.execute(_records(t.record.c.unit_id).where(t.record.c.id == record_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError(f"record {record_id} is not in the catalog")
    return dict(row)


def list_records(catalog: Catalog) -> list[dict[str, Any]]:
    """Every record with fonds, access mode, unit, document count and granted users."""
    from sqlalchemy import func

    with catalog.tx() as conn:
        rows = (
            conn.execute(
                _records(
                    select(func.count())
                    .select_from(t.document)
                    .where(t.document.c.record_id == t.record.c.id)
                    .scalar_subquery()
                    .label("documents"),
                ).order_by(t.fonds.c.code, t.record.c.code)
            )
            .mappings()
            .all()
        )
        grants = conn.execute(
            select(t.record_grant.c.record_id, t.app_user.c.username)
            .join(t.app_user, t.app_user.c.id == t.record_grant.c.user_id)
            .order_by(t.app_user.c.username)
        ).all()
    by_record: dict[int, list[str]] = {}
    for record_id, username in grants:
        by_record.setdefault(record_id, []).append(username)
    return [{**dict(r), "grants": by_record.get(r["id"], [])} for r in rows]


def record_documents(catalog: Catalog, record_id: int) -> list[int]:
    with catalog.tx() as conn:
        return list(
            conn.execute(
                select(t.document.c.id)
                .where(t.document.c.record_id == record_id)
                .order_by(t.document.c.id)
            ).scalars()
        )


def set_record_access(
    catalog: Catalog,
    record_id: int,
    *,
    mode: str | None = None,
    unit: str | None = None,
    clear_unit: bool = False,
    actor: str,
) -> list[int]:
    """Change a record's access mode and/or owning unit; returns its document ids.

    The caller re-indexes those documents (the search index filters on mode and unit).
    """
    if mode is not None and mode not in ACCESS_MODES:
        raise InputError(f"access mode {mode!r} is not one of {', '.join(ACCESS_MODES)}")
    with catalog.tx() as conn:
        old = conn.execute(
            select(t.record.c.access_mode, t.record.c.unit_id).where(t.record.c.id == record_id)
        ).first()
        if old is None:
            raise NotFoundError(f"record {record_id} is not in the catalog")
        values: dict[str, Any] = {}
        if mode is not None:
            values["access_mode"] = mode
        if unit:
            values["unit_id"] = _unit_id(conn, unit)
        elif clear_unit:
            values["unit_id"] = None
        if values:
            conn.execute(t.record.update().where(t.record.c.id == record_id).values(**values))
        catalog.add_event(
            conn,
            "access_changed",
            actor=actor,
            detail={
                "record": record_id,
                "old_mode": old.access_mode,
                "mode": values.get("access_mode", old.access_mode),
                "unit": unit if unit else (None if clear_unit else "unchanged"),
            },
        )
    return record_documents(catalog, record_id)


def grant(catalog: Catalog, record_id: int, username: str, *, actor: str) -> None:
    """Let one user see a record whatever its access mode (idempotent)."""
    with catalog.tx() as conn:
        user_id = conn.execute(
            select(t.app_user.c.id).where(t.app_user.c.username == username)
        ).scalar()
        if user_id is None:
            raise NotFoundError(f"user {username!r} does not exist")
        if conn.execute(select(t.record.c.id).where(t.record.c.id == record_id)).first() is None:
            raise NotFoundError(f"record {record_id} is not in the catalog")
        exists = conn.execute(
            select(t.record_grant.c.user_id).where(
                t.record_grant.c.user_id == user_id, t.record_grant.c.record_id == record_id
            )
        ).first()
        if exists is None:
            conn.execute(
                t.record_grant.insert().values(
                    user_id=user_id, record_id=record_id, granted_by=actor, granted_at=now()
                )
            )
        catalog.add_event(
            conn, "access_granted", actor=actor, detail={"record": record_id, "user": username}
        )


def revoke(catalog: Catalog, record_id: int, username: str, *, actor: str) -> bool:
    """Withdraw a grant; False when there was none."""
    with catalog.tx() as conn:
        user_id = conn.execute(
            select(t.app_user.c.id).where(t.app_user.c.username == username)
        ).scalar()
        if user_id is None:
            raise NotFoundError(f"user {username!r} does not exist")
        done = conn.execute(
            t.record_grant.delete().where(
                t.record_grant.c.user_id == user_id, t.record_grant.c.record_id == record_id
            )
        ).rowcount
        if done:
            catalog.add_event(
                conn, "access_revoked", actor=actor, detail={"record": record_id, "user": username}
            )
    return bool(done)


def granted_records(catalog: Catalog, user_id: int) -> list[dict[str, Any]]:
    """The records granted to a user: id, record code and fonds code."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(t.record.c.id, t.record.c.code, t.fonds.c.code.label("fonds"))
            .join(t.record_grant, t.record_grant.c.record_id == t.record.c.id)
            .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
            .where(t.record_grant.c.user_id == user_id)
        ).mappings()
        return [dict(r) for r in rows]


# ------------------------------------------------------------------------- visibility


def visible_records_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause over ``record`` true for the records ``user`` may see."""
    if user.sees_everything:
        return true()
    if not user.active:
        return false()
    granted = select(t.record_grant.c.record_id).where(t.record_grant.c.user_id == user.id)
    own_unit = (
        and_(t.record.c.access_mode == "02", t.record.c.unit_id == user.unit_id)
        if user.unit_id is not None
        else false()
    )
    return or_(t.record.c.access_mode == "01", own_unit, t.record.c.id.in_(granted))


def can_see_record(catalog: Catalog, user: User, record_id: int) -> bool:
    with catalog.tx() as conn:
        return (
            conn.execute(
                select(t.record.c.id).where(
                    t.record.c.id == record_id, visible_records_clause(user)
                )
            ).first()
            is not None
        )
