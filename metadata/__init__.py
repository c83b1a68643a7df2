"""Fields from recognised text: number/symbol, date, type, issuing body, summary, signature.

``extract_document(pages, reread=None)`` reads the TT05 document fields from the OCR of a
document's pages (header from page 1, signature block and recipients from the last page);
``extract_metadata(page)`` is its one-page form. Every value is a :class:`Field` with its
confidence, page, box, the OCR text it came from, the rule that produced it and the reasons
(``flags``) a person should check it; ``DocumentMetadata.needs_review`` sums them up.
"""

from metadata.document import extract_document, extract_metadata
from metadata.folding import fold
from metadata.reread import REREAD_FIELDS, Reread
from metadata.split import DocumentStart, document_starts, document_starts_detail
from metadata.types import DocumentMetadata, Field
from metadata.validation import REQUIRED, validate
from metadata.vocab import TYPES

__all__ = [
    "REQUIRED",
    "REREAD_FIELDS",
    "TYPES",
    "DocumentMetadata",
    "DocumentStart",
    "Field",
    "Reread",
    "document_starts",
    "document_starts_detail",
    "extract_document",
    "extract_metadata",
    "fold",
    "validate",
]
