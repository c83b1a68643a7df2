"""Keep this process's claims alive while it works on them.

A claim on a page or document expires after the lease unless renewed; a background thread
renews every claim this process holds a few times per lease. A killed worker stops renewing,
so its work is taken over after one lease instead of after the longest time a page could
legitimately take. This keeps the lease short (default 90 s) even with a 300 s OCR timeout.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from archive import Catalog
from errors import SohoaError

log = logging.getLogger(__name__)


class ClaimKeeper:
    """Renews, from one background thread, every claim this process holds."""

    def __init__(self, catalog: Catalog, *, lease: float) -> None:
        self.catalog = catalog
        self.interval = max(1.0, lease / 3)
        self._held: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def holding(self, kind: str, item_id: int, token: str) -> Iterator[None]:
        """Renew the claim on (``kind``, ``item_id``) for as long as the block runs."""
        with self._lock:
            self._held[(kind, item_id)] = token
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sohoa-claims", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held.pop((kind, item_id), None)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                held = dict(self._held)
            if not held:
                continue
            try:
                self.catalog.renew_claims(
                    pages=[(i, tok) for (kind, i), tok in held.items() if kind == "page"],
                    documents=[(i, tok) for (kind, i), tok in held.items() if kind == "document"],
                )
            except SohoaError as exc:  # the next round tries again; the lease has slack
                log.warning("could not renew claims: %s", exc)

    def close(self) -> None:
        """Stop renewing claims."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
