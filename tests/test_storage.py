"""The SQLite file: schema constraints, WAL, foreign keys, migrations, files that are not ours."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from clientreg.errors import StorageError
from clientreg.storage import open_database


def schema_sql(path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))


@pytest.fixture
def sqlite_file(tmp_path):
    """A SQLite file of the test's own, whatever the backend (these tests are SQLite's)."""
    return tmp_path / "clientreg.db"


def test_a_fresh_file_is_created_and_migrated(sqlite_file):
    assert not sqlite_file.exists()
    open_database(sqlite_file).close()
    with sqlite3.connect(sqlite_file) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    assert names == ["0001_initial", "0002_search", "0003_email_lower", "0004_runs",
                     "0005_digests"]


def test_unique_constraints_live_in_the_schema(sqlite_file):
    open_database(sqlite_file).close()
    schema = schema_sql(sqlite_file)
    for declaration in ("identifier_key TEXT NOT NULL UNIQUE", "tax_id TEXT UNIQUE",
                        "email_key TEXT NOT NULL UNIQUE", "company_id INTEGER NOT NULL UNIQUE",
                        "code TEXT NOT NULL UNIQUE",
                        "CREATE UNIQUE INDEX client_contacts_one_default"):
        assert declaration in schema


def test_the_journal_is_wal(sqlite_file):
    open_database(sqlite_file).close()
    with sqlite3.connect(sqlite_file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_connection_enforces_foreign_keys(sqlite_file):
    open_database(sqlite_file).close()
    for _ in range(2):
        store = open_database(sqlite_file)
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(
                "INSERT INTO clients (company_id, category_id, created_at, updated_at) "
                "VALUES (999, 999, 'now', 'now')")
        store.close()


def test_opening_again_migrates_nothing_and_keeps_no_backup(sqlite_file):
    open_database(sqlite_file).close()
    store = open_database(sqlite_file)
    assert store.backup_path is None
    store.close()
    assert sorted(p.name for p in sqlite_file.parent.iterdir() if p.suffix == ".bak") == []


def test_a_file_that_is_not_sqlite_is_refused_untouched(sqlite_file):
    content = b"name,email\nACME,info@acme.example\n"
    sqlite_file.write_bytes(content)
    with pytest.raises(StorageError) as caught:
        open_database(sqlite_file)
    assert "not a SQLite database" in caught.value.reason
    assert sqlite_file.read_bytes() == content


def test_a_sqlite_file_of_another_program_is_refused_untouched(sqlite_file):
    with sqlite3.connect(sqlite_file) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    before = sqlite_file.read_bytes()
    with pytest.raises(StorageError) as caught:
        open_database(sqlite_file)
    assert "another program" in caught.value.reason
    assert sqlite_file.read_bytes() == before


def test_a_database_of_a_newer_clientreg_is_refused(sqlite_file):
    open_database(sqlite_file).close()
    with sqlite3.connect(sqlite_file) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('clientreg', '9999_future', '2030-01-01')")
    with pytest.raises(StorageError) as caught:
        open_database(sqlite_file)
    assert "newer version" in caught.value.reason


def test_a_writer_waits_for_the_busy_timeout_then_exits_3(sqlite_file):
    open_database(sqlite_file).close()
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        env = {**os.environ, "CLIENTREG_BUSY_TIMEOUT": "0.2", "CLIENTREG_DB": str(sqlite_file)}
        done = subprocess.run(
            [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()",
             "category", "add", "RETAIL", "--name", "Retail"],
            env=env, capture_output=True, text=True, timeout=60, cwd=sqlite_file.parent)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 3, done.stderr
    assert "busy" in done.stderr
    assert "Traceback" not in done.stderr


# --- PostgreSQL: the same guarantees, by the server's means -----------------------------------


def pg_rows(url: str, sql: str, *params: object) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_postgres_a_fresh_database_gets_the_migrations_of_sqlite_by_name(pg_url):
    from clientreg.storage.schema import KNOWN_MIGRATIONS

    open_database(pg_url).close()
    names = {name for (name,) in pg_rows(
        pg_url, "SELECT name FROM clientreg_migrations WHERE migration_set = 'clientreg'")}
    assert names == KNOWN_MIGRATIONS
    store = open_database(pg_url)  # opening again applies nothing and copies nothing
    assert store.backup_path is None
    store.close()
    assert len(pg_rows(pg_url, "SELECT * FROM clientreg_migrations")) == len(KNOWN_MIGRATIONS)


def test_postgres_constraints_live_in_the_schema(pg_url):
    open_database(pg_url).close()
    unique = {f"{table}.{column}" for table, column in pg_rows(pg_url, """
        SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.constraint_type = 'UNIQUE' AND tc.table_schema = current_schema()""")}
    assert {"companies.identifier_key", "companies.tax_id", "external_users.email_key",
            "company_types.code", "categories.code", "clients.company_id"} <= unique
    foreign = pg_rows(pg_url, "SELECT count(*) FROM information_schema.table_constraints "
                      "WHERE constraint_type = 'FOREIGN KEY' AND table_schema = current_schema()")
    assert foreign[0][0] >= 10
    checks = {name for (name,) in pg_rows(
        pg_url, "SELECT conname FROM pg_constraint WHERE contype = 'c' "
        "AND connamespace = current_schema()::regnamespace")}
    assert {"companies_country_check", "attributes_type_check"} <= checks


def test_postgres_the_schema_refuses_what_python_should_have(pg_url):
    store = open_database(pg_url)
    try:
        conn = store.conn
        conn.execute("INSERT INTO external_users (email, email_key, name, created_at, "
                     "updated_at) VALUES ('A@x.example', 'a@x.example', 'A', 'now', 'now')")
        with pytest.raises(sqlite3.IntegrityError):  # the e-mail's key, whatever its case
            conn.execute("INSERT INTO external_users (email, email_key, name, created_at, "
                         "updated_at) VALUES ('a@X.example', 'a@x.example', 'B', 'now', 'now')")
        with pytest.raises(sqlite3.IntegrityError):  # a foreign key
            conn.execute("INSERT INTO clients (company_id, category_id, created_at, updated_at) "
                         "VALUES (41, 42, 'now', 'now')")
        with pytest.raises(sqlite3.IntegrityError):  # a check
            conn.execute("UPDATE external_users SET active = 2")
    finally:
        store.close()


def test_postgres_a_database_of_another_program_is_refused_untouched(pg_url):
    pg_rows(pg_url, "CREATE TABLE notes (body text)")
    with pytest.raises(StorageError) as caught:
        open_database(pg_url)
    assert "clientreg leaves it untouched" in caught.value.reason
    tables = pg_rows(pg_url, "SELECT table_name FROM information_schema.tables "
                     "WHERE table_schema = current_schema()")
    assert tables == [("notes",)]


def test_postgres_a_database_of_a_newer_clientreg_is_refused(pg_url):
    open_database(pg_url).close()
    pg_rows(pg_url, "INSERT INTO clientreg_migrations (migration_set, name, applied_at) "
            "VALUES ('clientreg', '9999_future', '2030-01-01')")
    with pytest.raises(StorageError) as caught:
        open_database(pg_url)
    assert "newer version" in caught.value.reason


def _clientreg(url: str, *args: str, timeout: str = "10") -> subprocess.CompletedProcess:
    env = {**os.environ, "CLIENTREG_BUSY_TIMEOUT": timeout, "CLIENTREG_DB": url}
    return subprocess.run(
        [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()", *args],
        env=env, capture_output=True, text=True, timeout=60)


def test_postgres_a_writer_waits_for_the_busy_timeout_then_exits_3(pg_url):
    import psycopg

    from clientreg.storage.postgres import SESSION_LOCK_SQL

    open_database(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute(SESSION_LOCK_SQL)  # another writer's turn
        done = _clientreg(pg_url, "category", "add", "RETAIL", "--name", "Retail",
                          timeout="0.2")
    assert done.returncode == 3, done.stderr
    assert "busy" in done.stderr
    assert "Traceback" not in done.stderr
    assert _clientreg(pg_url, "category", "add", "RETAIL", "--name", "Retail").returncode == 0


def test_postgres_an_unreachable_server_exits_3_without_its_password(postgres_server):
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    done = _clientreg(f"postgresql://clerk:s3cret-word@127.0.0.1:{port}/register", "list")
    assert done.returncode == 3, done.stderr
    assert "postgresql://clerk@127.0.0.1:" in done.stderr
    assert "s3cret-word" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.usefixtures("backend")
def test_search_ignores_case_and_accents_on_both_backends(cli, catalogue):
    from clientreg.model import ClientDraft
    from clientreg.registration import register_many

    names = ["Construcciones Peñalara S.A.", "Ferretería Núñez", "Café Ωmega", "Zapatos López"]
    drafts = [ClientDraft(identifier=f"C-{n}", name=name, company_type="PERSON",
                          category="WHOLESALE", email=f"info{n}@shop-{n}.example")
              for n, name in enumerate(names)]
    assert register_many(catalogue, drafts, source="test").written
    found = {}
    for words in ("penalara", "PEÑA", "ferreteria nun", "núñez ferr", "ωme", "shop-2",
                  "lopez zap", "lopez peña", "c-3", "nothing"):
        result = cli("company", "list", "--search", words, "--format", "json")
        assert result.exit_code == 0, result.output
        found[words] = sorted(item["identifier"] for item in json.loads(result.stdout))
    assert found == {"penalara": ["C-0"], "PEÑA": ["C-0"], "ferreteria nun": ["C-1"],
                     "núñez ferr": ["C-1"], "ωme": ["C-2"], "shop-2": ["C-2"],
                     "lopez zap": ["C-3"], "lopez peña": [], "c-3": ["C-3"], "nothing": []}


def test_postgres_sessions_registering_at_once_never_share_a_generated_identifier(pg_url):
    """Writers take turns under the write lock: identifiers from a mask, and row ids, are
    never given twice however the sessions interleave."""
    from clientreg.catalogue import add_entry

    store = open_database(pg_url)
    add_entry(store, "company_type", {"code": "LEGAL", "name": "Legal", "id_mask": "L-{seq:04}"},
              source="test")
    add_entry(store, "category", {"code": "RETAIL", "name": "Retail"}, source="test")
    store.close()
    script = ("from clientreg.commands.app import main\n"
              "import sys\n"
              "for n in range(8):\n"
              "    sys.argv = ['clientreg', 'new', '--no-input', '--type', 'LEGAL', '--category',"
              " 'RETAIL', '--name', f'Shop {sys.argv[1]} {n}']\n"
              "    try:\n"
              "        main()\n"
              "    except SystemExit as exit:\n"
              "        assert not exit.code, exit.code\n")
    env = {**os.environ, "CLIENTREG_DB": pg_url}
    sessions = [subprocess.Popen([sys.executable, "-P", "-c", script, str(n)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for n in range(3)]
    outputs = [session.communicate(timeout=120) for session in sessions]
    assert [session.returncode for session in sessions] == [0, 0, 0], outputs
    printed = [line for out, _ in outputs for line in out.split()]
    assert len(printed) == 24
    assert sorted(printed) == [f"L-{n:04}" for n in range(1, 25)]
    assert pg_rows(pg_url, "SELECT count(*), count(DISTINCT identifier) FROM companies") == [
        (24, 24)]


def test_postgres_a_password_in_the_url_is_kept_out_of_the_run_ledger(pg_url, tmp_path):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)  # the test server trusts local connections: any password passes
    with_password = urlunsplit(parts._replace(netloc=parts.netloc.replace("@", ":s3cret-word@")))
    seed = tmp_path / "seed.yaml"
    seed.write_text("company_types:\n  - code: PERSON\n    name: Individual\n", encoding="utf-8")
    done = _clientreg(pg_url, "--db", with_password, "import", str(seed))
    assert done.returncode == 0, done.stderr
    listed = _clientreg(pg_url, "runs", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert "s3cret-word" not in listed.stdout + done.stdout + done.stderr
    assert ":***@" in listed.stdout
