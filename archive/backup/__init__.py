"""Backups: consistent, incremental snapshots of a live archive; their check; their restore.

``store`` (the backup folder's layout and content store), ``dbcopy`` (the catalog copied
while in use: SQLite's online backup, ``pg_dump``), ``snapshot`` (take a backup), ``verify``
(re-hash it) and ``restore`` (rebuild an archive from it).
"""

from archive.backup.restore import RestoreReport, restore_backup
from archive.backup.snapshot import BackupReport, take_backup
from archive.backup.verify import VerifyReport, verify_backup

__all__ = [
    "BackupReport",
    "RestoreReport",
    "VerifyReport",
    "restore_backup",
    "take_backup",
    "verify_backup",
]
