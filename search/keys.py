"""The keys both backends store and filter by: folded field keys, record keys, ISO dates."""

from __future__ import annotations

import re

from search.folding import fold

__all__ = ["ISO_DATE", "field_key", "record_key"]

#: An ISO date as the index accepts it: YYYY, YYYY-MM or YYYY-MM-DD.
ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def field_key(text: str) -> str:
    """The folded key of a filter field (type code or name, organ): folded, spaces collapsed."""
    return " ".join(fold(text).split())


def record_key(fonds: str, record: str) -> str:
    """The key of a record in ``Access.records``: ``"FONDS/RECORD"`` (codes as indexed)."""
    return f"{fonds.strip()}/{record.strip()}"
