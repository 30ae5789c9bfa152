"""SQL that reads clients, companies, external users and history for display and export."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from clientreg.storage import pg_search
from clientreg.storage.postgres import is_postgres

_COMPANY_SELECT = (
    "SELECT co.id, co.identifier, co.name, co.trade_name, t.code AS company_type, co.tax_id, "
    "co.email, co.phone, co.website, co.street, co.city, co.region, co.postal_code, co.country, "
    "co.attributes AS company_attributes, co.active, co.created_at, co.updated_at, "
    "cl.id AS client_id, cat.code AS category, cl.attributes AS client_attributes, "
    "cl.active AS client_active, cl.created_at AS client_created_at, "
    "cl.updated_at AS client_updated_at "
    "FROM companies co JOIN company_types t ON t.id = co.company_type_id "
    "LEFT JOIN clients cl ON cl.company_id = co.id "
    "LEFT JOIN categories cat ON cat.id = cl.category_id "
)


def _row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    row = {column[0]: value for column, value in zip(cursor.description, values, strict=True)}
    for key in ("company_attributes", "client_attributes"):
        if row.get(key) is not None:
            row[key] = json.loads(row[key])
    return row


def company_by_key(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    cursor = conn.execute(_COMPANY_SELECT + "WHERE co.identifier_key = ?", [key])
    values = cursor.fetchone()
    return _row(cursor, values) if values else None


def companies_by_keys(conn: sqlite3.Connection, keys: list[str]) -> list[dict[str, Any]]:
    """The companies of several identifier keys, each as company_by_key gives it; in a few
    queries (500 keys each, far below SQLite's variable limit)."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 500):
        batch = keys[start:start + 500]
        marks = ", ".join("?" * len(batch))
        cursor = conn.execute(_COMPANY_SELECT + f"WHERE co.identifier_key IN ({marks})", batch)
        found += [_row(cursor, values) for values in cursor.fetchall()]
    return found


def contacts_of(conn: sqlite3.Connection, client_id: int) -> list[dict[str, Any]]:
    cursor = conn.execute(
        "SELECT u.id, u.name, u.email, u.email_key, u.phone, u.position, u.department, "
        "u.language, l.is_default AS \"default\", u.active, l.position AS link_position "
        "FROM client_contacts l JOIN external_users u ON u.id = l.external_user_id "
        "WHERE l.client_id = ? ORDER BY l.position", [client_id])
    return [_row(cursor, values) for values in cursor.fetchall()]


def user_keys_of_company(conn: sqlite3.Connection, company_id: int) -> list[str]:
    """E-mail keys of a company's external users, its client's former contacts included."""
    return [key for (key,) in conn.execute(
        "SELECT email_key FROM external_users WHERE company_id = ? ORDER BY id", [company_id])]


def history_of(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """History rows of several (entity, key) pairs, oldest first."""
    if not keys:
        return []
    condition = " OR ".join("(entity = ? AND entity_key = ?)" for _ in keys)
    cursor = conn.execute(
        "SELECT entity, entity_key, action, changes, source, at, run_id FROM history "
        f"WHERE {condition} "
        "ORDER BY id", [part for pair in keys for part in pair])
    rows = []
    for values in cursor.fetchall():
        row = {column[0]: value for column, value in zip(cursor.description, values, strict=True)}
        row["changes"] = json.loads(row["changes"])
        rows.append(row)
    return rows


def _filters(*, category: str | None, company_type: str | None, search: str | None,
             include_inactive: bool, clients_only: bool,
             postgres: bool = False) -> tuple[str, list[Any]]:
    clauses: list[str] = ["cl.id IS NOT NULL"] if clients_only else []
    params: list[Any] = []
    if category:
        clauses.append("cat.code = ?")
        params.append(category.upper())
    if company_type:
        clauses.append("t.code = ?")
        params.append(company_type.upper())
    if not include_inactive:
        clauses.append("co.active = 1" if not clients_only else "cl.active = 1")
    if search and postgres:
        clause, values = pg_search.clause(search)
        clauses.append(clause)
        params += values
    elif search:
        clauses.append("co.id IN (SELECT rowid FROM companies_fts WHERE companies_fts MATCH ?)")
        params.append(search)
    where = ("WHERE " + " AND ".join(clauses) + " ") if clauses else ""
    return where, params


def iter_companies(
    conn: sqlite3.Connection, *, category: str | None = None, company_type: str | None = None,
    search: str | None = None, include_inactive: bool = False, clients_only: bool = True,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Companies (clients only, by default) in identifier order, streamed."""
    where, params = _filters(category=category, company_type=company_type, search=search,
                             include_inactive=include_inactive, clients_only=clients_only,
                             postgres=is_postgres(conn))
    sql = _COMPANY_SELECT + where + "ORDER BY co.identifier_key"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    yield from _streamed(conn, sql, params)


def _streamed(conn: sqlite3.Connection, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    """The rows of a query as dicts, a thousand at a time (on PostgreSQL, from a server-side
    cursor: a client-side one would hold every row in memory at once)."""
    query = conn.stream if is_postgres(conn) else conn.execute  # type: ignore[attr-defined]
    cursor = query(sql, params)
    try:
        while batch := cursor.fetchmany(1000):
            for values in batch:
                yield _row(cursor, values)
    finally:
        # A reader stopped early (a signal, a closed pipe) may be finished off after its
        # connection closed: there is then nothing left to close.
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()


def contacts_by_client(conn: sqlite3.Connection, client_ids: list[int],
                       ) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in client_ids}
    for start in range(0, len(client_ids), 500):
        batch = client_ids[start:start + 500]
        marks = ",".join("?" * len(batch))
        cursor = conn.execute(
            "SELECT l.client_id, u.name, u.email, u.phone, u.position, u.department, "
            "u.language, l.is_default AS \"default\" FROM client_contacts l "
            "JOIN external_users u ON u.id = l.external_user_id "
            f"WHERE l.client_id IN ({marks}) ORDER BY l.client_id, l.position", batch)
        for values in cursor.fetchall():
            row = _row(cursor, values)
            found[row.pop("client_id")].append(row)
    return found


def _containing(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') finding the text anywhere, its % and _ as themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def iter_external_users(conn: sqlite3.Connection, *, include_inactive: bool = False,
                        email_part: str | None = None, name_part: str | None = None,
                        ) -> Iterator[dict[str, Any]]:
    """External users by e-mail key; with parts, those whose e-mail key or name holds one."""
    clauses, params = [], []
    if not include_inactive:
        clauses.append("u.active = 1")
    found = [(column, part) for column, part in (("u.email_key", email_part),
                                                 ("u.name", name_part)) if part is not None]
    if found:
        clauses.append("(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column, _ in found)
                       + ")")
        params += [_containing(part) for _, part in found]
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    yield from _streamed(
        conn, "SELECT u.email, u.name, u.phone, u.position, u.department, u.language, "
        "c.identifier AS company, u.active, u.created_at, u.updated_at "
        f"FROM external_users u LEFT JOIN companies c ON c.id = u.company_id {where} "
        "ORDER BY u.email_key", params)


def external_user(conn: sqlite3.Connection, email_key: str) -> dict[str, Any] | None:
    cursor = conn.execute(
        "SELECT u.id, u.email, u.name, u.phone, u.position, u.department, u.language, "
        "c.identifier AS company, u.active, u.created_at, u.updated_at "
        "FROM external_users u LEFT JOIN companies c ON c.id = u.company_id "
        "WHERE u.email_key = ?", [email_key])
    values = cursor.fetchone()
    if values is None:
        return None
    row = _row(cursor, values)
    cursor = conn.execute(
        "SELECT co.identifier FROM client_contacts l JOIN clients cl ON cl.id = l.client_id "
        "JOIN companies co ON co.id = cl.company_id WHERE l.external_user_id = ?", [row.pop("id")])
    row["clients"] = [identifier for (identifier,) in cursor.fetchall()]
    return row

