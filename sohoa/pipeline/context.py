"""The pipeline's context: settings, catalog, search index and claim keeper of one process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import search
from archive import Catalog
from sohoa.claims import ClaimKeeper
from sohoa.config import Settings


@dataclass
class Context:
    """What every stage needs; built once per process by :func:`open_context`."""

    settings: Settings
    catalog: Catalog
    index: search.SearchIndex
    claims: ClaimKeeper

    @property
    def home(self) -> Path:
        """The archive's folder (``SOHOA_HOME``)."""
        return self.settings.home

    def close(self) -> None:
        """Stop renewing claims and close the index and the catalog."""
        self.claims.close()
        self.index.close()
        self.catalog.close()


def open_context(settings: Settings) -> Context:
    """Open the catalog (migrated) and the search index that ``settings`` name."""
    settings.home.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.catalog_url)
    catalog.create()
    index_path = catalog.sqlite_path or str(settings.home / "search.sqlite")
    index = search.open_index(
        settings.search or index_path,
        username=settings.search_user or None,
        password=settings.search_password or None,
        api_key=settings.search_api_key or None,
        ca_certs=settings.search_ca_certs or None,
        verify_certs=settings.search_verify,
        pairs=settings.search_pairs,
    )
    claims = ClaimKeeper(catalog, lease=settings.lease)
    return Context(settings=settings, catalog=catalog, index=index, claims=claims)
