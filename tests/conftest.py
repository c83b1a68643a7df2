"""Shared fixtures: an isolated SOHOA_HOME per test and settings that point at it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sohoa.config import Settings, load_settings
from tests.services import postgres_server, postgres_url, redis_server, redis_url  # noqa: F401


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SOHOA_* setting of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("SOHOA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "sohoa-home"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "sohoa-home", workers=2)
