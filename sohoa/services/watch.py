"""The hot-folder watcher as a service: run it here (``sohoa watch``) or beside the web app.

See ``sohoa.hotfolder`` for how batches are found, taken, archived and moved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from errors import SohoaError
from sohoa.config import Settings
from sohoa.hotfolder import HotFolder, Notice, options_from

log = logging.getLogger(__name__)


def watch(
    settings: Settings,
    root: Path | None = None,
    *,
    stop: threading.Event | None = None,
    once: bool = False,
    on_notice: Callable[[Notice], None] | None = None,
    **options: Any,
) -> None:
    """Watch the hot folder ``root`` (default ``SOHOA_WATCH_DIR``) until ``stop`` is set;
    with ``SOHOA_PUSH_INTERVAL``, push the outbox to the centre on schedule meanwhile."""
    from sohoa.pipeline import open_context
    from sohoa.services.push_schedule import start_schedule

    opts = options_from(settings, root, **options)
    ctx = open_context(settings)
    try:

        def tell(kind: str, message: str) -> None:
            if on_notice is not None:
                on_notice(Notice(f"push {kind}", "", message))

        schedule = start_schedule(settings, tell)

        def noticed(notice: Notice) -> None:
            if schedule is not None and notice.kind == "archived":
                schedule.nudge()
            if on_notice is not None:
                on_notice(notice)

        try:
            HotFolder(ctx, opts, noticed).run(stop, once=once)
        finally:
            if schedule is not None:
                schedule.close()
    finally:
        ctx.close()


class BackgroundWatcher:
    """The watcher in a thread of another process (the web app, ``SOHOA_SERVE_WATCH``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sohoa-watch", daemon=True)

    def _run(self) -> None:
        try:
            watch(self.settings, stop=self.stop)
        except SohoaError as exc:
            log.error("the hot-folder watcher stopped: %s", exc)
        except Exception:  # noqa: BLE001 - a bug must not pass unnoticed, nor kill the server
            log.exception("the hot-folder watcher stopped on an internal error")

    def start(self) -> None:
        """Start watching ``SOHOA_WATCH_DIR`` in the background."""
        self.thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Ask the watcher to stop and wait a little for it (a batch in hand resumes later)."""
        self.stop.set()
        self.thread.join(timeout)


def start_background(settings: Settings) -> BackgroundWatcher | None:
    """With ``SOHOA_SERVE_WATCH`` and ``SOHOA_WATCH_DIR`` set: a started watcher thread."""
    if not settings.serve_watch:
        return None
    if settings.watch_dir is None:
        log.warning("SOHOA_SERVE_WATCH is set but SOHOA_WATCH_DIR is not: no hot folder")
        return None
    watcher = BackgroundWatcher(settings)
    watcher.start()
    return watcher
