"""SQL of the catalogue: company types, categories and their attribute declarations."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from clientreg.attributes import AttributeDef
from clientreg.model import Category, CompanyType
from clientreg.storage.client_sql import insert_history_rows
from clientreg.storage.schema import HistoryRow

_TABLES = {"company_type": ("company_types", "company_type_id"),
           "category": ("categories", "category_id")}


def _attribute_rows(conn: sqlite3.Connection, owner_column: str) -> dict[int, list[AttributeDef]]:
    found: dict[int, list[AttributeDef]] = {}
    rows = conn.execute(
        f"SELECT {owner_column}, key, label, type, required, allowed_values, min, max, decimals "
        f"FROM attributes WHERE {owner_column} IS NOT NULL ORDER BY {owner_column}, position"
    )
    for owner, key, label, kind, required, values, low, high, decimals in rows:
        found.setdefault(owner, []).append(AttributeDef(
            key=key, label=label, type=kind, required=bool(required),
            values=tuple(json.loads(values)) if values else (),
            min=Decimal(low) if low is not None else None,
            max=Decimal(high) if high is not None else None,
            decimals=decimals,
        ))
    return found


def load_company_types(conn: sqlite3.Connection) -> dict[str, CompanyType]:
    """Every company type by code, inactive ones included."""
    attributes = _attribute_rows(conn, "company_type_id")
    rows = conn.execute(
        "SELECT t.id, t.code, t.name, t.active, p.code, t.id_mask, t.allow_id_change "
        "FROM company_types t LEFT JOIN company_types p ON p.id = t.parent_id ORDER BY t.code"
    )
    return {
        code: CompanyType(id=id_, code=code, name=name, active=bool(active), parent=parent,
                          id_mask=mask, allow_id_change=bool(allow),
                          attributes=tuple(attributes.get(id_, ())))
        for id_, code, name, active, parent, mask, allow in rows
    }


def load_categories(conn: sqlite3.Connection) -> dict[str, Category]:
    """Every category by code, inactive ones included."""
    attributes = _attribute_rows(conn, "category_id")
    rows = conn.execute(
        "SELECT c.id, c.code, c.name, c.active, p.code "
        "FROM categories c LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.code"
    )
    return {
        code: Category(id=id_, code=code, name=name, active=bool(active), parent=parent,
                       attributes=tuple(attributes.get(id_, ())))
        for id_, code, name, active, parent in rows
    }


def insert_entry(conn: sqlite3.Connection, kind: str, row: dict[str, Any]) -> int:
    """Insert a company type or category row; returns its id."""
    table, _ = _TABLES[kind]
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
    assert cursor.lastrowid is not None  # an INSERT of one row sets it
    return cursor.lastrowid


def update_entry(conn: sqlite3.Connection, kind: str, entry_id: int, row: dict[str, Any]) -> None:
    table, _ = _TABLES[kind]
    assignments = ", ".join(f"{column} = ?" for column in row)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*row.values(), entry_id])


def replace_attributes(
    conn: sqlite3.Connection, kind: str, entry_id: int, definitions: tuple[AttributeDef, ...]
) -> None:
    """Store the attribute declarations of one entry, in order, replacing what it had."""
    _, owner_column = _TABLES[kind]
    conn.execute(f"DELETE FROM attributes WHERE {owner_column} = ?", [entry_id])
    conn.executemany(
        f"INSERT INTO attributes ({owner_column}, position, key, label, type, required, "
        "allowed_values, min, max, decimals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (entry_id, position, d.key, d.label, d.type, int(d.required),
             json.dumps(list(d.values), ensure_ascii=False) if d.values else None,
             str(d.min) if d.min is not None else None,
             str(d.max) if d.max is not None else None, d.decimals)
            for position, d in enumerate(definitions)
        ],
    )


def usage_count(conn: sqlite3.Connection, kind: str, entry_id: int) -> int:
    """How many companies (for a type) or clients (for a category) use this entry."""
    if kind == "company_type":
        sql = "SELECT count(*) FROM companies WHERE company_type_id = ?"
    else:
        sql = "SELECT count(*) FROM clients WHERE category_id = ?"
    return int(conn.execute(sql, [entry_id]).fetchone()[0])


def bump_sequence(conn: sqlite3.Connection, type_id: int, next_seq: int) -> None:
    conn.execute("UPDATE company_types SET next_seq = ? WHERE id = ? AND next_seq < ?",
                 [next_seq, type_id, next_seq])


def next_sequence(conn: sqlite3.Connection, type_id: int) -> int:
    return int(conn.execute("SELECT next_seq FROM company_types WHERE id = ?",
                            [type_id]).fetchone()[0])


def insert_history(conn: sqlite3.Connection, rows: Iterable[HistoryRow],
                   run_id: int | None = None) -> None:
    insert_history_rows(conn, rows, run_id)
