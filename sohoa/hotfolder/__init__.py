"""The hot folder: batches that scanners drop into a folder are archived when they are complete.

``scan`` (what the folder holds and which batches are stable), ``state`` (the durable state and
the lock), ``folders`` (moving batches, the reasons file), ``outcome`` (how a batch ended) and
``watcher`` (the loop). ``sohoa.services.watch`` runs it for the CLI and the web app.
"""

from sohoa.hotfolder.watcher import HotFolder, Notice, WatchOptions, options_from

__all__ = ["HotFolder", "Notice", "WatchOptions", "options_from"]
