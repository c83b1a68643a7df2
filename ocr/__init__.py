"""Image work and recognition: orientation, deskew, cleaning for OCR, tesseract."""

from ocr.clean import STEPS as CLEAN_STEPS
from ocr.clean import Cleaning, clean_for_ocr
from ocr.correct import correct_result
from ocr.deskew import deskew, estimate_skew
from ocr.orient import rotate_array_clockwise, rotate_clockwise
from ocr.prepare import PreparedPage, is_blank, prepare_page
from ocr.recognise import REREAD_SCALE, orientation_suspect, read_region, recognise_page
from ocr.syllable_model import SyllableModel, load_model
from ocr.tesseract import (
    detect_orientation,
    model_info,
    resolve_tessdata,
    run_ocr,
    tesseract_version,
)
from ocr.types import OcrResult, TextLine, Word

__all__ = [
    "CLEAN_STEPS",
    "Cleaning",
    "clean_for_ocr",
    "REREAD_SCALE",
    "read_region",
    "OcrResult",
    "PreparedPage",
    "SyllableModel",
    "TextLine",
    "Word",
    "correct_result",
    "deskew",
    "detect_orientation",
    "estimate_skew",
    "is_blank",
    "load_model",
    "model_info",
    "orientation_suspect",
    "prepare_page",
    "recognise_page",
    "resolve_tessdata",
    "rotate_array_clockwise",
    "rotate_clockwise",
    "run_ocr",
    "tesseract_version",
]
