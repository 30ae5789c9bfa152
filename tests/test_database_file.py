"""The database file: what is not ours is refused untouched; a migration backs the file up first."""

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from clientreg.catalogue import add_entry
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register
from clientreg.storage import Store, open_database
from clientreg.storage.schema import migrations


def clientreg(db: Path, *args: str, env: dict[str, str] | None = None):
    """The real command line in a child process, run outside the checkout."""
    return subprocess.run(
        [sys.executable, "-c", "from clientreg.commands.app import main; main()",
         "--db", str(db), *args],
        capture_output=True, text=True, timeout=60, cwd=db.parent,
        env={**os.environ, "CLIENTREG_DB": "", **(env or {})})


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder with its bytes: a refused database must not gain a -wal either."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('buy milk')")
    conn.close()


def newer_clientreg(path: Path) -> None:
    open_database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('clientreg', '0099_from_the_future', '2031-01-01')")
    conn.close()


def corrupt_sqlite(path: Path) -> None:
    """The SQLite header, then a page of noise: what a half-copied file looks like."""
    path.write_bytes(b"SQLite format 3\x00" + random.Random(3).randbytes(8192))


def truncated_clientreg(path: Path) -> None:
    open_database(path).close()
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])


FOREIGN_FILES = {
    "a CSV file": (lambda p: p.write_text("name,email\nACME,info@acme.example\n"),
                   "not a SQLite database"),
    "a binary file": (lambda p: p.write_bytes(bytes(range(256)) * 64), "not a SQLite database"),
    "another program's SQLite file": (foreign_sqlite, "another program"),
    "a database of a newer clientreg": (newer_clientreg, "newer version of clientreg"),
    "a corrupt SQLite file": (corrupt_sqlite, "cannot be used"),
    "a truncated clientreg database": (truncated_clientreg, "cannot be used"),
}


@pytest.mark.parametrize("kind", FOREIGN_FILES)
@pytest.mark.parametrize("command", [["list"], ["company-type", "list"],
                                     ["category", "add", "RETAIL", "--name", "Retail"]])
def test_a_file_that_is_not_a_usable_clientreg_database_is_refused_untouched(
        tmp_path, kind, command):
    make, message = FOREIGN_FILES[kind]
    db = tmp_path / "data.db"
    make(db)
    before = snapshot(tmp_path)
    done = clientreg(db, *command)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert message in done.stderr
    assert str(db) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert snapshot(tmp_path) == before


def test_an_import_into_a_foreign_file_writes_nothing(tmp_path):
    db = tmp_path / "notes.db"
    foreign_sqlite(db)
    source = tmp_path / "clients.yaml"
    source.write_text("company_types: [{code: PERSON, name: Individual}]\n"
                      "categories: [{code: RETAIL, name: Retail}]\n"
                      "clients: [{identifier: C-1, name: One, company_type: PERSON, "
                      "category: RETAIL}]\n")
    before = snapshot(tmp_path)
    done = clientreg(db, "import", str(source))
    assert done.returncode == 3, done.stderr
    assert "another program" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(tmp_path) == before


def test_a_folder_given_as_the_database_is_refused(tmp_path):
    folder = tmp_path / "not-a-file.db"
    folder.mkdir()
    done = clientreg(folder, "list")
    assert done.returncode in (2, 3), done.stderr
    assert "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


def old_database(path: Path) -> None:
    """A database as the first clientreg release left it: schema 0001 only, one client in it."""
    db = Database(path)
    migrations.apply(db, stop_before="0002_search")
    old = Store(db=db, path=path)
    add_entry(old, "company_type", {"code": "LEGAL", "name": "Legal entity"}, source="seed")
    add_entry(old, "category", {"code": "RETAIL", "name": "Retail"}, source="seed")
    register(old, ClientDraft(
        identifier="OLD-1", name="Almacenes Antiguos", company_type="LEGAL", category="RETAIL",
        city="Sevilla", country="ES",
        contacts=[ContactDraft(name="Ana Ruiz", email="ana@antiguos.example", default=True)]),
        source="import of old.csv")
    old.close()


def applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    conn.close()
    return names


def client_names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute(
            "SELECT co.name FROM clients cl JOIN companies co ON co.id = cl.company_id")]
    conn.close()
    return names


def test_a_migration_backs_the_file_up_first_and_says_where(tmp_path):
    db = tmp_path / "clients.db"
    old_database(db)
    assert applied(db) == ["0001_initial"]
    done = clientreg(db, "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    backup = tmp_path / "clients.db.0001_initial.bak"
    assert backup.is_file()
    assert str(backup) in done.stderr
    assert applied(backup) == ["0001_initial"]
    assert client_names(backup) == ["Almacenes Antiguos"]
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert applied(db) == ["0001_initial", "0002_search", "0003_email_lower", "0004_runs",
                     "0005_digests"]
    assert "OLD-1" in done.stdout


def test_the_core_reports_the_backup_path_and_keeps_every_row(tmp_path):
    db = tmp_path / "clients.db"
    old_database(db)
    store = open_database(db)
    try:
        assert store.backup_path == tmp_path / "clients.db.0001_initial.bak"
        assert client_names(store.backup_path) == client_names(db) == ["Almacenes Antiguos"]
        rows = store.conn.execute("SELECT count(*) FROM history").fetchone()[0]
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "clients.db.0001_initial.bak") as conn:
        assert conn.execute("SELECT count(*) FROM history").fetchone()[0] == rows
    conn.close()


def test_clients_written_before_the_search_migration_can_be_searched(tmp_path):
    db = tmp_path / "clients.db"
    old_database(db)
    done = clientreg(db, "list", "--search", "antiguos", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "OLD-1" in done.stdout


def test_a_migrated_file_is_opened_next_time_without_another_backup(tmp_path):
    db = tmp_path / "clients.db"
    old_database(db)
    clientreg(db, "list")
    backups = sorted(p.name for p in tmp_path.glob("*.bak"))
    done = clientreg(db, "list")
    assert done.returncode == 0, done.stderr
    assert "upgraded" not in done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == backups
