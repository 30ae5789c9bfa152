"""clientreg verify: the database compared with seed or import files, nothing written."""

import json
import sqlite3
from pathlib import Path

import pytest

HEADER = ("identifier,name,company_type,category,city,company_attr.employees,client_attr.region,"
          "contact_name,contact_email")
ROWS = [
    "C-1,Ferretería Núñez,LEGAL,RETAIL,Sevilla,12,north,Ana Núñez,ana@nunez.example",
    "C-2,Bodega Sur,LEGAL,RETAIL,Jerez,3,south,,",
]
SEED = """\
company_types:
  - code: LEGAL
    name: Legal entity
categories:
  - code: WHOLESALE
    name: Wholesale
clients:
  - identifier: S-1
    name: Librería Norte
    company_type: LEGAL
    category: WHOLESALE
    city: León
    contacts:
      - {email: luis@norte.example, name: Luis, phone: "+34 987 654 321"}
"""


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def database_state(db_path: Path) -> list:
    with sqlite3.connect(db_path) as conn:
        return [conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("companies", "clients", "external_users", "history",
                              "company_types", "categories")]


@pytest.fixture
def seeded_file(cli, catalogue, tmp_path) -> Path:
    path = write(tmp_path / "clients.csv", HEADER, *ROWS)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_a_database_that_matches_its_file_passes(cli, seeded_file, db_path):
    before = database_state(db_path)
    result = cli("verify", str(seeded_file))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["The database matches the files: 2 entries checked."]
    assert database_state(db_path) == before


def test_one_drifted_field_names_identifier_field_file_and_database_values(
        cli, seeded_file, db_path):
    assert cli("edit", "C-1", "--set", "city=Cádiz").exit_code == 0
    before = database_state(db_path)
    result = cli("verify", str(seeded_file))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{seeded_file}:2: client C-1: city: in the file 'Sevilla', in the database 'Cádiz'",
        "Drift: 1 entry differs (2 entries checked).",
    ]
    assert "Traceback" not in result.output
    assert database_state(db_path) == before  # nothing written, no run recorded


def test_a_blank_cell_matches_whatever_the_database_holds(cli, seeded_file, tmp_path):
    assert cli("edit", "C-1", "--set", "city=Cádiz").exit_code == 0
    partial = write(tmp_path / "partial.csv", "identifier,name,city", "C-1,Ferretería Núñez,",
                    "C-2,,Jerez")
    result = cli("verify", str(partial))
    assert result.exit_code == 0, result.output


def test_a_client_of_the_file_missing_from_the_database(cli, seeded_file, tmp_path):
    path = write(tmp_path / "more.csv", HEADER, *ROWS,
                 "C-3,Librería Norte,LEGAL,WHOLESALE,León,,,,")
    result = cli("verify", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:4: client C-3: in the file, not in the database",
        "Drift: 1 entry differs (3 entries checked).",
    ]
    assert cli("show", "C-3").exit_code == 1


def test_exact_also_fails_on_a_client_no_file_has(cli, seeded_file, tmp_path):
    one = write(tmp_path / "one.csv", HEADER, ROWS[0])
    assert cli("verify", str(one)).exit_code == 0
    result = cli("verify", str(one), "--exact")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "client C-2: in the database, in no file",
        "Drift: 0 entries differ, 1 client is in no file (1 entry checked).",
    ]
    other = write(tmp_path / "two.csv", HEADER, ROWS[1])
    assert cli("verify", str(one), str(other), "--exact").exit_code == 0


def test_json_lists_each_difference_with_stable_keys(cli, seeded_file, tmp_path):
    clean = cli("verify", str(seeded_file), "--format", "json")
    assert clean.exit_code == 0
    assert json.loads(clean.stdout)["matches"] is True
    assert json.loads(clean.stdout)["drift"] == []
    assert cli("edit", "C-2", "--set", "company_attr.employees=4").exit_code == 0
    path = write(tmp_path / "more.csv", HEADER, *ROWS, "C-3,Librería Norte,LEGAL,WHOLESALE,,,,,")
    result = cli("verify", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["matches"] is False
    assert report["checked"] == {"clients": 3}
    assert report["differing"] == 2 and report["extra"] == 0
    assert report["drift"] == [
        {"identifier": "C-2", "kind": "client", "problem": "differs",
         "field": "company_attr.employees", "in_file": 3, "in_database": 4,
         "file": str(path), "row": 3},
        {"identifier": "C-3", "kind": "client", "problem": "missing", "field": None,
         "in_file": "C-3", "in_database": None, "file": str(path), "row": 4},
    ]


def test_json_names_the_extra_clients_with_exact(cli, seeded_file, tmp_path):
    one = write(tmp_path / "one.csv", HEADER, ROWS[0])
    result = cli("verify", str(one), "--exact", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["extra"] == 1
    assert report["drift"] == [
        {"identifier": "C-2", "kind": "client", "problem": "extra", "field": None,
         "in_file": None, "in_database": "C-2", "file": None, "row": None}]


def test_github_writes_an_error_annotation_at_the_row(cli, seeded_file, tmp_path):
    assert cli("edit", "C-1", "--set", "name=Ferretería Núñez S.L.").exit_code == 0
    one = write(tmp_path / "one.csv", HEADER, ROWS[0])
    result = cli("verify", str(one), "--exact", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"::error file={one},line=2,title=drift/differs::client C-1: name: in the file "
        "'Ferretería Núñez', in the database 'Ferretería Núñez S.L.'",
        "::error title=drift/extra::client C-2: in the database, in no file",
    ]
    assert "Drift: 1 entry differs, 1 client is in no file" in result.stderr


def test_a_file_with_bad_rows_gives_the_rows_errors_as_import_does(cli, seeded_file, tmp_path):
    bad = write(tmp_path / "bad.csv", HEADER, ROWS[0].replace(",12,", ",-4,"))
    verified = cli("verify", str(bad))
    imported = cli("import", str(bad), "--on-conflict", "update", "--dry-run")
    assert verified.exit_code == imported.exit_code == 1
    problem = f"{bad}:2: column company_attr.employees = '-4'"
    assert problem in verified.stdout and problem in imported.stdout
    result = cli("verify", str(bad), "--format", "json")
    report = json.loads(result.stdout)
    assert report["matches"] is False and report["ok"] is False
    assert report["problems"][0]["column"] == "company_attr.employees"
    github = cli("verify", str(bad), "--format", "github")
    assert github.stdout.startswith(f"::error file={bad},line=2,")


def test_a_seed_compares_its_catalogue_and_contacts(cli, tmp_path):
    seed = write(tmp_path / "seed.yaml", SEED)
    assert cli("import", str(seed)).exit_code == 0
    assert cli("verify", str(seed), "--exact").exit_code == 0
    assert cli("category", "edit", "WHOLESALE", "--name", "Trade").exit_code == 0
    result = cli("verify", str(seed))
    assert result.exit_code == 1
    assert (f"{seed}:1: category WHOLESALE: name: in the file 'Wholesale', in the database "
            "'Trade'") in result.stdout.splitlines()


def test_a_changed_contact_is_drift(cli, tmp_path):
    seed = write(tmp_path / "seed.yaml", SEED)
    assert cli("import", str(seed)).exit_code == 0
    phone = write(tmp_path / "phone.csv", "identifier,contact_email,contact_phone",
                  "S-1,luis@norte.example,+34 987 000 000")
    assert cli("import", str(phone), "--on-conflict", "update").exit_code == 0
    result = cli("verify", str(seed), "--format", "json")
    assert result.exit_code == 1
    drift = json.loads(result.stdout)["drift"]
    assert [(d["identifier"], d["field"], d["in_file"], d["in_database"]) for d in drift] == [
        ("S-1", "contacts[luis@norte.example].phone", "+34987654321", "+34987000000")]


def test_the_mapping_options_of_import_read_the_file(cli, seeded_file, tmp_path):
    path = write(tmp_path / "mapped.csv", "Código;Población", "C-1;Sevilla", "C-2;Jerez")
    result = cli("verify", str(path), "--map", "Código=identifier", "--map", "Población=city")
    assert result.exit_code == 0, result.output
    assert cli("edit", "C-2", "--set", "city=Cádiz").exit_code == 0
    result = cli("verify", str(path), "--map", "Código=identifier", "--map", "Población=city")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{path}:3: client C-2: city: in the file 'Jerez', in the database 'Cádiz'")


def test_a_seeds_lone_company_and_a_missing_catalogue_entry(cli, tmp_path):
    seed = write(tmp_path / "seed.yaml", SEED, "companies:",
                 "  - {identifier: K-1, name: Kappa, company_type: LEGAL, city: Soria}")
    assert cli("import", str(seed)).exit_code == 0
    more = write(tmp_path / "more.yaml", "categories:", "  - {code: EXPORT, name: Export}",
                 "companies:", "  - {identifier: K-1, city: Burgos}")
    result = cli("verify", str(seed), str(more), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["checked"] == {"company_types": 1, "categories": 2, "companies": 2,
                                 "clients": 1}
    assert [(d["kind"], d["identifier"], d["problem"], d["field"], d["in_file"],
             d["in_database"]) for d in report["drift"]] == [
        ("category", "EXPORT", "missing", None, "EXPORT", None),
        ("company", "K-1", "differs", "city", "Burgos", "Soria")]
    assert cli("category", "show", "EXPORT").exit_code == 1  # nothing written


def test_standard_input_is_read_as_import_reads_it(cli, seeded_file):
    text = seeded_file.read_text(encoding="utf-8")
    result = cli("verify", "-", "--input-format", "csv", input=text)
    assert result.exit_code == 0, result.output
    result = cli("verify", "-", "--input-format", "csv", input=text.replace("Jerez", "Rota"))
    assert result.exit_code == 1
    assert ("<stdin>:3: client C-2: city: in the file 'Rota', in the database 'Jerez'"
            in result.stdout)
