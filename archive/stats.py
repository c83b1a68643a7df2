"""Statistics managers report: pages, bytes stored, records, documents; per fonds, batch, day."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from archive import schema as t
from archive.catalog import Catalog, summary


def _sum_by(counts: dict[tuple, tuple[int, int]], position: int) -> dict[Any, int]:
    """Counts of (batch, fonds, state) keys summed by one of the three, zeros left out."""
    out: dict[Any, int] = {}
    for key, (n, _bytes) in counts.items():
        out[key[position]] = out.get(key[position], 0) + n
    return {key: n for key, n in out.items() if n}


def collect(catalog: Catalog) -> dict[str, Any]:
    """All figures in one dict (the CLI prints it as tables or JSON).

    Every count comes from the summary the catalog's triggers keep
    (:mod:`archive.catalog.summary`), the documents archived per day too.
    """
    with catalog.tx() as conn:
        pages = summary.totals(conn, "page", "batch_id", "fonds_id", "state")
        docs = summary.totals(conn, "document", "batch_id", "fonds_id", "state")
        records_per_fonds = summary.totals(conn, "record", "fonds_id")
        stored = {k: b for k, (_n, b) in summary.totals(conn, "file", "state").items()}
        fonds_codes = dict(conn.execute(select(t.fonds.c.id, t.fonds.c.code)).all())
        batches = conn.execute(
            select(
                t.batch.c.id, t.batch.c.name, t.batch.c.started_at, t.batch.c.finished_at
            ).order_by(t.batch.c.id)
        ).all()
        per_day = [(day, n) for day, n, _pages in summary.archived_per_day(conn)]

    pages_by_state = _sum_by(pages, 2)
    docs_by_state = _sum_by(docs, 2)
    records = sum(n for n, _b in records_per_fonds.values())
    per_fonds_pages = {fonds_codes.get(f): n for f, n in _sum_by(pages, 1).items()}
    per_fonds_docs = []
    for fonds_id, code in sorted(fonds_codes.items(), key=lambda item: item[1]):
        if records_per_fonds.get(fonds_id, (0, 0))[0] <= 0:
            continue  # a fonds without records is not listed (the join left it out)
        mine = {key: value for key, value in docs.items() if key[1] == fonds_id}
        per_fonds_docs.append(
            (
                code,
                records_per_fonds[fonds_id][0],
                sum(n for n, _b in mine.values()),
                sum(n for key, (n, _b) in mine.items() if key[2] == "indexed"),
                sum(b for _n, b in mine.values()),
            )
        )
    batch_pages = _sum_by(pages, 0)
    batch_failed = _sum_by({k: v for k, v in pages.items() if k[2] == "failed"}, 0)
    per_batch = [
        (
            b.id,
            b.name,
            b.started_at,
            b.finished_at,
            batch_pages.get(b.id, 0),
            batch_failed.get(b.id, 0),
        )
        for b in batches
    ]
    batch_docs = _sum_by(docs, 0)

    archived_pages = pages_by_state.get("indexed", 0)
    return {
        "pages": sum(pages_by_state.values()),
        "pages_archived": archived_pages,
        "pages_failed": pages_by_state.get("failed", 0),
        "pages_by_state": pages_by_state,
        "documents": sum(docs_by_state.values()),
        "documents_archived": docs_by_state.get("indexed", 0),
        "documents_failed": docs_by_state.get("failed", 0),
        "documents_by_state": docs_by_state,
        "records": records,
        "bytes": {
            "originals": stored.get("original", 0),
            "pdfa": stored.get("pdfa", 0),
            "ocr": stored.get("ocr", 0),
            "total": sum(stored.values()),
        },
        "per_fonds": [
            {
                "fonds": code,
                "records": recs,
                "documents": docs,
                "documents_archived": archived,
                "pages": per_fonds_pages.get(code, 0),
                "pdfa_bytes": int(size),
            }
            for code, recs, docs, archived, size in per_fonds_docs
        ],
        "per_batch": [
            {
                "batch": batch_id,
                "name": name,
                "started": started.isoformat() if started else None,
                "finished": finished.isoformat() if finished else None,
                "documents": batch_docs.get(batch_id, 0),
                "pages": pages,
                "pages_failed": int(failed),
            }
            for batch_id, name, started, finished, pages, failed in per_batch
        ],
        "documents_archived_per_day": [{"day": day, "documents": n} for day, n in per_day],
    }


#: the page columns a listing shows, in their order
_PAGE_COLUMNS = (
    t.page.c.seq,
    t.page.c.state,
    t.page.c.error,
    t.page.c.rotation,
    t.page.c.skew,
    t.page.c.mean_conf,
    t.page.c.blank,
    t.page.c.text_source,
)

#: documents per keyset page when a whole listing is read (:func:`iter_documents`)
LISTING_PAGE = 500


def iter_documents(
    catalog: Catalog,
    *,
    batch_id: int | None = None,
    after: int | None = None,
    page: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every document (of ``batch_id``, above the id ``after``) as :func:`documents` lists
    it, read in keyset pages of ``page`` documents (default :data:`LISTING_PAGE`), each in a
    transaction of its own: memory and the time to the first document stay those of one
    page at any catalog size (a document changed between two pages shows as its page saw it)."""
    page = page or LISTING_PAGE
    while rows := documents(catalog, batch_id=batch_id, after=after, limit=page):
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["id"]


def documents(
    catalog: Catalog,
    *,
    batch_id: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Every document with its source files, PDF/A, metadata fields and pages' states; with
    ``limit``, one page of them in id order from the id ``after`` (keyset pagination).

    Without ``limit`` the list is gathered from :func:`iter_documents`' pages (a caller
    that can write as it reads should iterate instead)."""
    if limit is None:
        return list(iter_documents(catalog, batch_id=batch_id, after=after))
    with catalog.tx() as conn:
        chosen = select(t.document.c.id).order_by(t.document.c.id)
        if batch_id is not None:
            chosen = chosen.where(t.document.c.batch_id == batch_id)
        if after is not None:
            chosen = chosen.where(t.document.c.id > after)
        chosen = chosen.limit(limit)
        # The chosen ids first, then every other read by their id range (and kept to the
        # chosen ones): a range is a plain index scan on SQLite and PostgreSQL alike, where
        # an IN (subquery) made PostgreSQL hash whole tables.
        ids = set(conn.execute(chosen).scalars())
        if not ids:
            return []
        low, high = min(ids), max(ids)
        docs = [
            dict(r)
            for r in conn.execute(
                select(
                    t.document,
                    t.record.c.code.label("record"),
                    t.fonds.c.code.label("fonds"),
                    t.stored_file.c.path.label("pdfa_path"),
                    t.stored_file.c.sha256.label("pdfa_sha256"),
                    t.stored_file.c.size.label("pdfa_size"),
                )
                .join(t.record, t.record.c.id == t.document.c.record_id)
                .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
                .outerjoin(t.stored_file, t.stored_file.c.id == t.document.c.pdf_file_id)
                .where(t.document.c.id.between(low, high))
                .order_by(t.document.c.id)
            ).mappings()
            if r["id"] in ids
        ]
        sources: dict[int, list[dict]] = {}
        for row in conn.execute(
            select(
                t.document_source.c.document_id,
                t.stored_file.c.original_name,
                t.stored_file.c.path,
                t.stored_file.c.sha256,
                t.stored_file.c.size,
            )
            .join(t.stored_file, t.stored_file.c.id == t.document_source.c.file_id)
            .where(t.document_source.c.document_id.between(low, high))
            .order_by(t.document_source.c.document_id, t.document_source.c.position)
        ).mappings():
            if row["document_id"] not in ids:
                continue
            sources.setdefault(row["document_id"], []).append(
                {
                    "name": row["original_name"],
                    "stored": row["path"],
                    "sha256": row["sha256"],
                    "size": row["size"],
                }
            )
        pages: dict[int, list[dict]] = {}
        names = [c.name for c in _PAGE_COLUMNS]
        # plain rows zipped with the names: a mapping per page row cost about half the
        # listing's CPU (100,000 pages for a whole batch)
        for doc_id, *values in conn.execute(
            select(t.page.c.document_id, *_PAGE_COLUMNS)
            .where(t.page.c.document_id.between(low, high))
            .order_by(t.page.c.document_id, t.page.c.seq)
        ):
            if doc_id in ids:
                pages.setdefault(doc_id, []).append(dict(zip(names, values, strict=True)))
    out = []
    for d in docs:
        out.append(
            {
                "id": d["id"],
                "fonds": d["fonds"],
                "record": d["record"],
                "seq": d["seq"],
                "name": d["name"],
                "state": d["state"],
                "error": d["error"],
                "sources": sources.get(d["id"], []),
                "pdfa": (
                    {"path": d["pdfa_path"], "sha256": d["pdfa_sha256"], "size": d["pdfa_size"]}
                    if d["pdfa_path"]
                    else None
                ),
                "number": d["number"],
                "issued_date": d["issued_date"],
                "type_code": d["type_code"],
                "type_name": d["type_name"],
                "organ": d["organ"],
                "summary": d["summary"],
                "fields": d["fields"],
                "pages": pages.get(d["id"], []),
            }
        )
    return out


def batch_status(
    catalog: Catalog, *, batch_id: int | None = None, failure_limit: int | None = None
) -> list[dict[str, Any]]:
    """Each batch: pages per state, rate, estimated time left, failures with their reasons
    (the first ``failure_limit`` of each batch when given; their number is in
    ``documents_by_state``)."""
    from datetime import UTC, datetime

    with catalog.tx() as conn:
        q = select(t.batch).order_by(t.batch.c.id)
        if batch_id is not None:
            q = q.where(t.batch.c.id == batch_id)
        batches = [dict(r) for r in conn.execute(q).mappings()]
        # every batch's counts in two reads of the summary, not two per batch
        only = {} if batch_id is None else {"batch_id": batch_id}
        page_counts = _by_batch(summary.totals(conn, "page", "batch_id", "state", **only))
        doc_counts = _by_batch(summary.totals(conn, "document", "batch_id", "state", **only))
        out = []
        for b in batches:
            states = page_counts.get(b["id"], {})
            docs = doc_counts.get(b["id"], {})
            done_at = [
                conn.execute(
                    select(func.max(t.page.c.updated_at)).where(
                        t.page.c.batch_id == b["id"], t.page.c.state == state
                    )
                ).scalar()
                for state in ("recognised", "packaged", "indexed")
            ]
            moments = [_aware(m) for m in done_at if m is not None]
            last = max(moments) if moments else None
            failed = (
                select(t.document.c.name, t.document.c.error)
                .where(t.document.c.batch_id == b["id"], t.document.c.state == "failed")
                .order_by(t.document.c.id)
            )
            if failure_limit is not None:
                failed = failed.limit(failure_limit)
            failures = [{"document": r.name, "error": r.error} for r in conn.execute(failed)]
            total = sum(states.values())
            done = sum(states.get(s, 0) for s in ("recognised", "packaged", "indexed"))
            remaining = total - done - states.get("failed", 0)
            started = _aware(b["started_at"])
            end = _aware(last) if remaining == 0 and last else datetime.now(UTC)
            elapsed = max((end - started).total_seconds(), 1e-6) if started else 0.0
            rate = 60.0 * done / elapsed if elapsed and done else 0.0
            out.append(
                {
                    "batch": b["id"],
                    "name": b["name"],
                    "started": b["started_at"].isoformat() if b["started_at"] else None,
                    "finished": b["finished_at"].isoformat() if b["finished_at"] else None,
                    "pages": total,
                    "pages_by_state": states,
                    "documents_by_state": docs,
                    "pages_remaining": remaining,
                    "pages_per_minute": round(rate, 2),
                    "eta_seconds": round(60.0 * remaining / rate) if rate and remaining else None,
                    "done": remaining == 0
                    and docs.get("indexed", 0) + docs.get("failed", 0) == sum(docs.values()),
                    "failures": failures,
                }
            )
    return out


def _by_batch(counts: dict[Any, tuple[int, int]]) -> dict[int, dict[str, int]]:
    """Summary counts keyed (batch, state) as {batch: {state: n}}."""
    out: dict[int, dict[str, int]] = {}
    for (batch, state), (n, _bytes) in counts.items():
        out.setdefault(batch, {})[state] = n
    return out


def _aware(moment: Any) -> Any:
    """SQLite returns naive datetimes (stored as UTC); PostgreSQL returns aware ones."""
    from datetime import UTC

    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
