"""Stored files: the rows that give each file kept in the archive its path, size and SHA-256
(source scans, OCR results, PDF/A copies), which the fixity audit checks the files against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from archive import schema as t
from archive.catalog.core import CatalogCore, now


class StoredFiles(CatalogCore):
    """Finding and registering stored files."""

    def find_file(self, kind: str, sha256: str) -> dict | None:
        """The stored file of this kind with this SHA-256, if there is one."""
        with self.tx() as conn:
            row = (
                conn.execute(
                    select(t.stored_file).where(
                        t.stored_file.c.kind == kind, t.stored_file.c.sha256 == sha256
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def add_file(
        self,
        conn: Connection,
        *,
        kind: str,
        path: str,
        size: int,
        sha256: str,
        media_type: str = "",
        original_name: str = "",
    ) -> int:
        """Register a file in ``conn``'s transaction (a known path is updated); returns its id."""
        existing = conn.execute(
            select(t.stored_file.c.id).where(t.stored_file.c.path == path)
        ).scalar()
        if existing is not None:
            conn.execute(
                t.stored_file.update()
                .where(t.stored_file.c.id == existing)
                .values(size=size, sha256=sha256, created_at=now())
            )
            return existing
        return conn.execute(
            t.stored_file.insert().values(
                kind=kind,
                path=path,
                size=size,
                sha256=sha256,
                media_type=media_type,
                original_name=original_name,
                created_at=now(),
            )
        ).inserted_primary_key[0]

    def register_file(self, **kwargs: Any) -> int:
        """Register a file (see :meth:`add_file`) in a transaction of its own."""
        with self.tx() as conn:
            return self.add_file(conn, **kwargs)
