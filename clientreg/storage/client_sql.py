"""SQL of companies, clients, external users and their links: batch look-ups and writes."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientreg.storage.postgres import is_postgres

if TYPE_CHECKING:
    from clientreg.storage.postgres import PgConnection

COMPANY_COLUMNS = (
    "identifier", "name", "trade_name", "company_type_id", "tax_id", "email", "phone",
    "website", "street", "city", "region", "postal_code", "country",
)  # fmt: skip
USER_COLUMNS = ("email", "name", "phone", "position", "department", "language")
_CHUNK = 500  # keys per IN (...) query, far below SQLite's variable limit


@dataclass
class CompanyRow:
    id: int
    identifier: str
    company_type_id: int
    tax_id: str | None
    client_id: int | None
    active: bool


@dataclass
class UserRow:
    id: int
    email: str
    company_id: int | None
    company_identifier: str | None
    active: bool


def _in_chunks(keys: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def companies_by_key(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, CompanyRow]:
    found: dict[str, CompanyRow] = {}
    for batch in _in_chunks(set(keys)):
        marks = ",".join("?" * len(batch))
        for key, *values in conn.execute(
            "SELECT co.identifier_key, co.id, co.identifier, co.company_type_id, co.tax_id, "
            f"cl.id, co.active FROM companies co LEFT JOIN clients cl ON cl.company_id = co.id "
            f"WHERE co.identifier_key IN ({marks})", batch,
        ):
            values[-1] = bool(values[-1])
            found[key] = CompanyRow(*values)
    return found


def digests_by_key(conn: sqlite3.Connection,
                   keys: Iterable[str]) -> dict[str, tuple[str, int, bytes, bytes | None]]:
    """Identifier key -> (identifier, client id, digest, input) of the registered clients among
    these keys that have a digest."""
    found: dict[str, tuple[str, int, bytes, bytes | None]] = {}
    for batch in _in_chunks(set(keys)):
        marks = ",".join("?" * len(batch))
        for key, identifier, client_id, digest, source in conn.execute(
            "SELECT co.identifier_key, co.identifier, cl.id, d.digest, d.input FROM companies co "
            "JOIN clients cl ON cl.company_id = co.id "
            "JOIN client_digests d ON d.client_id = cl.id "
            f"WHERE co.identifier_key IN ({marks})", batch,
        ):
            found[key] = (identifier, client_id, digest, source)
    return found


def name_input(conn: sqlite3.Connection, client_ids: list[tuple[bytes | None, int]]) -> None:
    """Digests found unchanged, now named after the input that matched them: (input, id)."""
    if is_postgres(conn):  # one statement for them all
        if client_ids:
            conn.execute("UPDATE client_digests d SET input = n.input FROM unnest(?::bytea[], "
                         "?::bigint[]) AS n(input, id) WHERE d.client_id = n.id",
                         [list(column) for column in zip(*client_ids, strict=True)])
        return
    conn.executemany("UPDATE client_digests SET input = ? WHERE client_id = ?", client_ids)


def intact_input(conn: sqlite3.Connection, key: bytes) -> tuple[str, int | None] | None:
    """The stored summary and run of an input whose clients all still have the digests it
    gave them."""
    found = conn.execute("SELECT clients, summary, run_id FROM input_digests WHERE key = ?",
                         [key]).fetchone()
    if found is None:
        return None
    held = conn.execute("SELECT count(*) FROM client_digests WHERE input = ?", [key]).fetchone()
    return (found[1], found[2]) if held[0] == found[0] else None


def input_clients(conn: sqlite3.Connection, key: bytes) -> list[str]:
    """The identifiers of the clients whose digests an input gave, in the order registered."""
    return [identifier for (identifier,) in conn.execute(
        "SELECT co.identifier FROM client_digests d JOIN clients cl ON cl.id = d.client_id "
        "JOIN companies co ON co.id = cl.company_id WHERE d.input = ? ORDER BY co.id", [key])]


def keep_input(conn: sqlite3.Connection, key: bytes, clients: int, summary: str,
               run_id: int | None) -> bool:
    """Remember an input whose clients all hold its digests: True if they do."""
    held = conn.execute("SELECT count(*) FROM client_digests WHERE input = ?", [key]).fetchone()
    if held[0] != clients:
        conn.execute("DELETE FROM input_digests WHERE key = ?", [key])
        return False
    conn.execute("INSERT OR REPLACE INTO input_digests (key, clients, summary, run_id) "
                 "VALUES (?, ?, ?, ?)", [key, clients, summary, run_id])
    return True


def tax_id_owners(conn: sqlite3.Connection, tax_ids: Iterable[str]) -> dict[str, str]:
    """Tax id -> identifier of the company holding it, inactive companies included."""
    found: dict[str, str] = {}
    for batch in _in_chunks(set(tax_ids)):
        marks = ",".join("?" * len(batch))
        found.update(conn.execute(
            f"SELECT tax_id, identifier FROM companies WHERE tax_id IN ({marks})", batch))
    return found


def users_by_email(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, UserRow]:
    found: dict[str, UserRow] = {}
    for batch in _in_chunks(set(keys)):
        marks = ",".join("?" * len(batch))
        for key, id_, email, company_id, company, active in conn.execute(
            "SELECT u.email_key, u.id, u.email, u.company_id, c.identifier, u.active "
            "FROM external_users u LEFT JOIN companies c ON c.id = u.company_id "
            f"WHERE u.email_key IN ({marks})", batch,
        ):
            found[key] = UserRow(id_, email, company_id, company, bool(active))
    return found


def identifier_taken(conn: sqlite3.Connection, key: str) -> bool:
    row = conn.execute("SELECT 1 FROM companies WHERE identifier_key = ?", [key]).fetchone()
    return row is not None


def next_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """The next free primary key of each table written by registrations (under the write lock)."""
    return {
        table: int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])
        for table in ("companies", "clients", "external_users")
    }


@dataclass
class PendingWrites:
    """Rows of one chunk of registrations, written together with executemany."""

    companies: list[Sequence[Any]]
    clients: list[Sequence[Any]]
    users: list[Sequence[Any]]
    links: list[Sequence[Any]]
    user_bindings: list[Sequence[Any]]
    history: list[Sequence[Any]]
    digests: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)
    """(client id, digest, input) of clients whose content an import now matches (see
    clientreg.digests): written last, after the rows whose triggers forget a client's digest."""
    run_id: int | None = None
    """The run the history rows belong to (clientreg.runs); None: no run is recorded."""

    @classmethod
    def empty(cls) -> PendingWrites:
        return cls([], [], [], [], [], [])

    def flush(self, conn: sqlite3.Connection) -> None:
        company_columns = ("id", "identifier_key", *COMPANY_COLUMNS, "attributes", "active",
                           "created_at", "updated_at")
        if is_postgres(conn):
            self._copy(conn, company_columns)  # type: ignore[arg-type]
            return
        _insert_in_few_statements(conn, "companies", company_columns, self.companies)
        _insert_many(conn, "clients", ("id", "company_id", "category_id", "attributes", "active",
                                       "created_at", "updated_at"), self.clients)
        _insert_many(conn, "external_users", ("id", "email_key", *USER_COLUMNS, "company_id",
                                              "active", "created_at", "updated_at"), self.users)
        if self.user_bindings:
            conn.executemany("UPDATE external_users SET company_id = ?, updated_at = ? "
                             "WHERE id = ? AND company_id IS NULL", self.user_bindings)
        _insert_many(conn, "client_contacts", ("client_id", "external_user_id", "position",
                                               "is_default"), self.links)
        insert_history_rows(conn, self.history, self.run_id)
        if self.digests:
            conn.executemany("INSERT OR REPLACE INTO client_digests (client_id, digest, input) "
                             "VALUES (?, ?, ?)", self.digests)
        self._clear()

    def _copy(self, conn: PgConnection, company_columns: Sequence[str]) -> None:
        """The same rows on PostgreSQL, each table's in one COPY ... FROM STDIN (a statement per
        row, even in a pipeline, costs the client more than the server's whole work)."""
        conn.copy_rows("companies", company_columns, self.companies)
        conn.copy_rows("clients", ("id", "company_id", "category_id", "attributes", "active",
                                   "created_at", "updated_at"), self.clients)
        conn.copy_rows("external_users", ("id", "email_key", *USER_COLUMNS, "company_id",
                                          "active", "created_at", "updated_at"), self.users)
        if self.user_bindings:
            conn.execute("UPDATE external_users u SET company_id = b.company_id, "
                         "updated_at = b.updated_at FROM unnest(?::bigint[], ?::text[], "
                         "?::bigint[]) AS b(company_id, updated_at, id) "
                         "WHERE u.id = b.id AND u.company_id IS NULL",
                         [list(column) for column in zip(*self.user_bindings, strict=True)])
        conn.copy_rows("client_contacts", ("client_id", "external_user_id", "position",
                                           "is_default"), self.links)
        copy_history_rows(conn, self.history, self.run_id)
        if self.digests:
            # INSERT OR REPLACE: the digests these clients had go, then the new ones come.
            conn.execute("DELETE FROM client_digests WHERE client_id = ANY(?::bigint[])",
                         [[client_id for client_id, _, _ in self.digests]])
            conn.copy_rows("client_digests", ("client_id", "digest", "input"), self.digests)
        self._clear()

    def _clear(self) -> None:
        for rows in (self.companies, self.clients, self.users, self.links, self.user_bindings,
                     self.history, self.digests):
            rows.clear()


HISTORY_COLUMNS = ("entity", "entity_key", "action", "changes", "source", "at")


def insert_history_rows(conn: sqlite3.Connection, rows: Iterable[Sequence[Any]],
                        run_id: int | None) -> None:
    """History rows (HISTORY_COLUMNS), all pointing at one run: its id is part of the statement,
    so the rows stay as they are. Without a run the column is left out (NULL)."""
    columns, marks = ", ".join(HISTORY_COLUMNS), ", ".join("?" * len(HISTORY_COLUMNS))
    if run_id is None:
        statement = f"INSERT INTO history ({columns}) VALUES ({marks})"
    else:
        statement = f"INSERT INTO history ({columns}, run_id) VALUES ({marks}, {int(run_id)})"
    conn.executemany(statement, rows)


def copy_history_rows(conn: PgConnection, rows: Iterable[Sequence[Any]],
                      run_id: int | None) -> None:
    """insert_history_rows on PostgreSQL, by COPY; the rows come with their ids, the next ones
    (the writer holds the write lock), so that the id trigger is not run once per row."""
    if isinstance(rows, list) and not rows:
        return
    last = conn.execute("SELECT coalesce(max(id), 0) FROM history").fetchone()[0]
    ids = itertools.count(last + 1)
    conn.copy_rows("history", ("id", *HISTORY_COLUMNS, "run_id"),
                   ((next(ids), *row, run_id) for row in rows))


def _insert_many(conn: sqlite3.Connection, table: str, columns: Sequence[str],
                 rows: list[Sequence[Any]]) -> None:
    if rows:
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _insert_in_few_statements(conn: sqlite3.Connection, table: str, columns: Sequence[str],
                              rows: list[Sequence[Any]]) -> None:
    """Insert rows with multi-row INSERT statements rather than one statement per row.

    An insert into companies also feeds the full-text index (a trigger), and FTS5 writes its
    pending terms out at every statement's savepoint: a statement per row leaves a tiny index
    segment per row to merge again and again (about four times the cost at 100,000 companies).
    """
    if not rows:
        return
    per_statement = max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    for start in range(0, len(rows), per_statement):
        part = rows[start:start + per_statement]
        conn.execute(head + ", ".join([row_marks] * len(part)),
                     [value for row in part for value in row])


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
# json.dumps with options builds a new encoder at every call; an import writes five JSON values
# per client (attributes and history), so one encoder serves them all.


def dumps(value: Any) -> str:
    """A stored value's JSON: compact, keys sorted, non-ASCII text kept as it is."""
    return _ENCODER.encode(value)
