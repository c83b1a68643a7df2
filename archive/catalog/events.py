"""The event log: one row per state change, naming who made it and what it touched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from archive import schema as t
from archive.catalog.core import CatalogCore, now


class EventLog(CatalogCore):
    """Writing events, inside a caller's transaction or in one of their own."""

    def add_event(self, conn: Connection, kind: str, *, actor: str = "sohoa", **ids: Any) -> None:
        """Write an event in ``conn``'s transaction; ``ids`` are its columns and ``detail``."""
        detail = ids.pop("detail", {}) or {}
        conn.execute(
            t.event.insert().values(at=now(), kind=kind, actor=actor, detail=detail, **ids)
        )

    def log_event(self, kind: str, *, actor: str = "sohoa", **ids: Any) -> None:
        """Write an event in a transaction of its own."""
        with self.tx() as conn:
            self.add_event(conn, kind, actor=actor, **ids)
