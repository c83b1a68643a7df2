"""The documents an official sees only through explicitly granted records, found by SQL.

An access clause ORs one FTS5 token per granted record; with hundreds of grants FTS5 opens
hundreds of doclists per query and tests every one of them on every row it walks (a
filter-only listing with 343 grants cost 130-200 ms at 5 M pages). Past
``GRANT_TOKENS_MAX`` grants a listing therefore matches only the public documents and those
of the user's units in FTS5 (two or three tokens), and adds the documents visible only
through a grant: read by SQL through the partial index ``search_documents_grant`` (records
of documents that are not public), each kept when its stored ``meta`` tokens satisfy the
same clauses FTS5 would have tested (SQL first keeps only the rows whose ``meta`` text holds
one phrase of every clause, then the tokens are checked exactly). The two sets are disjoint,
so totals add up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from search.sqlite.filters import Clause, Filters
from search.sqlite.rows import sort_key
from search.sqlite.schema import CHUNK

__all__ = ["GRANT_TOKENS_MAX", "granted_keys", "matches", "split_grants"]

GRANT_TOKENS_MAX = 16  # more granted records than this: grants are read by SQL, not FTS5


def split_grants(filters: Filters, threshold: int) -> bool:
    """True when the query's granted records are better read by SQL than ORed in FTS5."""
    return filters.access is not None and len(filters.grants) > threshold


def matches(tokens: Sequence[str], clause: Clause) -> bool:
    """True when ``tokens`` (a document's ``meta``, in order) hold one of ``clause``'s
    phrases as consecutive tokens, as FTS5 matches the phrase on the ``meta`` column."""
    for phrase in clause:
        n = len(phrase)
        first = phrase[0]
        for k, token in enumerate(tokens):
            if token == first and tuple(tokens[k : k + n]) == phrase:
                return True
    return False


def granted_keys(
    conn: sqlite3.Connection, filters: Filters, clauses: Sequence[Clause]
) -> list[int]:
    """The ``search_docfts`` keys (ascending) of the documents visible only through an
    explicit grant (not public, not of the user's units) that satisfy ``clauses``."""
    access = filters.access
    if access is None or not access.records:
        return []
    visible = {p[0] for p in filters.visible}
    grants = {p[0] for p in filters.grants}
    records = sorted(access.records)
    # A superset of the rows the clauses accept: meta tokens are lower-case, one space apart,
    # so a phrase of consecutive tokens is a substring between spaces.
    prefilter = "".join(
        " AND (" + " OR ".join(["instr(' ' || lower(meta) || ' ', ?) > 0"] * len(c)) + ")"
        for c in clauses
    )
    phrases = [f" {' '.join(p)} " for c in clauses for p in c]
    keys: list[int] = []
    for k in range(0, len(records), CHUNK):
        chunk = records[k : k + CHUNK]
        rows = conn.execute(
            # Written as the partial index is: the expression and its WHERE.
            "SELECT document_id, issued, meta FROM search_documents WHERE access <> '01' "
            f"AND (fonds || '/' || record) IN ({','.join('?' * len(chunk))}){prefilter}",
            [*chunk, *phrases],
        ).fetchall()
        for doc_id, issued, meta in rows:
            tokens = meta.lower().split()
            present = set(tokens)
            if present & visible or not present & grants:
                continue  # already listed by the FTS5 match, or not granted as FTS5 sees it
            if all(matches(tokens, c) for c in clauses):
                keys.append(sort_key(issued, doc_id))
    return sorted(keys)
