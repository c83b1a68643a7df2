"""Image work and recognition: orientation, deskew, tesseract."""

from ocr.deskew import deskew, estimate_skew
from ocr.orient import rotate_array_clockwise, rotate_clockwise
from ocr.prepare import PreparedPage, is_blank, prepare_page
from ocr.recognise import orientation_suspect, recognise_page
from ocr.tesseract import detect_orientation, run_ocr, tesseract_version
from ocr.types import OcrResult, TextLine, Word

__all__ = [
    "OcrResult",
    "PreparedPage",
    "TextLine",
    "Word",
    "deskew",
    "detect_orientation",
    "estimate_skew",
    "is_blank",
    "orientation_suspect",
    "prepare_page",
    "recognise_page",
    "rotate_array_clockwise",
    "rotate_clockwise",
    "run_ocr",
    "tesseract_version",
]
