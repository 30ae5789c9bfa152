"""The SQLite database: opening, checking and migrating the file, and transactions.

All of clientreg's SQL lives in this package, so that another backend could replace it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from clientreg.errors import Conflict, DatabaseBusy, StorageError
from clientreg.storage.schema import KNOWN_MIGRATIONS, MIGRATION_SET, REHEARSAL, migrations

BUSY_TIMEOUT_SECONDS = float(os.environ.get("CLIENTREG_BUSY_TIMEOUT", "10"))
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Store:
    """An open clientreg database."""

    db: Database
    path: Path
    backup_path: Path | None = None
    rehearsing: bool = False
    """True inside rehearsal(): registrations leave out their history rows."""

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
                conn.execute("ROLLBACK TO SAVEPOINT nested")
                conn.execute("RELEASE SAVEPOINT nested")
                raise
            conn.execute("RELEASE SAVEPOINT nested")
            return
        with translate_errors(self.path):
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        with translate_errors(self.path):
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def rehearsal(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that always rolls back: a dry run.

        Every row the schema checks is written, so the database's constraints accept or refuse
        it as they would in the real run. The writes no constraint can refuse, which the
        rollback would undo anyway, are left out: the history rows of registrations (see
        ``rehearsing``; the few of catalogue entries are written) and the search index (its
        triggers are dropped inside the transaction, and the rollback brings them back).
        """
        try:
            with self.transaction() as conn:
                for statement in REHEARSAL:
                    conn.execute(statement)
                self.rehearsing = True
                try:
                    yield conn
                finally:
                    self.rehearsing = False
                raise _Undo
        except _Undo:
            pass

    def close(self) -> None:
        self.db.close()


class _Undo(Exception):
    """Ends a rehearsal: rolls its transaction back."""


@contextlib.contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's locking and file errors into clientreg's storage errors."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        # The schema's own constraints are the last line: Python checks should have caught it.
        raise Conflict(f"the database refused the change ({exc}); nothing was written",
                       code="constraint") from None
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise DatabaseBusy(
                f"the database {path} is busy (another clientreg is writing to it) and stayed "
                f"locked for {BUSY_TIMEOUT_SECONDS:g} s; nothing was written, try again",
                value=str(path),
            ) from None
        raise StorageError(f"the database {path} cannot be used: {text}", value=str(path)) from None
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"the database {path} cannot be used: {exc}", value=str(path)) from None


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a database file", value=str(path))
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}", value=str(path)) from None
    if header != _SQLITE_MAGIC:
        raise StorageError(f"{path} is not a SQLite database; clientreg leaves it untouched",
                           value=str(path))


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


def open_database(path: str | os.PathLike[str]) -> Store:
    """Open (creating if needed) and migrate a clientreg database.

    A file that is not SQLite, a SQLite file of another program, or one written by a newer
    clientreg stops with a StorageError and is not changed. Before migrating a file that holds
    data, a copy is written beside it with SQLite's online backup.
    """
    path = Path(path).expanduser()
    _check_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder {path.parent}: {exc.strerror}",
                           value=str(path)) from None
    with translate_errors(path):
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    store = Store(db=Database(conn, execute_plugins=False), path=path)
    try:
        with translate_errors(path):
            _prepare(store)
    except BaseException:
        conn.close()
        raise
    return store


def _prepare(store: Store) -> None:
    conn = store.conn
    conn.execute("PRAGMA foreign_keys = ON")
    applied = _applied_names(conn)
    _check_applied(store.path, applied)
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
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _check_applied(path: Path, applied: set[str] | None) -> None:
    if applied is None:
        raise StorageError(f"{path} is a SQLite database of another program, not clientreg's; "
                           "clientreg leaves it untouched", value=str(path))
    newer = applied - KNOWN_MIGRATIONS
    if newer:
        raise StorageError(f"{path} was written by a newer version of clientreg "
                           f"(schema {max(newer)}); upgrade clientreg to use it", value=str(path))


def _backup(store: Store, version: str) -> Path:
    target = store.path.with_name(f"{store.path.name}.{version}.bak")
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
