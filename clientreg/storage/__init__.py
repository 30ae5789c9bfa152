"""The database: opening, checking and migrating a SQLite file or a PostgreSQL database.

All of clientreg's SQL lives in this package. A ``postgresql://`` URL opens PostgreSQL through
storage.postgres, whose connection takes the same SQL as sqlite3's; anything else is a SQLite
file. Transactions (``unit_of_work``) are in storage.transactions, and are imported from here too.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from clientreg.clock import now
from clientreg.errors import StorageError
from clientreg.storage import pg_schema, postgres
from clientreg.storage.schema import KNOWN_MIGRATIONS, MIGRATION_SET, migrations
from clientreg.storage.transactions import (
    BUSY_TIMEOUT_SECONDS,
    HELD_SIGNALS,
    Store,
    Work,
    read_only_error,
    roll_back,
    signals_held,
    translate_errors,
    unit_of_work,
)

__all__ = [
    "BUSY_TIMEOUT_SECONDS", "HELD_SIGNALS", "Store", "Work", "open_database", "read_only_error",
    "signals_held", "translate_errors", "unit_of_work",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"
# Client records are personal data: what clientreg creates, only its owner may read. SQLite gives
# the -wal and -shm files the mode of the database file, so the file is created first.
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise StorageError("storage/folder", value=str(path), path=path)
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StorageError("storage/unreadable", value=str(path), path=path,
                           detail=exc.strerror) from None
    if header != _SQLITE_MAGIC:
        raise StorageError("storage/not-sqlite", value=str(path), path=path)


def _applied_names(conn: sqlite3.Connection) -> set[str] | None:
    """Migration names applied to this file; None when it holds tables but is not clientreg's."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "_sqlite_migrations" not in tables:
        return set() if not tables else None
    names = {row[0] for row in conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
    if not names and tables - {"_sqlite_migrations"}:
        return None
    return names


def open_database(path: str | os.PathLike[str], *, writes: bool = False) -> Store:
    """Open (creating if needed) and migrate a clientreg database: a postgresql:// URL (see
    open_postgres) or a SQLite file.

    A file that is not SQLite, a SQLite file of another program, or one written by a newer
    clientreg stops with a StorageError and is not changed. Before migrating a file that holds
    data, a copy is written beside it with SQLite's online backup.

    A new database, and the folders created for it, are readable by their owner only. An
    existing file that cannot be written (nor its folder, which SQLite's journal needs) is
    opened read-only: it can be read, but not migrated, and every write transaction is refused.
    With ``writes``, such a file is refused at once instead, before the caller does any work.
    """
    if postgres.is_url(path):
        return open_postgres(str(path))
    path = Path(path).expanduser()
    _check_file(path)
    if _writable(path):
        _create(path)
        with translate_errors(path):
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        store = Store(db=Database(conn, execute_plugins=False), path=path)
    elif writes:
        raise read_only_error(path)
    else:
        store = _open_read_only(path)
    try:
        with translate_errors(path):
            _prepare(store)
    except BaseException:
        store.conn.close()
        raise
    return store


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file: the file itself, and the folder for its -wal and -shm
    (unless both are already there and writable). A missing file is created, so it counts."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK | os.X_OK):
        return True
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    return all(os.access(file, os.W_OK) for file in sidecars)


def _create(path: Path) -> None:
    """Create the folders and the empty file owner-only, whatever the umask; keep what exists."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    try:
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=FOLDER_MODE)
    except OSError as exc:
        raise StorageError("storage/create-folder", value=str(path), folder=path.parent,
                           detail=exc.strerror) from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError("storage/create-file", value=str(path), path=path,
                           detail=exc.strerror) from None


def _open_read_only(path: Path) -> Store:
    """Open a file that cannot be written, for reading.

    SQLite reads a WAL database through its -shm file, which it cannot create in a read-only
    folder; when no -wal file holds changes either, the file alone is the whole database and is
    opened as immutable.
    """
    uri = "file:" + quote(str(path.resolve()))
    wal = path.with_name(path.name + "-wal")
    with translate_errors(path):
        try:
            return _connect_read_only(path, f"{uri}?mode=ro")
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN"
                    or (wal.exists() and wal.stat().st_size)):
                raise
        return _connect_read_only(path, f"{uri}?mode=ro&immutable=1")


def _connect_read_only(path: Path, uri: str) -> Store:
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite opens lazily
    except BaseException:
        conn.close()
        raise
    return Store(db=Database(conn, execute_plugins=False), path=path, read_only=True)


def _prepare(store: Store) -> None:
    assert isinstance(store.db, Database)  # SQLite's: PostgreSQL's is prepared by open_postgres
    db, conn = store.db, store.conn
    conn.execute("PRAGMA foreign_keys = ON")
    applied = _applied_names(conn)
    _check_applied(store.path, applied)
    if store.read_only:
        if not applied or migrations.pending(db):
            raise StorageError("read-only/needs-upgrade", value=str(store.path), path=store.path)
        return
    if not applied or migrations.pending(db):
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    if not migrations.pending(db):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = _applied_names(conn)  # another process may have migrated meanwhile
        _check_applied(store.path, applied)
        if applied and migrations.pending(db):
            store.backup_path = _backup(store, sorted(applied)[-1])
        migrations.apply(db)
    except BaseException:
        roll_back(conn, "ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_postgres(url: str) -> Store:
    """Connect to a PostgreSQL database and migrate it, as open_database does a file.

    Credentials come from the URL or from libpq (PGPASSWORD, PGUSER..., ~/.pgpass); messages
    name the database by its URL without the password. The migrations run in one transaction
    under the write lock, so two clientregs opening a new database apply them once; a database
    holding other tables, or migrated by a newer clientreg, is refused and left as it is.
    """
    shown = postgres.masked_url(url)
    with translate_errors(shown):
        conn = postgres.connect(url, lock_timeout_seconds=BUSY_TIMEOUT_SECONDS)
    store = Store(db=postgres.PgDatabase(conn), path=shown)
    try:
        with translate_errors(shown):
            applied = pg_schema.applied_names(conn, MIGRATION_SET)
            _check_postgres(shown, applied)
            if applied != KNOWN_MIGRATIONS:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    applied = pg_schema.applied_names(conn, MIGRATION_SET)  # meanwhile?
                    _check_postgres(shown, applied)
                    assert applied is not None
                    pg_schema.apply_pending(conn, MIGRATION_SET, applied, now())
                except BaseException:
                    roll_back(conn, "ROLLBACK")  # type: ignore[arg-type]
                    raise
                conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    return store


def _check_postgres(url: str, applied: set[str] | None) -> None:
    if applied is None:
        raise StorageError("storage/other-database", value=url, path=url)
    _check_applied(url, applied)


def _check_applied(path: Path | str, applied: set[str] | None) -> None:
    if applied is None:
        raise StorageError("storage/other-program", value=str(path), path=path)
    newer = applied - KNOWN_MIGRATIONS
    if newer:
        raise StorageError("storage/newer-schema", value=str(path), path=path,
                           schema=max(newer))


def _backup(store: Store, version: str) -> Path:
    path = Path(store.path)  # a SQLite file: PostgreSQL's databases are not copied
    target = path.with_name(f"{path.name}.{version}.bak")
    # A copy of personal data: owner-only, like the database clientreg creates.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    # The copy is read through a second connection: SQLite refuses a backup whose source
    # connection holds a write transaction, and Python's backup() retries that forever. The
    # migration's connection keeps the write lock meanwhile, so the copy is of a still file.
    source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target
