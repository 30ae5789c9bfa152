"""Moving a register up: every row of one clientreg database copied into an empty PostgreSQL one.

The copy keeps every id, so that history, the run ledger, contact links and the digests of
instant re-runs point where they pointed; it writes the tables parents first (a catalogue entry
before the entries under it) with PostgreSQL's COPY, in one transaction under the write lock,
and reads the source in one read transaction, so that what lands is one moment of the source.
The copy itself is not a run: the target's ledger is the source's, as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientreg.errors import Conflict
from clientreg.storage import postgres
from clientreg.storage.transactions import Store, roll_back, signals_held, translate_errors

TABLES = ("company_types", "categories", "attributes", "companies", "clients",
          "external_users", "client_contacts", "runs", "run_inputs", "history",
          "client_digests", "input_digests")
"""Every table of a register, each after the tables it refers to; the digests last, since
adding a contact link forgets its client's digest."""
_TREES = {"company_types", "categories"}
"""Tables whose rows refer to a parent row of the same table."""


def columns_of(store: Store, table: str) -> list[str]:
    """The columns of a table, in their order (the same on both backends)."""
    cursor = store.conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return [column[0] for column in cursor.description]


def filled_tables(store: Store) -> list[str]:
    """The tables of a register that hold at least one row."""
    return [table for table in TABLES
            if store.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None]


def _rows(store: Store, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of a table in id order (parents before children for a tree), streamed."""
    query = f"SELECT {', '.join(columns)} FROM {table}"
    if "id" in columns:
        query += " ORDER BY id"
    conn = store.conn
    query_with = conn.stream if postgres.is_postgres(conn) else conn.execute  # type: ignore[attr-defined]
    cursor = query_with(query)
    if table not in _TREES:
        yield from (tuple(row) for row in cursor)
        return
    yield from _parents_first([tuple(row) for row in cursor], columns.index("id"),
                              columns.index("parent_id"))


def _parents_first(rows: list[tuple[Any, ...]], id_at: int,
                   parent_at: int) -> Iterator[tuple[Any, ...]]:
    placed: set[Any] = set()
    waiting = rows
    while waiting:
        later = []
        for row in waiting:
            if row[parent_at] is None or row[parent_at] in placed:
                placed.add(row[id_at])
                yield row
            else:
                later.append(row)
        if len(later) == len(waiting):  # a parent missing: the target's foreign key says so
            yield from later
            return
        waiting = later


def copy_register(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into ``target``, an empty PostgreSQL register (migrated);
    returns the rows copied per table. A target holding any row is refused (Conflict), and
    nothing is written."""
    conn = target.db.conn
    assert isinstance(conn, postgres.PgConnection), "db copy writes into PostgreSQL"
    counts: dict[str, int] = {}
    with translate_errors(target.path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            filled = filled_tables(target)
            if filled:
                raise Conflict("target-not-empty", value=str(target.path), path=target.path,
                               tables=", ".join(filled))
            with translate_errors(source.path), _reading(source):
                for table in TABLES:
                    columns = columns_of(source, table)
                    counts[table] = conn.copy_rows(table, columns, _rows(source, table, columns))
            with signals_held():
                conn.execute("COMMIT")
        except BaseException:
            roll_back(conn, "ROLLBACK")  # type: ignore[arg-type]
            raise
    with translate_errors(target.path):
        conn.execute("ANALYZE")  # the planner's figures for the tables just filled
    return counts


class _reading:
    """One read transaction on the source: every table read at the same moment."""

    def __init__(self, store: Store) -> None:
        self.conn = store.conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, *exc: object) -> None:
        roll_back(self.conn, "ROLLBACK")  # type: ignore[arg-type]

