"""Undoing a run: what it created is removed, what it changed gets its previous values back.

The run's history rows hold each field's old and new value. A revert is itself a run: its
history rows (source ``revert``) hold what it removed (every column, so that a revert of the
revert puts it back) and what it restored, all in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from clientreg.clock import now
from clientreg.errors import ClientregError, Conflict, NotFound, Rejected, shown
from clientreg.rules import identifier_key
from clientreg.runs import run_id_of
from clientreg.storage import Store, run_sql
from clientreg.storage.client_sql import dumps, insert_history_rows

SOURCE = "revert"
_COMPANY_WHERE = "identifier_key = ?"
_COMPANY_SKIP = ("id", "company_type_id")
_RECORD = {"company": ("client", "company"), "client": ("client", "company")}
_CATALOGUE = {"company_type": "company_types", "category": "categories"}
_TABLES = {"company": "companies", "client": "clients", "external_user": "external_users",
           **_CATALOGUE}


@dataclass
class Change:
    """One record of the run: created (or re-created), removed, or fields changed."""

    entity: str
    key: str
    created: bool = False
    deleted: bool = False
    first_id: int = 0
    last_id: int = 0
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    later: dict[str, int] = field(default_factory=dict)
    """Fields a later run changed, with that run's id ('*': the record itself)."""
    kept: list[str] = field(default_factory=list)
    in_use: bool = False
    """A catalogue entry the run created that other records still use: left in place."""
    """Fields the revert could not give back (contacts changed by an update, say)."""


@dataclass
class Plan:
    run_id: int
    changes: list[Change]
    reverted_by: set[int] = field(default_factory=set)
    """The later runs that were reverts of this one."""

    def counts(self) -> dict[str, dict[str, int]]:
        """Per entity, how many records the revert removes, restores or puts back."""
        found: dict[str, dict[str, int]] = {}
        for change in self.changes:
            action = "removed" if change.created else "restored" if change.deleted else "reverted"
            by_action = found.setdefault(change.entity, {})
            by_action[action] = by_action.get(action, 0) + 1
        return found

    def conflicts(self) -> list[tuple[Change, str, int]]:
        return [(change, name, run) for change in self.changes
                for name, run in sorted(change.later.items())]


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, dict) and set(value) <= {"old", "new"}:
        return value.get("old"), value.get("new")
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None, value


def plan(store: Store, given: str) -> Plan:
    """What reverting the run would do, with the fields later runs changed."""
    run_id = run_id_of(given)
    conn = store.conn
    if run_sql.run(conn, run_id) is None:
        raise NotFound("unknown-run", field="run", value=given, given=shown(given))
    changes: dict[tuple[str, str], Change] = {}
    for row_id, entity, key, action, text in conn.execute(
            "SELECT id, entity, entity_key, action, changes FROM history WHERE run_id = ? "
            "ORDER BY id", [run_id]):
        change = changes.setdefault((entity, key), Change(entity, key, first_id=row_id))
        change.last_id = row_id
        if action == "created":
            change.created = True
        elif action == "deleted":
            change.deleted = True
        for name, value in json.loads(text).items():
            old, new = _pair(value)
            change.old.setdefault(name, old)
            change.new[name] = new
    if not changes:
        raise NotFound("revert-nothing", field="run", value=given)
    for change in changes.values():
        entities = _RECORD.get(change.entity, (change.entity,))
        marks = ", ".join("?" * len(entities))
        for entity, text, later_run in conn.execute(
                f"SELECT entity, changes, run_id FROM history WHERE id > ? AND entity_key = ? "
                f"AND entity IN ({marks}) AND (run_id IS NULL OR run_id <> ?) ORDER BY id",
                [change.first_id, change.key, *entities, run_id]):
            later = later_run if later_run is not None else 0
            if change.created or change.deleted:
                change.later.setdefault("*", later)
            elif entity == change.entity:
                for name in json.loads(text):
                    if name in change.old:
                        change.later.setdefault(name, later)
    reverted_by = set()
    for row in run_sql.runs(conn):
        if row["id"] > run_id and _reverted(row["command"]) == run_id:
            reverted_by.add(row["id"])
    return Plan(run_id, list(changes.values()), reverted_by)


def _reverted(command: list[str]) -> int | None:
    """The run a recorded command line reverted (clientreg ... runs revert RUN), if it was one."""
    for index in range(len(command) - 2):
        if command[index:index + 2] == ["runs", "revert"]:
            for argument in command[index + 2:]:
                if not argument.startswith("-"):
                    try:
                        return run_id_of(argument)
                    except NotFound:
                        return None
    return None


def refusal(plan: Plan) -> Rejected:
    """The refusal naming each record and field a later run changed, and that run."""
    later_runs = {later for _change, _name, later in plan.conflicts()}
    if len(later_runs) == 1:
        (later,) = later_runs
        if later in plan.reverted_by:
            return Rejected([Conflict("revert-already", field="run", value=plan.run_id,
                                      revert=later)])
    problems: list[ClientregError] = []
    for change, name, later in plan.conflicts():
        where = f"{change.entity} {change.key}"
        if name == "*":
            problems.append(Conflict("revert-later-change/record", field=where, later=later))
        else:
            problems.append(Conflict("revert-later-change", field=f"{where}.{name}",
                                     later=later))
    return Rejected(problems)


def apply(store: Store, asked: Plan, *,
          force: bool = False) -> tuple[Plan, list[tuple[Change, str, int]]]:
    """Revert in one transaction; returns the plan carried out (made again under the write
    lock) and the fields left because later runs changed them."""
    with store.transaction() as conn:
        # Planned again under the write lock: a run written since the plan was shown (while
        # the person was asked, say) is found here, not overwritten.
        planned = plan(store, str(asked.run_id))
        left = planned.conflicts()
        if left and not force:
            raise refusal(planned)
        stamp = now()
        rows: list[tuple[Any, ...]] = []
        # Clients before their companies, companies and users before catalogue entries.
        order = {"client": 0, "external_user": 1, "company": 2, "company_type": 3, "category": 4}
        ordered = sorted(planned.changes, key=lambda c: (order.get(c.entity, 5), -c.first_id))
        if any(change.deleted for change in planned.changes):
            ordered = sorted(planned.changes, key=lambda c: (-order.get(c.entity, 5), c.first_id))
        for change in ordered:
            if change.created:
                if "*" not in change.later:
                    row = _remove(conn, change)
                    if row is not None:
                        rows.append((change.entity, change.key, "deleted", dumps(row), SOURCE,
                                     stamp))
            elif change.deleted:
                if "*" not in change.later:
                    _put_back(conn, change, stamp)
                    rows.append((change.entity, change.key, "created", dumps(
                        {name: [None, value] for name, value in change.old.items()}), SOURCE,
                        stamp))
            else:
                undone = _restore(conn, change, stamp)
                if undone:
                    action = "updated"
                    if set(undone) == {"active"}:
                        action = "activated" if undone["active"][1] else "deactivated"
                    rows.append((change.entity, change.key, action, dumps(undone), SOURCE,
                                 stamp))
        insert_history_rows(conn, rows, store.run_id)
    return planned, left


def _row(conn: sqlite3.Connection, table: str, where: str, params: list[Any]) -> dict[str, Any]:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)
    values = cursor.fetchone()
    if values is None:
        return {}
    return dict(zip([d[0] for d in cursor.description], values, strict=True))


def _remove(conn: sqlite3.Connection, change: Change) -> dict[str, list[Any]] | None:
    """Delete a record the run created; its columns, as [old, new] pairs, for the history."""
    if change.entity == "client":
        company = _row(conn, "companies", _COMPANY_WHERE, [identifier_key(change.key)])
        if not company:
            return None
        row = _row(conn, "clients", "company_id = ?", [company["id"]])
        if not row:
            return None
        contacts = [[email, position, is_default] for email, position, is_default in conn.execute(
            "SELECT u.email_key, c.position, c.is_default FROM client_contacts c JOIN "
            "external_users u ON u.id = c.external_user_id WHERE c.client_id = ? "
            "ORDER BY c.position", [row["id"]])]
        conn.execute("DELETE FROM client_contacts WHERE client_id = ?", [row["id"]])
        conn.execute("DELETE FROM clients WHERE id = ?", [row["id"]])
        (category,) = conn.execute("SELECT code FROM categories WHERE id = ?",
                                   [row["category_id"]]).fetchone()
        kept = {"category": category, "client_attributes": json.loads(row["attributes"]),
                "active": row["active"], "created_at": row["created_at"],
                "updated_at": row["updated_at"], "contacts": contacts}
    elif change.entity == "company":
        row = _row(conn, "companies", _COMPANY_WHERE, [identifier_key(change.key)])
        if not row:
            return None
        conn.execute("UPDATE external_users SET company_id = NULL WHERE company_id = ?",
                     [row["id"]])
        conn.execute("DELETE FROM companies WHERE id = ?", [row["id"]])
        (code,) = conn.execute("SELECT code FROM company_types WHERE id = ?",
                               [row["company_type_id"]]).fetchone()
        kept = {name: value for name, value in row.items() if name not in _COMPANY_SKIP}
        kept["company_type"] = code
    elif change.entity == "external_user":
        row = _row(conn, "external_users", "email_key = ?", [change.key])
        if not row:
            return None
        conn.execute("DELETE FROM client_contacts WHERE external_user_id = ?", [row["id"]])
        conn.execute("DELETE FROM external_users WHERE id = ?", [row["id"]])
        kept = {name: value for name, value in row.items() if name not in ("id", "company_id")}
        company = conn.execute("SELECT identifier FROM companies WHERE id = ?",
                               [row["company_id"]]).fetchone()
        kept["company"] = company[0] if company else None
    elif change.entity in _CATALOGUE:
        table = _CATALOGUE[change.entity]
        row = _row(conn, table, "code = ?", [change.key])
        if not row:
            return None
        if _used(conn, change.entity, row["id"]):
            change.in_use = True
            return None
        column = f"{change.entity}_id"
        cursor = conn.execute(f"SELECT * FROM attributes WHERE {column} = ? ORDER BY position",
                              [row["id"]])
        names = [d[0] for d in cursor.description]
        attributes = [{name: value for name, value in zip(names, values, strict=True)
                       if name not in ("id", "company_type_id", "category_id")}
                      for values in cursor]
        conn.execute(f"DELETE FROM attributes WHERE {column} = ?", [row["id"]])
        conn.execute(f"DELETE FROM {table} WHERE id = ?", [row["id"]])
        kept = {name: value for name, value in row.items() if name not in ("id", "parent_id")}
        kept["attribute_definitions"] = attributes
    else:
        return None
    return {name: [value, None] for name, value in kept.items()}


def _used(conn: sqlite3.Connection, entity: str, entry_id: int) -> bool:
    table = "companies" if entity == "company_type" else "clients"
    column = f"{entity}_id"
    used = conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", [entry_id])
    children = conn.execute(f"SELECT 1 FROM {_CATALOGUE[entity]} WHERE parent_id = ? LIMIT 1",
                            [entry_id])
    return used.fetchone() is not None or children.fetchone() is not None


def _put_back(conn: sqlite3.Connection, change: Change, stamp: str) -> None:
    """Insert again a record a revert removed, from the columns its history row kept."""
    values = dict(change.old)
    contacts: list[list[Any]] = []
    definitions: list[dict[str, Any]] = values.pop("attribute_definitions", None) or []
    if change.entity == "external_user":
        company = values.pop("company", None)
        values["company_id"] = None
        if company is not None:
            values["company_id"] = conn.execute(f"SELECT id FROM companies WHERE {_COMPANY_WHERE}",
                                                [identifier_key(company)]).fetchone()[0]
    elif change.entity == "company":
        code = values.pop("company_type")
        values["company_type_id"] = _catalogue_id(conn, "company_types", code)
    elif change.entity == "client":
        contacts = values.get("contacts") or []
        values = {"company_id": conn.execute(
                      f"SELECT id FROM companies WHERE {_COMPANY_WHERE}",
                      [identifier_key(change.key)]).fetchone()[0],
                  "category_id": _catalogue_id(conn, "categories", values["category"]),
                  "attributes": dumps(values["client_attributes"]), "active": values["active"],
                  "created_at": values["created_at"], "updated_at": values["updated_at"]}
    table = _TABLES[change.entity]
    names = ", ".join(values)
    cursor = conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()))
    for email, position, is_default in contacts:
        conn.execute("INSERT INTO client_contacts (client_id, external_user_id, position, "
                     "is_default) SELECT ?, id, ?, ? FROM external_users WHERE email_key = ?",
                     [cursor.lastrowid, position, is_default, email])
    for definition in definitions:
        definition[f"{change.entity}_id"] = cursor.lastrowid
        conn.execute(f"INSERT INTO attributes ({', '.join(definition)}) VALUES "
                     f"({', '.join('?' * len(definition))})", list(definition.values()))


def _catalogue_id(conn: sqlite3.Connection, table: str, code: str) -> int:
    found = conn.execute(f"SELECT id FROM {table} WHERE code = ?", [code]).fetchone()
    if found is None:
        raise NotFound("revert-missing-entry", field=table, value=code)
    return int(found[0])


def _restore(conn: sqlite3.Connection, change: Change, stamp: str) -> dict[str, list[Any]]:
    """Give the fields of a record the run changed their old values, those no later run
    changed; returns what was undone as [value before the revert, value restored]."""
    table = _TABLES.get(change.entity)
    if table is None:
        return {}
    if change.entity == "client":
        where, params = (f"company_id = (SELECT id FROM companies WHERE {_COMPANY_WHERE})",
                         [identifier_key(change.key)])
    elif change.entity == "external_user":
        where, params = "email_key = ?", [change.key]
    elif change.entity == "company":
        where, params = _COMPANY_WHERE, [identifier_key(change.key)]
    else:
        where, params = "code = ?", [change.key]
    row = _row(conn, table, where, params)
    if not row:
        return {}
    columns: dict[str, Any] = {}
    undone: dict[str, list[Any]] = {}
    for name, old in change.old.items():
        if name in change.later:
            continue
        column, value = name, old
        if name == "company_type":
            column, value = "company_type_id", _catalogue_id(conn, "company_types", old)
        elif name == "category" and change.entity == "client":
            column, value = "category_id", _catalogue_id(conn, "categories", old)
        elif name in ("attributes", "client_attributes"):
            column, value = "attributes", dumps(old or {})
        elif name == "active":
            value = int(bool(old))
        if column not in row or column == "id":
            change.kept.append(name)
            continue
        columns[column] = value
        new = change.new.get(name)
        undone[name] = [new, bool(old) if name == "active" else old]
    if columns:
        if "updated_at" in row:
            columns["updated_at"] = stamp
        assignments = ", ".join(f"{column} = ?" for column in columns)
        conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?",
                     [*columns.values(), row["id"]])
    return undone
