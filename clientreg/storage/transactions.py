"""Transactions on a clientreg database: the unit of work; SQLite's errors as clientreg's."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from sqlite_utils import Database

from clientreg.errors import Conflict, DatabaseBusy, StorageError
from clientreg.storage.postgres import RETRY, PgDatabase, is_postgres
from clientreg.storage.schema import (
    DROP_SEARCH_TRIGGERS,
    REBUILD_SEARCH,
    REHEARSAL,
    SEARCH_TRIGGERS,
)

T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = float(os.environ.get("CLIENTREG_BUSY_TIMEOUT", "10"))
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}
BULK_INDEX_MIN_COMPANIES = 1000
BULK_INDEX_RATIO = 4
"""A unit of work that writes at least this many companies, and at least a quarter as many as the
database holds, rebuilds the search index once rather than row by row: the rebuild then costs at
most about half what the triggers would."""


class Ledger(Protocol):
    """What records the run of a command in each write transaction of its store (clientreg.runs).

    ``opened`` is called just after a transaction begins, ``closing`` just before it commits
    (both inside it, so the run lands with what it records, or not at all), ``closed`` once it
    ended either way.
    """

    run_id: int | None

    def opened(self, conn: sqlite3.Connection) -> None: ...

    def closing(self, conn: sqlite3.Connection) -> None: ...

    def left(self, entity: str, key: str, action: str) -> None:
        """A record the run left as it was: ``action`` is unchanged or skipped."""

    def changed(self, entity: str, key: str) -> None:
        """A record the run changed, maybe through the rows of others only (its contacts)."""

    def closed(self) -> None: ...


@dataclass
class Store:
    """An open clientreg database."""

    db: Database | PgDatabase
    path: Path | str
    """The SQLite file, or the PostgreSQL URL without its password (as messages show it)."""
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
    ledger: Ledger | None = None
    """Records a run in every write transaction (see clientreg.runs); None: no run recorded."""

    @property
    def conn(self) -> sqlite3.Connection:
        # PostgreSQL's is a PgConnection, which takes the same calls (see storage.postgres).
        return self.db.conn  # type: ignore[return-value]

    _staging: sqlite3.Connection | None = None

    @property
    def staging(self) -> sqlite3.Connection:
        """Where an import stages its rows in TEMP tables (schemas.staging): this connection on
        SQLite; beside PostgreSQL, a private SQLite database of this process, in a temporary
        file (no NUL in PostgreSQL's text, and no round trip to the server per row)."""
        if not self.postgres:
            return self.conn
        if self._staging is None:
            self._staging = sqlite3.connect("", isolation_level=None)
        return self._staging

    @property
    def postgres(self) -> bool:
        """Whether the database is PostgreSQL's."""
        return is_postgres(self.db.conn)

    @property
    def run_id(self) -> int | None:
        """The run the open write transaction records, which its history rows point at."""
        return self.ledger.run_id if self.ledger is not None else None

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
                roll_back(conn, "ROLLBACK TO SAVEPOINT nested", "RELEASE SAVEPOINT nested")
                raise
            with translate_errors(self.path):
                _still_open(conn, self.path)
                conn.execute("RELEASE SAVEPOINT nested")
            return
        if self.read_only:
            raise read_only_error(self.path)
        with translate_errors(self.path):
            conn.execute("BEGIN IMMEDIATE")
        ledger = self.ledger
        try:
            try:
                if ledger is not None:
                    with translate_errors(self.path):
                        ledger.opened(conn)
                yield conn
                with translate_errors(self.path):
                    # SQLite ends the whole transaction itself on some errors (a full disk, an
                    # I/O error); a statement whose error was caught and reported would hide it.
                    _still_open(conn, self.path)
                    if ledger is not None:
                        ledger.closing(conn)
            except BaseException:
                roll_back(conn, "ROLLBACK")
                raise
            self._commit()
        finally:
            if ledger is not None:
                ledger.closed()

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
                roll_back(conn, "ROLLBACK")
                raise
            else:
                self.committed = True
            finally:
                self.committing = False

    def close(self) -> None:
        if self._staging is not None:
            self._staging.close()
            self._staging = None
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
    _search_triggers: list[str] | None = None
    """The search index's triggers, while they are dropped for index_search_at_end."""

    def discard(self) -> None:
        """End the block with a rollback instead of a commit (no exception)."""
        self.discarded = True

    def expect_companies(self, count: int) -> None:
        """Told that the unit will write about ``count`` companies; when they are many, beside
        what the database holds, the search index is built at the end (index_search_at_end)."""
        if count < BULK_INDEX_MIN_COMPANIES:
            return
        held = self.conn.execute("SELECT count(*) FROM companies").fetchone()[0]
        if count * BULK_INDEX_RATIO >= held:
            self.index_search_at_end()

    def index_search_at_end(self) -> None:
        """Build the search index once, at the end of the unit, instead of row by row.

        For a unit that writes many companies: the index's triggers are dropped inside the
        transaction, and before it commits the whole index is rebuilt from the companies table
        and the triggers are created again, as they were. A rollback (an error, a dry run,
        ``discard()``) brings the triggers back by itself. Rebuilding costs a few microseconds
        per company in the database, a trigger about ten times as much per company written:
        on the import benchmark (100,000 new clients) the import takes about a quarter less time.
        """
        if self.dry_run or self._search_triggers is not None or self.store.postgres:
            # A dry run has dropped them already, and rebuilds nothing; PostgreSQL's index is
            # not kept by triggers (see storage.pg_schema).
            return
        placeholders = ", ".join("?" * len(SEARCH_TRIGGERS))
        self._search_triggers = [sql for (sql,) in self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
            f"({placeholders}) ORDER BY name", SEARCH_TRIGGERS)]
        for statement in DROP_SEARCH_TRIGGERS:
            self.conn.execute(statement)

    def _finish(self) -> None:
        """What a unit that is kept does last, inside its transaction."""
        if self._search_triggers is not None:
            self.conn.execute(REBUILD_SEARCH)
            for statement in self._search_triggers:
                self.conn.execute(statement)
            self._search_triggers = None


class _Undo(Exception):
    """Ends a unit of work that is a dry run or was discarded: rolls its transaction back."""


RETRY_ATTEMPTS = 5
"""How many times a transaction the server asks to run again is run (PostgreSQL's
serialization_failure and deadlock_detected; SQLite never asks)."""


def retried(attempt: Callable[[], T]) -> T:
    """What ``attempt`` returns, running it again (up to RETRY_ATTEMPTS times in all, after a
    short random pause) while it fails because the server asked for its transaction again:
    such a transaction rolled back whole, so nothing of the failed attempt stays. ``attempt``
    must start from its inputs each time (one unit of work of its own)."""
    for tries in range(1, RETRY_ATTEMPTS + 1):
        try:
            return attempt()
        except DatabaseBusy as exc:
            if exc.message.key != "database-busy/retry" or tries == RETRY_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.05 * tries))
    raise AssertionError("unreachable")


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
            if dry_run and not store.postgres:
                for statement in REHEARSAL:
                    conn.execute(statement)
            yield work
            if work.dry_run or work.discarded:
                raise _Undo
            work._finish()
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


def roll_back(conn: sqlite3.Connection, *statements: str) -> None:
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


def _still_open(conn: sqlite3.Connection, path: Path | str) -> None:
    if not conn.in_transaction:
        raise StorageError("storage/transaction-ended", value=str(path), path=path)


def read_only_error(path: Path | str) -> StorageError:
    return StorageError("read-only", value=str(path), path=path)


@contextlib.contextmanager
def translate_errors(path: Path | str) -> Iterator[None]:
    """Turn SQLite's locking and file errors into clientreg's storage errors (PostgreSQL's come
    as sqlite3's, see storage.postgres)."""
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
        if kind == RETRY:
            raise DatabaseBusy("database-busy/retry", value=str(path), path=path,
                               attempts=RETRY_ATTEMPTS, detail=text) from None
        if "locked" in text or "busy" in text:
            raise DatabaseBusy("database-busy", value=str(path), path=path,
                               seconds=f"{BUSY_TIMEOUT_SECONDS:g}") from None
        raise StorageError("storage/unusable", value=str(path), path=path, detail=text) from None
    except sqlite3.DatabaseError as exc:
        raise StorageError("storage/unusable", value=str(path), path=path,
                           detail=str(exc)) from None


def _full_disk(path: Path | str) -> StorageError:
    """The database's disk is full, or the one of SQLite's temporary files (staged import rows,
    sorting): the one with less room left, when they differ."""
    if isinstance(path, str):  # a PostgreSQL server's disk
        return StorageError("disk-full", value=path, path=path)
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
