"""What every command shares: the consoles, logging, the error boundary, the context.

This is the boundary where errors become exit codes (see ``sohoa.exit_codes``) and the only
place that prints.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from errors import SohoaError
from sohoa.config import Settings
from sohoa.exit_codes import ExitCode, exit_code_for

F = TypeVar("F", bound=Callable[..., Any])

# Piped output (no terminal) gets a wide console so tables are not squeezed to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)


def setup_logging(verbose: int) -> None:
    """Log to stderr: warnings, with -v information, with -vv debugging."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=verbose > 1)],
    )
    logging.getLogger("dramatiq").setLevel(max(level, logging.WARNING))


def boundary(fn: F) -> F:
    """Turn sohoa errors into one clear message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SohoaError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            sys.exit(exit_code_for(exc))
        except KeyboardInterrupt:
            err.print("[yellow]interrupted:[/] run the same command again to resume")
            sys.exit(ExitCode.INTERRUPTED)

    return wrapper  # type: ignore[return-value]


def open_ctx(settings: Settings) -> Any:
    """The pipeline context (catalog and search index) for ``settings``."""
    from sohoa.pipeline import open_context

    return open_context(settings)


def login_name() -> str:
    """Who runs the command (``$USER``): the default actor of recorded changes."""
    return os.environ.get("USER", "")


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout (non-ASCII kept, dates and the like as strings)."""
    import json

    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


def print_json_items(items: Iterable[Any]) -> None:
    """A JSON array of ``items`` on stdout, written item by item as they come: the same
    text as ``print_json(list(items))`` without holding the list."""
    import json

    from rich.highlighter import JSONHighlighter
    from rich.text import Text

    def write(chunk: str, end: str = "") -> None:
        if not out.is_terminal:  # plain text, as rich writes it there, without its cost
            out.file.write(chunk + end)
            return
        text = JSONHighlighter()(Text(chunk))
        text.no_wrap, text.overflow = True, None
        out.print(text, soft_wrap=True, end=end)

    first = True
    for item in items:
        # through a string first, as print_json does: dates and the like become strings
        plain = json.loads(json.dumps(item, ensure_ascii=False, default=str))
        body = json.dumps(plain, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        write(("[\n  " if first else ",\n  ") + body)
        first = False
    write("[]" if first else "\n]", end="\n")


#: Rows a streamed table measures its column widths on (``print_rows``).
TABLE_SAMPLE = 500


def print_rows(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, sample: int = TABLE_SAMPLE
) -> None:
    """A plain table on stdout, written as the rows come: columns two spaces apart, as wide
    as their widest cell among the header and the first ``sample`` rows (a wider cell
    further down widens only its own line). Thousands of rows print in a fraction of the
    time a rich table takes, which has to hold and measure every row first."""
    rows = iter(rows)
    head = [list(headers)] + [list(r) for r in itertools.islice(rows, sample)]
    widths = [max(len(r[k]) for r in head) for k in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=False)]
        return "  ".join([*padded, cells[-1]]).rstrip() + "\n"

    write = out.file.write
    write(line(head[0]))
    write(line(["-" * w for w in widths]))
    for cells in itertools.chain(head[1:], rows):
        write(line(cells))


def size(n: int) -> str:
    """A byte count for people: 1.5 MB."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{n} B"
