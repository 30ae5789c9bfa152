"""The schema on PostgreSQL: the same migrations as SQLite's (storage.schema), by the same names.

The tables, columns (in the same order), constraints and indexes are SQLite's, in PostgreSQL's
types: integers are BIGINT, BLOB is BYTEA. Differences, and why:

- ids: SQLite gives a row without one max(id) + 1; a BEFORE INSERT trigger does the same here
  (writers hold the write lock, see storage.postgres), so that registrations may still choose
  their ids up front (client_sql.next_ids) and history, runs and the catalogue need none;
- search (0002): instead of an FTS5 table and its triggers, a GIN index on a tsvector of the
  same five columns, folded as FTS5's unicode61 tokenizer folds them (lower case, accents
  removed by unaccent, any other character than a letter or digit a separator); nothing to
  drop in a dry run or rebuild after a bulk import;
- the client_digests triggers (0005) are PL/pgSQL trigger functions, one per SQLite trigger,
  run once per statement over the rows it changed (transition tables), so that a COPY of a
  whole chunk forgets digests in one DELETE; the id triggers run only for a row without an id.

The applied migrations are recorded in ``clientreg_migrations``; a database that holds other
tables and no record, or a migration this clientreg does not know, is refused as on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from clientreg.storage.schema import lower_email_keys

if TYPE_CHECKING:
    from clientreg.storage.postgres import PgConnection

MIGRATIONS_TABLE = "clientreg_migrations"
CREATE_MIGRATIONS_TABLE = f"""
CREATE TABLE {MIGRATIONS_TABLE} (
    migration_set TEXT NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (migration_set, name)
)"""

_ID_TABLES = ("company_types", "categories", "attributes", "companies", "clients",
              "external_users", "history")


def _next_id_trigger(table: str) -> list[str]:
    return [
        f"""CREATE FUNCTION {table}_next_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS NULL THEN
        NEW.id := (SELECT coalesce(max(id), 0) + 1 FROM {table});
    END IF;
    RETURN NEW;
END $$""",
        # WHEN: a row that comes with its id (every bulk write's) calls no function at all.
        f"CREATE TRIGGER {table}_next_id BEFORE INSERT ON {table} "
        f"FOR EACH ROW WHEN (NEW.id IS NULL) EXECUTE FUNCTION {table}_next_id()",
    ]


_SCHEMA_V1 = [
    """CREATE TABLE company_types (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES company_types(id),
    id_mask TEXT,
    allow_id_change BIGINT NOT NULL DEFAULT 0 CHECK (allow_id_change IN (0, 1)),
    next_seq BIGINT NOT NULL DEFAULT 1,
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE categories (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES categories(id),
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE attributes (
    id BIGINT PRIMARY KEY,
    company_type_id BIGINT REFERENCES company_types(id),
    category_id BIGINT REFERENCES categories(id),
    position BIGINT NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL
        CHECK (type IN ('text', 'memo', 'number', 'currency', 'date', 'time', 'list')),
    required BIGINT NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    allowed_values TEXT,
    min TEXT,
    max TEXT,
    decimals BIGINT,
    CHECK ((company_type_id IS NULL) <> (category_id IS NULL))
)""",
    "CREATE UNIQUE INDEX attributes_type_key ON attributes(company_type_id, key) "
    "WHERE company_type_id IS NOT NULL",
    "CREATE UNIQUE INDEX attributes_category_key ON attributes(category_id, key) "
    "WHERE category_id IS NOT NULL",
    """CREATE TABLE companies (
    id BIGINT PRIMARY KEY,
    identifier TEXT NOT NULL,
    identifier_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    trade_name TEXT,
    company_type_id BIGINT NOT NULL REFERENCES company_types(id),
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
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (length(identifier) BETWEEN 1 AND 50)
)""",
    """CREATE TABLE clients (
    id BIGINT PRIMARY KEY,
    company_id BIGINT NOT NULL UNIQUE REFERENCES companies(id),
    category_id BIGINT NOT NULL REFERENCES categories(id),
    attributes TEXT NOT NULL DEFAULT '{}',
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE external_users (
    id BIGINT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    position TEXT,
    department TEXT,
    language TEXT,
    company_id BIGINT REFERENCES companies(id),
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    "CREATE INDEX external_users_company ON external_users(company_id)",
    """CREATE TABLE client_contacts (
    client_id BIGINT NOT NULL REFERENCES clients(id),
    external_user_id BIGINT NOT NULL REFERENCES external_users(id),
    position BIGINT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    PRIMARY KEY (client_id, external_user_id)
)""",
    "CREATE UNIQUE INDEX client_contacts_one_default ON client_contacts(client_id) "
    "WHERE is_default = 1",
    "CREATE INDEX client_contacts_user ON client_contacts(external_user_id)",
    """CREATE TABLE history (
    id BIGINT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    at TEXT NOT NULL
)""",
    "CREATE INDEX history_entity ON history(entity, entity_key)",
    "CREATE INDEX companies_type ON companies(company_type_id)",
    "CREATE INDEX clients_category ON clients(category_id)",
    *[statement for table in _ID_TABLES for statement in _next_id_trigger(table)],
]

# unaccent is a trusted extension: the database's owner may create it. The functions are
# IMMUTABLE (unaccent's dictionary is fixed) so that an index can be built on them. Letters are
# lower-cased and told from other characters by the database's own locale ("default": the
# columns' "C" knows ASCII letters only), so it should be a UTF-8 one, as .ci/postgres makes.
_SEARCH_V1 = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE FUNCTION clientreg_words(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path FROM CURRENT AS $$
    SELECT regexp_replace(lower(unaccent('unaccent', coalesce($1, '')) COLLATE "default"),
                          '[^[:alnum:]]+', ' ', 'g')
$$""",
    """CREATE FUNCTION clientreg_search_vector(text, text, text, text, text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT to_tsvector('simple', clientreg_words(concat_ws(' ', $1, $2, $3, $4, $5)))
$$""",
    # A word as FTS5 reads "word"*: its parts one after the other, each a prefix; NULL (nothing
    # matches) when it holds no letter or digit.
    """CREATE FUNCTION clientreg_prefix_query(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT nullif(array_to_string(ARRAY(
        SELECT '''' || part || ''':*' FROM regexp_split_to_table(btrim(clientreg_words($1)), ' +')
        AS part WHERE part <> ''), ' <-> '), '')::tsquery
$$""",
    "CREATE INDEX companies_search ON companies USING gin "
    "(clientreg_search_vector(name, trade_name, identifier, email, tax_id))",
]

_RUNS_V1 = [
    """CREATE TABLE runs (
    id BIGINT PRIMARY KEY,
    command TEXT NOT NULL,
    version TEXT NOT NULL,
    user_name TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',
    left_alone TEXT NOT NULL DEFAULT '{}'
)""",
    *_next_id_trigger("runs"),
    """CREATE TABLE run_inputs (
    run_id BIGINT NOT NULL REFERENCES runs(id),
    position BIGINT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    size BIGINT NOT NULL,
    PRIMARY KEY (run_id, position)
)""",
    "ALTER TABLE history ADD COLUMN run_id BIGINT REFERENCES runs(id)",
    "CREATE INDEX history_run ON history(run_id)",
]


def _forget_trigger(name: str, event: str, table: str, condition: str) -> list[str]:
    """One of SQLite's row triggers as a statement trigger over the rows the statement changed
    (old_rows, new_rows): the same digests forgotten, in one DELETE per statement rather than
    one per row (a COPY of 100,000 contact links runs it once)."""
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
    return [
        f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM client_digests WHERE {condition};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


_DIGESTS_V1 = [
    """CREATE TABLE client_digests (
    client_id BIGINT PRIMARY KEY,
    digest BYTEA NOT NULL,
    input BYTEA
)""",
    "CREATE INDEX client_digests_input ON client_digests(input) WHERE input IS NOT NULL",
    """CREATE TABLE input_digests (
    key BYTEA PRIMARY KEY,
    clients BIGINT NOT NULL,
    summary TEXT NOT NULL,
    run_id BIGINT
)""",
    *_forget_trigger("client_digests_company", "UPDATE", "companies",
                     "client_id IN (SELECT id FROM clients "
                     "WHERE company_id IN (SELECT id FROM new_rows))"),
    *_forget_trigger("client_digests_client", "UPDATE", "clients",
                     "client_id IN (SELECT id FROM old_rows UNION SELECT id FROM new_rows)"),
    *_forget_trigger("client_digests_client_gone", "DELETE", "clients",
                     "client_id IN (SELECT id FROM old_rows)"),
    *_forget_trigger("client_digests_user", "UPDATE", "external_users",
                     "client_id IN (SELECT client_id FROM client_contacts WHERE external_user_id "
                     "IN (SELECT id FROM old_rows UNION SELECT id FROM new_rows))"),
    *_forget_trigger("client_digests_link_added", "INSERT", "client_contacts",
                     "client_id IN (SELECT client_id FROM new_rows)"),
    *_forget_trigger("client_digests_link_changed", "UPDATE", "client_contacts",
                     "client_id IN (SELECT client_id FROM old_rows "
                     "UNION SELECT client_id FROM new_rows)"),
    *_forget_trigger("client_digests_link_removed", "DELETE", "client_contacts",
                     "client_id IN (SELECT client_id FROM old_rows)"),
]


def _statements(statements: list[str]) -> Callable[[PgConnection], None]:
    def apply(conn: PgConnection) -> None:
        for statement in statements:
            if statement.startswith("CREATE TABLE"):
                # Text compares and sorts by code point, as SQLite's BINARY collation does,
                # whatever the server's locale: lists and exports come in the same order.
                statement = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)
            conn.raw.execute(statement)  # DDL, written for PostgreSQL: nothing to translate
    return apply


def _email_lower(conn: PgConnection) -> None:
    lower_email_keys(conn)  # type: ignore[arg-type]  # the adapter takes sqlite3's calls


MIGRATIONS: tuple[tuple[str, Callable[[PgConnection], None]], ...] = (
    ("0001_initial", _statements(_SCHEMA_V1)),
    ("0002_search", _statements(_SEARCH_V1)),
    ("0003_email_lower", _email_lower),
    ("0004_runs", _statements(_RUNS_V1)),
    ("0005_digests", _statements(_DIGESTS_V1)),
)
"""Each migration by name, in order: the names are SQLite's (a test compares them)."""


def applied_names(conn: PgConnection, migration_set: str) -> set[str] | None:
    """Migration names applied to this database (its current schema); None when it holds
    tables but is not clientreg's."""
    tables = {name for (name,) in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
    if MIGRATIONS_TABLE not in tables:
        return set() if not tables else None
    names = {name for (name,) in conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [migration_set])}
    if not names and tables - {MIGRATIONS_TABLE}:
        return None
    return names


def apply_pending(conn: PgConnection, migration_set: str, applied: set[str], at: str) -> None:
    """Apply, in the open transaction, the migrations not yet applied, recording each."""
    if not applied and MIGRATIONS_TABLE not in {name for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()")}:
        conn.raw.execute(CREATE_MIGRATIONS_TABLE)
    for name, apply in MIGRATIONS:
        if name in applied:
            continue
        apply(conn)
        conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at) "
                     "VALUES (?, ?, ?)", [migration_set, name, at])
