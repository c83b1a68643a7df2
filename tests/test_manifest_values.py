"""Reading one manifest cell (ingest.values) and matching column names (ingest.columns)."""

from __future__ import annotations

import pytest

from ingest.columns import COLUMN_BY_KEY, match_column
from ingest.values import normalise_value, parse_date


def test_dates() -> None:
    assert parse_date("5/3/2025") == "2025-03-05"
    assert parse_date("2025-03-05T08:00") == "2025-03-05"
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("30/02/2025")
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("March 5")


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("maintenance", "Vĩnh viễn", "01"),
        ("maintenance", "4", "04"),
        ("mode", "công khai", "01"),
        ("language", "tiếng Việt, en", "01,02"),
        ("numberOfPage", "3.0", "3"),
        ("typeName", "ke hoach", "10|Kế hoạch"),
        ("numberSymbol", "Số: 57-NQ/TW", "57|NQ/TW|-"),
        ("fileName", "./HS-01\\vb1.png", "HS-01/vb1.png"),
        ("title", "  Hồ   sơ  ", "Hồ sơ"),
    ],
)
def test_values_are_stored_normalised(key: str, text: str, stored: str) -> None:
    assert normalise_value(key, text) == stored


@pytest.mark.parametrize(
    ("key", "text"),
    [("mode", "9"), ("numberOfPage", "ba"), ("fileName", "../x.png"), ("typeName", "Loại lạ")],
)
def test_invalid_values_say_why(key: str, text: str) -> None:
    with pytest.raises(ValueError) as info:
        normalise_value(key, text)
    assert repr(text) in str(info.value)


def test_too_long_text() -> None:
    limit = COLUMN_BY_KEY["codeNumber"].max_len
    with pytest.raises(ValueError, match=f"TT05 allows {limit}"):
        normalise_value("codeNumber", "1" * (limit + 1))


def test_column_names_match_folded() -> None:
    assert match_column("Ngay thang nam van ban") == "issuedDate"
    assert match_column("MÃ HỒ SƠ") == "fileCode"
    assert match_column("no such column") is None
