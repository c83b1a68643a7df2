"""The hot-folder watcher: take stable batches, archive them with the ingest service, move them.

Each pass scans the hot folder, notes which batches changed (``scan.StabilityTracker``) and
archives the ready ones one at a time, exactly as ``sohoa ingest`` does. Every step is saved
in the durable state before it is taken, so a watcher killed at any moment finishes the batch
after a restart: intake recognises documents registered before by their checksums, and the
catalog says which pages are left. ``watchfiles`` wakes the watcher when something changes
(OS events, or polling for network shares); it also wakes on a timer to check stability.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errors import InputError, StorageError
from sohoa.config import Settings
from sohoa.hotfolder import folders
from sohoa.hotfolder.outcome import batch_outcome
from sohoa.hotfolder.scan import Candidate, StabilityTracker, scan, scan_batch
from sohoa.hotfolder.state import FINISHED, WatchLock, WatchState, state_paths
from sohoa.pipeline import Context

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # intake attempts that failed on storage before a batch goes to failed/


@dataclass(frozen=True)
class WatchOptions:
    """Where the hot folder is, when a batch is ready, and where finished batches go."""

    root: Path
    stable_seconds: float = 30.0
    marker: str = "READY"
    done_dir: Path | None = None
    failed_dir: Path | None = None
    poll: bool = False
    poll_ms: int = 2000
    fonds: str | None = None
    record: str | None = None
    operator: str = ""

    @property
    def done(self) -> Path:
        """The folder finished batches are moved to (default ``DIR/_done``)."""
        return Path(self.done_dir) if self.done_dir else self.root / "_done"

    @property
    def failed(self) -> Path:
        """The folder batches with failures are moved to (default ``DIR/_failed``)."""
        return Path(self.failed_dir) if self.failed_dir else self.root / "_failed"

    @property
    def tick(self) -> float:
        """Seconds between stability checks when nothing happens."""
        return max(0.2, min(2.0, self.stable_seconds / 3))


def options_from(settings: Settings, root: Path | None = None, **overrides: Any) -> WatchOptions:
    """The watcher's options from the ``SOHOA_WATCH_*`` settings (and explicit overrides)."""
    folder = root or settings.watch_dir
    if folder is None:
        raise InputError("no hot folder: give `sohoa watch DIR` or set SOHOA_WATCH_DIR")
    values: dict[str, Any] = {
        "root": Path(folder),
        "stable_seconds": settings.watch_stable_seconds,
        "marker": settings.watch_marker,
        "done_dir": settings.watch_done_dir,
        "failed_dir": settings.watch_failed_dir,
        "poll": settings.watch_poll,
        "poll_ms": settings.watch_poll_ms,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return WatchOptions(**values)


@dataclass(frozen=True)
class Notice:
    """Something the watcher did or saw, for the person watching (``kind``: a short word)."""

    kind: str  # taken | removed | archived | failed | vanished | changed | error
    batch: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


class HotFolder:
    """One hot folder, watched by this process; see the module's description."""

    def __init__(
        self, ctx: Context, options: WatchOptions, on_notice: Callable[[Notice], None] | None
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.root = Path(options.root)
        self.on_notice = on_notice
        state_file, lock_file = state_paths(ctx.home, self.root)
        self.lock = WatchLock(lock_file, self.root)
        self.state = WatchState.load(state_file, self.root)
        self.tracker = StabilityTracker(options.stable_seconds)

    # ------------------------------------------------------------------ running

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> None:
        """Watch until ``stop`` is set (with ``once``: until nothing is left to archive)."""
        import watchfiles

        if not self.root.is_dir():
            raise InputError(f"{self.root} is not a folder: create the hot folder first")
        stop = stop or threading.Event()
        self.lock.acquire()
        try:
            self.finish_moves()
            if self.step() == 0 and once:
                return
            for _changes in watchfiles.watch(
                self.root,
                watch_filter=None,
                debounce=400,
                rust_timeout=int(self.options.tick * 1000),
                yield_on_timeout=True,
                stop_event=stop,
                force_polling=self.options.poll,
                poll_delay_ms=self.options.poll_ms,
                raise_interrupt=True,
            ):
                if self.step() == 0 and once:
                    return
        finally:
            self.lock.release()

    def step(self) -> int:
        """One pass: archive every ready batch; returns how many batches are still waiting."""
        exclude = [self.options.done, self.options.failed]
        candidates = scan(self.root, marker=self.options.marker, exclude=exclude)
        self.tracker.observe(candidates)
        waiting = 0
        for candidate in candidates:
            if self._ready(candidate):
                self._take(candidate)
            else:
                waiting += 1
        for name in [n for n in self.state.batches if not (self.root / n).is_dir()]:
            self._vanished(name)
        return waiting

    def finish_moves(self) -> None:
        """After a restart: move the batches that were archived but not moved yet."""
        for name, entry in list(self.state.batches.items()):
            if entry.get("step") == FINISHED:
                self._move(name, entry.get("outcome", {}))

    # ------------------------------------------------------------------ one batch

    def _ready(self, candidate: Candidate) -> bool:
        entry = self.state.batches.get(candidate.name)
        if entry is not None and entry.get("digest") == candidate.digest:
            return True  # taken before a restart and unchanged since: go on at once
        return self.tracker.is_ready(candidate)

    def _take(self, candidate: Candidate) -> None:
        if candidate.name == "":  # loose files: into a batch folder of their own
            batch = folders.gather_loose(self.root, candidate.files, marker=self.options.marker)
            log.info("gathered %d loose files into %s", len(candidate.files), batch.name)
            fresh = scan_batch(batch, marker=self.options.marker)
            if fresh is not None:
                self._take(fresh)
            return
        fresh = scan_batch(candidate.path, marker=self.options.marker)
        if fresh is None:
            self._vanished(candidate.name, files=candidate.files)
            return
        if not self._unchanged_but_removals(candidate, fresh):
            self._notice("changed", candidate.name, "changed while queued: waiting again")
            return
        self._archive(candidate, fresh)

    def _unchanged_but_removals(self, queued: Candidate, fresh: Candidate) -> bool:
        before = {rel: (size, mtime) for rel, size, mtime in queued.signature}
        return all(before.get(rel) == (size, mtime) for rel, size, mtime in fresh.signature)

    def _archive(self, queued: Candidate, fresh: Candidate) -> None:
        name, marker = queued.name, self.options.marker
        entry = self.state.take(name, fresh.digest)
        removed = sorted(set(queued.files) - set(fresh.files) - {marker})
        if removed:
            entry["removed"] = sorted(set(entry["removed"]) | set(removed))
            self.state.save()
            self._removed(name, removed)
        (fresh.path / marker).unlink(missing_ok=True)
        taken = scan_batch(fresh.path, marker=marker)
        if taken is None:
            self._vanished(name, files=fresh.files)
            return
        entry["digest"] = taken.digest
        self.state.save()
        self._notice("taken", name, f"archiving {len(taken.files)} files")
        report = self._intake(name, entry, taken)
        if report is None:
            return
        after = scan_batch(taken.path, marker=marker)
        if after is None or after.digest != taken.digest:
            self._notice("changed", name, "files changed while they were archived: again later")
            return
        outcome = batch_outcome(self.ctx.catalog, report.documents, removed=entry["removed"])
        self.state.finish(name, outcome)
        self._move(name, outcome)

    def _intake(self, name: str, entry: dict[str, Any], taken: Candidate) -> Any:
        """Register and process the batch like ``sohoa ingest``; None when it must wait."""
        from sohoa.services import batches

        opts = self.options
        try:
            report = batches.intake_batch(
                self.ctx, taken.path, fonds=opts.fonds, record=opts.record, operator=opts.operator
            )
        except InputError as exc:
            outcome = {"ok": False, "archived": [], "failed": [], "problems": [str(exc)]}
            outcome["removed"] = entry["removed"]
            self.state.finish(name, outcome)
            self._move(name, outcome)
            return None
        except StorageError as exc:  # e.g. a file removed while intake read it
            entry["attempts"] = entry.get("attempts", 0) + 1
            self.state.save()
            self._notice("error", name, f"{exc} (attempt {entry['attempts']})")
            if entry["attempts"] >= MAX_ATTEMPTS:
                outcome = {"ok": False, "archived": [], "failed": [], "problems": [str(exc)]}
                outcome["removed"] = entry["removed"]
                self.state.finish(name, outcome)
                self._move(name, outcome)
            else:
                entry["digest"] = ""  # wait until the batch is stable again
                self.state.save()
                self.tracker.seen.pop(name, None)
            return None
        entry["batch_ids"] = sorted({*entry["batch_ids"], report.batch_id})
        self.state.save()
        batches.process(self.ctx, set(entry["batch_ids"]), wait=True)
        for batch_id in entry["batch_ids"]:
            batches.finish_batch(self.ctx, batch_id)
        return report

    def _move(self, name: str, outcome: dict[str, Any]) -> None:
        source = self.root / name
        if not source.is_dir():  # moved before a restart, state not yet saved
            self.state.moved(name, Path("?"))
            return
        if outcome.get("ok"):
            if outcome.get("removed"):
                folders.write_text(source / folders.REPORT_FILE, folders.report_text(name, outcome))
            target = folders.move_into(source, self.options.done)
            self.state.moved(name, target)
            archived = len(outcome.get("archived", []))
            self._notice("archived", name, f"{archived} documents archived; moved to {target}")
        else:
            text = folders.reasons_text(name, outcome, root=self.root)
            folders.write_text(source / folders.REASONS_FILE, text)
            target = folders.move_into(source, self.options.failed)
            self.state.moved(name, target)
            bad = len(outcome.get("failed", [])) + len(outcome.get("problems", []))
            self._notice(
                "failed",
                name,
                f"{bad} problems; moved to {target}: see {folders.REASONS_FILE} there",
                outcome,
            )

    # ------------------------------------------------------------------ reports

    def _removed(self, name: str, removed: list[str]) -> None:
        self.ctx.catalog.log_event(
            "watch_file_removed", detail={"batch": name, "files": removed, "root": str(self.root)}
        )
        self._notice(
            "removed",
            name,
            f"{len(removed)} file(s) removed before they were archived: {', '.join(removed)}",
            {"files": removed},
        )

    def _vanished(self, name: str, files: list[str] | None = None) -> None:
        entry = self.state.batches.get(name)
        lost = files or []
        self.ctx.catalog.log_event(
            "watch_batch_removed", detail={"batch": name, "files": lost, "root": str(self.root)}
        )
        self.state.drop(name)
        was = " after it was taken" if entry else ""
        self._notice("vanished", name, f"the batch folder was removed{was} before it was archived")

    def _notice(self, kind: str, batch: str, message: str, detail: Any = None) -> None:
        level = (
            logging.WARNING if kind in ("removed", "vanished", "error", "failed") else logging.INFO
        )
        log.log(level, "%s: %s", batch or "(loose files)", message)
        if self.on_notice is not None:
            self.on_notice(Notice(kind, batch, message, dict(detail or {})))
