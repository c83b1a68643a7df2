"""Parse what a user typed into safe FTS5 match expressions.

Accepted syntax, on any input: bare words (all must match), ``"quoted phrases"`` (consecutive
words; typographic quotes work too, an unclosed quote runs to the end), and a leading ``-`` to
exclude a word or phrase. Everything else (FTS5 operators, ``*``, ``:``, parentheses, SQL,
emoji) is plain text: it is split into words the way the index splits text, and every word is
emitted inside a double-quoted FTS5 string, so no input can reach the FTS5 query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from errors import QueryError
from search.folding import fold, lower, normalize

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "PairMatch",
    "ParsedQuery",
    "Term",
    "looks_like_number",
    "number_key",
    "parse_query",
    "tokenize",
]

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64

# What the index's tokenizer (unicode61) treats as a word: letters and digits.
_WORD = re.compile(r"[^\W_]+")
_QUOTES = '"\u201c\u201d\u201e\u00ab\u00bb'
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# 141/KH-UBND, 09/2025/QĐ-UBND, 57-NQ/TW, 12/UBND-VX, 33/2024/QH15 (after removing spaces).
_NUMBER = re.compile(r"\d{1,6}(?:/\d{4})?[/-][^\W\d_][\w.]*(?:[/-][\w.]+)*")
_NUMBER_PREFIX = re.compile(r"^\s*so\s*:?\s*(?=\d)")  # "Số: 141/..." once folded

# An index's extra expression for a phrase of folded words (e.g. its word pairs), ANDed to the
# positional phrase so the rarer part drives the match; None: the phrase alone.
PairMatch = Callable[[tuple[str, ...]], str | None]


@dataclass(frozen=True)
class Term:
    """One thing to look for: one word, or several as a phrase (consecutive words)."""

    exact: tuple[str, ...]  # normalised, lower-cased words
    folded: tuple[str, ...]  # the same words folded (no accents, đ → d)
    quoted: bool = False

    @property
    def accented(self) -> bool:
        """True when the user typed accents (or đ), so exact matches should rank first."""
        return self.exact != self.folded


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the words and phrases to match, and those to exclude."""

    include: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()

    def match_folded(self, pairs: PairMatch | None = None, *, beside_phrase: bool = False) -> str:
        """FTS5 expression matching pages on the folded column (the main, recall query).

        Excluded terms are not in it: they exclude whole documents (see ``match_excluded``).
        ``pairs`` (all ``match_*``): the index's extra expression ANDed to each phrase.
        ``beside_phrase`` (also ``match_exact``): the expression is ANDed to
        ``match_phrase``, which implies every bare term, so those are left out (FTS5 would
        walk their doclists a second time); it may then be empty.
        """
        return " AND ".join(
            _phrase("folded", t.folded, pairs)
            for t in self.include
            if t.quoted or not beside_phrase
        )

    def match_excluded(self, pairs: PairMatch | None = None) -> str | None:
        """FTS5 expression for pages holding any excluded term, or None."""
        if not self.exclude:
            return None
        return " OR ".join(_phrase("folded", t.folded, pairs) for t in self.exclude)

    def match_exact(self, pairs: PairMatch | None = None, *, beside_phrase: bool = False) -> str:
        """FTS5 expression true for pages with every term, each accented word as typed.

        The ``exact`` column holds each accented word of a page once (no positions needed):
        a page matches when it has the term (folded, as a phrase if several words) and every
        word typed with accents in exactly that form. Words typed without accents match any
        accents, so they never lower a page's rank.
        """
        parts: list[str] = []
        for t in self.include:
            if beside_phrase and not t.quoted:
                pass  # the bare phrase implies the term
            elif len(t.folded) > 1 or not t.accented:  # one accented word: exact implies folded
                parts.append(_phrase("folded", t.folded, pairs))
            parts += [
                _phrase("exact", (e,)) for e, f in zip(t.exact, t.folded, strict=True) if e != f
            ]
        return " AND ".join(parts)

    def match_phrase(self, pairs: PairMatch | None = None) -> str | None:
        """FTS5 expression for the bare words as one phrase, or None if fewer than two."""
        bare = [t for t in self.include if not t.quoted]
        if len(bare) < 2:
            return None
        return _phrase("folded", tuple(w for t in bare for w in t.folded), pairs)

    @property
    def highlight(self) -> tuple[tuple[str, ...], ...]:
        """Folded word sequences to highlight in snippets."""
        return tuple(t.folded for t in self.include)


def _phrase(column: str, words: tuple[str, ...], pairs: PairMatch | None = None) -> str:
    body = " ".join(words).replace('"', '""')
    phrase = f'{column} : "{body}"'
    extra = pairs(words) if pairs is not None and len(words) > 1 else None
    return phrase if extra is None else f"({extra} AND {phrase})"


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (exact, folded) words the way the index does."""
    exact = lower(text)
    folded = fold(text)
    return [
        (exact[m.start() : m.end()], folded[m.start() : m.end()]) for m in _WORD.finditer(folded)
    ]


def _scan(text: str) -> list[tuple[bool, bool, str]]:
    """Split raw input into (negated, quoted, raw text) pieces."""
    pieces: list[tuple[bool, bool, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] in _QUOTES:
            end = i + 1
            while end < n and text[end] not in _QUOTES:
                end += 1
            pieces.append((negated, True, text[i + 1 : end]))
            i = end + 1
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] not in _QUOTES:
                end += 1
            pieces.append((negated, False, text[i:end]))
            i = end
    return pieces


def parse_query(text: str) -> ParsedQuery:
    """Parse user input; raise ``QueryError`` if it holds no word to search for."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The search text is {len(text)} characters long; shorten it to at most "
            f"{MAX_QUERY_CHARS} characters."
        )
    text = _CONTROL.sub(" ", normalize(text))
    include: list[Term] = []
    exclude: list[Term] = []
    for negated, quoted, raw in _scan(text):
        words = tokenize(raw)
        if not words:
            continue
        term = Term(
            exact=tuple(w[0] for w in words),
            folded=tuple(w[1] for w in words),
            quoted=quoted,
        )
        (exclude if negated else include).append(term)
    if len(include) + len(exclude) > MAX_TERMS:
        raise QueryError(
            f"The search has {len(include) + len(exclude)} words or phrases; use at most "
            f"{MAX_TERMS}."
        )
    if not include:
        if exclude:
            raise QueryError(
                "The search only excludes words (with '-'); add at least one word to look for."
            )
        raise QueryError(
            f"The search text {text.strip()[:60]!r} contains no word to look for; type at "
            "least one word or number, or search by filters only."
        )
    return ParsedQuery(include=tuple(include), exclude=tuple(exclude))


def number_key(number: str) -> str:
    """Comparable form of a document number/symbol: folded, no spaces, one kind of dash.

    ``"141 / KH-UBND"``, ``"141/kh-ubnd"`` and ``"141/KH-UBND"`` share one key.
    """
    text = _CONTROL.sub("", fold(number).translate(_DASHES))
    text = _NUMBER_PREFIX.sub("", text)
    return "".join(text.split())


def looks_like_number(text: str) -> bool:
    """True when ``text`` as a whole is a document number such as ``141/KH-UBND``."""
    if len(text) > 80:
        return False
    compact = number_key(text)
    return bool(compact) and _NUMBER.fullmatch(compact) is not None


def split_query(
    text: str | None, number: str | None, *, has_filters: bool
) -> tuple[ParsedQuery | None, str | None]:
    """(parsed words, number to look up) of what the user typed, for every backend.

    A text that looks like a document number is a number lookup. A text without any
    searchable word is allowed only beside filters or a number (which are then the search).
    """
    text = text or ""
    number = number if number and number.strip() else None
    parsed: ParsedQuery | None = None
    if number is None and looks_like_number(text):
        number, text = text, ""
    if text.strip():
        try:
            parsed = parse_query(text)
        except QueryError:
            if (not has_filters and number is None) or any(tokenize(text)):
                raise
    return parsed, number
