"""Generated sample and test documents with known ground truth.

Vietnamese administrative documents laid out as Decree 30/2020 prescribes, rendered as page
images and degraded the way a scanner does; every generated page knows its text and
geometry, so the OCR, the metadata extractor and the whole pipeline can be measured against
it. The modules, by what they hold:

* the text model: :mod:`~sohoa.synthetic.names` (places, people), :mod:`~sohoa.synthetic.agencies`
  (issuing bodies), :mod:`~sohoa.synthetic.vocab` (types, topics, summaries),
  :mod:`~sohoa.synthetic.prose` (dates, numbers, paragraphs), :mod:`~sohoa.synthetic.document`
  (the ground truth, :class:`AdminDocument`) and :mod:`~sohoa.synthetic.content` (a random
  document, :func:`random_admin_document`);
* layout and rendering: :mod:`~sohoa.synthetic.fonts`, :mod:`~sohoa.synthetic.typeset` (lines
  of text on a page) and :mod:`~sohoa.synthetic.layout` (the Decree 30 page);
* degradation: :mod:`~sohoa.synthetic.degrade` (skew, blur, noise, faint ink, turns);
* the sample batch: :mod:`~sohoa.synthetic.batch` (``python -m sohoa.synthetic OUT_DIR``).
"""

from sohoa.synthetic.agencies import CENTRES, DEPARTMENTS, DISTRICT_OFFICES, MINISTRIES
from sohoa.synthetic.batch import make_sample_batch
from sohoa.synthetic.content import random_admin_document
from sohoa.synthetic.degrade import degrade, scan_page
from sohoa.synthetic.document import AdminDocument
from sohoa.synthetic.fonts import A4_MM, find_font, mm_to_px, nfc, pt_to_px, text_width_mm
from sohoa.synthetic.layout import document_truth_text, render_admin_document
from sohoa.synthetic.names import (
    COMMUNES,
    DISTRICTS,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    PROVINCES,
    SURNAMES,
)
from sohoa.synthetic.prose import rng_for, vietnamese_paragraphs
from sohoa.synthetic.typeset import Line, balanced_wrap, paragraph_page, render_lines, wrap
from sohoa.synthetic.vocab import DOC_TYPES, SUMMARIES

__all__ = [
    "A4_MM",
    "CENTRES",
    "COMMUNES",
    "DEPARTMENTS",
    "DISTRICTS",
    "DISTRICT_OFFICES",
    "DOC_TYPES",
    "GIVEN_FEMALE",
    "GIVEN_MALE",
    "MIDDLE_FEMALE",
    "MIDDLE_MALE",
    "MINISTRIES",
    "PROVINCES",
    "SUMMARIES",
    "SURNAMES",
    "AdminDocument",
    "Line",
    "balanced_wrap",
    "degrade",
    "document_truth_text",
    "find_font",
    "make_sample_batch",
    "mm_to_px",
    "nfc",
    "paragraph_page",
    "pt_to_px",
    "random_admin_document",
    "render_admin_document",
    "render_lines",
    "rng_for",
    "scan_page",
    "text_width_mm",
    "vietnamese_paragraphs",
    "wrap",
]
