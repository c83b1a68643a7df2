"""Web load benchmark: a generated archive, the real server, 50 officials querying at once.

    .venv/bin/python bench/web.py [--pages 100000] [--home bench/out/web/home] [--keep]
                                  [--seconds 60] [--users 50] [--think 5.0] [--workers 2]
                                  [--port 0] [--seed 1] [--json FILE]

1. **Archive** (no OCR): ``--pages`` pages of generated administrative Vietnamese (the
   bigram generator of ``bench/search.py``, same documents, numbers, organs and dates) are
   written straight into the catalog in bulk: batches spread over past days, three fonds, six
   units, records of 50 documents with access modes 01/02/03 (about 70/22/8 %), documents with
   their metadata (number, date, type, organ, summary) and a PDF file each (hard links to a
   few real rendered PDFs, one per page count), pages with their text, events. The search
   index is then built from the catalog by ``sohoa.reindex.reindex`` (the same page entries
   the pipeline writes). ``--keep`` reuses an archive already filled with >= ``--pages``.
2. **Users**: one staff member and ``--users`` officials spread over the units; every fifth
   official has explicit grants to three secret records.
3. **Server**: ``sohoa serve --workers N`` on a free loopback port.
4. **Load**: each official logs in (form + CSRF, as a browser does), then, for ``--seconds``,
   loops: pick a request class, send it, wait a random think time (exponential, mean
   ``--think`` seconds, default 5: an official reads a result list or a page before the
   next click; ``--think 0`` is a saturation test). Officials start spread over the first
   two think times. Classes: searches (single
   syllable, two words, folded, accented, phrase, number lookup, filtered, facets, page 2,
   JSON API), document pages at a matching page, and thumbnails now and then. Only documents
   the official may see are requested directly; any status >= 400 or a redirect to the login
   page is an error.

Prints requests/s, p50/p95/p99 latency per class and overall, and errors; target p95 < 300 ms
and no errors. Client and server share the machine's cores (and with whatever else runs).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# This folder holds search.py (named like the package): keep it off the path, use the repo's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.common import REPO, machine_info  # noqa: E402
from bench.search import Generator, percentile, query_mix  # noqa: E402

UNITS = [
    ("VP", "Văn phòng"),
    ("NV", "Phòng Nội vụ"),
    ("TC", "Phòng Tài chính - Kế hoạch"),
    ("YT", "Phòng Y tế"),
    ("GD", "Phòng Giáo dục và Đào tạo"),
    ("TNMT", "Phòng Tài nguyên và Môi trường"),
]
FONDS = [
    ("UBND-TINH", "Phông Ủy ban nhân dân tỉnh"),
    ("SO-NOI-VU", "Phông Sở Nội vụ"),
    ("SO-TAI-CHINH", "Phông Sở Tài chính"),
]
DOCS_PER_RECORD = 50
PAGES_PER_BATCH = 10_000
PAGE_COUNTS = (1, 1, 2, 2, 2, 3, 3, 4, 5, 8)  # as bench/search.py's Generator.entries
PASSWORD = "mat-khau-thu-nghiem"
CHUNK_DOCS = 2000  # documents per insert transaction


def _log(msg: str) -> None:
    print(msg, flush=True)


# ----------------------------------------------------------------------------------- fill


def _template_pdfs(home: Path, counts: set[int]) -> dict[int, Path]:
    """One real PDF per page count: rendered administrative pages at 100 dpi."""
    from sohoa.synthetic import random_admin_document, render_admin_document

    out = {}
    folder = home / "bench-templates"
    folder.mkdir(parents=True, exist_ok=True)
    for n in sorted(counts):
        path = folder / f"template-{n}.pdf"
        if not path.exists():
            images = render_admin_document(random_admin_document(n, pages=min(n, 3)), dpi=100)
            pages = [images[i % len(images)] for i in range(n)]
            tmp = path.with_suffix(".tmp")
            pages[0].save(tmp, format="PDF", resolution=100, save_all=True, append_images=pages[1:])
            tmp.rename(path)
        out[n] = path
    return out


def _link(templates: dict[int, Path], n: int, target: Path) -> None:
    """Hard-link the template PDF of ``n`` pages to ``target``; a template that reached the
    file system's link limit (65,000 on ext4) is copied and the copy linked from then on."""
    import errno
    import shutil

    try:
        os.link(templates[n], target)
    except OSError as exc:
        if exc.errno != errno.EMLINK:
            raise
        copy = templates[n].with_name(f"{templates[n].stem}-{time.monotonic_ns()}.pdf")
        shutil.copyfile(templates[n], copy)
        templates[n] = copy
        os.link(copy, target)


def _summary(gen: Generator, rng: random.Random, type_name: str) -> str:
    words = gen.sentences[rng.randrange(len(gen.sentences))].rstrip(".").split()
    return f"V/v {' '.join(words[: rng.randint(6, 14)]).lower()}"


def fill(ctx: Any, *, pages: int, seed: int) -> dict[str, Any]:
    """Write ``pages`` generated pages into ``ctx``'s catalog, then index them."""
    from sqlalchemy import func, insert, select

    from archive import accounts
    from archive import schema as t
    from sohoa.pipeline import pdfa_relpath
    from sohoa.reindex import reindex

    catalog, home = ctx.catalog, ctx.home
    t0 = time.perf_counter()
    gen = Generator(seed)
    rng = random.Random(seed)
    _log(f"generator ready in {time.perf_counter() - t0:.1f} s")

    with catalog.tx() as conn:
        if conn.execute(select(func.count()).select_from(t.document)).scalar_one():
            raise SystemExit(f"{home} already holds documents: remove it or pass --keep")
    unit_ids = {}
    for code, name in UNITS:
        unit_ids[code] = accounts.create_unit(catalog, code, name=name, actor="bench")
    templates = _template_pdfs(home, set(PAGE_COUNTS))
    stamp = datetime.now(UTC)
    with catalog.tx() as conn:
        fonds_ids = [
            conn.execute(insert(t.fonds).values(code=c, name=n)).inserted_primary_key[0]
            for c, n in FONDS
        ]
        originals = {}
        for n, path in templates.items():
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            rel = f"originals/{sha[:2]}/{sha}.pdf"
            (home / rel).parent.mkdir(parents=True, exist_ok=True)
            if not (home / rel).exists():
                os.link(path, home / rel)
            originals[n] = (
                conn.execute(
                    insert(t.stored_file).values(
                        kind="original",
                        path=rel,
                        size=len(data),
                        sha256=sha,
                        media_type="application/pdf",
                        original_name=path.name,
                        created_at=stamp,
                    )
                ).inserted_primary_key[0],
                len(data),
                sha,
            )

    batches = max(1, -(-pages // PAGES_PER_BATCH))
    batch_ids = []
    with catalog.tx() as conn:
        for b in range(batches):
            started = stamp - timedelta(days=2 * (batches - b), hours=rng.randint(0, 8))
            batch_ids.append(
                conn.execute(
                    insert(t.batch).values(
                        name=f"lo-{started:%Y-%m-%d}",
                        source_path=f"/scans/lo-{started:%Y-%m-%d}",
                        operator="bench",
                        started_at=started,
                        finished_at=started + timedelta(hours=6),
                    )
                ).inserted_primary_key[0]
            )

    records: dict[int, int] = {}  # record number -> id
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    pid = doc = 0
    gen_s = ins_s = 0.0
    t_fill = time.perf_counter()

    def flush() -> None:
        nonlocal ins_s
        t1 = time.perf_counter()
        with catalog.tx() as conn:
            for table in ("record", "stored_file", "document", "document_source", "page", "event"):
                if rows[table]:
                    conn.execute(insert(getattr(t, table)), rows[table])
        rows.clear()
        ins_s += time.perf_counter() - t1

    while pid < pages:
        t1 = time.perf_counter()
        doc += 1
        number, type_code, type_name, organ, issued, _ = gen.number(doc)
        n = min(pages - pid, rng.choice(PAGE_COUNTS))
        rec_no = (doc - 1) // DOCS_PER_RECORD
        seq = (doc - 1) % DOCS_PER_RECORD + 1
        fonds_code = FONDS[rec_no % len(FONDS)][0]
        record_code = f"HS-{2010 + rec_no % 16}-{rec_no:05d}"
        if rec_no not in records:
            r = rng.random()
            mode = "01" if r < 0.70 else "02" if r < 0.92 else "03"
            records[rec_no] = rec_no + 1
            rows["record"].append(
                {
                    "id": rec_no + 1,
                    "fonds_id": fonds_ids[rec_no % len(FONDS)],
                    "code": record_code,
                    "title": f"Hồ sơ {type_name.lower()} năm {2010 + rec_no % 16}",
                    "access_mode": mode,
                    "unit_id": unit_ids[UNITS[rec_no % len(UNITS)][0]],
                    "fields": {},
                }
            )
        batch_id = batch_ids[min(pid // PAGES_PER_BATCH, batches - 1)]
        when = stamp - timedelta(days=2 * (batches - batch_ids.index(batch_id)) - 1)
        file_id, size, sha = originals[n] if n in originals else originals[1]
        rel = pdfa_relpath(fonds_code, record_code, seq)
        target = home / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(templates, n if n in templates else 1, target)
        pdf_id = 10_000 + doc
        rows["stored_file"].append(
            {
                "id": pdf_id,
                "kind": "pdfa",
                "path": rel,
                "size": size,
                "sha256": sha,
                "media_type": "application/pdf",
                "original_name": "",
                "created_at": when,
            }
        )
        rows["document"].append(
            {
                "id": doc,
                "record_id": records[rec_no],
                "batch_id": batch_id,
                "seq": seq,
                "name": f"{record_code}/van-ban-{seq:03d}.pdf",
                "source_key": hashlib.sha256(f"bench-{seed}-{doc}".encode()).hexdigest(),
                "state": "indexed",
                "page_count": n,
                "pdf_file_id": pdf_id,
                "number": number,
                "issued_date": issued,
                "type_code": type_code,
                "type_name": type_name,
                "organ": organ,
                "summary": _summary(gen, rng, type_name),
                "fields": {},
                "created_at": when,
                "updated_at": when,
            }
        )
        rows["document_source"].append({"document_id": doc, "position": 0, "file_id": file_id})
        meta = (number, type_code, type_name, organ, issued, "")
        for page_no in range(1, n + 1):
            pid += 1
            rows["page"].append(
                {
                    "id": pid,
                    "document_id": doc,
                    "batch_id": batch_id,
                    "seq": page_no,
                    "source_file_id": file_id,
                    "source_index": page_no - 1,
                    "source_kind": "pdf",
                    "state": "indexed",
                    "attempts": 1,
                    "dpi": 300.0,
                    "width": 2480,
                    "height": 3508,
                    "rotation": 0,
                    "skew": 0.0,
                    "blank": False,
                    "text_source": "ocr",
                    "ocr_engine": "tesseract 5.3",
                    "languages": "vie+eng",
                    "mean_conf": 90.0,
                    "text": gen.page(doc, page_no, meta),
                    "updated_at": when,
                }
            )
        for kind in ("ingested", "packaged", "indexed"):
            rows["event"].append(
                {
                    "at": when,
                    "kind": kind,
                    "actor": "sohoa",
                    "batch_id": batch_id,
                    "document_id": doc,
                    "detail": {},
                }
            )
        gen_s += time.perf_counter() - t1
        if doc % CHUNK_DOCS == 0:
            flush()
            _log(f"  catalog: {pid} pages, {doc} documents")
    flush()
    cat_s = time.perf_counter() - t_fill
    _log(
        f"catalog filled: {pid} pages, {doc} documents, {len(records)} records in {cat_s:.0f} s "
        f"(text generation {gen_s:.0f} s, inserts {ins_s:.0f} s)"
    )
    t1 = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            _log(f"  index: {done}/{total} pages")

    written = reindex(ctx, on_progress=progress, batch_size=2000, restart=True)
    if hasattr(ctx.index, "optimize"):
        ctx.index.optimize()
    idx_s = time.perf_counter() - t1
    _log(f"indexed {written} pages in {idx_s:.0f} s ({written / idx_s:.0f} pages/s)")
    return {
        "pages": pid,
        "documents": doc,
        "records": len(records),
        "catalog_s": round(cat_s, 1),
        "index_s": round(idx_s, 1),
    }


def ensure_access_indexed(ctx: Any) -> int:
    """Check that the index filters restricted records; if not, re-index their documents with
    the pipeline's own entries (``sohoa.pipeline.refresh_index``). Returns documents redone.

    ``sohoa.reindex`` did not carry a record's access mode and unit into the index when this
    was written: every document then looked public to officials.
    """
    from sqlalchemy import select

    import search
    from archive import schema as t
    from sohoa.pipeline import refresh_index

    with ctx.catalog.tx() as conn:
        rows = conn.execute(
            select(t.record.c.code, t.fonds.c.code, t.record.c.access_mode)
            .join(t.fonds, t.fonds.c.id == t.record.c.fonds_id)
            .where(t.record.c.access_mode != "01")
            .order_by(t.record.c.id)
        ).all()
    if not rows:
        return 0
    nobody = search.Access()
    leaks = [
        r
        for r in rows[:20]
        if ctx.index.search(search.SearchQuery(record=r[0], fonds=r[1], access=nobody)).total
    ]
    if not leaks:
        return 0
    _log(
        f"WARNING: the index shows restricted records to everyone (e.g. {leaks[0][1]}/"
        f"{leaks[0][0]}, mode {leaks[0][2]}): sohoa.reindex drops access and unit; "
        "re-indexing restricted documents with sohoa.pipeline.refresh_index"
    )
    with ctx.catalog.tx() as conn:
        docs = list(
            conn.execute(
                select(t.document.c.id)
                .join(t.record, t.record.c.id == t.document.c.record_id)
                .where(t.record.c.access_mode != "01")
                .order_by(t.document.c.id)
            ).scalars()
        )
    t0 = time.perf_counter()
    for k, doc in enumerate(docs, start=1):
        refresh_index(ctx, doc)
        if k % 2000 == 0:
            _log(f"  re-indexed {k}/{len(docs)} restricted documents")
    _log(f"re-indexed {len(docs)} restricted documents in {time.perf_counter() - t0:.0f} s")
    return len(docs)


def archive_size(ctx: Any) -> tuple[int, int]:
    from sqlalchemy import func, select

    from archive import schema as t

    with ctx.catalog.tx() as conn:
        return (
            conn.execute(select(func.count()).select_from(t.page)).scalar_one(),
            conn.execute(select(func.count()).select_from(t.document)).scalar_one(),
        )


# ---------------------------------------------------------------------------------- users


def make_users(ctx: Any, count: int) -> list[dict[str, Any]]:
    """One staff member and ``count`` officials (idempotent); returns the officials with what
    each may see: units, granted record ids."""
    from sqlalchemy import select

    from archive import accounts
    from archive import schema as t

    catalog = ctx.catalog
    existing = {u["username"] for u in accounts.list_users(catalog)}
    if "bench-staff" not in existing:
        accounts.create_user(catalog, "bench-staff", PASSWORD, role="staff", actor="bench")
    with catalog.tx() as conn:
        secret = list(
            conn.execute(
                select(t.record.c.id).where(t.record.c.access_mode == "03").order_by(t.record.c.id)
            ).scalars()
        )
    officials = []
    for i in range(count):
        name = f"cb{i + 1:03d}"
        unit = UNITS[i % len(UNITS)][0]
        if name not in existing:
            accounts.create_user(
                catalog, name, PASSWORD, role="official", unit=unit, full_name=name, actor="bench"
            )
        grants = []
        if i % 5 == 0 and secret:
            grants = [secret[(i * 3 + k) % len(secret)] for k in range(3)]
            for rec in grants:
                accounts.grant(catalog, rec, name, actor="bench")
        officials.append({"username": name, "unit": unit, "grants": grants})
    return officials


def visible_samples(ctx: Any, official: dict[str, Any], rng: random.Random) -> list[tuple]:
    """(document id, page count, first page id) of documents this official may see."""
    from sqlalchemy import or_, select

    from archive import schema as t

    with ctx.catalog.tx() as conn:
        unit_id = conn.execute(
            select(t.unit.c.id).where(t.unit.c.code == official["unit"])
        ).scalar_one()
        visible = or_(
            t.record.c.access_mode == "01",
            (t.record.c.access_mode == "02") & (t.record.c.unit_id == unit_id),
            t.record.c.id.in_(official["grants"] or [-1]),
        )
        docs = (
            select(t.document.c.id, t.document.c.page_count)
            .join(t.record, t.record.c.id == t.document.c.record_id)
            .where(visible)
            .order_by(t.document.c.id)
        )
        rows = conn.execute(docs).all()
        picked = rng.sample(rows, min(200, len(rows)))
        first = dict(
            conn.execute(
                select(t.page.c.document_id, t.page.c.id).where(
                    t.page.c.document_id.in_([r[0] for r in picked]), t.page.c.seq == 1
                )
            ).all()
        )
    return [(d, n, first[d]) for d, n in picked]


# --------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    home: Path, *, port: int, workers: int, log: Path, threads: int | None = None
) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    if threads is not None:
        env["SOHOA_WEB_THREADS"] = str(threads)
    exe = Path(sys.executable).with_name("sohoa")
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    out = open(log, "wb")  # noqa: SIM115 (handed to the child for its whole life)
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    import httpx

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"sohoa serve exited with {proc.returncode}: see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise SystemExit(f"sohoa serve did not answer within 300 s: see {log}")


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ----------------------------------------------------------------------------------- load

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def search_params(q: Any) -> dict[str, str]:
    """A bench/search.py SearchQuery as the query string of GET /search."""
    params = {"q": q.text}
    for attr, key in (
        ("type", "type"),
        ("organ", "organ"),
        ("date_from", "from"),
        ("date_to", "to"),
        ("number", "number"),
        ("fonds", "fonds"),
        ("record", "record"),
    ):
        value = getattr(q, attr)
        if value:
            params[key] = value
    if q.offset:
        params["page"] = str(q.offset // max(q.limit, 1) + 1)
    if q.sort != "relevance":
        params["sort"] = q.sort
    return params


def request_mix(gen: Generator, pages: int) -> list[tuple[str, float, list[tuple[str, dict]]]]:
    """(class, weight, [(path, params)]) : what officials do, and how often."""
    mix = query_mix(gen, pages)

    def html(label: str) -> list[tuple[str, dict]]:
        return [("/search", search_params(q)) for q in mix[label]]

    facets = [("/api/facets", search_params(q)) for q in mix["two words"] + mix["filtered"]]
    api = [("/api/search", search_params(q)) for q in mix["folded"] + mix["accented"]]
    page2 = [("/search", {**search_params(q), "page": "2"}) for q in mix["two words"]]
    return [
        ("single syllable", 10, html("single syllable")),
        ("two words", 10, html("two words")),
        ("folded", 10, html("folded")),
        ("accented", 8, html("accented")),
        ("phrase", 6, html("phrase")),
        ("number lookup", 8, html("number lookup")),
        ("filtered", 8, html("filtered")),
        ("facets", 4, facets),
        ("page 2", 4, page2),
        ("api search", 4, api),
        ("document", 20, []),  # filled per official with visible documents
        ("thumbnail", 8, []),
    ]


class Official:
    def __init__(self, base: str, info: dict[str, Any], docs: list[tuple], seed: int) -> None:
        import httpx

        self.info = info
        self.docs = docs
        self.rng = random.Random(seed)
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them (a browser
        # retries a request that loses that race; httpx does not).
        limits = httpx.Limits(keepalive_expiry=3.0)
        self.client = httpx.AsyncClient(
            base_url=base, timeout=30.0, follow_redirects=True, limits=limits
        )

    async def login(self) -> None:
        r = await self.client.get("/login")
        m = _CSRF.search(r.text)
        if not m:
            raise SystemExit("no csrf_token in the login form: does /login follow the contract?")
        r = await self.client.post(
            "/login",
            data={
                "username": self.info["username"],
                "password": PASSWORD,
                "csrf_token": m.group(1) or m.group(2),
                "next": "/search",
            },
        )
        if r.status_code != 200 or r.url.path.startswith("/login"):
            raise SystemExit(f"login of {self.info['username']} failed: {r.status_code}")

    def pick(self, mix: list, weights: list[float]) -> tuple[str, str, dict]:
        label, _w, choices = self.rng.choices(mix, weights)[0]
        if label == "document":
            doc, n, _first = self.rng.choice(self.docs)
            return label, f"/documents/{doc}", {"page": str(self.rng.randint(1, n))}
        if label == "thumbnail":
            _doc, _n, first = self.rng.choice(self.docs)
            return label, f"/files/pages/{first}/thumb.png", {}
        path, params = self.rng.choice(choices)
        return label, path, params

    async def run(
        self, mix: list, until: float, think: float, out: dict[str, list], errors: list
    ) -> None:
        import httpx

        weights = [w for _l, w, _c in mix]
        if think > 0:
            # Ramp up: officials do not all click in the same instant (50 requests queued at
            # once would measure one burst, not the steady load).
            await asyncio.sleep(self.rng.uniform(0, 2 * think))
        while time.monotonic() < until:
            label, path, params = self.pick(mix, weights)
            t0 = time.perf_counter()
            try:
                r = await self.client.get(path, params=params)
                ok = r.status_code < 400 and not r.url.path.startswith("/login")
                status = str(r.status_code)
            except httpx.HTTPError as exc:
                ok, status = False, exc.__class__.__name__
            ms = (time.perf_counter() - t0) * 1000
            out[label].append(ms)
            if not ok:
                errors.append((label, path, params, status))
            if think > 0:
                pause = min(self.rng.expovariate(1 / think), 10 * think)
                await asyncio.sleep(max(0.0, min(pause, until - time.monotonic())))

    async def close(self) -> None:
        await self.client.aclose()


async def drive(
    base: str,
    officials: list[Official],
    mix: list,
    *,
    seconds: float,
    think: float,
    server: int,
) -> tuple[dict[str, list[float]], list, float, float]:
    t0 = time.perf_counter()
    # A few logins at a time: each hashes a password (deliberately slow), and 200 at once
    # would time out; officials of a province do not all sign in within the same second.
    gate = asyncio.Semaphore(4)

    async def login(official: Official) -> None:
        async with gate:
            await official.login()

    await asyncio.gather(*(login(o) for o in officials))
    _log(f"{len(officials)} officials logged in in {time.perf_counter() - t0:.1f} s")
    out: dict[str, list[float]] = defaultdict(list)
    errors: list = []
    start, cpu0, mine0 = time.monotonic(), tree_cpu_s(server), time.process_time()
    await asyncio.gather(*(o.run(mix, start + seconds, think, out, errors) for o in officials))
    elapsed, cpu = time.monotonic() - start, tree_cpu_s(server) - cpu0
    done = max(1, sum(len(v) for v in out.values()))
    _log(f"client CPU: {time.process_time() - mine0:.1f} s = "
         f"{1000 * (time.process_time() - mine0) / done:.1f} ms per request")  # fmt: skip
    await asyncio.gather(*(o.close() for o in officials))
    return out, errors, elapsed, cpu


def report(out: dict[str, list[float]], errors: list, elapsed: float) -> dict[str, Any]:
    total = sum(len(v) for v in out.values())
    rows = {}
    _log(f"{'class':16s} {'n':>6s} {'req/s':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}"
         f" {'errors':>6s}")  # fmt: skip
    err_by = defaultdict(int)
    for label, *_ in errors:
        err_by[label] += 1
    every = [ms for v in out.values() for ms in v]
    for label, times in [*sorted(out.items()), ("overall", every)]:
        if not times:
            continue
        p50, p95, p99 = (percentile(times, q) for q in (50, 95, 99))
        n_err = len(errors) if label == "overall" else err_by[label]
        rows[label] = {
            "n": len(times),
            "rps": len(times) / elapsed,
            "p50": p50,
            "p95": p95,
            "p99": p99,
            "errors": n_err,
        }
        _log(
            f"{label:16s} {len(times):6d} {len(times) / elapsed:7.1f} {p50:8.1f} {p95:8.1f} "
            f"{p99:8.1f} {n_err:6d}"
        )
    overall = rows.get("overall", {"p95": float("inf")})
    verdict = "PASS" if overall["p95"] < 300 and not errors else "MISS"
    _log(
        f"{total} requests in {elapsed:.0f} s: {total / elapsed:.1f} req/s, overall p95 "
        f"{overall['p95']:.0f} ms, {len(errors)} errors -> {verdict} "
        "(target p95 < 300 ms, 0 errors)"
    )
    for label, path, params, status in errors[:10]:
        _log(f"  error: {label} {path} {params} -> {status}")
    return {"classes": rows, "errors": len(errors), "verdict": verdict}


async def where_cpu_goes(
    base: str, info: dict, docs: list, mix: list, n: int, server: int
) -> dict[str, Any]:
    """Server CPU per request of each class (serial requests), then a py-spy profile of the
    class that costs most; printed and returned."""
    from bench import webprofile

    official = Official(base, info, docs, 99)
    await official.login()
    try:
        per_class = await webprofile.cpu_per_class(official, mix, n, server, tree_cpu_s)
        weights = {label: w for label, w, _c in mix}
        mean = sum(per_class[c][0] * weights[c] for c in per_class) / sum(weights.values())
        _log(f"server CPU per request, {n} serial requests per class (mix-weighted mean "
             f"{mean:.1f} ms):")  # fmt: skip
        for label, (cpu_ms, wall_ms) in sorted(per_class.items(), key=lambda kv: -kv[1][0]):
            _log(f"  {label:16s} {cpu_ms:7.1f} ms CPU  {wall_ms:7.1f} ms wall  weight "
                 f"{weights[label]}")  # fmt: skip
        costliest = max(per_class, key=lambda c: per_class[c][0])
        rows = await webprofile.profile_class(official, mix, costliest, 4 * n, server)
        _log(f"py-spy profile of {costliest!r} ({4 * n} serial requests), % of busy samples:")
        for inclusive, own, frame in rows:
            _log(f"  {inclusive:5.1f}% incl {own:5.1f}% self  {frame}")
        if not rows:
            _log("  (no samples: py-spy missing or not permitted to attach)")
    finally:
        await official.close()
    return {
        "cpu_ms_per_request": {c: round(v[0], 1) for c, v in per_class.items()},
        "mix_weighted_cpu_ms": round(mean, 1),
        "costliest": costliest,
        "profile": [(round(a, 1), round(b, 1), f) for a, b, f in rows],
    }


# ----------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pages", type=int, default=100_000)
    ap.add_argument("--home", type=Path, default=REPO / "bench" / "out" / "web" / "home")
    ap.add_argument("--keep", action="store_true", help="reuse --home if already filled")
    ap.add_argument("--fill-only", action="store_true", help="fill the archive and stop")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--think", type=float, default=5.0, help="mean think time (s); 0: none")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--threads", type=int, default=None, help="SOHOA_WEB_THREADS for the server (0: 40)"
    )
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--profile",
        type=int,
        default=20,
        metavar="N",
        help="after the load: server CPU per request of each class (N serial requests each) "
        "and a py-spy profile of the costliest class (0: skip)",
    )
    args = ap.parse_args()

    from sohoa.config import load_settings
    from sohoa.pipeline import open_context

    _log(json.dumps(machine_info()))
    home = args.home.resolve()
    if not args.keep and home.exists():
        import shutil

        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    settings = load_settings(home=home)
    ctx = open_context(settings)
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    pages, docs = archive_size(ctx)
    if pages < args.pages:
        if pages:
            raise SystemExit(f"{home} holds {pages} pages, fewer than --pages: drop --keep")
        result["fill"] = fill(ctx, pages=args.pages, seed=args.seed)
        pages, docs = archive_size(ctx)
    result["access_fixed"] = ensure_access_indexed(ctx)
    _log(f"archive: {pages} pages, {docs} documents in {home}")
    if args.fill_only:
        ctx.close()
        return
    officials = make_users(ctx, args.users)
    rng = random.Random(args.seed)
    samples = [visible_samples(ctx, o, rng) for o in officials]
    ctx.close()

    gen = Generator(args.seed)
    mix = request_mix(gen, pages)
    port = args.port or free_port()
    log = home.parent / "server.log"
    t0 = time.perf_counter()
    proc = start_server(home, port=port, workers=args.workers, log=log, threads=args.threads)
    up = time.perf_counter() - t0
    _log(f"sohoa serve --workers {args.workers} up on port {port} in {up:.1f} s")
    base = f"http://127.0.0.1:{port}"
    try:
        clients = [
            Official(base, info, docs, args.seed * 1000 + i)
            for i, (info, docs) in enumerate(zip(officials, samples, strict=True))
        ]
        _log(
            f"driving {len(clients)} officials for {args.seconds:.0f} s, think time mean "
            f"{args.think} s"
        )
        out, errors, elapsed, cpu = asyncio.run(
            drive(base, clients, mix, seconds=args.seconds, think=args.think, server=proc.pid)
        )
        if args.profile:
            result["profile"] = asyncio.run(
                where_cpu_goes(base, officials[0], samples[0], mix, args.profile, proc.pid)
            )
    finally:
        stop_server(proc)
    result["load"] = report(out, errors, elapsed)
    done = sum(len(v) for v in out.values())
    result["load"]["server_cpu_ms_per_request"] = round(1000 * cpu / max(done, 1), 1)
    _log(
        f"server CPU: {cpu:.1f} s for {done} requests = {1000 * cpu / max(done, 1):.0f} ms per "
        f"request (at most {len(os.sched_getaffinity(0)) * done / max(cpu, 1e-9):.0f} req/s on "
        f"{len(os.sched_getaffinity(0))} idle cores); load average now {os.getloadavg()[0]:.1f}"
    )
    result["pages"] = pages
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
