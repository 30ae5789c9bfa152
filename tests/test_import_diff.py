"""import --diff: what an import changes, client by client and field by field, text and JSON."""

import json
import sqlite3
from pathlib import Path

import pytest

HEADER = ("identifier,name,company_type,category,city,company_attr.employees,client_attr.region,"
          "contact_name,contact_email,contact_phone")
ROWS = [
    "C-1,Ferretería Núñez,LEGAL,RETAIL,Sevilla,12,north,Ana Núñez,ana@nunez.example,",
    "C-2,Bodega Sur,LEGAL,RETAIL,Jerez,3,south,,,",
]


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def history_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM history").fetchone()[0]


@pytest.fixture
def registered(cli, catalogue, tmp_path):
    result = cli("import", str(write(tmp_path / "first.csv", HEADER, *ROWS)))
    assert result.exit_code == 0, result.output


def test_a_real_import_lists_each_created_client_with_its_fields(cli, catalogue, tmp_path):
    path = write(tmp_path / "new.csv", HEADER, *ROWS)
    result = cli("import", str(path), "--diff")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index(f"created C-1 ({path}:2)")
    assert lines[at + 1:at + 10] == [
        "  name: 'Ferretería Núñez'",
        "  city: 'Sevilla'",
        "  company_attr.employees: 12",
        "  company_type: 'LEGAL'",
        "  category: 'RETAIL'",
        "  client_attr.region: 'north'",
        "  contacts[ana@nunez.example]: added",
        "  contacts[ana@nunez.example].name: 'Ana Núñez'",
        f"created C-2 ({path}:3)",
    ]
    # The report's summary goes to stderr, so stdout holds the differences only.
    assert "Clients: 2 created" in result.stderr
    assert "Clients:" not in result.stdout
    assert show(cli, "C-1")["city"] == "Sevilla"


def test_a_dry_run_diff_shows_old_and_new_values_and_writes_nothing(cli, registered, tmp_path,
                                                                    db_path):
    before = (show(cli, "C-1"), history_rows(db_path))
    path = write(tmp_path / "changes.csv", "identifier,city,company_attr.employees,contact_email,"
                 "contact_phone", "C-1,Cádiz,14,ana@nunez.example,+34 954 123 456", "C-2,,,,")
    result = cli("import", str(path), "--on-conflict", "update", "--dry-run", "--diff")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"updated C-1 ({path}:2)",
        "  city: 'Sevilla' \u2192 'Cádiz'",
        "  company_attr.employees: 12 \u2192 14",
        "  contacts[ana@nunez.example].phone: (empty) \u2192 '+34954123456'",
        "1 entry unchanged",
    ]
    assert "dry run: nothing was written." in result.stderr
    assert (show(cli, "C-1"), history_rows(db_path)) == before


def test_the_json_report_lists_every_client_with_its_action_and_changes(cli, registered,
                                                                        tmp_path):
    path = write(tmp_path / "mixed.csv", HEADER,
                 "C-1,Ferretería Núñez,LEGAL,RETAIL,Huelva,12,north,Ana Núñez,ana@nunez.example,",
                 ROWS[1],
                 "C-3,Librería Norte,LEGAL,WHOLESALE,León,,,,,")
    result = cli("import", str(path), "--on-conflict", "update", "--dry-run", "--diff",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["clients"]["updated"] == 1 and report["written"] is False
    by_id = {entry["identifier"]: entry for entry in report["diff"]}
    assert {k: (v["action"], v["kind"], v["row"]) for k, v in by_id.items()} == {
        "C-1": ("updated", "client", 2), "C-2": ("unchanged", "client", 3),
        "C-3": ("created", "client", 4)}
    assert by_id["C-1"]["changes"] == {"city": ["Sevilla", "Huelva"]}
    assert by_id["C-2"]["changes"] == {}
    assert by_id["C-3"]["changes"]["name"] == [None, "Librería Norte"]
    assert by_id["C-3"]["changes"]["category"] == [None, "WHOLESALE"]
    assert by_id["C-1"]["file"] == str(path)
    assert cli("show", "C-3").exit_code == 1  # a dry run: nothing written


def test_skipped_clients_are_counted_in_text_and_listed_in_json(cli, registered, tmp_path):
    # Both clients differ from the file now: a skip leaves them as they are, without comparing.
    path = write(tmp_path / "again.csv", HEADER, *(row.replace(",LEGAL,RETAIL,", ",LEGAL,RETAIL,"
                                                               "Cádiz ") for row in ROWS))
    result = cli("import", str(path), "--on-conflict", "skip", "--diff")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["2 entries skipped (already registered)"]
    result = cli("import", str(path), "--on-conflict", "skip", "--diff", "--format", "json")
    assert [(e["identifier"], e["action"]) for e in json.loads(result.stdout)["diff"]] == [
        ("C-1", "skipped"), ("C-2", "skipped")]


def test_clients_unchanged_since_the_same_file_was_imported_are_listed_unchanged(
        cli, registered, tmp_path):
    path = write(tmp_path / "first.csv", HEADER, *ROWS)
    for policy in ("skip", "update"):
        result = cli("import", str(path), "--on-conflict", policy, "--diff")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == ["2 entries unchanged"]
        result = cli("import", str(path), "--on-conflict", policy, "--diff", "--format", "json")
        assert [(e["identifier"], e["action"], e["row"])
                for e in json.loads(result.stdout)["diff"]] == [
            ("C-1", "unchanged", 2), ("C-2", "unchanged", 3)]


def test_a_real_update_with_diff_writes_what_it_lists(cli, registered, tmp_path):
    path = write(tmp_path / "city.csv", "identifier,name", "C-2,Bodega del Sur")
    result = cli("import", str(path), "--on-conflict", "update", "--diff")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"updated C-2 ({path}:2)", "  name: 'Bodega Sur' \u2192 'Bodega del Sur'"]
    assert show(cli, "C-2")["name"] == "Bodega del Sur"
    history = [e for e in show(cli, "C-2")["history"] if e["source"] == f"import of {path}"]
    assert [e["changes"] for e in history] == [
        {"name": {"old": "Bodega Sur", "new": "Bodega del Sur"}}]


def test_a_rejected_import_prints_its_problems_and_no_differences(cli, registered, tmp_path):
    path = write(tmp_path / "bad.csv", "identifier,company_attr.employees", "C-1,-4")
    result = cli("import", str(path), "--on-conflict", "update", "--diff")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:2: column company_attr.employees = '-4'" in result.stderr
    result = cli("import", str(path), "--on-conflict", "update", "--diff", "--format", "json")
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["diff"] == []


def test_a_seeds_catalogue_entries_are_in_the_diff(cli, catalogue, tmp_path):
    path = write(tmp_path / "seed.yaml", "categories:",
                 "  - {code: WHOLESALE, name: Wholesale trade}",
                 "  - {code: EXPORT, name: Export}")
    result = cli("import", str(path), "--on-conflict", "update", "--dry-run", "--diff",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    entries = [(e["kind"], e["identifier"], e["action"], e["changes"])
               for e in json.loads(result.stdout)["diff"]]
    assert entries[0] == ("category", "WHOLESALE", "updated",
                          {"name": ["Wholesale", "Wholesale trade"]})
    assert entries[1][:3] == ("category", "EXPORT", "created")
    assert entries[1][3]["name"] == [None, "Export"]


def test_the_differences_are_read_back_one_at_a_time():
    """A large import's differences wait on disk; reading them back keeps none of them."""
    import tracemalloc

    from clientreg.diffing import EntryDiff
    from clientreg.schemas.diff import DiffSpool

    with DiffSpool() as spool:
        for n in range(20_000):
            spool(EntryDiff(f"C-{n}", "created", {"name": [None, f"Client {n}" * 4]}))
        tracemalloc.start()
        try:
            identifiers = sum(1 for diff in spool if diff.identifier.startswith("C-"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert identifiers == 20_000
    assert peak < 1_000_000
