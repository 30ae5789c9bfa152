"""The SQLite file: schema constraints, WAL, foreign keys, migrations, files that are not ours."""

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


def test_a_fresh_file_is_created_and_migrated(db_path):
    assert not db_path.exists()
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    assert names == ["0001_initial", "0002_search", "0003_email_lower", "0004_runs",
                     "0005_digests"]


def test_unique_constraints_live_in_the_schema(db_path):
    open_database(db_path).close()
    schema = schema_sql(db_path)
    for declaration in ("identifier_key TEXT NOT NULL UNIQUE", "tax_id TEXT UNIQUE",
                        "email_key TEXT NOT NULL UNIQUE", "company_id INTEGER NOT NULL UNIQUE",
                        "code TEXT NOT NULL UNIQUE",
                        "CREATE UNIQUE INDEX client_contacts_one_default"):
        assert declaration in schema


def test_the_journal_is_wal(db_path):
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_connection_enforces_foreign_keys(db_path):
    open_database(db_path).close()
    for _ in range(2):
        store = open_database(db_path)
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(
                "INSERT INTO clients (company_id, category_id, created_at, updated_at) "
                "VALUES (999, 999, 'now', 'now')")
        store.close()


def test_opening_again_migrates_nothing_and_keeps_no_backup(db_path):
    open_database(db_path).close()
    store = open_database(db_path)
    assert store.backup_path is None
    store.close()
    assert sorted(p.name for p in db_path.parent.iterdir() if p.suffix == ".bak") == []


def test_a_file_that_is_not_sqlite_is_refused_untouched(db_path):
    content = b"name,email\nACME,info@acme.example\n"
    db_path.write_bytes(content)
    with pytest.raises(StorageError) as caught:
        open_database(db_path)
    assert "not a SQLite database" in caught.value.reason
    assert db_path.read_bytes() == content


def test_a_sqlite_file_of_another_program_is_refused_untouched(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    before = db_path.read_bytes()
    with pytest.raises(StorageError) as caught:
        open_database(db_path)
    assert "another program" in caught.value.reason
    assert db_path.read_bytes() == before


def test_a_database_of_a_newer_clientreg_is_refused(db_path):
    open_database(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('clientreg', '9999_future', '2030-01-01')")
    with pytest.raises(StorageError) as caught:
        open_database(db_path)
    assert "newer version" in caught.value.reason


def test_a_writer_waits_for_the_busy_timeout_then_exits_3(db_path):
    open_database(db_path).close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        env = {**os.environ, "CLIENTREG_BUSY_TIMEOUT": "0.2", "CLIENTREG_DB": str(db_path)}
        done = subprocess.run(
            [sys.executable, "-c", "from clientreg.commands.app import main; main()",
             "category", "add", "RETAIL", "--name", "Retail"],
            env=env, capture_output=True, text=True, timeout=60, cwd=db_path.parent)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 3, done.stderr
    assert "busy" in done.stderr
    assert "Traceback" not in done.stderr
