"""The benchmark's floor: the client CSV written into clientreg's tables by plain sqlite3.

It checks nothing and normalises nothing. It writes what an import writes (a company, a client,
its external users, their links and the history rows) with executemany in one transaction, and
builds the search index once at the end as a large import does, so the difference between it
and ``clientreg import`` is the price of validation and bookkeeping.

Usage: python floor_loader.py CLIENTS.csv DATABASE  (the database holds the catalogue already)
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from datagen import COUNTRY_SPELLINGS

from clientreg.storage import open_database
from clientreg.storage.schema import DROP_SEARCH_TRIGGERS, REBUILD_SEARCH

# The schema holds countries as alpha-2 codes; the file also spells some as names or alpha-3.
# A dictionary look-up (no validation) keeps the floor inside the schema's CHECK constraint.
_COUNTRY_CODES = {spelling: code for code, spellings in COUNTRY_SPELLINGS.items()
                  for spelling in spellings}

CHUNK = 10_000
_COMPANY_SQL = (
    "INSERT INTO companies (id, identifier_key, identifier, name, trade_name, company_type_id, "
    "tax_id, email, phone, website, street, city, region, postal_code, country, attributes, "
    "active, created_at, updated_at) VALUES (" + ", ".join("?" * 19) + ")")
_CLIENT_SQL = ("INSERT INTO clients (id, company_id, category_id, attributes, active, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_USER_SQL = (
    "INSERT INTO external_users (id, email_key, email, name, phone, position, department, "
    "language, company_id, active, created_at, updated_at) VALUES (" + ", ".join("?" * 12) + ")")
_LINK_SQL = ("INSERT INTO client_contacts (client_id, external_user_id, position, is_default) "
             "VALUES (?, ?, ?, ?)")
_HISTORY_SQL = ("INSERT INTO history (entity, entity_key, action, changes, source, at) "
                "VALUES (?, ?, ?, ?, ?, ?)")
_COMPANY_FIELDS = ("trade_name", "tax_id", "email", "phone", "website", "street", "city",
                   "region", "postal_code", "country")
_CONTACT_FIELDS = ("email", "name", "phone", "position", "department", "language")


def _clients(rows: Iterable[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    """Consecutive rows with the same identifier are one client (later rows add contacts)."""
    for _, group in itertools.groupby(rows, key=lambda row: row["identifier"]):
        yield list(group)


def _attributes(row: dict[str, str], prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in row.items()
            if key.startswith(prefix) and value}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Loader:
    """Turns clients into rows of the five tables, numbering them as it goes."""

    def __init__(self, types: dict[str, int], categories: dict[str, int], source: str) -> None:
        self.types, self.categories, self.source = types, categories, source
        self.stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.next_id = {"companies": 1, "clients": 1, "users": 1}
        self.tables: dict[str, list[tuple[Any, ...]]] = {
            "companies": [], "clients": [], "users": [], "links": [], "history": []}

    def _take(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, rows: list[dict[str, str]]) -> None:
        first, stamp = rows[0], self.stamp
        identifier = first["identifier"]
        company_id, client_id = self._take("companies"), self._take("clients")
        company = {f: first[f] or None for f in _COMPANY_FIELDS}
        company["country"] = _COUNTRY_CODES[first["country"]]
        company_attrs = _attributes(first, "company_attr.")
        client_attrs = _attributes(first, "client_attr.")
        self.tables["companies"].append((
            company_id, identifier.casefold(), identifier, first["name"], company["trade_name"],
            self.types[first["company_type"]], *list(company.values())[1:],
            _dumps(company_attrs), 1, stamp, stamp))
        self.tables["clients"].append((client_id, company_id, self.categories[first["category"]],
                                       _dumps(client_attrs), 1, stamp, stamp))
        shown = {k: [None, v] for k, v in company.items() if v}
        shown.update(name=[None, first["name"]], company_type=[None, first["company_type"]])
        self._history("company", identifier, shown)
        self._history("client", identifier, {"category": [None, first["category"]],
                                             "client_attributes": [None, client_attrs]})
        for position, row in enumerate(rows):
            self._contact(row, position, company_id, client_id, identifier)

    def _contact(self, row: dict[str, str], position: int, company_id: int, client_id: int,
                 identifier: str) -> None:
        user_id = self._take("users")
        values = [row[f"contact_{f}"] or None for f in _CONTACT_FIELDS]
        email = row[f"contact_{_CONTACT_FIELDS[0]}"]  # every contact of the benchmark has one
        self.tables["users"].append((user_id, email.casefold(), *values, company_id, 1,
                                     self.stamp, self.stamp))
        self.tables["links"].append((client_id, user_id, position,
                                     int(row["contact_default"] == "true")))
        details = {f: [None, v] for f, v in zip(_CONTACT_FIELDS, values, strict=True) if v}
        self._history("external_user", email.casefold(),
                      {**details, "company": [None, identifier]})

    def _history(self, entity: str, key: str, changes: dict[str, Any]) -> None:
        self.tables["history"].append((entity, key, "created", _dumps(changes), self.source,
                                       self.stamp))

    def flush(self, conn: Any) -> None:
        for sql, table in ((_COMPANY_SQL, "companies"), (_CLIENT_SQL, "clients"),
                           (_USER_SQL, "users"), (_LINK_SQL, "links"), (_HISTORY_SQL, "history")):
            conn.executemany(sql, self.tables[table])
            self.tables[table].clear()


def load(csv_path: str, db_path: str) -> int:
    store = open_database(db_path)
    conn = store.conn
    types = dict(conn.execute("SELECT code, id FROM company_types"))
    categories = dict(conn.execute("SELECT code, id FROM categories"))
    loader = Loader(types, categories, source=f"import of {csv_path}")
    count = 0
    with open(csv_path, newline="", encoding="utf-8") as handle:
        conn.execute("BEGIN IMMEDIATE")
        # As clientreg import does for a large file: the search index is built once at the end.
        triggers = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'companies_fts%'")]
        for statement in DROP_SEARCH_TRIGGERS:
            conn.execute(statement)
        for count, rows in enumerate(_clients(csv.DictReader(handle)), start=1):
            loader.add(rows)
            if count % CHUNK == 0:
                loader.flush(conn)
        loader.flush(conn)
        conn.execute(REBUILD_SEARCH)
        for statement in triggers:
            conn.execute(statement)
        conn.execute("COMMIT")
    store.close()
    return count


if __name__ == "__main__":
    print(load(sys.argv[1], sys.argv[2]))
