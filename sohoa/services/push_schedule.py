"""The push schedule: ``sohoa watch`` (and the web app's watcher) sending the outbox to the
centre by itself.

With ``SOHOA_PUSH_INTERVAL`` set (and ``SOHOA_TRANSFER_URL``, ``SOHOA_TRANSFER_KEY``) a
thread beside the watcher pushes at start, every interval, and soon after a batch is
archived. :func:`sohoa.services.transfer.push` does the work, so the time window, the
bandwidth limit and the lock (never two pushes at once, whoever started them) hold as for
``sohoa push``. A push that fails (the centre unreachable, refusing, a record not sent) is
tried again after ``SOHOA_PUSH_RETRY_SECONDS``, doubling per failure in a row up to
``SOHOA_PUSH_BACKOFF_MAX``; a push that succeeds (or finds itself outside the window) brings
back the plain interval. Every push is logged and kept in ``outbox/last_push.json``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from errors import ConfigError, SohoaError
from sohoa.config import Settings

log = logging.getLogger(__name__)

#: Seconds between a batch archived and the push it triggers (lets a burst of batches settle).
NUDGE_DELAY = 1.0


def next_delay(settings: Settings, failures: int) -> float:
    """Seconds until the next push after ``failures`` failed pushes in a row (0: all well)."""
    if failures <= 0:
        return settings.push_interval
    wait = settings.push_retry_seconds * 2 ** (failures - 1)
    return float(min(wait, max(settings.push_backoff_max, settings.push_retry_seconds)))


def check_schedule(settings: Settings) -> bool:
    """Whether a push schedule is asked for; a ConfigError when it cannot run."""
    if settings.push_interval <= 0:
        return False
    if not settings.transfer_url or not settings.transfer_key:
        raise ConfigError(
            "SOHOA_PUSH_INTERVAL is set: set SOHOA_TRANSFER_URL and SOHOA_TRANSFER_KEY too"
        )
    return True


class PushSchedule:
    """Pushes in a thread of its own until closed; see the module's description."""

    def __init__(
        self, settings: Settings, on_result: Callable[[str, str], None] | None = None
    ) -> None:
        self.settings = settings
        self.on_result = on_result
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.failures = 0
        self.pushes = 0
        self.thread = threading.Thread(target=self._run, name="sohoa-push", daemon=True)

    def start(self) -> None:
        """Start the thread: a first push at once, then on schedule."""
        self.thread.start()

    def nudge(self) -> None:
        """Push soon (a batch was archived); ignored while failed pushes are backing off."""
        if self.failures == 0:
            self.wake.set()

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the record in hand (a push cut short resumes at the next start)."""
        self.stop.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        from sohoa.pipeline import open_context

        try:
            ctx = open_context(self.settings)
        except SohoaError as exc:
            log.error("the push schedule could not start: %s", exc)
            return
        try:
            delay = 0.0
            while not self.stop.is_set():
                if delay > 0:
                    nudged = self.wake.wait(delay)
                    self.wake.clear()
                    if self.stop.is_set():
                        break
                    if nudged:
                        self.stop.wait(NUDGE_DELAY)
                        self.wake.clear()
                        if self.stop.is_set():
                            break
                self._push_once(ctx)
                delay = next_delay(self.settings, self.failures)
                if self.failures:
                    log.warning("next push in %.0f s (failure %d in a row)", delay, self.failures)
        finally:
            ctx.close()

    def _push_once(self, ctx: Any) -> None:
        from sohoa.services import transfer

        settings = self.settings
        self.pushes += 1
        try:
            report = transfer.push(
                ctx, url=settings.transfer_url, key=settings.transfer_key, stop=self.stop
            )
        except SohoaError as exc:
            self.failures += 1
            log.error("push to %s failed: %s", settings.transfer_url, exc)
            self._tell("failed", str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug must be logged, not end the watcher
            self.failures += 1
            log.exception("push to %s stopped on an internal error", settings.transfer_url)
            self._tell("failed", f"internal error: {exc}")
            return
        if report.result in ("failed", "partial"):
            self.failures += 1
            why = report.error or "; ".join(f"{k}: {v}" for k, v in report.failed.items())
            self._tell(report.result, f"{len(report.confirmed)} confirmed; {why}")
        else:
            self.failures = 0
            if report.confirmed:
                self._tell("pushed", f"{len(report.confirmed)} record versions confirmed")

    def _tell(self, kind: str, message: str) -> None:
        if self.on_result is not None:
            self.on_result(kind, message)


def start_schedule(
    settings: Settings, on_result: Callable[[str, str], None] | None = None
) -> PushSchedule | None:
    """A started schedule when ``SOHOA_PUSH_INTERVAL`` asks for one, else None."""
    if not check_schedule(settings):
        return None
    schedule = PushSchedule(settings, on_result)
    schedule.start()
    log.info(
        "pushing to %s every %.0f s (window %s)",
        settings.transfer_url,
        settings.push_interval,
        settings.transfer_window or "any time",
    )
    return schedule
