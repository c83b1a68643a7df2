"""Query planning: the ranking tiers of a text or number search and the SQL filters they share.

Tiers, best first: the accented words as typed with the bare words as one phrase, the
accented words, the phrase, any match (a number-only search has one tier: the number cited on
a page, behind the documents carrying it in their metadata). Each tier is one FTS5 expression
with the chosen filters and access inside it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from errors import QueryError
from search.query import PairMatch, ParsedQuery
from search.sqlite.filters import Filters, NumberLookup
from search.sqlite.rows import hex_token, number_token, pair_tokens, sort_key

__all__ = ["Plan", "cited_match", "pairs_match", "plan_query"]


@dataclass
class Plan:
    """The ranking tiers of a search and what every tier shares."""

    tiers: list[tuple[bool, bool, str]]  # (exact, phrase, FTS5 expression), best first
    filters: list[str]
    params: dict[str, Any]
    highlight: list[tuple[str, ...]]
    number_docs: list[int]  # documents whose metadata carries the looked-up number
    narrow: bool = False  # SQL filters that may reject many FTS matches ("-word", number)
    # tier -> (a later tier whose matches hold all of its matches, the accented words that
    # pick them out): "exact + phrase" is "phrase" on pages with every accented word as typed
    within: dict[int, tuple[int, tuple[str, ...]]] = field(default_factory=dict)


def plan_query(
    conn: sqlite3.Connection,
    parsed: ParsedQuery | None,
    num: NumberLookup | None,
    meta: str | None,
    spec: Filters,
    *,
    candidate_cap: int,
    pairs: bool = False,
    numbers: bool = False,
) -> Plan:
    """The ranking tiers of a text or number search, and the filters they share.

    The chosen filters and access are inside every tier's FTS5 expression (``meta``);
    ``Plan.filters`` holds SQL conditions: access again, "-word" and text + number. A
    number-only search reads (up to ``candidate_cap``) the documents carrying the number.
    ``pairs``: the index has the pair column (each phrase also matches its word pairs).
    ``numbers``: its pages carry cited-number tokens (a number cited on a page is one token,
    not a phrase of its words).
    """
    extra = pairs_match if pairs else None
    params = dict(spec.params)
    filters = list(spec.sql)
    narrow = False
    highlight: list[tuple[str, ...]] = []
    # Ranking tiers, best first: (exact, phrase, FTS5 expression).
    tiers: list[tuple[bool, bool, str]] = []
    if parsed is not None:
        highlight = list(parsed.highlight)
        tiers = _text_tiers(parsed, extra)
        excluded = parsed.match_excluded(extra)
        if excluded:
            # "-word" excludes documents having it on any page.
            params["excluded"] = excluded
            narrow = True
            filters.append(
                "d.document_id NOT IN (SELECT p3.document_id FROM search_pages p3 WHERE "
                "p3.page_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                ":excluded))"
            )
    number_docs: list[int] = []
    if num is not None:
        params["nk"], params["np"], num_words = num
        if numbers:
            params["np"] = cited_match(params["nk"])
        elif extra is not None and len(num_words) > 1:  # the cited number is a phrase too
            params["np"] = f"({extra(num_words)} AND {params['np']})"
        highlight.append(num_words)
        if parsed is not None:
            # Text plus a number: the document must carry that number, in its metadata
            # or on one of its pages.
            narrow = True
            filters.append(
                "(d.number_key = :nk OR d.document_id IN (SELECT p2.document_id FROM "
                "search_pages p2 WHERE p2.page_id IN "
                "(SELECT rowid FROM search_fts WHERE search_fts MATCH :np)))"
            )
        else:
            tiers.append((False, False, params["np"]))
            number_docs = _number_carriers(conn, params, filters, meta, candidate_cap)
    if not tiers:
        raise QueryError("The search is empty; type a word or a number, or choose a filter.")
    within: dict[int, tuple[int, tuple[str, ...]]] = {}
    if parsed is not None and len(tiers) == 4:  # accented words and a phrase: see _text_tiers
        words = tuple(
            e for t in parsed.include for e, f in zip(t.exact, t.folded, strict=True) if e != f
        )
        within[0] = (2, words)
    # Tier 0 runs as its own MATCH. Deriving it from tier 2's rows by a second MATCH
    # restricted to their rowids was measured 4x slower (FTS5 seeks every rowid).
    if meta is not None:
        tiers = [(ex, ph, f"({expr}) AND {meta}") for ex, ph, expr in tiers]
    return Plan(tiers, filters, params, highlight, number_docs, narrow, within)


def _text_tiers(parsed: ParsedQuery, pairs: PairMatch | None) -> list[tuple[bool, bool, str]]:
    """(exact, phrase, FTS5 expression) of the tiers of a text search, best first."""
    tiers: list[tuple[bool, bool, str]] = []
    folded = parsed.match_folded(pairs)
    accented = any(t.accented for t in parsed.include)
    exact = parsed.match_exact(pairs)
    phrase = parsed.match_phrase(pairs)
    if accented and phrase:
        tiers.append((True, True, _and(parsed.match_exact(pairs, beside_phrase=True), phrase)))
    if accented:
        tiers.append((True, False, exact))
    if phrase:
        folded_rest = parsed.match_folded(pairs, beside_phrase=True)
        tiers.append((not accented, True, _and(folded_rest, phrase)))
    tiers.append((not accented, False, folded))
    return tiers


def _and(expr: str, phrase: str) -> str:
    """``expr AND phrase``; the phrase alone when ``expr`` is empty. The phrase implies the
    bare words it is made of, so they are not ANDed again: FTS5 walks each term's doclist
    once per occurrence in the expression (tier "exact + phrase" of "Lý Thu Quun" at 1 M
    pages: 30.2 -> 25.5 CPU ms; "vo ngoc pha" with its phrase 11.5 -> 7.6)."""
    return f"({expr}) AND ({phrase})" if expr else phrase


def pairs_match(words: tuple[str, ...]) -> str:
    """The ``pairs`` column's AND of a phrase's word pairs (ANDed to the positional phrase).

    FTS5 checks a phrase's positions only on the rows its AND siblings agree on, so the pair
    tokens (rarer than the single words) decide which pages are checked: a name after very
    common syllables no longer has every page of those syllables checked.
    """
    return " AND ".join(f'pairs : "{p}"' for p in pair_tokens(words))


def cited_match(key: str) -> str:
    """The FTS5 expression of pages citing the document number ``key`` (a ``number_key``),
    or a longer number it begins at a separator, as its phrase did ("752/BC" finds pages
    citing "752/BC-SYT", not "752/BCT" nor "1752/BC")."""
    token = number_token(key)
    longer = " OR ".join(f"meta : {token}{hex_token(sep)}*" for sep in "/-")
    return f"(meta : {token} OR {longer})"


def _number_carriers(
    conn: sqlite3.Connection,
    params: dict[str, Any],
    filters: list[str],
    meta: str | None,
    cap: int,
) -> list[int]:
    """The documents whose metadata carries the looked-up number (``params["nk"]``), passing
    the SQL filters and the chosen filters (``meta``), by id, at most ``cap``."""
    where = "".join(f" AND {f}" for f in filters)
    carriers = conn.execute(
        "SELECT d.document_id, d.issued FROM search_documents d "
        f"WHERE d.number_key = :nk{where} ORDER BY d.document_id LIMIT :cap",
        {**params, "cap": cap},
    ).fetchall()
    if meta is not None and carriers:
        # The chosen filters, checked on the documents' own FTS rows.
        keys = {sort_key(issued, d): d for d, issued in carriers}
        marks = ",".join("?" * len(keys))
        kept = {
            keys[r[0]]
            for r in conn.execute(
                "SELECT rowid FROM search_docfts WHERE search_docfts MATCH ? "
                f"AND rowid IN ({marks})",
                [meta, *keys],
            )
        }
        carriers = [c for c in carriers if c[0] in kept]
    return [d for d, _ in carriers]
