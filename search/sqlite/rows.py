"""How pages and documents become rows of the SQLite index: FTS values, filter tokens, sort keys.

A document's filter tokens (``meta_tokens``) are one FTS5 token each, so the chosen filters and
access are part of the same MATCH as the words. ``search_docfts`` rows are keyed by
``sort_key`` (issued date, then document id), so listing by filters is already in date order.
"""

from __future__ import annotations

import re
from typing import Any

from search.contract import PageEntry
from search.folding import fold_normalized, lower_normalized
from search.keys import ISO_DATE, field_key, record_key
from search.query import looks_like_number, number_key, tokenize

__all__ = [
    "ID_BITS",
    "ID_MASK",
    "UNDATED",
    "cited_number_tokens",
    "document_row",
    "exact_tokens",
    "fts_row",
    "hex_token",
    "meta_tokens",
    "number_token",
    "pair_tokens",
    "sort_key",
]

UNDATED = 99_999_999  # date part of the sort key of a document without an issued date
ID_BITS = 32  # document ids are below 2**32 (the low bits of the sort key)
ID_MASK = (1 << 32) - 1
PAIR_JOIN = "\u01c0"  # joins a word pair into one token: a letter to FTS5, never folded text
_WORD = re.compile(r"[^\W_]+")  # a word as the index's tokenizer (unicode61) splits it
# A document number cited in a page's text: digits, a slash or dash (a spaced slash too, as
# "141 / KH-UBND" is typed), then a symbol; what it really is, ``looks_like_number`` decides.
# Pages are scanned for the short core (an ASCII digit, the separator, a letter), which is
# cheap: a lookbehind at every position of the text cost 40 us per page, the core 11 us
# (``\d``, any script's digits, 19 us).
_CITED_CORE = re.compile(r"[0-9](?:/[0-9]{4})?(?: ?/ ?|-)[^\W\d_]")
_CITED = re.compile(r"[0-9]{1,6}(?:/[0-9]{4})?(?: ?/ ?|-)[^\W\d_][\w./-]*")
_CITED_STOP = "/.-_"  # before the digits: part of something else (a date, a longer code)


def pair_tokens(words: list[str] | tuple[str, ...]) -> list[str]:
    """Each adjacent pair of (folded) ``words`` as one token ``a\u01c0b``, first occurrences
    in order: a phrase becomes an AND of pair tokens, far rarer than its single words."""
    return list(dict.fromkeys(f"{a}{PAIR_JOIN}{b}" for a, b in zip(words, words[1:], strict=False)))


def number_token(key: str) -> str:
    """The ``meta`` token of a document number cited on a page, from its ``number_key``."""
    return f"k{hex_token(key)}"


def cited_number_tokens(text: str) -> list[str]:
    """``number_token`` of each document number a normalised page text cites, first
    occurrences in order ("căn cứ Kế hoạch số 141/KH-UBND." gives the one of ``141/kh-ubnd``)."""
    tokens: dict[str, None] = {}
    end = 0
    for core in _CITED_CORE.finditer(text):
        start = core.start()
        if start < end:
            continue  # inside the number just read
        while start > 0 and "0" <= text[start - 1] <= "9":
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in _CITED_STOP):
            continue
        cited = _CITED.match(text, start)
        if cited is None:
            continue
        end = cited.end()
        key = number_key(cited.group().rstrip("./-"))
        if looks_like_number(key):
            tokens[number_token(key)] = None
    return list(tokens)


def fts_row(
    page_id: int, text: str, meta: str, *, pairs: bool = False, numbers: bool = False
) -> tuple[Any, ...]:
    """(page id, exact, folded, meta) values of a normalised page text (and ``pairs`` last
    when the index has that column).

    ``exact`` holds each accented word once (whitespace-separated pieces holding a non-ASCII
    character, lower-cased, first occurrence order): the exact tier only asks whether a page
    has an accented word, the folded column carries positions for phrases. Half the tokens
    of the full text, so the index builds about twice as fast. ``pairs`` (optional) holds
    each adjacent pair of folded words once (``pair_tokens``): every phrase also matches its
    pairs, so positions are checked only on pages having them, not on every page having the
    single words. ``numbers``: ``meta`` also holds a token per document number the text
    cites (``cited_number_tokens``), so a number lookup is one token, not a phrase of three
    common ones ("752 bc syt") whose positions are checked on every page having all three.
    """
    if numbers:
        cited = cited_number_tokens(text)
        if cited:
            meta = f"{meta} {' '.join(cited)}" if meta else " ".join(cited)
    # A set: the order of a contentless row's tokens does not matter to FTS5 (not even to
    # delete it), only which tokens and how many.
    exact = " ".join([w for w in set(lower_normalized(text).split()) if not w.isascii()])
    folded = fold_normalized(text)
    if not pairs:
        return page_id, exact, folded, meta
    return page_id, exact, folded, meta, " ".join(pair_tokens(_WORD.findall(folded)))


def exact_tokens(text: str) -> set[str]:
    """The words of a normalised page text, lower-cased and split into letters and digits
    as FTS5 splits them: its accented ones are the tokens of its ``exact`` column."""
    return set(_WORD.findall(lower_normalized(text)))


def hex_token(text: str) -> str:
    """``text`` as hex digits of its UTF-8 bytes: any value as one exact FTS5 token body."""
    return text.encode("utf-8").hex()


def meta_tokens(
    type_code: str,
    type_name: str,
    organ: str,
    issued: str,
    fonds: str,
    record: str,
    unit: str,
    access: str,
) -> str:
    """Filter tokens of a document, one FTS5 token each (ASCII letters and digits).

    ``c``/``n`` type code/name key, ``o`` + each folded word of the organ (in order, so a
    phrase matches consecutive words), ``y``/``m``/``d`` issue year/month/day, ``f`` fonds,
    ``r`` record, ``a`` access mode, ``v`` + unit for conditional ('02') documents, ``g`` +
    "FONDS/RECORD" (explicit grants). Free-form values are hex-encoded, so tokens are exact.
    """
    tokens = [f"c{hex_token(field_key(type_code))}", f"n{hex_token(field_key(type_name))}"]
    tokens += [f"o{w}" for _, w in tokenize(organ)]
    if ISO_DATE.fullmatch(issued):
        digits = issued.replace("-", "")
        tokens.append(f"y{digits[:4]}")
        if len(digits) >= 6:
            tokens.append(f"m{digits[:6]}")
        if len(digits) == 8:
            tokens.append(f"d{digits}")
    tokens += [
        f"f{hex_token(fonds.strip())}",
        f"r{hex_token(record.strip())}",
        f"a{hex_token(access)}",
    ]
    if access == "02":
        tokens.append(f"v{hex_token(unit.strip())}")
    tokens.append(f"g{hex_token(record_key(fonds, record))}")
    return " ".join(tokens)


def sort_key(issued: str, document_id: int) -> int:
    """The ``search_docfts`` rowid: issued date (YYYYMMDD, undated last), then document id."""
    day = UNDATED
    if ISO_DATE.fullmatch(issued):
        day = int(issued.replace("-", "").ljust(8, "0"))
    return (day << ID_BITS) | document_id


def document_row(entry: PageEntry) -> tuple[Any, ...]:
    """The ``search_documents`` row of an entry's document (its ``meta`` last)."""
    return (
        entry.document_id,
        entry.number,
        number_key(entry.number),
        entry.type_code,
        field_key(entry.type_code),
        entry.type_name,
        field_key(entry.type_name),
        entry.organ,
        field_key(entry.organ),
        entry.issued,
        entry.title,
        entry.record,
        entry.fonds,
        entry.unit,
        entry.access,
        meta_tokens(
            entry.type_code,
            entry.type_name,
            entry.organ,
            entry.issued,
            entry.fonds,
            entry.record,
            entry.unit,
            entry.access,
        ),
    )
