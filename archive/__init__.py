"""Catalog, stored files and fixity, PDF/A packaging, statistics."""

from archive.catalog import Catalog, PageSource
from archive.pdfa import PdfInfo, PdfPage, build_pdfa

__all__ = ["Catalog", "PageSource", "PdfInfo", "PdfPage", "build_pdfa"]
