"""Accounts without the web server: hashes, throttling, visibility, CLI, secret key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive import Catalog, accounts
from archive import schema as t
from errors import InputError, NotFoundError
from sohoa.cli import cli
from sohoa.config import Settings
from sohoa.web.security import secret_key


@pytest.fixture
def catalog(settings: Settings) -> Catalog:
    settings.home.mkdir(parents=True, exist_ok=True)
    cat = Catalog(settings.catalog_url)
    cat.create()
    yield cat
    cat.close()


def test_passwords_are_argon2id_and_checked(catalog: Catalog) -> None:
    accounts.create_user(catalog, "lan", "mot-mat-khau", role="staff")
    with catalog.tx() as conn:
        digest = conn.execute(
            select(t.app_user.c.password_hash).where(t.app_user.c.username == "lan")
        ).scalar()
    assert digest.startswith("$argon2id$") and "mot-mat-khau" not in digest
    assert accounts.authenticate(catalog, "lan", "mot-mat-khau").user.username == "lan"
    assert accounts.authenticate(catalog, "lan", "sai-mat-khau").user is None
    assert accounts.authenticate(catalog, "nobody", "mot-mat-khau").user is None
    with pytest.raises(InputError):
        accounts.create_user(catalog, "lan", "mot-mat-khau", role="staff")  # exists
    with pytest.raises(InputError):
        accounts.create_user(catalog, "ngan", "short", role="staff")
    with pytest.raises(InputError):
        accounts.create_user(catalog, "ngan", "mot-mat-khau", role="root")
    with pytest.raises(NotFoundError):
        accounts.create_user(catalog, "ngan", "mot-mat-khau", role="official", unit="NOPE")


def test_inactive_user_cannot_log_in(catalog: Catalog) -> None:
    accounts.create_user(catalog, "lan", "mot-mat-khau", role="official")
    accounts.set_active(catalog, "lan", False, actor="admin")
    assert accounts.authenticate(catalog, "lan", "mot-mat-khau").user is None


def test_login_delay_grows() -> None:
    delays = [accounts.login_delay(n, max_failures=5, base=2.0) for n in range(4, 10)]
    assert delays == [0.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert accounts.login_delay(40, max_failures=5, base=2.0) == 900.0


def test_throttle_blocks_even_the_right_password(catalog: Catalog) -> None:
    accounts.create_user(catalog, "lan", "mot-mat-khau", role="official")
    for _ in range(3):
        assert accounts.authenticate(catalog, "lan", "x" * 9, max_failures=3).wait == 0
    result = accounts.authenticate(catalog, "lan", "mot-mat-khau", max_failures=3, base_delay=60)
    assert result.user is None and 0 < result.wait <= 60


def test_visibility_rule(catalog: Catalog) -> None:
    accounts.create_unit(catalog, "VP")
    accounts.create_unit(catalog, "KT")
    ids = {}
    for code, mode, unit in (
        ("PUB", "01", None),
        ("VP2", "02", "VP"),
        ("KT2", "02", "KT"),
        ("SEC", "03", "VP"),
    ):
        ids[code] = catalog.ensure_record("F", code)
        accounts.set_record_access(catalog, ids[code], mode=mode, unit=unit, actor="t")
    accounts.create_user(catalog, "vp", "mot-mat-khau", role="official", unit="VP")
    accounts.create_user(catalog, "staff", "mot-mat-khau", role="staff")
    vp = accounts.find_user(catalog, "vp")
    staff = accounts.find_user(catalog, "staff")

    def seen(user: accounts.User) -> set[str]:
        return {code for code, rid in ids.items() if accounts.can_see_record(catalog, user, rid)}

    assert seen(vp) == {"PUB", "VP2"}
    assert seen(staff) == set(ids)
    accounts.grant(catalog, ids["SEC"], "vp", actor="t")
    assert seen(vp) == {"PUB", "VP2", "SEC"}
    assert accounts.revoke(catalog, ids["SEC"], "vp", actor="t") is True
    assert seen(vp) == {"PUB", "VP2"}


def test_cli_users_units_access_and_grants(settings: Settings, catalog: Catalog) -> None:
    runner = CliRunner()
    env = {"SOHOA_HOME": str(settings.home)}
    record_id = catalog.ensure_record("default", "HS-1")

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("unit", "add", "VP", "--name", "Văn phòng")
    assert "VP" in run("unit", "list")
    run("user", "add", "lan", "--role", "official", "--unit", "VP", "--password", "mot-mat-khau")
    assert "lan" in run("user", "list")
    out = run("access", "HS-1", "--mode", "03", "--unit", "VP")
    assert "access 03" in out and "unit VP" in out
    info = accounts.record_info(catalog, record_id)
    assert info["access_mode"] == "03" and info["unit"] == "VP"
    run("grant", "HS-1", "lan")
    assert accounts.list_records(catalog)[0]["grants"] == ["lan"]
    run("grant", "HS-1", "lan", "--revoke")
    assert accounts.list_records(catalog)[0]["grants"] == []
    run("user", "deactivate", "lan")
    assert accounts.find_user(catalog, "lan").active is False
    bad = runner.invoke(cli, ["access", "NO-SUCH", "--mode", "01"], env=env)
    assert bad.exit_code != 0 and "NO-SUCH" in bad.output


def test_secret_key_is_generated_once_with_mode_0600(settings: Settings) -> None:
    first = secret_key(settings)
    path = Path(settings.home) / "secret_key"
    assert len(first) >= 40 and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(settings) == first
    explicit = Settings(home=settings.home, secret_key="configured-key")
    assert secret_key(explicit) == "configured-key"
