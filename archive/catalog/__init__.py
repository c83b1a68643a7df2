"""The catalog: the source of truth for batches, records, documents, pages, files and events.

:class:`Catalog` is composed of one part per topic, each a small class over the shared engine
and transactions of :mod:`archive.catalog.core`:

* :mod:`~archive.catalog.events` - the event log;
* :mod:`~archive.catalog.stored_files` - stored files (paths, sizes, SHA-256);
* :mod:`~archive.catalog.intake` - batches, records, documents and pages as they arrive;
* :mod:`~archive.catalog.pages` - page claims and recognition results;
* :mod:`~archive.catalog.documents` - document claims, packaging and indexing;
* :mod:`~archive.catalog.work_queue` - claims renewed or released, resume and retry;
* :mod:`~archive.catalog.restructure` - splitting and joining documents;
* :mod:`~archive.catalog.progress` - batch progress and failures.

Every state change is one short transaction; the hand-over of a complete document to
packaging is decided inside the transaction that records its last page, with the document row
locked first (:mod:`~archive.catalog.document_rows`), so two workers can never both package
the same document.
"""

from archive.catalog.core import MIGRATIONS, CatalogCore, make_engine, now
from archive.catalog.document_rows import DONE_PAGE_STATES
from archive.catalog.documents import DocumentWork
from archive.catalog.intake import Intake, PageSource
from archive.catalog.pages import PageWork
from archive.catalog.progress import Progress
from archive.catalog.restructure import DocumentPart, Restructuring, derived_source_key
from archive.catalog.work_queue import WorkQueue


class Catalog(Intake, PageWork, DocumentWork, WorkQueue, Restructuring, Progress):
    """All reads and writes of the catalog go through this class."""


__all__ = [
    "DONE_PAGE_STATES",
    "MIGRATIONS",
    "Catalog",
    "CatalogCore",
    "DocumentPart",
    "PageSource",
    "derived_source_key",
    "make_engine",
    "now",
]
