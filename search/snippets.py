"""Snippets: a window of the original (accented) text with matched words in ``[[...]]``.

Matching happens on the folded text; because ``fold`` keeps every character's offset, the
offsets of a folded match are the offsets of the original word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache

from search.folding import fold_normalized, normalize

__all__ = ["HIGHLIGHT_CLOSE", "HIGHLIGHT_OPEN", "make_snippet"]

HIGHLIGHT_OPEN = "[["
HIGHLIGHT_CLOSE = "]]"
_WORD = re.compile(r"[^\W_]+")  # a word as the index sees it (letters and digits)
_SPACES = re.compile(r"\s+")
_MAX_CANDIDATES = 200  # matches considered when choosing the window


@lru_cache(maxsize=256)
def _pattern(terms: tuple[tuple[str, ...], ...]) -> re.Pattern[str] | None:
    """One regex finding any term (a word or a phrase of words) as whole folded words."""
    alternatives = []
    for term in terms:
        if not term:
            continue
        body = r"[\W_]+".join(re.escape(word) for word in term)
        alternatives.append(f"({body})")
    if not alternatives:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _anchor(hits: list[tuple[int, int]], span: int) -> int:
    """Word index of the match whose next ``span`` words show the most different terms.

    ``hits`` are (word index, term) in text order; the earliest best match wins.
    """
    wanted = len({t for _, t in hits})
    best, best_count = hits[0][0], 0
    for k, (first, _) in enumerate(hits[:_MAX_CANDIDATES]):
        seen: set[int] = set()
        for other, term in hits[k:]:
            if other >= first + span:
                break
            seen.add(term)
        if len(seen) > best_count:
            best, best_count = first, len(seen)
            if best_count == wanted:
                break
    return best


def make_snippet(text: str, terms: Sequence[Sequence[str]], *, words: int = 30) -> str:
    """About ``words`` words of ``text`` around the best match, matches wrapped in [[ ]].

    ``terms`` are folded word sequences (one word, or a phrase). The window starts a few words
    before the match showing the most different terms. Without a match the snippet is the
    beginning of the text. Whitespace is collapsed to single spaces; cut ends get "…".
    """
    text = normalize(text)
    folded = fold_normalized(text)
    spans = [m.span() for m in _WORD.finditer(folded)]
    if not spans:
        return _SPACES.sub(" ", text).strip()[:200]
    pattern = _pattern(tuple(tuple(t) for t in terms))
    matches = list(pattern.finditer(folded)) if pattern is not None else []
    word_starts = [s for s, _ in spans]
    # Every word inside a match is highlighted (a phrase match covers several words).
    marked: set[int] = set()
    hits: list[tuple[int, int]] = []
    for m in matches:
        first = bisect.bisect_left(word_starts, m.start())
        last = bisect.bisect_left(word_starts, m.end())
        marked.update(range(first, last))
        hits.append((first, m.lastindex or 0))
    before = words // 3
    anchor = _anchor(hits, words - before) if hits else 0
    end = min(len(spans), max(0, anchor - before) + words)
    start = max(0, end - words)
    parts: list[str] = []
    pos = spans[start][0]
    for i in range(start, end):
        s, e = spans[i]
        parts.append(text[pos:s])
        if i in marked:
            parts.append(HIGHLIGHT_OPEN + text[s:e] + HIGHLIGHT_CLOSE)
        else:
            parts.append(text[s:e])
        pos = e
    parts.append(text[pos : spans[end][0] if end < len(spans) else len(text)])
    snippet = _SPACES.sub(" ", "".join(parts)).strip()
    if start > 0:
        snippet = "… " + snippet
    if end < len(spans):
        snippet += " …"
    return snippet
