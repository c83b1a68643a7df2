"""Intake: find the scans of a batch, open them page by page, checksum them."""

from ingest.errors import (
    CatalogError,
    ConfigError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ImageTooLargeError,
    InputError,
    NotFoundError,
    QueryError,
    SohoaError,
    StorageError,
    ToolError,
    ToolMissingError,
    ToolTimeoutError,
    UnsupportedFormatError,
)

__all__ = [
    "CatalogError",
    "ConfigError",
    "CorruptFileError",
    "EmptyFileError",
    "EncryptedFileError",
    "ImageTooLargeError",
    "InputError",
    "NotFoundError",
    "QueryError",
    "SohoaError",
    "StorageError",
    "ToolError",
    "ToolMissingError",
    "ToolTimeoutError",
    "UnsupportedFormatError",
]
