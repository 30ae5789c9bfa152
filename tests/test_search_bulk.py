"""A large import builds the search index in one pass: searching finds what it wrote, as after a
small one, and the index's triggers are back for the writes that follow."""

import csv
import json
import sqlite3
from pathlib import Path

from clientreg.storage.transactions import BULK_INDEX_MIN_COMPANIES

MANY = BULK_INDEX_MIN_COMPANIES + 50


def _write_clients(path: Path, count: int, *, name: str = "Ferretería Nº{n}") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "tax_id"])
        for n in range(1, count + 1):
            writer.writerow([f"P-{n}", name.format(n=n), "PERSON", "WHOLESALE", ""])
    return path


def _triggers(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            "ORDER BY name").fetchall()


def _index_is_sound(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        # FTS5 compares the index with the companies table and raises if they differ.
        conn.execute("INSERT INTO companies_fts(companies_fts, rank) VALUES ('integrity-check', 1)")


def test_a_large_import_is_found_by_search_and_keeps_the_triggers(cli, db, tmp_path):
    before = _triggers(db)
    result = cli("--db", str(db), "import", str(_write_clients(tmp_path / "many.csv", MANY)))
    assert result.exit_code == 0, result.output
    assert _triggers(db) == before
    _index_is_sound(db)
    found = cli("--db", str(db), "list", "--search", "ferreteria", "--format", "json")
    assert len(json.loads(found.stdout)) == MANY
    # A client registered afterwards goes into the index through the triggers again.
    added = cli("--db", str(db), "new", "--no-input", "--identifier", "P-X", "--name",
                "Droguería Única", "--type", "PERSON", "--category", "WHOLESALE")
    assert added.exit_code == 0, added.output
    _index_is_sound(db)
    found = cli("--db", str(db), "list", "--search", "drogueria", "--format", "json")
    assert [row["identifier"] for row in json.loads(found.stdout)] == ["P-X"]


def test_a_large_update_replaces_the_old_words_in_the_index(cli, db, tmp_path):
    first = _write_clients(tmp_path / "first.csv", MANY, name="Panadería {n}")
    assert cli("--db", str(db), "import", str(first)).exit_code == 0
    renamed = _write_clients(tmp_path / "renamed.csv", MANY, name="Carnicería {n}")
    result = cli("--db", str(db), "import", "--on-conflict", "update", str(renamed))
    assert result.exit_code == 0, result.output
    _index_is_sound(db)
    for word, count in (("panaderia", 0), ("carniceria", MANY)):
        found = cli("--db", str(db), "list", "--search", word, "--format", "json")
        assert len(json.loads(found.stdout)) == count


def test_a_large_import_that_is_refused_leaves_index_and_triggers_as_they_were(cli, db,
                                                                               tmp_path):
    before = _triggers(db)
    bad = _write_clients(tmp_path / "bad.csv", MANY)
    with bad.open("a", encoding="utf-8") as handle:
        handle.write("P-BAD,Mala,PERSON,NO-SUCH-CATEGORY,\n")
    result = cli("--db", str(db), "import", str(bad))
    assert result.exit_code == 1
    assert _triggers(db) == before
    _index_is_sound(db)
