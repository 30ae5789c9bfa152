"""On PostgreSQL, an import writes its rows with COPY ... FROM STDIN, a statement per table and
chunk, never a statement per row (issue #17, item 3); what lands is what SQLite's import writes."""

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientreg.commands.app import app
from clientreg.storage import open_database
from clientreg.storage.postgres import PgConnection

pytestmark = pytest.mark.usefixtures("backend")


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "email", "city",
                         "contact_name", "contact_email"])
        for n in range(count):
            writer.writerow([f"B-{n:05d}", f"Bulk Ñandú {n}", "PERSON", "WHOLESALE",
                             f"info{n}@bulk.example", "Sevilla", f"Contact {n}",
                             f"c{n}@bulk.example"])
    return path


def rows(db, sql: str) -> list[tuple]:
    store = open_database(db)
    try:
        return [tuple(row) for row in store.conn.execute(sql).fetchall()]
    finally:
        store.close()


def test_an_import_writes_by_copy_and_lands_whole(db, backend, tmp_path, monkeypatch):
    copied: dict[str, int] = {}
    many: list[tuple[str, int]] = []
    original_copy, original_many = PgConnection.copy_rows, PgConnection.executemany

    def copy_rows(self, table, columns, given):
        count = original_copy(self, table, columns, given)
        copied[table] = copied.get(table, 0) + count
        return count

    def executemany(self, sql, given):
        given = list(given)
        many.append((sql, len(given)))
        return original_many(self, sql, given)

    (before,), = rows(db, "SELECT count(*) FROM history")
    monkeypatch.setattr(PgConnection, "copy_rows", copy_rows)
    monkeypatch.setattr(PgConnection, "executemany", executemany)
    result = CliRunner().invoke(app, ["--db", str(db), "import",
                                      str(write_csv(tmp_path / "bulk.csv", 2500))])
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    if backend == "postgresql":
        for table in ("companies", "clients", "external_users", "client_contacts"):
            assert copied[table] == 2500, copied
        assert copied["history"] >= 2500 * 3
        assert copied["client_digests"] == 2500
        assert not [entry for entry in many if entry[1] > 1], many
    assert rows(db, "SELECT count(*) FROM clients") == [(2500,)]
    # History ids given up front are each the next one; every new row points at the run.
    (first, last, total, distinct), = rows(
        db, "SELECT min(id), max(id), count(*), count(DISTINCT id) FROM history")
    assert total == distinct == last - first + 1
    (run_id,), = rows(db, "SELECT max(id) FROM runs")
    (of_run,), = rows(db, f"SELECT count(*) FROM history WHERE run_id = {int(run_id)}")
    assert of_run == total - before and of_run >= 2500 * 3
    found = CliRunner().invoke(app, ["--db", str(db), "list", "--search", "nandu 2499",
                                     "--format", "csv"])
    assert "B-02499" in found.stdout
