"""Online, consistent backups of the database and the photo store, and their restore.

A backup is one archive (archive.py): a ``.tar`` file, or a directory (any other DEST). Its
database part is one consistent snapshot (snapshot.py): a SQLite copy, a ``pg_dump``, or
the portable format (portable.py) that any database can load. create.py writes a backup,
restore.py puts one back.
"""

from checkin.ops.backup.archive import BackupError, read_manifest
from checkin.ops.backup.create import BackupResult, create_backup
from checkin.ops.backup.restore import RestoreResult, database_row_counts, restore_backup
from checkin.ops.backup.snapshot import BackupFormat, pg_dump_usable

__all__ = ["BackupError", "BackupFormat", "BackupResult", "RestoreResult", "create_backup",
           "database_row_counts", "pg_dump_usable", "read_manifest", "restore_backup"]
