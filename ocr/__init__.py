"""Image work and recognition: orientation, deskew, tesseract."""

from ocr.types import OcrResult, TextLine, Word

__all__ = ["OcrResult", "TextLine", "Word"]
