"""The embedded search backend: SQLite FTS5, possibly in the same file as the catalog.

``SqliteIndex`` (``search.sqlite.index``) ties together the parts, each a module testable on
its own: the tables and their upgrades (``schema``), how pages and documents become rows
(``rows``), the connection pool (``connections``), writing and merging (``writing``), a query's
filters and access (``filters``; the documents an official sees only through many explicit
grants are read by SQL, ``grants``), the ranking tiers (``planning``), walking and ranking
them (``ranking``), result pages (``results``, ``listing``) and facet counts (``facets``).

Searching scales to millions of pages by never scoring every match: the ranking tiers (number,
exact accents with the phrase, exact accents, phrase, any match) are each fetched as at most
``candidate_cap`` pages (newest first), and documents are ranked tier by tier. When the last
tier reaches the cap the total is a lower bound (``SearchResults.total_exact`` is False).
While the index is small (``bm25_max_pages``) documents are ordered by bm25 within a tier;
beyond that bm25 (which reads every match of every word) is replaced by the number of matching
pages, then the newest document.

Reads open their own connection; writes go through one connection per process, kept open
(its page cache stays warm for FTS5's merges) and guarded by a lock, so one ``SqliteIndex``
may be shared by threads.
"""

from search.sqlite.index import SqliteIndex

__all__ = ["SqliteIndex"]
