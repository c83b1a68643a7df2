"""The site's outbox: every archived record, and every later correction of it, as a version
waiting for the centre's confirmation.

An entry goes ``pending`` (content fingerprinted) -> ``built`` (its package written under
``outbox/<entry id>/`` and the package's file list committed) -> ``sent`` (the centre has
every file) -> ``confirmed`` (the centre imported it; the package folder is removed). Each
step is committed before the next begins, so a run killed at any point resumes where it
stopped: a package folder without a committed file list is rebuilt from scratch, a built
package is never rebuilt (its files keep their checksums while they travel).

A package is the record's TT05 AIP (:func:`archive.export.export_record`) plus
``catalog.json``: what the centre's catalog needs besides the AIP (documents' extracted
fields and review state, pages' text and facts, events).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, update

from archive import schema as t
from archive.catalog import Catalog
from archive.catalog.core import now
from archive.export import export_record
from archive.storage import atomic_write, fsync_dir, sha256_file
from errors import StorageError

OUTBOX_DIR = "outbox"
CATALOG_JSON = "catalog.json"
STATES = ("pending", "built", "sent", "confirmed")
#: The document columns that travel in catalog.json (the centre renumbers ``seq``).
DOC_COLUMNS = (
    "seq",
    "name",
    "source_key",
    "number",
    "issued_date",
    "type_code",
    "type_name",
    "organ",
    "summary",
    "fields",
    "page_count",
)
_PAGE_COLUMNS = (
    "seq",
    "text",
    "dpi",
    "width",
    "height",
    "rotation",
    "skew",
    "blank",
    "text_source",
    "ocr_engine",
    "languages",
    "mean_conf",
    "words_corrected",
    "processing",
)


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def record_content(catalog: Catalog, record_id: int) -> dict[str, Any]:
    """What the centre's catalog needs of a record besides its AIP: record, documents,
    pages' text and facts, events (all archived documents, in order)."""
    with catalog.tx() as conn:
        rec = (
            conn.execute(
                select(t.record, t.fonds.c.code.label("fonds_code"), t.unit.c.code.label("unit"))
                .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
                .outerjoin(t.unit, t.unit.c.id == t.record.c.unit_id)
                .where(t.record.c.id == record_id)
            )
            .mappings()
            .one()
        )
        docs = (
            conn.execute(
                select(t.document, t.stored_file.c.sha256.label("pdf_sha256"))
                .join(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
                .where(t.document.c.record_id == record_id, t.document.c.state == "indexed")
                .order_by(t.document.c.seq)
            )
            .mappings()
            .all()
        )
        documents = []
        for d in docs:
            pages = conn.execute(
                select(t.page).where(t.page.c.document_id == d["id"]).order_by(t.page.c.seq)
            ).mappings()
            page_ids: list[int] = []
            page_rows = []
            for p in pages:
                page_ids.append(p["id"])
                page_rows.append({c: p[c] for c in _PAGE_COLUMNS})
            events = conn.execute(
                select(t.event)
                .where((t.event.c.document_id == d["id"]) | t.event.c.page_id.in_(page_ids))
                .order_by(t.event.c.id)
            ).mappings()
            documents.append(
                {
                    "site_id": d["id"],
                    "pdf_sha256": d["pdf_sha256"],
                    **{c: d[c] for c in DOC_COLUMNS},
                    "pages": page_rows,
                    "events": [
                        {
                            "at": e["at"],
                            "kind": e["kind"],
                            "actor": e["actor"],
                            "detail": e["detail"],
                        }
                        for e in events
                    ],
                }
            )
    return {
        "record": {
            "code": rec["code"],
            "title": rec["title"],
            "access_mode": rec["access_mode"],
            "fields": rec["fields"],
            "fonds": rec["fonds_code"],
            "unit": rec["unit"],
        },
        "documents": documents,
    }


def fingerprint(content: Mapping[str, Any]) -> str:
    """A hash of what a version carries, events aside (a new event is no correction)."""
    essential = {
        "record": content["record"],
        "documents": [{k: v for k, v in d.items() if k != "events"} for d in content["documents"]],
    }
    blob = json.dumps(essential, sort_keys=True, default=_json_default, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _ready_records(catalog: Catalog) -> list[int]:
    """Records whose documents are all finished (archived or failed), one at least archived."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(
                t.document.c.record_id,
                func.sum(case((t.document.c.state == "indexed", 1), else_=0)),
                func.sum(case((t.document.c.state.notin_(("indexed", "failed")), 1), else_=0)),
            ).group_by(t.document.c.record_id)
        ).all()
    return [rid for rid, archived, unfinished in rows if archived and not unfinished]


def enqueue_archived(catalog: Catalog) -> int:
    """Add an outbox entry for every archived record not sent yet or changed since it was
    (a new version); returns how many entries were added or refreshed."""
    changed = 0
    for rid in _ready_records(catalog):
        mark = fingerprint(record_content(catalog, rid))
        with catalog.tx() as conn:
            last = (
                conn.execute(
                    select(t.outbox)
                    .where(t.outbox.c.record_id == rid)
                    .order_by(t.outbox.c.version.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if last is not None and last["fingerprint"] == mark:
                continue
            if last is not None and last["state"] == "pending":  # not built yet: refresh it
                conn.execute(
                    update(t.outbox).where(t.outbox.c.id == last["id"]).values(fingerprint=mark)
                )
            else:
                conn.execute(
                    t.outbox.insert().values(
                        record_id=rid,
                        version=1 if last is None else last["version"] + 1,
                        fingerprint=mark,
                        state="pending",
                        attempts=0,
                        created_at=now(),
                    )
                )
            changed += 1
    return changed


def open_entries(catalog: Catalog) -> list[dict[str, Any]]:
    """The entries not confirmed yet, oldest first."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(t.outbox, t.record.c.code.label("record_code"))
            .join(t.record, t.record.c.id == t.outbox.c.record_id)
            .where(t.outbox.c.state != "confirmed")
            .order_by(t.outbox.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def package_dir(home: Path, entry_id: int) -> Path:
    """Where an entry's package is built."""
    return Path(home) / OUTBOX_DIR / str(entry_id)


def build_package(catalog: Catalog, home: Path, entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Write an entry's package and commit its file list (state ``built``); returns the list.

    A ``built`` entry's package is left as it is; anything else is rebuilt from scratch.
    """
    if entry["state"] != "pending" and entry.get("manifest"):
        return list(entry["manifest"])
    folder = package_dir(home, entry["id"])
    if folder.exists():
        shutil.rmtree(folder)  # a build killed half-way: start again
    folder.mkdir(parents=True)
    with catalog.tx() as conn:
        rec = conn.execute(
            select(t.record.c.code, t.fonds.c.code)
            .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
            .where(t.record.c.id == entry["record_id"])
        ).one()
    export_record(catalog, home, fonds=rec[1], record=rec[0], out_dir=folder)
    content = record_content(catalog, entry["record_id"])
    content["site_record_id"] = entry["record_id"]
    content["version"] = entry["version"]
    blob = json.dumps(content, default=_json_default, ensure_ascii=False, indent=1)
    with atomic_write(folder / CATALOG_JSON) as fh:
        fh.write(blob.encode("utf-8"))
    manifest = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        manifest.append(
            {
                "name": path.relative_to(folder).as_posix(),
                "size": path.stat().st_size,
                "sha256": sha256_file(path),
            }
        )
    for sub in sorted({p.parent for p in folder.rglob("*") if p.is_file()}):
        fsync_dir(sub)
    with catalog.tx() as conn:
        conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == entry["id"])
            .values(state="built", manifest=manifest, fingerprint=fingerprint(content))
        )
    return manifest


def mark(catalog: Catalog, entry_id: int, state: str, *, error: str | None = None) -> None:
    """Move an entry to ``state`` (``sent`` or ``confirmed``), or record a failed attempt."""
    values: dict[str, Any] = {"error": error}
    if state == "sent":
        values.update(state="sent", sent_at=now())
    elif state == "confirmed":
        values.update(state="confirmed", confirmed_at=now(), error=None)
    elif state == "failed-attempt":
        values["attempts"] = t.outbox.c.attempts + 1
    else:
        raise StorageError(f"unknown outbox state {state!r}")
    with catalog.tx() as conn:
        conn.execute(update(t.outbox).where(t.outbox.c.id == entry_id).values(**values))


def drop_package(home: Path, entry_id: int) -> None:
    """Remove a confirmed entry's package folder."""
    folder = package_dir(home, entry_id)
    if folder.exists():
        shutil.rmtree(folder)


def outbox_counts(catalog: Catalog) -> dict[str, int]:
    """How many entries are in each state (every state listed, zero included)."""
    with catalog.tx() as conn:
        rows = dict(
            conn.execute(select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state)).all()
        )
    return {s: int(rows.get(s, 0)) for s in STATES}


def recent_confirmed(catalog: Catalog, *, limit: int = 10) -> list[dict[str, Any]]:
    """The last entries the centre confirmed: record, version, sent and confirmed times."""
    with catalog.tx() as conn:
        rows = conn.execute(
            select(
                t.record.c.code.label("record"),
                t.outbox.c.version,
                t.outbox.c.sent_at,
                t.outbox.c.confirmed_at,
            )
            .join(t.record, t.record.c.id == t.outbox.c.record_id)
            .where(t.outbox.c.state == "confirmed")
            .order_by(t.outbox.c.confirmed_at.desc(), t.outbox.c.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(r) for r in rows]
