"""Temporary tables that hold an import's rows, so the rows of one client meet wherever they are.

A file may give a client's contacts on rows far apart. Rather than keep the file in memory, its
rows go to a TEMP table of the import's own connection (SQLite keeps it in a temporary file with
a small page cache) and come back grouped: the rows of a group together, groups in the order of
their first row. Nothing here touches the main database, so staging takes no write lock.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

# Cells of a row are stored as one text joined by NUL, which no cell can hold (CSV readers refuse
# NUL bytes and XML, the text of XLSX, cannot carry them): one column is far cheaper than many.
_SEPARATOR = "\x00"
_names = itertools.count(1)


@contextlib.contextmanager
def staging_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Many staged rows in one transaction of the temporary database (no lock on the main one)."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # SQLite may have ended it already (a full disk, say)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class StagedRow(NamedTuple):
    """A staged row: its group key (None for a row that is a group of its own), its row number
    and its cells (a list, or the one text they are stored as)."""

    group: str | None
    row: int
    cells: Any


def split_cells(joined: str) -> list[str]:
    """The cells of a staged row, from the one text they are stored as."""
    return joined.split(_SEPARATOR)


class StagedTable:
    """The rows of one table file: a group key, the row number and the cells in header order."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.name = f"staged_rows_{next(_names)}"
        conn.execute(f"CREATE TEMP TABLE {self.name} (seq INTEGER PRIMARY KEY, grp TEXT, "
                     "row INTEGER NOT NULL, cells TEXT NOT NULL)")
        self._indexed = False

    def put(self, rows: Iterable[tuple[str | None, int, Sequence[str]]]) -> None:
        """Add rows given as (group key or None, row number, cells)."""
        self.conn.executemany(
            f"INSERT INTO temp.{self.name} (grp, row, cells) VALUES (?, ?, ?)",
            ((group, row, _SEPARATOR.join(cells)) for group, row, cells in rows))

    def _index(self) -> None:
        if not self._indexed:
            self.conn.execute(f"CREATE INDEX temp.{self.name}_grp ON {self.name} (grp, seq)")
            self._indexed = True

    def grouped(self) -> Iterator[StagedRow]:
        """The rows, their cells a list, with each group's rows together, in file order."""
        for group, row, joined in self.grouped_joined():
            yield StagedRow(group, row, split_cells(joined))

    def grouped_joined(self) -> Iterator[StagedRow]:
        """As ``grouped``, each row's cells still one text: ``split_cells`` parts them, where
        they are needed (a worker process, say, to which one text travels far more cheaply).

        Groups come in the order of their first row; a row without a group key is a group of its
        own, in its place. Most files keep a client's rows together, so the table is read in file
        order and only the groups whose rows are scattered are fetched whole, at their first row.
        """
        self._index()
        table = f"temp.{self.name}"
        scattered = (
            f"SELECT grp, min(seq) AS first FROM {table} WHERE grp IS NOT NULL GROUP BY grp "
            "HAVING max(seq) - min(seq) + 1 != count(*)")
        if self.conn.execute(f"SELECT EXISTS ({scattered})").fetchone()[0]:
            query = (f"SELECT s.grp, s.row, s.cells, g.first IS NOT NULL FROM {table} s "
                     f"LEFT JOIN ({scattered}) g ON g.grp = s.grp "
                     "WHERE g.first IS NULL OR g.first = s.seq ORDER BY s.seq")
        else:
            query = f"SELECT grp, row, cells, 0 FROM {table} ORDER BY seq"
        cursor = self.conn.execute(query)
        try:
            for group, row, cells, whole_group in cursor:
                if not whole_group:
                    yield StagedRow(group, row, cells)
                    continue
                members = self.conn.execute(
                    f"SELECT row, cells FROM {table} WHERE grp = ? ORDER BY seq",
                    [group]).fetchall()
                for member_row, member_cells in members:
                    yield StagedRow(group, member_row, member_cells)
        finally:
            with contextlib.suppress(sqlite3.Error):  # the connection may be closed already
                cursor.close()

    def drop(self) -> None:
        """Drop the rows; an import that stopped early may still hold a reader on them, and
        then the table goes with the connection instead."""
        with contextlib.suppress(sqlite3.OperationalError):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{self.name}")
