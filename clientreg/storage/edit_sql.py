"""SQL that changes registered rows in place."""

from __future__ import annotations

import sqlite3
from typing import Any


def _update(conn: sqlite3.Connection, table: str, row_id: int, columns: dict[str, Any],
            stamp: str) -> None:
    values = {**columns, "updated_at": stamp}
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])


def update_company(conn: sqlite3.Connection, company_id: int, columns: dict[str, Any],
                   stamp: str) -> None:
    _update(conn, "companies", company_id, columns, stamp)


def update_client(conn: sqlite3.Connection, client_id: int, columns: dict[str, Any],
                  stamp: str) -> None:
    _update(conn, "clients", client_id, columns, stamp)


def update_user(conn: sqlite3.Connection, user_id: int, columns: dict[str, Any],
                stamp: str) -> None:
    _update(conn, "external_users", user_id, columns, stamp)


def unlink_contact(conn: sqlite3.Connection, client_id: int, user_id: int) -> None:
    conn.execute("DELETE FROM client_contacts WHERE client_id = ? AND external_user_id = ?",
                 [client_id, user_id])


def set_default(conn: sqlite3.Connection, client_id: int, user_id: int, default: bool) -> None:
    conn.execute("UPDATE client_contacts SET is_default = ? WHERE client_id = ? "
                 "AND external_user_id = ?", [int(default), client_id, user_id])

