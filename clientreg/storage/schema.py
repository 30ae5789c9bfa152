"""The database schema, as versioned migrations applied when a database is opened."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from sqlite_utils import Database, Migrations

MIGRATION_SET = "clientreg"
migrations = Migrations(MIGRATION_SET)

class HistoryRow(NamedTuple):
    """One row of the history table: what changed (``changes``, JSON), when, and from where."""

    entity: str
    entity_key: str
    action: str
    changes: str
    source: str
    at: str


# Tables are written as SQL so that the UNIQUE, CHECK and FOREIGN KEY constraints live in the
# schema itself, where any other program writing to the file meets them too.
_SCHEMA_V1 = """
CREATE TABLE company_types (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES company_types(id),
    id_mask TEXT,
    allow_id_change INTEGER NOT NULL DEFAULT 0 CHECK (allow_id_change IN (0, 1)),
    next_seq INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES categories(id),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE attributes (
    id INTEGER PRIMARY KEY,
    company_type_id INTEGER REFERENCES company_types(id),
    category_id INTEGER REFERENCES categories(id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL
        CHECK (type IN ('text', 'memo', 'number', 'currency', 'date', 'time', 'list')),
    required INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    allowed_values TEXT,
    min TEXT,
    max TEXT,
    decimals INTEGER,
    CHECK ((company_type_id IS NULL) <> (category_id IS NULL))
);
CREATE UNIQUE INDEX attributes_type_key ON attributes(company_type_id, key)
    WHERE company_type_id IS NOT NULL;
CREATE UNIQUE INDEX attributes_category_key ON attributes(category_id, key)
    WHERE category_id IS NOT NULL;
CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL,
    identifier_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    trade_name TEXT,
    company_type_id INTEGER NOT NULL REFERENCES company_types(id),
    tax_id TEXT UNIQUE,
    email TEXT,
    phone TEXT,
    website TEXT,
    street TEXT,
    city TEXT,
    region TEXT,
    postal_code TEXT,
    country TEXT CHECK (country IS NULL OR length(country) = 2),
    attributes TEXT NOT NULL DEFAULT '{}',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (length(identifier) BETWEEN 1 AND 50)
);
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL UNIQUE REFERENCES companies(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    attributes TEXT NOT NULL DEFAULT '{}',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE external_users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    position TEXT,
    department TEXT,
    language TEXT,
    company_id INTEGER REFERENCES companies(id),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX external_users_company ON external_users(company_id);
CREATE TABLE client_contacts (
    client_id INTEGER NOT NULL REFERENCES clients(id),
    external_user_id INTEGER NOT NULL REFERENCES external_users(id),
    position INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    PRIMARY KEY (client_id, external_user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX client_contacts_one_default ON client_contacts(client_id)
    WHERE is_default = 1;
CREATE INDEX client_contacts_user ON client_contacts(external_user_id);
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX history_entity ON history(entity, entity_key);
CREATE INDEX companies_type ON companies(company_type_id);
CREATE INDEX clients_category ON clients(category_id);
"""

# Full-text search over what people look clients up by. External content keeps one copy of the
# text; triggers keep the index in step with the companies table. The rebuild indexes the
# companies a database already held when it is migrated to this schema.
_SEARCH_V1 = """
CREATE VIRTUAL TABLE companies_fts USING fts5(
    name, trade_name, identifier, email, tax_id,
    content='companies', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER companies_fts_insert AFTER INSERT ON companies BEGIN
    INSERT INTO companies_fts(rowid, name, trade_name, identifier, email, tax_id)
    VALUES (new.id, new.name, new.trade_name, new.identifier, new.email, new.tax_id);
END;
CREATE TRIGGER companies_fts_delete AFTER DELETE ON companies BEGIN
    INSERT INTO companies_fts(companies_fts, rowid, name, trade_name, identifier, email, tax_id)
    VALUES ('delete', old.id, old.name, old.trade_name, old.identifier, old.email, old.tax_id);
END;
CREATE TRIGGER companies_fts_update AFTER UPDATE ON companies BEGIN
    INSERT INTO companies_fts(companies_fts, rowid, name, trade_name, identifier, email, tax_id)
    VALUES ('delete', old.id, old.name, old.trade_name, old.identifier, old.email, old.tax_id);
    INSERT INTO companies_fts(rowid, name, trade_name, identifier, email, tax_id)
    VALUES (new.id, new.name, new.trade_name, new.identifier, new.email, new.tax_id);
END;
INSERT INTO companies_fts(companies_fts) VALUES ('rebuild');
"""

# The search index is derived data that no constraint checks. A dry run (a unit of work with
# dry_run) drops its triggers inside its transaction, and the rollback restores them. A unit of
# work that writes many companies drops them too, then rebuilds the index in one pass and puts
# the triggers back before it commits (see Work.index_search_at_end).
SEARCH_TRIGGERS = tuple(f"companies_fts_{event}" for event in ("insert", "delete", "update"))
DROP_SEARCH_TRIGGERS = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in SEARCH_TRIGGERS)
REBUILD_SEARCH = "INSERT INTO companies_fts(companies_fts) VALUES ('rebuild')"
REHEARSAL = DROP_SEARCH_TRIGGERS


def _run_script(db: Database, script: str) -> None:
    """Run statements one by one: executescript() would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.conn.execute(statement)
            statement = ""


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    _run_script(db, _SCHEMA_V1)


@migrations(name="0002_search")
def _search(db: Database) -> None:
    _run_script(db, _SEARCH_V1)


@migrations(name="0003_email_lower")
def _email_lower(db: Database) -> None:
    """E-mail keys lower-cased instead of case-folded, with the history kept under each key.

    Done in Python: SQLite's lower() changes ASCII letters only. No two users can meet on one
    key: addresses with equal lower-cased forms had equal case-folded ones, so were one user.
    """
    lower_email_keys(db.conn)


def lower_email_keys(conn: sqlite3.Connection) -> None:
    """Migration 0003 on a connection of either backend (see _email_lower)."""
    changed = [(email.lower(), key) for key, email in conn.execute(
        "SELECT email_key, email FROM external_users") if email.lower() != key]
    conn.executemany("UPDATE external_users SET email_key = ? WHERE email_key = ?", changed)
    conn.executemany("UPDATE history SET entity_key = ? WHERE entity = 'external_user' "
                     "AND entity_key = ?", changed)


# The run ledger: every command that writes is a run, recorded in the transaction of what it
# wrote. History rows point at their run; rows written before this schema have none. The index
# on run_id alone grows at its end as a run writes, so a large import pays little for it.
_RUNS_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    version TEXT NOT NULL,
    user_name TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',
    left_alone TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE run_inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    size INTEGER NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
ALTER TABLE history ADD COLUMN run_id INTEGER REFERENCES runs(id);
CREATE INDEX history_run ON history(run_id);
"""


@migrations(name="0004_runs")
def _runs(db: Database) -> None:
    _run_script(db, _RUNS_V1)


_DIGESTS_V1 = """
CREATE TABLE client_digests (
    client_id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL,
    input BLOB
);
CREATE INDEX client_digests_input ON client_digests(input) WHERE input IS NOT NULL;
CREATE TABLE input_digests (
    key BLOB PRIMARY KEY,
    clients INTEGER NOT NULL,
    summary TEXT NOT NULL,
    run_id INTEGER
);
CREATE TRIGGER client_digests_company AFTER UPDATE ON companies BEGIN
    DELETE FROM client_digests
    WHERE client_id = (SELECT id FROM clients WHERE company_id = new.id);
END;
CREATE TRIGGER client_digests_client AFTER UPDATE ON clients BEGIN
    DELETE FROM client_digests WHERE client_id IN (old.id, new.id);
END;
CREATE TRIGGER client_digests_client_gone AFTER DELETE ON clients BEGIN
    DELETE FROM client_digests WHERE client_id = old.id;
END;
CREATE TRIGGER client_digests_user AFTER UPDATE ON external_users BEGIN
    DELETE FROM client_digests WHERE client_id IN (
        SELECT client_id FROM client_contacts WHERE external_user_id IN (old.id, new.id));
END;
CREATE TRIGGER client_digests_link_added AFTER INSERT ON client_contacts BEGIN
    DELETE FROM client_digests WHERE client_id = new.client_id;
END;
CREATE TRIGGER client_digests_link_changed AFTER UPDATE ON client_contacts BEGIN
    DELETE FROM client_digests WHERE client_id IN (old.client_id, new.client_id);
END;
CREATE TRIGGER client_digests_link_removed AFTER DELETE ON client_contacts BEGIN
    DELETE FROM client_digests WHERE client_id = old.client_id;
END;
"""


@migrations(name="0005_digests")
def _digests(db: Database) -> None:
    """What each client was last imported from, as a digest, for instant re-runs.

    A digest says: this client is what the import of that content made of it. The triggers
    forget it as soon as anything changes the client (its company, its row, its contacts, an
    external user of its), whatever writes the change, so a matching digest always means an
    unchanged client. ``input`` names the whole file the digest came from (its bytes, how it
    was read, the catalogue), and ``input_digests`` how many clients that file holds: while
    that many digests still name it, every client of the file is unchanged.
    """
    _run_script(db, _DIGESTS_V1)


KNOWN_MIGRATIONS = frozenset(m.name for m in migrations._migrations)
