"""The centre's import of a verified package: catalog rows, provenance events, versions.

One transaction per version: the record (found again for a later version of the same site
record, else created in the fonds the mapping gives), a batch row, stored-file rows for
the PDF/A copies, documents (state ``packaged``, ready for indexing) with their pages'
text and facts, the site's events plus a ``transfer.received`` event per document (the
PREMIS provenance: which site, when, which version), and the ``received`` row keyed by
(site, site record id, version), which is what makes a resend a no-op. The documents of
the version it replaces become ``superseded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from archive import schema as t
from archive.catalog import Catalog
from archive.catalog.core import now
from archive.catalog.document_rows import next_seq
from archive.transfer import incoming
from archive.transfer.outbox import DOC_COLUMNS
from errors import InputError


@dataclass
class Imported:
    """What an import did: the local record, its new documents, the ones they replace."""

    record_id: int
    record_code: str
    documents: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    already: bool = False


def parse_map(text: str) -> dict[tuple[str, str], str]:
    """``SITE/CODE=LOCAL;...`` (SITE may be ``*``) as {(site, code): local}."""
    mapping: dict[tuple[str, str], str] = {}
    for item in filter(None, (i.strip() for i in text.replace(",", ";").split(";"))):
        left, sep, local = item.partition("=")
        site, slash, code = left.strip().partition("/")
        if not sep or not slash or not site or not code or not local.strip():
            raise InputError(f"mapping {item!r}: write SITE/CODE=LOCAL (SITE may be *)")
        mapping[(site, code.strip())] = local.strip()
    return mapping


def mapped(mapping: Mapping[tuple[str, str], str], site: str, code: str) -> str:
    """The centre's code for a site's fonds or unit code (the code itself when unmapped)."""
    return mapping.get((site, code)) or mapping.get(("*", code)) or code


def archive_folder(site: str, record: int, version: int) -> str:
    """Where a version's package is kept on the centre, relative to its home."""
    return f"transfer/{site}/{int(record)}/v{int(version)}"


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else now()


def _code_id(conn: Connection, table: Any, code: str) -> int:
    found = conn.execute(select(table.c.id).where(table.c.code == code)).scalar()
    if found is not None:
        return int(found)
    return int(conn.execute(table.insert().values(code=code, name=code)).inserted_primary_key[0])


def _local_record(
    conn: Connection, site: str, site_record: int, rec: Mapping[str, Any], maps: tuple
) -> tuple[int, str]:
    """The centre's record for a site's record: the one earlier versions went to, or new."""
    earlier = conn.execute(
        select(t.received.c.record_id).where(
            t.received.c.site == site, t.received.c.site_record_id == site_record
        )
    ).first()
    fonds_map, unit_map = maps
    if earlier is not None:
        rid = int(earlier[0])
        code = conn.execute(select(t.record.c.code).where(t.record.c.id == rid)).scalar_one()
        return rid, code
    fonds_id = _code_id(conn, t.fonds, mapped(fonds_map, site, rec["fonds"]))
    unit_id = _code_id(conn, t.unit, mapped(unit_map, site, rec["unit"])) if rec["unit"] else None
    code = rec["code"]
    taken = conn.execute(
        select(t.record.c.id).where(t.record.c.fonds_id == fonds_id, t.record.c.code == code)
    ).first()
    if taken is not None:
        code = f"{rec['code']}.{site}"  # the centre has a record of that code already
    values = {
        "title": rec["title"],
        "access_mode": rec["access_mode"] or "01",
        "unit_id": unit_id,
        "fields": rec["fields"] or {},
    }
    again = conn.execute(
        select(t.record.c.id).where(t.record.c.fonds_id == fonds_id, t.record.c.code == code)
    ).first()
    if again is not None:
        return int(again[0]), code
    new = conn.execute(t.record.insert().values(fonds_id=fonds_id, code=code, **values))
    return int(new.inserted_primary_key[0]), code


def _received(conn: Connection, site: str, record: int, version: int) -> Mapping | None:
    return (
        conn.execute(
            select(t.received).where(
                t.received.c.site == site,
                t.received.c.site_record_id == record,
                t.received.c.version == version,
            )
        )
        .mappings()
        .first()
    )


def is_received(catalog: Catalog, site: str, record: int, version: int) -> bool:
    """Whether this version of the site's record was imported already."""
    with catalog.tx() as conn:
        return _received(conn, site, record, version) is not None


def import_version(
    catalog: Catalog,
    home: Path,
    *,
    site: str,
    record: int,
    version: int,
    fonds_map: Mapping[tuple[str, str], str],
    unit_map: Mapping[tuple[str, str], str],
) -> Imported:
    """Import a complete staged offer (idempotent: a version imported before is not
    imported again, ``already`` is set and its still unindexed documents are returned)."""
    with catalog.tx() as conn:
        done = _received(conn, site, record, version)
    if done is not None:
        return _already(catalog, done)
    files = incoming.complete(home, site, record, version)
    content = incoming.read_catalog_json(home, site, record, version)
    if content.get("site_record_id") != record or content.get("version") != version:
        raise InputError("catalog.json names another record or version than the offer")
    folder = archive_folder(site, record, version)
    incoming.publish(home, site, record, version, Path(home) / folder)
    by_name = {f["name"]: f for f in files}
    pdfs = {f["sha256"]: f for f in files if f["name"].endswith(".pdf")}
    stamp = now()
    with catalog.tx() as conn:
        done = _received(conn, site, record, version)
        if done is not None:  # a concurrent commit won
            return _already(catalog, done)
        rid, code = _local_record(conn, site, record, content["record"], (fonds_map, unit_map))
        superseded = _supersede(conn, site, record)
        batch_id = conn.execute(
            t.batch.insert().values(
                name=f"transfer {site} {code} v{version}",
                source_path=f"site://{site}/record/{record}/v{version}",
                operator=f"site:{site}",
                started_at=stamp,
                finished_at=stamp,
            )
        ).inserted_primary_key[0]
        doc_ids = [
            _insert_document(conn, doc, rid, batch_id, folder, pdfs, site, record, version, stamp)
            for doc in content["documents"]
        ]
        conn.execute(
            t.received.insert().values(
                site=site,
                site_record_id=record,
                version=version,
                record_id=rid,
                manifest={"files": list(by_name.values()), "documents": doc_ids},
                received_at=stamp,
            )
        )
    incoming.discard(home, site, record, version)
    return Imported(record_id=rid, record_code=code, documents=doc_ids, superseded=superseded)


def _already(catalog: Catalog, done: Mapping[str, Any]) -> Imported:
    ids = list(done["manifest"].get("documents", []))
    with catalog.tx() as conn:
        code = conn.execute(
            select(t.record.c.code).where(t.record.c.id == done["record_id"])
        ).scalar()
        waiting = [
            int(i)
            for (i,) in conn.execute(
                select(t.document.c.id).where(
                    t.document.c.id.in_(ids), t.document.c.state == "packaged"
                )
            )
        ]
    return Imported(record_id=done["record_id"], record_code=code, documents=waiting, already=True)


def _supersede(conn: Connection, site: str, record: int) -> list[int]:
    """Mark the documents of the site record's earlier versions superseded; their ids."""
    ids: list[int] = []
    for (manifest,) in conn.execute(
        select(t.received.c.manifest).where(
            t.received.c.site == site, t.received.c.site_record_id == record
        )
    ):
        ids.extend(int(i) for i in manifest.get("documents", []))
    if ids:
        conn.execute(
            update(t.document)
            .where(t.document.c.id.in_(ids), t.document.c.state != "superseded")
            .values(state="superseded", updated_at=now())
        )
    return ids


def _insert_document(
    conn: Connection,
    doc: Mapping[str, Any],
    rid: int,
    batch_id: int,
    folder: str,
    pdfs: Mapping[str, Mapping[str, Any]],
    site: str,
    record: int,
    version: int,
    stamp: datetime,
) -> int:
    """One received document with its PDF/A, pages and events; returns its id."""
    pdf = pdfs.get(doc["pdf_sha256"])
    if pdf is None:
        raise InputError(f"document {doc['seq']}: its PDF/A is not in the package")
    path = f"{folder}/{pdf['name']}"
    file_id = conn.execute(select(t.stored_file.c.id).where(t.stored_file.c.path == path)).scalar()
    if file_id is None:
        file_id = conn.execute(
            t.stored_file.insert().values(
                kind="pdfa",
                path=path,
                size=pdf["size"],
                sha256=pdf["sha256"],
                media_type="application/pdf",
                original_name=doc["name"],
                created_at=stamp,
            )
        ).inserted_primary_key[0]
    doc_id = conn.execute(
        t.document.insert().values(
            record_id=rid,
            batch_id=batch_id,
            seq=next_seq(conn, rid),
            state="packaged",
            pdf_file_id=file_id,
            created_at=stamp,
            updated_at=stamp,
            **{c: doc[c] for c in DOC_COLUMNS if c != "seq"},
        )
    ).inserted_primary_key[0]
    for p in doc["pages"]:
        conn.execute(
            t.page.insert().values(
                document_id=doc_id,
                batch_id=batch_id,
                source_file_id=file_id,
                source_index=p["seq"] - 1,
                source_kind="pdf",
                state="recognised",
                attempts=0,
                updated_at=stamp,
                **p,
            )
        )
    for e in doc["events"]:
        conn.execute(
            t.event.insert().values(
                at=_when(e["at"]),
                kind=e["kind"],
                actor=f"{site}:{e['actor']}",
                batch_id=batch_id,
                document_id=doc_id,
                detail={**(e["detail"] or {}), "site": site},
            )
        )
    conn.execute(
        t.event.insert().values(
            at=stamp,
            kind="transfer.received",
            actor=f"site:{site}",
            batch_id=batch_id,
            document_id=doc_id,
            detail={
                "site": site,
                "site_record_id": record,
                "site_document_id": doc["site_id"],
                "version": version,
                "sha256": pdf["sha256"],
            },
        )
    )
    return int(doc_id)
