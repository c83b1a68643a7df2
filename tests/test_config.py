"""Settings read in one place: SOHOA_REREAD's forms and its refusal of unknown fields."""

from __future__ import annotations

import pytest

from errors import ConfigError
from metadata import REREAD_FIELDS
from sohoa.config import load_settings


def test_reread_default_is_summary_and_signer(settings) -> None:
    assert settings.reread_fields == ("summary", "signer_name")


@pytest.mark.parametrize(
    ("value", "fields"),
    [("all", REREAD_FIELDS), ("1", REREAD_FIELDS), ("off", ()), ("false", ()), ("", ())],
)
def test_reread_words(monkeypatch: pytest.MonkeyPatch, value: str, fields: tuple) -> None:
    monkeypatch.setenv("SOHOA_REREAD", value)
    assert load_settings().reread_fields == fields


def test_reread_list_and_unknown_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_REREAD", " Summary , number ")
    assert load_settings().reread_fields == ("summary", "number")
    monkeypatch.setenv("SOHOA_REREAD", "summary,stamp")
    with pytest.raises(ConfigError, match="stamp"):
        load_settings()
