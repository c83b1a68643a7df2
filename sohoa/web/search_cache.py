"""The web app's search result cache: answers reused while the index is unchanged.

The key holds the index's generation (it changes on every commit to the index, in any
process: new documents, corrections, access changes) and the whole query, including the
asker's ``Access``: one user's answer never serves another who may see less. Page 2, the
JSON facets call after the page and popular queries are answered without searching.
Backends without ``generation()`` (Elasticsearch, which caches itself) are not cached.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

CACHE_ENTRIES = 512  # search results and facet counts kept per index

T = TypeVar("T")


class SearchCache:
    """Results and facet counts per query, valid while the index is unchanged."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: Any, key: Any, compute: Callable[[], T]) -> T:
        """The answer for ``key`` at the index's current generation, computed when missing."""
        generation = getattr(index, "generation", None)
        if generation is None:
            return compute()
        full = (generation(), key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
        value = compute()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_caches: weakref.WeakKeyDictionary[Any, SearchCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def search_cache(index: Any) -> SearchCache:
    """The cache of this index (one per index object, dropped with it)."""
    with _caches_lock:
        cache = _caches.get(index)
        if cache is None:
            cache = _caches[index] = SearchCache()
        return cache
