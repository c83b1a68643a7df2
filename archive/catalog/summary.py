"""Summary counts: pages, documents, records and stored bytes per batch, fonds, state and day,
kept in ``catalog_summary`` so that ``sohoa stats``, ``sohoa status`` and the dashboard read a
few hundred rows instead of counting millions.

The counts are kept by database triggers on ``page``, ``document``, ``record`` and
``stored_file``: every catalog writer's INSERT, UPDATE or DELETE adjusts them inside its own
transaction, so they are exactly as current as the rows they count, also with several workers
writing at once (each adjustment is an ``INSERT ... ON CONFLICT DO UPDATE SET n = n + d`` under
the row lock). A row of the table is one key:

* ``page``: (batch_id, fonds_id of its document's record, state) -> n pages;
* ``document``: (batch_id, fonds_id, state) -> n documents, bytes of their PDF/A files;
* ``record``: (fonds_id) -> n records;
* ``file``: (state = kind, day = creation day) -> n stored files, their bytes;
* ``archived``: (state = ``document``, day) -> n ``indexed`` events written that day (the
  documents archived, a document indexed twice counted twice, as the event log counted them),
  and (state = ``page``, day) -> the pages those documents held when indexed.

"Archived on day D" is the day of the ``indexed`` event (its ``at``, cut to ten characters as
the file days are). The pages are a snapshot: the event's ``detail["pages"]`` (written by
:meth:`DocumentWork.document_indexed`), else the document's page count when the event is
written, so a later staff split, join or deletion does not rewrite past days (counting from
the event log at request time did: the pages of a part split off an archived document fell
out of the series). The ``event`` triggers fire only for ``indexed`` rows (the web's view
events pay nothing); an update of an event's kind, day or document moves its counts.

Keys whose count went back to zero stay with n = 0; readers skip them. :func:`rebuild`
recounts everything from the base tables (the migration's backfill) and :func:`recount`
returns that recount without writing, for checks. (The recount of an event without
``detail["pages"]``, written before migration 0008, takes its document's page count now.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text

from archive import schema as t

SUMMARY = "catalog_summary"
_UPSERT = (
    f"INSERT INTO {SUMMARY} (kind, batch_id, fonds_id, state, day, n, bytes) "
    "VALUES ({kind}, {batch}, {fonds}, {state}, {day}, {n}, {bytes}) "
    f"ON CONFLICT (kind, batch_id, fonds_id, state, day) DO UPDATE SET "
    f"n = {SUMMARY}.n + excluded.n, bytes = {SUMMARY}.bytes + excluded.bytes"
)


def _fonds_of_document(ref: str) -> str:
    return (
        "COALESCE((SELECT r.fonds_id FROM record r JOIN document d ON d.record_id = r.id "
        f"WHERE d.id = {ref}), 0)"
    )


def _fonds_of_record(ref: str) -> str:
    return f"COALESCE((SELECT fonds_id FROM record WHERE id = {ref}), 0)"


def _pdf_size(ref: str) -> str:
    return f"COALESCE((SELECT size FROM stored_file WHERE id = {ref}), 0)"


def _day(ref: str, dialect: str) -> str:
    cast = f"CAST({ref} AS VARCHAR)" if dialect == "postgresql" else ref
    return f"COALESCE(substr({cast}, 1, 10), '')"


def _bumps(row: str, sign: str, dialect: str) -> dict[str, str]:
    """The upsert that adds (sign '+') or removes (sign '-') one row of each table."""
    return {
        "page": _UPSERT.format(
            kind="'page'",
            batch=f"{row}.batch_id",
            fonds=_fonds_of_document(f"{row}.document_id"),
            state=f"{row}.state",
            day="''",
            n=f"{sign}1",
            bytes="0",
        ),
        "document": _UPSERT.format(
            kind="'document'",
            batch=f"{row}.batch_id",
            fonds=_fonds_of_record(f"{row}.record_id"),
            state=f"{row}.state",
            day="''",
            n=f"{sign}1",
            bytes=f"{sign}{_pdf_size(f'{row}.pdf_file_id')}",
        ),
        "record": _UPSERT.format(
            kind="'record'",
            batch="0",
            fonds=f"{row}.fonds_id",
            state="''",
            day="''",
            n=f"{sign}1",
            bytes="0",
        ),
        "stored_file": _UPSERT.format(
            kind="'file'",
            batch="0",
            fonds="0",
            state=f"{row}.kind",
            day=_day(f"{row}.created_at", dialect),
            n=f"{sign}1",
            bytes=f"{sign}{row}.size",
        ),
    }


#: the columns whose change moves a row from one key to another
_KEY_COLUMNS = {
    "page": ("state", "batch_id", "document_id"),
    "document": ("state", "batch_id", "record_id", "pdf_file_id"),
    "record": ("fonds_id",),
    "stored_file": ("kind", "size", "created_at"),
}


def _move_pages(old_fonds: str, new_fonds: str, doc: str) -> list[str]:
    """Statements moving a document's pages' counts from one fonds to another."""
    out = []
    for fonds, sign in ((old_fonds, "-"), (new_fonds, "")):
        out.append(
            f"INSERT INTO {SUMMARY} (kind, batch_id, fonds_id, state, day, n, bytes) "
            f"SELECT 'page', batch_id, {fonds}, state, '', {sign}COUNT(*), 0 FROM page "
            f"WHERE document_id = {doc} GROUP BY batch_id, state "
            f"ON CONFLICT (kind, batch_id, fonds_id, state, day) DO UPDATE SET "
            f"n = {SUMMARY}.n + excluded.n"
        )
    return out


def _indexed_pages(row: str, dialect: str) -> str:
    """The pages an ``indexed`` event archived: its detail's, else its document's now."""
    if dialect == "postgresql":
        given = (
            f"CASE WHEN json_typeof({row}.detail -> 'pages') = 'number' "
            f"THEN ({row}.detail ->> 'pages')::numeric::bigint END"
        )
    else:
        given = (
            f"CASE WHEN json_type({row}.detail, '$.pages') = 'integer' "
            f"THEN json_extract({row}.detail, '$.pages') END"
        )
    return f"COALESCE({given}, (SELECT page_count FROM document WHERE id = {row}.document_id), 0)"


def _archived_bumps(row: str, sign: str, dialect: str) -> list[str]:
    """The upserts adding (sign '') or removing (sign '-') one ``indexed`` event."""
    day = _day(f"{row}.at", dialect)
    common = {"kind": "'archived'", "batch": "0", "fonds": "0", "day": day, "bytes": "0"}
    return [
        _UPSERT.format(state="'document'", n=f"{sign}1", **common),
        _UPSERT.format(state="'page'", n=f"{sign}{_indexed_pages(row, dialect)}", **common),
    ]


#: an event's columns whose change moves its archived counts (events are written once)
_EVENT_COLUMNS = ("kind", "at", "document_id")


def _sqlite_event_triggers() -> list[str]:
    plus_new = "; ".join(_archived_bumps("NEW", "", "sqlite"))
    minus_old = "; ".join(_archived_bumps("OLD", "-", "sqlite"))
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _EVENT_COLUMNS)
    columns = ", ".join(_EVENT_COLUMNS)
    return [
        "CREATE TRIGGER IF NOT EXISTS sum_event_ins AFTER INSERT ON event "
        f"WHEN NEW.kind = 'indexed' BEGIN {plus_new}; END",
        "CREATE TRIGGER IF NOT EXISTS sum_event_del AFTER DELETE ON event "
        f"WHEN OLD.kind = 'indexed' BEGIN {minus_old}; END",
        f"CREATE TRIGGER IF NOT EXISTS sum_event_upd_old AFTER UPDATE OF {columns} ON event "
        f"WHEN OLD.kind = 'indexed' AND ({changed}) BEGIN {minus_old}; END",
        f"CREATE TRIGGER IF NOT EXISTS sum_event_upd_new AFTER UPDATE OF {columns} ON event "
        f"WHEN NEW.kind = 'indexed' AND ({changed}) BEGIN {plus_new}; END",
    ]


def _postgres_event_triggers() -> list[str]:
    plus_new = "; ".join(_archived_bumps("NEW", "", "postgresql"))
    minus_old = "; ".join(_archived_bumps("OLD", "-", "postgresql"))
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _EVENT_COLUMNS)
    function = (
        "CREATE OR REPLACE FUNCTION sum_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {plus_new}; "
        f"ELSIF TG_OP = 'DELETE' THEN {minus_old}; "
        f"ELSIF {changed} THEN "
        f"IF OLD.kind = 'indexed' THEN {minus_old}; END IF; "
        f"IF NEW.kind = 'indexed' THEN {plus_new}; END IF; "
        "END IF; RETURN NULL; END $$"
    )
    each = "FOR EACH ROW"
    return [
        function,
        *(f"DROP TRIGGER IF EXISTS sum_event_{op} ON event" for op in ("ins", "del", "upd")),
        f"CREATE TRIGGER sum_event_ins AFTER INSERT ON event {each} "
        "WHEN (NEW.kind = 'indexed') EXECUTE FUNCTION sum_event()",
        f"CREATE TRIGGER sum_event_del AFTER DELETE ON event {each} "
        "WHEN (OLD.kind = 'indexed') EXECUTE FUNCTION sum_event()",
        f"CREATE TRIGGER sum_event_upd AFTER UPDATE ON event {each} "
        "WHEN (OLD.kind = 'indexed' OR NEW.kind = 'indexed') EXECUTE FUNCTION sum_event()",
    ]


def _sqlite_triggers() -> list[str]:
    out = _sqlite_event_triggers()
    for table, columns in _KEY_COLUMNS.items():
        plus_new = _bumps("NEW", "", "sqlite")[table]
        minus_old = _bumps("OLD", "-", "sqlite")[table]
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS sum_{table}_ins AFTER INSERT ON {table} "
            f"BEGIN {plus_new}; END"
        )
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS sum_{table}_del AFTER DELETE ON {table} "
            f"BEGIN {minus_old}; END"
        )
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS sum_{table}_upd AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} WHEN {changed} BEGIN {minus_old}; {plus_new}; END"
        )
    moves = _move_pages(
        _fonds_of_record("OLD.record_id"), _fonds_of_record("NEW.record_id"), "NEW.id"
    )
    out.append(
        "CREATE TRIGGER IF NOT EXISTS sum_document_moves_pages AFTER UPDATE OF record_id "
        "ON document WHEN OLD.record_id IS NOT NEW.record_id AND "
        f"{_fonds_of_record('OLD.record_id')} IS NOT {_fonds_of_record('NEW.record_id')} "
        f"BEGIN {'; '.join(moves)}; END"
    )
    return out


def _postgres_triggers() -> list[str]:
    out = _postgres_event_triggers()
    for table, columns in _KEY_COLUMNS.items():
        plus_new = _bumps("NEW", "", "postgresql")[table]
        minus_old = _bumps("OLD", "-", "postgresql")[table]
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        extra = ""
        if table == "document":
            moves = _move_pages(
                _fonds_of_record("OLD.record_id"), _fonds_of_record("NEW.record_id"), "NEW.id"
            )
            extra = (
                "IF TG_OP = 'UPDATE' AND OLD.record_id IS DISTINCT FROM NEW.record_id THEN "
                f"{'; '.join(moves)}; END IF;"
            )
        out.append(
            f"CREATE OR REPLACE FUNCTION sum_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN "
            f"IF TG_OP = 'INSERT' THEN {plus_new}; "
            f"ELSIF TG_OP = 'DELETE' THEN {minus_old}; "
            f"ELSIF {changed} THEN {minus_old}; {plus_new}; {extra} "
            f"END IF; RETURN NULL; END $$"
        )
        out.append(f"DROP TRIGGER IF EXISTS sum_{table} ON {table}")
        out.append(
            f"CREATE TRIGGER sum_{table} AFTER INSERT OR DELETE OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sum_{table}()"
        )
    return out


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that creates (idempotently) the triggers keeping the summary on ``dialect``."""
    return _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers()


def drop_statements(dialect: str) -> list[str]:
    """The DDL that removes the triggers (bulk loads drop them, then :func:`rebuild`)."""
    if dialect == "postgresql":
        events = [f"DROP TRIGGER IF EXISTS sum_event_{op} ON event" for op in ("ins", "del", "upd")]
        return [
            *events,
            *(f"DROP TRIGGER IF EXISTS sum_{table} ON {table}" for table in _KEY_COLUMNS),
            *(f"DROP FUNCTION IF EXISTS sum_{table}()" for table in (*_KEY_COLUMNS, "event")),
        ]
    names = [f"sum_{table}_{op}" for table in _KEY_COLUMNS for op in ("ins", "del", "upd")]
    events = [f"sum_event_{op}" for op in ("ins", "del", "upd_old", "upd_new")]
    return [
        f"DROP TRIGGER IF EXISTS {name}" for name in [*names, *events, "sum_document_moves_pages"]
    ]


def ensure_triggers(conn: Connection) -> None:
    """Create the summary triggers if absent (SQLite loses them when a migration copies a
    table, so the catalog calls this after every upgrade)."""
    for statement in trigger_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection) -> None:
    """Remove the summary triggers (for a bulk load followed by :func:`rebuild`)."""
    for statement in drop_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)


def _recount_sql(dialect: str) -> str:
    day = _day("created_at", dialect)
    return f"""
        SELECT 'page', p.batch_id, COALESCE(r.fonds_id, 0), p.state, '', COUNT(*), 0
          FROM page p LEFT JOIN document d ON d.id = p.document_id
          LEFT JOIN record r ON r.id = d.record_id
         GROUP BY p.batch_id, COALESCE(r.fonds_id, 0), p.state
        UNION ALL
        SELECT 'document', d.batch_id, COALESCE(r.fonds_id, 0), d.state, '', COUNT(*),
               COALESCE(SUM(f.size), 0)
          FROM document d LEFT JOIN record r ON r.id = d.record_id
          LEFT JOIN stored_file f ON f.id = d.pdf_file_id
         GROUP BY d.batch_id, COALESCE(r.fonds_id, 0), d.state
        UNION ALL
        SELECT 'record', 0, fonds_id, '', '', COUNT(*), 0 FROM record GROUP BY fonds_id
        UNION ALL
        SELECT 'file', 0, 0, kind, {day}, COUNT(*), COALESCE(SUM(size), 0)
          FROM stored_file GROUP BY kind, {day}
        UNION ALL
        {_archived_recount_sql(dialect)}
    """


def _archived_recount_sql(dialect: str) -> str:
    """The ``archived`` keys counted from the event log (through ``ix_event_kind``)."""
    day = _day("e.at", dialect)
    return f"""
        SELECT 'archived', 0, 0, 'document', {day}, COUNT(*), 0
          FROM event e WHERE e.kind = 'indexed' GROUP BY {day}
        UNION ALL
        SELECT 'archived', 0, 0, 'page', {day}, SUM({_indexed_pages("e", dialect)}), 0
          FROM event e WHERE e.kind = 'indexed' GROUP BY {day}
        HAVING SUM({_indexed_pages("e", dialect)}) != 0
    """


Key = tuple[str, int, int, str, str]


def recount(conn: Connection) -> dict[Key, tuple[int, int]]:
    """Every summary key counted afresh from the base tables: {key: (n, bytes)}."""
    rows = conn.execute(text(_recount_sql(conn.dialect.name))).all()
    return {(k, int(b), int(f), s, d): (int(n), int(size)) for k, b, f, s, d, n, size in rows}


def stored(conn: Connection) -> dict[Key, tuple[int, int]]:
    """The summary as stored, without the keys that went back to zero."""
    table = t.catalog_summary
    rows = conn.execute(table.select().where((table.c.n != 0) | (table.c.bytes != 0))).all()
    return {
        (r.kind, r.batch_id, r.fonds_id, r.state, r.day): (int(r.n), int(r.bytes)) for r in rows
    }


def rebuild(conn: Connection) -> int:
    """Replace the summary by a recount from the base tables; the number of keys."""
    conn.execute(t.catalog_summary.delete())
    conn.execute(
        text(
            f"INSERT INTO {SUMMARY} (kind, batch_id, fonds_id, state, day, n, bytes) "
            + _recount_sql(conn.dialect.name)
        )
    )
    return conn.execute(text(f"SELECT COUNT(*) FROM {SUMMARY}")).scalar() or 0


def rebuild_archived(conn: Connection) -> int:
    """Replace only the ``archived`` keys by a recount from the event log (migration 0008's
    backfill: the other keys are already kept); the number of keys."""
    table = t.catalog_summary
    conn.execute(table.delete().where(table.c.kind == "archived"))
    conn.execute(
        text(
            f"INSERT INTO {SUMMARY} (kind, batch_id, fonds_id, state, day, n, bytes) "
            + _archived_recount_sql(conn.dialect.name)
        )
    )
    return (
        conn.execute(
            select(func.count()).select_from(table).where(table.c.kind == "archived")
        ).scalar()
        or 0
    )


def archived_per_day(conn: Connection) -> list[tuple[str, int, int]]:
    """(day, documents, pages) archived each day, oldest first, days without any left out."""
    documents = totals(conn, "archived", "day", state="document")
    pages = totals(conn, "archived", "day", state="page")
    return [
        (str(day), n, pages.get(day, (0, 0))[0]) for day, (n, _bytes) in sorted(documents.items())
    ]


def totals(conn: Connection, kind: str, *by: str, **equal: Any) -> dict[Any, tuple[int, int]]:
    """The summary's (n, bytes) of ``kind`` (with the key columns in ``equal`` at those
    values) summed by the ``by`` key columns, keys of n 0 left out; one column gives plain
    keys, several give tuples, none gives the key ``()``."""
    table = t.catalog_summary
    columns = [table.c[name] for name in by]
    query = (
        select(*columns, func.sum(table.c.n), func.sum(table.c.bytes))
        .where(table.c.kind == kind, *(table.c[k] == v for k, v in equal.items()))
        .group_by(*columns)
        .having(func.sum(table.c.n) != 0)
    )
    out: dict[Any, tuple[int, int]] = {}
    for row in conn.execute(query).all():
        key = row[0] if len(by) == 1 else tuple(row[: len(by)])
        out[key] = (int(row[-2]), int(row[-1]))
    return out
