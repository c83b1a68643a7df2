"""The one error hierarchy of sohoa.

Every package raises these; only the boundaries translate them: the CLI into exit codes
(``sohoa.exit_codes``), the web app into HTTP statuses, the workers into retry decisions. It is
a package of its own, below the five libraries (``ingest``, ``ocr``, ``metadata``, ``archive``,
``search``), so each may import it without importing another stage; it imports nothing.

``permanent`` tells a worker whether retrying can help: bad input never gets better, a
timed-out or crashed external program might.
"""

from __future__ import annotations

from pathlib import Path


class SohoaError(Exception):
    """Base of every error sohoa raises on purpose."""

    permanent: bool = True

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return self.message


class ConfigError(SohoaError):
    """A setting is missing or invalid."""


class InputError(SohoaError):
    """An input file cannot be archived as it is (corrupt, encrypted, empty, unsupported...)."""


class EmptyFileError(InputError):
    pass


class UnsupportedFormatError(InputError):
    pass


class CorruptFileError(InputError):
    pass


class EncryptedFileError(InputError):
    pass


class ImageTooLargeError(InputError):
    pass


class ToolError(SohoaError):
    """An external program (tesseract...) failed; may succeed on retry."""

    permanent = False


class ToolTimeoutError(ToolError):
    pass


class ToolMissingError(ToolError):
    """An external program or its data (e.g. a tesseract language) is not installed."""

    permanent = True


class StorageError(SohoaError):
    """Writing or reading the archive's stored files failed."""

    permanent = False


class CatalogError(SohoaError):
    """The catalog refused an operation or is inconsistent."""


class NotFoundError(SohoaError):
    """A requested batch, document, page or file does not exist."""


class QueryError(SohoaError):
    """A search query cannot be run (for example, it contains no searchable word)."""
