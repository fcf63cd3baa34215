"""A consistent copy of the embedded database, taken while the server runs
(``redbutler backup``).

Copying the file by hand is not a backup: in WAL mode the latest commits live in the
``-wal`` file until a checkpoint moves them in, and a copy taken during a write can be torn.
SQLite's online backup API copies every page within one read transaction instead: a
snapshot as of one commit, taken without stopping the server (in WAL mode a reader never
blocks the writer). PostgreSQL has its own tools (``pg_dump``, or base backups with WAL
archiving).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path


class BackupError(Exception):
    """The backup could not be made; nothing was left at the destination."""


def backup_sqlite(source: Path, dest: Path, *, busy_timeout: float = 5.0) -> int:
    """Copy the SQLite database at ``source`` to the new file ``dest``; its size in pages.

    The copy is written beside ``dest`` under another name, checked (``integrity_check``),
    switched to a rollback journal (one self-contained file), synced to disk, and only then
    moved into place: ``dest`` is the whole backup or does not exist. An existing ``dest``
    is never overwritten."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if dest.exists():
        raise BackupError(f"{dest} exists; give a new file name")
    if not dest.parent.is_dir():
        raise BackupError(f"no folder {dest.parent}")
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # closing(): a sqlite3 connection's own ``with`` commits but does not close.
        with (
            closing(sqlite3.connect(source, timeout=busy_timeout)) as src,
            closing(sqlite3.connect(partial)) as out,
        ):
            src.backup(out)  # every page at once: one snapshot
            (check,) = out.execute("PRAGMA integrity_check").fetchone()
            if check != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy
            (pages,) = out.execute("PRAGMA page_count").fetchone()
        _sync(partial)
        os.replace(partial, dest)
        _sync(dest.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return int(pages)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
