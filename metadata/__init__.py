"""Fields from recognised text: number/symbol, date, type, issuing body, summary.

``extract_metadata(page)`` reads the TT05 document fields from the OCR of a document's first
page; every value is a :class:`Field` with its confidence, the OCR text it came from, the rule
that produced it and its box on the page.
"""

from metadata.extract import extract_metadata
from metadata.types import DocumentMetadata, Field
from metadata.vocab import TYPES, fold

__all__ = ["TYPES", "DocumentMetadata", "Field", "extract_metadata", "fold"]
