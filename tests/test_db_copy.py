"""``clientreg db copy --to postgresql://...``: a SQLite register moved up to PostgreSQL.

The register is made by importing examples/seed.yaml and examples/clients.csv, with an edit and
the revert of another in its history; after the copy, export gives the same bytes from both, and
the ledger, the history and the digests of instant re-runs came along.
"""

import json
import re
import shutil
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from clientreg.commands.app import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(db, *args: str):
    return CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": "3000"})


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    """A SQLite register with imports, an edit and a revert in its history (never written)."""
    path = tmp_path_factory.mktemp("copy") / "register.db"
    for args in (("import", str(EXAMPLES / "seed.yaml")),
                 ("import", str(EXAMPLES / "clients.csv")),
                 ("edit", "BOASAUDE", "--set", "city=Londrina"),
                 ("edit", "AGUAS-ASTURIAS", "--set", "city=Gijón"),
                 ("runs", "revert", "4", "--yes")):
        result = run(path, *args)
        assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def source(register: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "register.db"
    shutil.copy(register, copy)
    return copy


def rows(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_copied_register_exports_the_same_bytes(source: Path, pg_url: str):
    copied = run(source, "db", "copy", "--to", pg_url)
    assert copied.exit_code == 0, copied.output
    assert "56 clients, 57 companies" in copied.output
    for shape in ("yaml", "json", "csv", "tsv"):
        before = run(source, "export", "--all", "--format", shape)
        after = run(pg_url, "export", "--all", "--format", shape)
        assert before.exit_code == after.exit_code == 0
        assert after.stdout_bytes == before.stdout_bytes, shape
    # The ledger and the history came along, ids and all: a run shows the same records.
    for args in (("runs", "list", "--format", "json"),
                 ("runs", "show", "4", "--format", "json"),
                 ("runs", "show", "5", "--format", "json"),
                 ("history", "BOASAUDE", "--format", "json")):
        assert run(pg_url, *args).stdout == run(source, *args).stdout, args
    assert json.loads(run(pg_url, "runs", "list", "--format", "json").stdout)[0]["id"] == 5


def test_the_copy_keeps_working_as_a_register(source: Path, pg_url: str):
    assert run(source, "db", "copy", "--to", pg_url).exit_code == 0
    # The digests came along: a re-import of the same file is known unchanged on both.
    said = []
    for db in (source, pg_url):
        again = run(db, "import", "--on-conflict", "update", "--dry-run",
                    str(EXAMPLES / "clients.csv"))
        assert again.exit_code == 0, again.output
        said.append(re.sub(r"\(\d+\.\d+ s\)", "", again.output))
    assert said[1] == said[0]
    assert "unchanged since run 2" in said[0] and "28 unchanged" in said[0]
    # Ids go on from the copied ones: a new run and new history rows.
    assert run(pg_url, "edit", "BOASAUDE", "--set", "city=Maringá").exit_code == 0
    shown = json.loads(run(pg_url, "runs", "list", "--format", "json").stdout)
    assert [entry["id"] for entry in shown[:2]] == [6, 5]
    found = run(pg_url, "list", "--search", "farmacia saude", "--format", "csv")
    assert "BOASAUDE" in found.stdout


def test_a_target_that_holds_a_register_is_refused_and_left_as_it_is(source: Path,
                                                                      pg_url: str):
    assert run(pg_url, "import", str(EXAMPLES / "seed.yaml")).exit_code == 0
    clients = rows(pg_url, "clients")
    refused = run(source, "db", "copy", "--to", pg_url)
    assert refused.exit_code == 1
    assert "already holds a register" in refused.output
    assert pg_url.split("?")[0] in refused.output
    assert "Traceback" not in refused.output
    assert rows(pg_url, "clients") == clients
    assert rows(pg_url, "runs") == 1


def test_an_unreachable_target_exits_3_without_its_password(source: Path):
    url = "postgresql://clerk:s3cret-word@127.0.0.1:1/register"
    refused = run(source, "db", "copy", "--to", url)
    assert refused.exit_code == 3
    assert "postgresql://clerk@127.0.0.1:1/register" in refused.output
    assert "s3cret-word" not in refused.output
    assert "Traceback" not in refused.output


def test_the_target_must_be_a_postgresql_url(source: Path, tmp_path: Path):
    refused = run(source, "db", "copy", "--to", str(tmp_path / "other.db"))
    assert refused.exit_code == 2
    assert "postgresql://" in refused.output
    assert not (tmp_path / "other.db").exists()


def test_a_failed_copy_writes_nothing(source: Path, pg_url: str):
    # A row the target's constraints refuse (SQLite let a bad country in): the whole copy
    # rolls back, the target stays empty and can take a copy once the row is put right.
    import sqlite3

    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE companies SET country = 'ESP' WHERE identifier = 'BOASAUDE'")
    failed = run(source, "db", "copy", "--to", pg_url)
    assert failed.exit_code == 1, failed.output
    assert "nothing was written" in failed.output
    assert all(rows(pg_url, table) == 0 for table in ("company_types", "companies", "runs"))
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE companies SET country = 'BR' WHERE identifier = 'BOASAUDE'")
    assert run(source, "db", "copy", "--to", pg_url).exit_code == 0
