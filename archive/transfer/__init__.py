"""Site-to-centre transfer: site keys and received records (centre), the outbox (site).

- :mod:`archive.transfer.keys`: the centre's per-site keys, stored hashed.
- :mod:`archive.transfer.outbox`: the site's durable outbox and the packages it sends.
- :mod:`archive.transfer.incoming`: the centre's staging of arriving files (resumable,
  SHA-256 checked).
- :mod:`archive.transfer.importing`: the centre's import of a verified package into its
  catalog, with provenance events and versions.

The HTTP on both sides lives in ``sohoa.services.transfer`` and ``sohoa.web.transfer``.
"""

from __future__ import annotations

from archive.transfer.importing import Imported, import_version, parse_map
from archive.transfer.keys import SiteCheck, check_key, issue_key, list_sites, revoke_key
from archive.transfer.outbox import (
    build_package,
    enqueue_archived,
    open_entries,
    outbox_counts,
)

__all__ = [
    "Imported",
    "SiteCheck",
    "build_package",
    "check_key",
    "enqueue_archived",
    "import_version",
    "issue_key",
    "list_sites",
    "open_entries",
    "outbox_counts",
    "parse_map",
    "revoke_key",
]
