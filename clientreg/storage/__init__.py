"""The SQLite database: opening, checking and migrating the file, and transactions.

All of clientreg's SQL lives in this package, so that another backend could replace it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from clientreg.errors import Conflict, DatabaseBusy, StorageError
from clientreg.storage.schema import KNOWN_MIGRATIONS, MIGRATION_SET, REHEARSAL, migrations

BUSY_TIMEOUT_SECONDS = float(os.environ.get("CLIENTREG_BUSY_TIMEOUT", "10"))
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Client records are personal data: what clientreg creates, only its owner may read. SQLite gives
# the -wal and -shm files the mode of the database file, so the file is created first.
FILE_MODE = 0o600
FOLDER_MODE = 0o700
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass
class Store:
    """An open clientreg database."""

    db: Database
    path: Path
    backup_path: Path | None = None
    read_only: bool = False
    """Opened read-only: the file or its folder cannot be written (see open_database)."""
    committing: bool = False
    """True while a COMMIT runs: its changes may already be visible to other connections."""
    committed: bool = False
    """True once a transaction of this store committed: its changes are in the file."""
    before_commit: Callable[[], None] | None = None
    """Called just before COMMIT, with SIGINT and SIGTERM held; raising stops the transaction
    (an interruption whose exception a library swallowed, say, must not be followed by one)."""

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (a savepoint when nested); all of it lands or none of it.

        BEGIN IMMEDIATE takes the write lock up front, so a second writer waits for the busy
        timeout here instead of failing half-way through its work.
        """
        conn = self.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT nested")
            try:
                yield conn
            except BaseException:
                _undo(conn, "ROLLBACK TO SAVEPOINT nested", "RELEASE SAVEPOINT nested")
                raise
            with translate_errors(self.path):
                _still_open(conn, self.path)
                conn.execute("RELEASE SAVEPOINT nested")
            return
        if self.read_only:
            raise read_only_error(self.path)
        with translate_errors(self.path):
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            with translate_errors(self.path):
                # SQLite ends the whole transaction itself on some errors (a full disk, an I/O
                # error); a statement whose error was caught and reported would hide that.
                _still_open(conn, self.path)
        except BaseException:
            _undo(conn, "ROLLBACK")
            raise
        self._commit()

    def _commit(self) -> None:
        """COMMIT, with SIGINT and SIGTERM held until ``committed`` says how it ended.

        Other connections see the changes while COMMIT still runs (it copies them into the file
        before returning), so an interruption must not be taken for one that came before it.
        """
        conn = self.conn
        with signals_held():
            try:
                if self.before_commit is not None:
                    self.before_commit()
                self.committing = True
                with translate_errors(self.path):
                    conn.execute("COMMIT")
            except BaseException:
                _undo(conn, "ROLLBACK")
                raise
            else:
                self.committed = True
            finally:
                self.committing = False

    def close(self) -> None:
        self.db.close()


@dataclass
class Work:
    """One unit of work open on a store: what its writers need to know about it."""

    store: Store
    conn: sqlite3.Connection
    dry_run: bool
    """Everything is written, then rolled back; writers may leave out what no constraint checks
    (history rows)."""
    written: bool = False
    """False inside the block; after it, True when the unit committed (a unit nested in an open
    transaction: when its savepoint was kept, to land with that transaction)."""
    discarded: bool = False

    def discard(self) -> None:
        """End the block with a rollback instead of a commit (no exception)."""
        self.discarded = True


class _Undo(Exception):
    """Ends a unit of work that is a dry run or was discarded: rolls its transaction back."""


@contextlib.contextmanager
def unit_of_work(store: Store, *, dry_run: bool) -> Iterator[Work]:
    """One write transaction, with SQLite's errors turned into clientreg's storage errors.

    It commits when the block ends, unless it is a dry run or ``discard()`` was called: then it
    rolls back. An exception rolls back and propagates. Inside an open transaction it is a
    savepoint (pass the open Work down instead, where a caller has one).

    A dry run writes every row the schema checks, so the database's constraints accept or refuse
    it as they would in the real run, then rolls back. What no constraint can refuse, which the
    rollback would undo anyway, is left out: the search index (its triggers are dropped inside
    the transaction, and the rollback brings them back) and the history rows that writers leave
    out when they see ``work.dry_run``.
    """
    work = Work(store, store.conn, dry_run=dry_run)
    try:
        with translate_errors(store.path), store.transaction() as conn:
            if dry_run:
                for statement in REHEARSAL:
                    conn.execute(statement)
            yield work
            if work.dry_run or work.discarded:
                raise _Undo
    except _Undo:
        return
    work.written = True


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back from this thread (and the threads and processes it starts
    meanwhile); they arrive when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _undo(conn: sqlite3.Connection, *statements: str) -> None:
    """Roll back what the transaction did, if SQLite has not already rolled all of it back.

    Runs while another error is on its way up: a failure here must not replace that error.
    """
    if not conn.in_transaction:
        return
    try:
        for statement in statements:
            conn.execute(statement)
    except sqlite3.Error:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def _still_open(conn: sqlite3.Connection, path: Path) -> None:
    if not conn.in_transaction:
        raise StorageError("storage/transaction-ended", value=str(path), path=path)


def read_only_error(path: Path) -> StorageError:
    return StorageError("read-only", value=str(path), path=path)


@contextlib.contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's locking and file errors into clientreg's storage errors."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        # The schema's own constraints are the last line: Python checks should have caught it.
        raise Conflict("constraint", detail=str(exc)) from None
    except sqlite3.OperationalError as exc:
        text = str(exc)
        kind = getattr(exc, "sqlite_errorname", "")
        if kind == "SQLITE_FULL":
            raise _full_disk(path) from None
        if kind.startswith("SQLITE_READONLY"):
            raise read_only_error(path) from None
        if "locked" in text or "busy" in text:
            raise DatabaseBusy("database-busy", value=str(path), path=path,
                               seconds=f"{BUSY_TIMEOUT_SECONDS:g}") from None
        raise StorageError("storage/unusable", value=str(path), path=path, detail=text) from None
    except sqlite3.DatabaseError as exc:
        raise StorageError("storage/unusable", value=str(path), path=path,
                           detail=str(exc)) from None


def _full_disk(path: Path) -> StorageError:
    """The database's disk is full, or the one of SQLite's temporary files (staged import rows,
    sorting): the one with less room left, when they differ."""
    temporary = _temporary_folder()
    with contextlib.suppress(OSError):
        here, there = os.statvfs(path.parent), os.statvfs(temporary)
        if (os.stat(path.parent).st_dev != os.stat(temporary).st_dev
                and there.f_bavail * there.f_frsize < here.f_bavail * here.f_frsize):
            return StorageError("disk-full/temporary", value=temporary, folder=temporary)
    return StorageError("disk-full", value=str(path), path=path)


def _temporary_folder() -> str:
    """Where SQLite writes its temporary files on Unix (the first of these that it can use)."""
    for folder in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp",
                   "/usr/tmp", "/tmp"):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return "."


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
    """Open (creating if needed) and migrate a clientreg database.

    A file that is not SQLite, a SQLite file of another program, or one written by a newer
    clientreg stops with a StorageError and is not changed. Before migrating a file that holds
    data, a copy is written beside it with SQLite's online backup.

    A new database, and the folders created for it, are readable by their owner only. An
    existing file that cannot be written (nor its folder, which SQLite's journal needs) is
    opened read-only: it can be read, but not migrated, and every write transaction is refused.
    With ``writes``, such a file is refused at once instead, before the caller does any work.
    """
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
    conn = store.conn
    conn.execute("PRAGMA foreign_keys = ON")
    applied = _applied_names(conn)
    _check_applied(store.path, applied)
    if store.read_only:
        if not applied or migrations.pending(store.db):
            raise StorageError("read-only/needs-upgrade", value=str(store.path), path=store.path)
        return
    if not applied or migrations.pending(store.db):
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    if not migrations.pending(store.db):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = _applied_names(conn)  # another process may have migrated meanwhile
        _check_applied(store.path, applied)
        if applied and migrations.pending(store.db):
            store.backup_path = _backup(store, sorted(applied)[-1])
        migrations.apply(store.db)
    except BaseException:
        _undo(conn, "ROLLBACK")
        raise
    conn.execute("COMMIT")


def _check_applied(path: Path, applied: set[str] | None) -> None:
    if applied is None:
        raise StorageError("storage/other-program", value=str(path), path=path)
    newer = applied - KNOWN_MIGRATIONS
    if newer:
        raise StorageError("storage/newer-schema", value=str(path), path=path,
                           schema=max(newer))


def _backup(store: Store, version: str) -> Path:
    target = store.path.with_name(f"{store.path.name}.{version}.bak")
    # A copy of personal data: owner-only, like the database clientreg creates.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    # The copy is read through a second connection: SQLite refuses a backup whose source
    # connection holds a write transaction, and Python's backup() retries that forever. The
    # migration's connection keeps the write lock meanwhile, so the copy is of a still file.
    source = sqlite3.connect(store.path, timeout=BUSY_TIMEOUT_SECONDS)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target
