"""Catalog, stored files and fixity, PDF/A packaging, statistics."""

from archive.catalog import Catalog, PageSource
from archive.manifests import ManifestReport, apply_manifest
from archive.pdfa import PdfInfo, PdfPage, build_pdfa, copy_pages, make_conformant
from archive.records import record_summary
from archive.staff_fields import merge_staff_fields

__all__ = [
    "Catalog",
    "ManifestReport",
    "PageSource",
    "PdfInfo",
    "PdfPage",
    "apply_manifest",
    "build_pdfa",
    "copy_pages",
    "make_conformant",
    "merge_staff_fields",
    "record_summary",
]
