"""Importing again: skip and update change nothing the second time; dry runs write nothing."""

import json
from pathlib import Path

import pytest

from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

TABLES = ("companies", "clients", "external_users", "client_contacts", "history")
HEADER = "identifier,name,company_type,category,city,client_attr.region,contact_name,contact_email"
ROWS = [
    "U-1,Uno S.L.,LEGAL,RETAIL,Sevilla,north,Úrsula,ursula@uno.example",
    "U-2,Dos S.L.,LEGAL,RETAIL,Cádiz,south,,",
    "U-1,,,,,,Ulises,ulises@uno.example",
]


def counts(db_path: Path | str) -> dict[str, int]:
    """Rows of each table, read through clientreg's storage (a SQLite file or PostgreSQL)."""
    store = open_database(db_path)
    try:
        return {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        store.close()


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_importing_again_is_a_conflict_by_default(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    assert cli("import", str(path)).exit_code == 0
    before = counts(db_path)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "clients.csv:2: column identifier = 'U-1': client U-1 is already registered " \
           "[duplicate-identifier]" in result.output
    assert "clients.csv:3: column identifier = 'U-2'" in result.output
    assert counts(db_path) == before


def test_skip_leaves_registered_clients_alone(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    assert cli("import", str(path), "--on-conflict", "skip").exit_code == 0
    before = counts(db_path)
    result = cli("import", str(path), "--on-conflict", "skip")
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 0 skipped, 2 unchanged" in result.output  # the same file
    assert "Nothing changed" in result.output
    assert counts(db_path) == before
    # a file that differs from the clients as registered: skipped, not compared
    other = write(tmp_path / "other.csv", [row.replace("Sevilla", "Huelva") for row in ROWS])
    result = cli("import", str(other), "--on-conflict", "skip")
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 1 skipped, 1 unchanged" in result.output
    assert "Nothing changed" in result.output
    assert counts(db_path) == before


def test_update_applies_the_files_values_once(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    assert cli("import", str(path), "--on-conflict", "update").exit_code == 0
    before = counts(db_path)
    same = cli("import", str(path), "--on-conflict", "update")
    assert same.exit_code == 0, same.output
    assert "0 created, 0 updated, 0 skipped, 2 unchanged" in same.output
    assert counts(db_path) == before

    changed = write(tmp_path / "changed.csv", [ROWS[0].replace("Sevilla", "Huelva")])
    result = cli("import", str(changed), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated" in result.output
    shown = json.loads(cli("show", "U-1", "--format", "json").stdout)
    assert shown["city"] == "Huelva"
    assert any(entry["changes"].get("city") == {"old": "Sevilla", "new": "Huelva"}
               for entry in shown["history"])
    again = cli("import", str(changed), "--on-conflict", "update")
    assert "0 created, 0 updated, 0 skipped, 1 unchanged" in again.output


def test_a_dry_run_checks_everything_and_writes_nothing(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    before = counts(db_path)
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was written" in result.output
    assert "2 created" in result.output
    assert counts(db_path) == before
    assert cli("import", str(path)).exit_code == 0
    clash = cli("import", str(path), "--dry-run")
    assert clash.exit_code == 1
    assert "[duplicate-identifier]" in clash.output


def test_a_dry_run_leaves_the_search_index_as_it_was(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    assert cli("import", str(path), "--dry-run").exit_code == 0
    bad = write(tmp_path / "bad.csv", [ROWS[1], "U-3,Tres S.L.,NOPE,RETAIL,,,,"])
    assert cli("import", str(bad), "--dry-run").exit_code == 1
    assert cli("import", str(path)).exit_code == 0
    found = cli("list", "--search", "uno", "--format", "json")
    assert [client["identifier"] for client in json.loads(found.stdout)] == ["U-1"]
    update = write(tmp_path / "renamed.csv", [ROWS[1].replace("Dos S.L.", "Cuatro S.L.")])
    assert cli("import", str(update), "--on-conflict", "update", "--dry-run").exit_code == 0
    assert cli("import", str(update), "--on-conflict", "update").exit_code == 0
    renamed = cli("list", "--search", "cuatro", "--format", "json")
    assert [client["identifier"] for client in json.loads(renamed.stdout)] == ["U-2"]
    assert json.loads(cli("list", "--search", "dos", "--format", "json").stdout) == []


def test_a_contact_of_another_company_is_named(cli, catalogue, tmp_path):
    assert cli("import", str(write(tmp_path / "first.csv", ROWS))).exit_code == 0
    other = write(tmp_path / "other.csv", ["O-1,Otro S.L.,LEGAL,RETAIL,,north,Úrsula,"
                                           "URSULA@uno.example"])
    result = cli("import", str(other))
    assert result.exit_code == 1
    assert "other.csv:2: column contact_email = 'URSULA@uno.example': URSULA@uno.example is " \
           "already the external user of company U-1" in result.output


def test_several_files_are_one_transaction(cli, catalogue, tmp_path, db_path):
    good = write(tmp_path / "good.csv", ROWS)
    bad = write(tmp_path / "bad.csv", ["B-1,Bad S.L.,LEGAL,RETAIL,,west,,"])
    before = counts(db_path)
    result = cli("import", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.csv:2: column client_attr.region = 'west'" in result.output
    assert counts(db_path) == before


def test_the_example_seed_runs_again_with_skip_and_update(cli, db_path):
    seed = str(Path(__file__).resolve().parent.parent / "examples" / "seed.yaml")
    assert cli("import", seed).exit_code == 0
    before = counts(db_path)
    skipped = cli("import", seed, "--on-conflict", "skip")
    assert skipped.exit_code == 0, skipped.output
    assert "Company types: 4 skipped" in skipped.output
    assert "0 created, 0 updated, 28 skipped, 0 unchanged" in skipped.output
    updated = cli("import", seed, "--on-conflict", "update")
    assert updated.exit_code == 0, updated.output
    assert "Categories: 5 unchanged" in updated.output
    assert "0 created, 0 updated, 0 skipped, 28 unchanged" in updated.output
    assert counts(db_path) == before


def test_a_deactivated_category_keeps_its_clients_but_takes_no_new_ones(cli, catalogue,
                                                                         tmp_path, db_path):
    path = write(tmp_path / "clients.csv", ROWS)
    assert cli("import", str(path)).exit_code == 0
    assert cli("category", "deactivate", "RETAIL").exit_code == 0
    for mode in ("skip", "update"):
        again = cli("import", str(path), "--on-conflict", mode)
        assert again.exit_code == 0, again.output
    new = write(tmp_path / "new.csv", ["U-3,Tres S.L.,LEGAL,RETAIL,Huelva,north,,"])
    result = cli("import", str(new))
    assert result.exit_code == 1
    assert "new.csv:2: column category = 'RETAIL': category RETAIL is inactive " \
           "[inactive-category]" in result.output


def test_an_export_with_an_inactive_category_imports_into_an_empty_database(
        cli, catalogue, tmp_path, runner):
    from clientreg.commands.app import app

    assert cli("import", str(write(tmp_path / "clients.csv", ROWS))).exit_code == 0
    assert cli("category", "deactivate", "RETAIL").exit_code == 0
    exported = tmp_path / "all.yaml"
    assert cli("export", "--all", "-o", str(exported)).exit_code == 0
    empty = tmp_path / "empty.db"
    result = runner.invoke(app, ["--db", str(empty), "import", str(exported)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["--db", str(empty), "category", "list", "--all",
                                 "--format", "json"])
    retail = [c for c in json.loads(listed.stdout) if c["code"] == "RETAIL"]
    assert retail and retail[0].get("active") is False
    shown = runner.invoke(app, ["--db", str(empty), "show", "U-1", "--format", "json"])
    assert json.loads(shown.stdout)["category"] == "RETAIL"
