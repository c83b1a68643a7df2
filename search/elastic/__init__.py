"""The Elasticsearch backend: same contract as ``SqliteIndex``, for archives past one machine.

One Elasticsearch document per page (``_id`` = page id, so a retried bulk request replaces
instead of duplicating), carrying its document's metadata. The page text is analysed twice:
``text`` with a folding analyzer (``lowercase`` + ``asciifolding``, so ``đ`` → ``d`` and every
tone mark goes) and ``text.exact`` with ``lowercase`` only; the Python side normalises the text
first (``search.normalize``) exactly as for SQLite. Filter fields are ``keyword`` fields holding
the same folded keys as the SQLite index (``number_key``, ``type_code_key``, ``type_name_key``,
``organ_key``), so filters behave the same on both backends.

Ranking mirrors the SQLite tiers with boosts that dominate the text score: the document number
(1,000,000), accented words as typed (10,000), the bare words as one phrase (100), then the
text score. Results are grouped per document with ``collapse`` on ``document_id`` (matching
pages come back as inner hits); the total is a ``cardinality`` aggregation (exact below
``CARDINALITY_THRESHOLD`` documents, approximate above: ``total_exact`` False).

Access (``SearchQuery.access``) is a bool filter inside the query (``access_filter``: public,
or conditional and of one of the user's units, or an explicitly granted ``record_key``), so
totals, paging and facets never see a hidden page. Facets are ``terms`` aggregations on
``type_name``, ``organ.raw`` and ``year`` ordered by a ``cardinality`` of ``document_id``
(documents, not pages). Date sorts sort on ``issued_date`` (missing last), then the score.
The organ filter is a ``match_phrase`` on the folded organ (whole words in order), as SQLite.

Searches go to an alias (``{prefix}-pages``). ``begin_rebuild`` creates a new concrete index
and returns an ``ElasticIndex`` writing to it; ``finish_rebuild`` swaps the alias in one atomic
``update_aliases`` call and deletes the old index, so searches never stop during a reindex.

Every call has a timeout and retries (client ``max_retries``, ``retry_on_timeout``); client
errors become ``StorageError`` (cannot reach or store), ``ToolTimeoutError`` (timed out) or
``QueryError`` (the server rejected the query).

Modules: ``mapping`` (index settings, a page's document), ``queries`` (request bodies) and
``index`` (``ElasticIndex``, the client).
"""

from search.elastic.index import ElasticIndex
from search.elastic.mapping import index_body, page_source
from search.elastic.queries import (
    BOOST_EXACT,
    BOOST_NUMBER,
    BOOST_PHRASE,
    CARDINALITY_THRESHOLD,
    access_filter,
    exclusion_body,
    facets_body,
    search_body,
)

__all__ = [
    "BOOST_EXACT",
    "BOOST_NUMBER",
    "BOOST_PHRASE",
    "CARDINALITY_THRESHOLD",
    "ElasticIndex",
    "access_filter",
    "exclusion_body",
    "facets_body",
    "index_body",
    "page_source",
    "search_body",
]
