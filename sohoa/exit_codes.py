"""Exit codes: the one place where the error hierarchy becomes numbers (see the README)."""

from __future__ import annotations

from enum import IntEnum

from errors import (
    CatalogError,
    ConfigError,
    InputError,
    NotFoundError,
    QueryError,
    SohoaError,
    StorageError,
    ToolError,
    ToolMissingError,
)


class ExitCode(IntEnum):
    """The documented exit codes of ``sohoa``."""

    OK = 0
    INTERNAL = 1  # a bug: please report it with the log
    USAGE = 2  # wrong command-line arguments (click's own code)
    CONFIG = 3  # invalid settings
    PARTIAL = 4  # the run finished but some documents or pages failed (see the report)
    INPUT = 5  # the input cannot be used at all (not a folder, nothing to archive, bad query)
    TOOL_MISSING = 6  # tesseract or one of its languages is not installed
    TOOL = 7  # an external program failed
    STORAGE = 8  # cannot read or write SOHOA_HOME
    CATALOG = 9  # the catalog database failed
    NOT_FOUND = 10  # the requested item does not exist
    INTERRUPTED = 130  # Ctrl-C; run the same command again to resume


_ORDER: tuple[tuple[type[SohoaError], ExitCode], ...] = (
    (ConfigError, ExitCode.CONFIG),
    (ToolMissingError, ExitCode.TOOL_MISSING),
    (ToolError, ExitCode.TOOL),
    (InputError, ExitCode.INPUT),
    (QueryError, ExitCode.INPUT),
    (StorageError, ExitCode.STORAGE),
    (CatalogError, ExitCode.CATALOG),
    (NotFoundError, ExitCode.NOT_FOUND),
)


def exit_code_for(error: SohoaError) -> ExitCode:
    """The exit code that stands for ``error``'s kind."""
    for cls, code in _ORDER:
        if isinstance(error, cls):
            return code
    return ExitCode.INTERNAL
