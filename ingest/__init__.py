"""Intake: find the scans of a batch, open them page by page, checksum them."""

from ingest.manifest import (
    MANIFEST_NAMES,
    Manifest,
    ManifestProblem,
    ManifestRow,
    find_manifest,
    read_manifest,
)

__all__ = [
    "MANIFEST_NAMES",
    "Manifest",
    "ManifestProblem",
    "ManifestRow",
    "find_manifest",
    "read_manifest",
]
