"""The PostgreSQL connection, shaped like sqlite3's so that the storage modules' SQL runs on both.

``PgConnection`` wraps a psycopg 3 connection in autocommit mode (as sqlite3 with
``isolation_level=None``: the storage modules say BEGIN and COMMIT themselves) and translates each
statement once (cached) from the SQL the storage modules write for SQLite:

- ``?`` placeholders become ``%s`` (a literal ``%`` is doubled), outside quoted text;
- ``INSERT OR REPLACE`` becomes ``INSERT ... ON CONFLICT (key) DO UPDATE``, ``INSERT OR IGNORE``
  ``ON CONFLICT DO NOTHING``;
- ``LIKE`` is ``ILIKE``: SQLite's LIKE ignores case;
- ``BEGIN IMMEDIATE`` (the write lock) is BEGIN and a transaction-level advisory lock, taken by
  every writer: writers take turns as on SQLite, so an identifier made from a mask, and the
  next free ids of next_ids, are never given twice;
- a one-row ``INSERT`` into a table with an ``id`` returns it, as ``lastrowid``.

One difference stays: a statement that fails inside a transaction ends SQLite's statement only,
PostgreSQL's whole transaction; every error clientreg's writers meet is raised out of the unit
of work, which rolls back either way, so no caller goes on in a failed transaction.

psycopg's errors are raised as sqlite3's (IntegrityError, OperationalError with "locked" for a
lock wait past the busy timeout, ``sqlite_errorname`` SQLITE_FULL or SQLITE_READONLY), so that
``translate_errors`` and every ``except sqlite3.Error`` treat both backends alike.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import psycopg

DIALECT = "postgresql"
SCHEMES = ("postgresql://", "postgres://")
WRITE_LOCK = 0x636C6965  # "clie": the advisory lock every clientreg writer takes
_LOCK_KEY = f"{WRITE_LOCK}, hashtext(current_schema())"
WRITE_LOCK_SQL = f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"
"""The write lock, until the transaction ends: one per schema, so that registers in different
schemas of one database do not wait for each other."""
SESSION_LOCK_SQL = f"SELECT pg_advisory_lock({_LOCK_KEY})"
"""The same lock held by a session until it ends or unlocks (what a test holds)."""
CONNECT_TIMEOUT_SECONDS = 10
RETRY = "PG_RETRY"
"""The ``sqlite_errorname`` of an error whose transaction the server asks to run again
(serialization_failure, deadlock_detected)."""
LOCK_ATTEMPTS = 5
STREAM_BATCH = 1000
_CURSOR_NAMES = itertools.count(1)
VARIABLE_LIMIT = 32766  # what getlimit answers: as SQLite's, far below PostgreSQL's 65535
_ID_TABLES = frozenset({"company_types", "categories", "attributes", "companies", "clients",
                        "external_users", "history", "runs"})
_KEYS = {"input_digests": ("key",), "client_digests": ("client_id",)}
"""The primary key of each table that INSERT OR REPLACE writes."""


def is_url(name: object) -> bool:
    """Whether a --db value names a PostgreSQL database rather than a file."""
    return isinstance(name, str) and name.startswith(SCHEMES)


def masked_url(url: str) -> str:
    """The URL as it may be shown: without its password (in the address or a query value)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        netloc = credentials.partition(":")[0] + "@" + host
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query)
                       if key.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def is_postgres(conn: Any) -> bool:
    """Whether a connection of a store is PostgreSQL's (a PgConnection)."""
    return getattr(conn, "dialect", None) == DIALECT


class PgCursor:
    """A psycopg cursor with sqlite3's ``lastrowid``."""

    def __init__(self, cursor: psycopg.Cursor[Any] | psycopg.ServerCursor[Any],
                 lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> Any:
        with pg_errors():
            return self._cursor.fetchone() if self._cursor.description else None

    def fetchmany(self, size: int) -> list[Any]:
        with pg_errors():
            return self._cursor.fetchmany(size) if self._cursor.description else []

    def fetchall(self) -> list[Any]:
        with pg_errors():
            return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[Any]:
        while batch := self.fetchmany(STREAM_BATCH):
            yield from batch

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the connection may be gone already
            self._cursor.close()


class PgConnection:
    """A psycopg connection that takes the storage modules' SQLite-flavoured SQL."""

    dialect = DIALECT

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def getlimit(self, category: int) -> int:
        return VARIABLE_LIMIT

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        statement, returns_id = translate(sql)
        with pg_errors():
            if statement == "BEGIN IMMEDIATE":
                self._lock()
                return PgCursor(self.raw.cursor())
            cursor = self.raw.execute(statement, list(parameters))
            if returns_id:
                row = cursor.fetchone()
                return PgCursor(cursor, row[0] if row else None)
            return PgCursor(cursor)

    def _lock(self) -> None:
        """BEGIN and the write lock; a wait the server ends as a deadlock is tried again (the
        transaction holds nothing yet)."""
        from psycopg import errors

        for attempt in range(1, LOCK_ATTEMPTS + 1):
            self.raw.execute("BEGIN")
            try:
                self.raw.execute(WRITE_LOCK_SQL)
                return
            except (errors.DeadlockDetected, errors.SerializationFailure):
                self.raw.execute("ROLLBACK")
                if attempt == LOCK_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.05 * attempt))

    def stream(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        """A query whose rows stay on the server until fetched (a server-side cursor, held past
        the end of the transaction): for reading every client, in as little memory as SQLite."""
        statement, _ = translate(sql)
        with pg_errors():
            cursor = self.raw.cursor(name=f"clientreg_{next(_CURSOR_NAMES)}", withhold=True)
            cursor.itersize = STREAM_BATCH
            cursor.execute(statement, list(parameters))
        return PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        statement, _ = translate(sql, many=True)
        with pg_errors(), self.raw.cursor() as cursor:
            cursor.executemany(statement, [list(row) for row in rows])

    def copy_rows(self, table: str, columns: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> int:
        """Write rows into a table with COPY ... FROM STDIN, streamed (a row is sent as it
        comes, so memory stays flat); returns how many."""
        if isinstance(rows, list | tuple) and not rows:
            return 0
        count = 0
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with pg_errors(), self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def close(self) -> None:
        self.raw.close()


@functools.lru_cache(maxsize=512)
def translate(sql: str, *, many: bool = False) -> tuple[str, bool]:
    """The statement in PostgreSQL's dialect, and whether it returns the id it inserted."""
    text = sql.strip()
    if text.upper() in ("BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"):
        return text.upper(), False
    text = _upsert(text)
    text = re.sub(r" LIKE ", " ILIKE ", text)
    text = _placeholders(text)
    returns_id = False
    found = re.match(r"INSERT INTO (\w+) \(", text)
    if (not many and found and found.group(1) in _ID_TABLES and "RETURNING" not in text
            and text.count("), (") == 0):
        text += " RETURNING id"
        returns_id = True
    return text, returns_id


def _upsert(text: str) -> str:
    found = re.match(r"INSERT OR (REPLACE|IGNORE) INTO (\w+) \(([^)]*)\)(.*)$", text, re.S)
    if found is None:
        return text
    action, table, columns, rest = found.groups()
    head = f"INSERT INTO {table} ({columns}){rest}"
    if action == "IGNORE":
        return head + " ON CONFLICT DO NOTHING"
    keys = _KEYS[table]
    others = [name.strip() for name in columns.split(",") if name.strip() not in keys]
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in others)
    return f"{head} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")


def _placeholders(text: str) -> str:
    parts = _QUOTED.split(text)
    for index in range(0, len(parts), 2):  # the even parts are outside quotes
        parts[index] = parts[index].replace("%", "%%").replace("?", "%s")
    for index in range(1, len(parts), 2):
        parts[index] = parts[index].replace("%", "%%")
    return "".join(parts)


def connect(url: str, *, lock_timeout_seconds: float) -> PgConnection:
    """Connect to the database of a postgresql:// URL; libpq reads the rest (PG* variables,
    .pgpass). A lock waited for past the timeout is an error, as SQLite's busy timeout."""
    import psycopg
    from psycopg.conninfo import make_conninfo
    from psycopg.types.numeric import IntDumper

    class BoolAsInteger(IntDumper):
        """True and False as 1 and 0: the schema's flags are integers, as on SQLite."""

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    # libpq waits for an unreachable host as long as the system does; a register that cannot be
    # reached says so within the busy timeout's order of time unless the URL or PGCONNECT_TIMEOUT
    # says otherwise.
    if "connect_timeout" not in url and not os.environ.get("PGCONNECT_TIMEOUT"):
        url = make_conninfo(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    with pg_errors():
        raw = psycopg.connect(url, autocommit=True)
    raw.adapters.register_dumper(bool, BoolAsInteger)
    with pg_errors():
        raw.execute("SET client_min_messages = warning")
        raw.execute(f"SET lock_timeout = '{int(lock_timeout_seconds * 1000)}ms'")
    return PgConnection(raw)


@contextlib.contextmanager
def pg_errors() -> Iterator[None]:
    """psycopg's errors as sqlite3's, which translate_errors turns into clientreg's."""
    import psycopg
    from psycopg import errors

    try:
        yield
    except psycopg.IntegrityError as exc:
        raise sqlite3.IntegrityError(_text(exc)) from None
    except (errors.DeadlockDetected, errors.SerializationFailure) as exc:
        # The server asks for the transaction again (storage.transactions.retried does).
        raise _named(sqlite3.OperationalError(_text(exc)), RETRY) from None
    except errors.LockNotAvailable as exc:
        raise sqlite3.OperationalError(f"database is locked ({_text(exc)})") from None
    except errors.DiskFull as exc:
        raise _named(sqlite3.OperationalError(_text(exc)), "SQLITE_FULL") from None
    except errors.ReadOnlySqlTransaction as exc:
        raise _named(sqlite3.OperationalError(_text(exc)), "SQLITE_READONLY") from None
    except psycopg.OperationalError as exc:
        raise sqlite3.OperationalError(_text(exc)) from None
    except psycopg.Error as exc:
        raise sqlite3.DatabaseError(_text(exc)) from None


def _text(exc: Exception) -> str:
    """The server's message, first line only (libpq adds context lines)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _named(exc: sqlite3.Error, name: str) -> sqlite3.Error:
    exc.sqlite_errorname = name  # type: ignore[misc]
    return exc


class PgDatabase:
    """What a Store holds for PostgreSQL in place of sqlite-utils' Database: its connection."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()
