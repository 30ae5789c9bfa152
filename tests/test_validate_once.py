"""An import checks each value once: the models read the shape of a file, the core its values.

A mistake is reported once, at its file, row and column; an entry whose shape is wrong somewhere
still has the rest of its values checked in the same run; and the whole import is one unit of
work, so a dry run or a rejected file leaves the database as it was.
"""

import ast
import json
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("company_types", "categories", "companies", "clients", "external_users", "history")
HEADER = "identifier,name,company_type,category,email,country,client_attr.region,contact_name," \
         "contact_email"
CLIENT = {"identifier": "V-1", "name": "Vale S.L.", "company_type": "PERSON",
          "category": "WHOLESALE"}


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def problems(result) -> list[tuple[int | None, str | None, str]]:
    assert result.exit_code == 1, result.output
    return [(p["row"], p["column"], p["code"])
            for p in json.loads(result.stdout)["problems"]]


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_bad_cell_is_reported_once_at_its_row_and_column(cli, catalogue, tmp_path):
    path = tmp_path / "once.csv"
    path.write_text("\n".join([
        HEADER,
        "O-1,Once S.L.,PERSON,WHOLESALE,info@@once.example,ES,,Ana,ana@once.example",
        "O-1,,,,,,,Bea,bea@@once.example",
        "O-2,Twice S.L.,PERSON,WHOLESALE,,Narnia,,,",
    ]) + "\n", encoding="utf-8")
    result = cli("import", str(path), "--format", "json")
    assert problems(result) == [
        (2, "email", "invalid-email"),
        (3, "contact_email", "invalid-email"),
        (4, "country", "invalid-country"),
    ]


def test_a_bad_value_of_a_document_is_reported_once(cli, catalogue, tmp_path):
    entry = {**CLIENT, "email": "info@@vale.example", "website": "not a site",
             "contacts": [{"name": "Ana", "email": "ana@vale.example", "language": "español",
                           "default": "perhaps"}]}
    result = cli("import", str(write_json(tmp_path / "once.json", [entry])), "--format", "json")
    assert sorted(problems(result)) == [
        (1, "contacts[0].default", "invalid-flag"),
        (1, "contacts[0].language", "invalid-language"),
        (1, "email", "invalid-email"),
        (1, "website", "invalid-website"),
    ]


def test_a_value_of_the_wrong_shape_is_reported_once_and_the_rest_still_checked(
        cli, catalogue, tmp_path):
    entry = {**CLIENT, "name": ["Vale", "S.L."], "country": "Narnia", "emial": "a@b.example",
             "client_attributes": {"note": ["a", "b"]}, "contacts": ["Ana"]}
    result = cli("import", str(write_json(tmp_path / "shape.json", [entry])), "--format", "json")
    found = problems(result)
    assert (1, "name", "invalid-type") in found
    assert (1, "name", "missing-value") not in found
    assert found.count((1, "client_attr.note", "invalid-type")) == 1
    assert (1, "emial", "unknown-field") in found
    assert (1, "contacts[0]", "invalid-type") in found
    # The core still read the values whose shape was right.
    assert (1, "country", "invalid-country") in found


def test_a_client_entry_with_an_active_that_is_no_flag_is_refused_at_active(cli, catalogue,
                                                                            tmp_path, db_path):
    path = write_json(tmp_path / "active.json", [{**CLIENT, "active": "sometimes"}])
    result = cli("import", str(path), "--format", "json")
    assert problems(result) == [(1, "active", "invalid-flag")]
    assert json.loads(result.stdout)["problems"][0]["message"] == "must be true or false"
    assert counts(db_path)["clients"] == 0


@pytest.mark.parametrize("written", ["no", "0", False])
def test_a_client_entry_written_inactive_is_read_by_the_flag_rule(cli, catalogue, tmp_path,
                                                                 written):
    path = write_json(tmp_path / "inactive.json", [{**CLIENT, "active": written}])
    assert cli("import", str(path)).exit_code == 0
    shown = cli("show", "V-1", "--format", "json")
    assert json.loads(shown.stdout)["active"] is False


def test_the_models_read_shapes_and_call_no_rule_of_the_core():
    source = (ROOT / "schemas" / "rows.py").read_text(encoding="utf-8")
    imported = {node.module for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom) and node.module == "clientreg"
                 for alias in node.names}
    assert not {"clientreg.rules", "rules", "clientreg.checks", "clientreg.fields"} & imported


def test_a_seed_dry_run_writes_nothing_not_even_history(cli, store, tmp_path, db_path):
    seed = {"company_types": [{"code": "COOP", "name": "Cooperative"}],
            "categories": [{"code": "FARM", "name": "Farming"}],
            "companies": [{"identifier": "LONE", "name": "Lone S.A.", "company_type": "COOP"}],
            "clients": [{**CLIENT, "company_type": "COOP", "category": "FARM",
                         "active": False}]}
    path = write_json(tmp_path / "seed.json", seed)
    before = counts(db_path)
    result = cli("import", str(path), "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["written"] is False and report["dry_run"] is True
    assert report["clients"]["created"] == 1
    assert counts(db_path) == before
    assert cli("import", str(path)).exit_code == 0
    assert counts(db_path)["clients"] == 1


def test_a_rejected_seed_leaves_its_catalogue_and_companies_out(cli, store, tmp_path, db_path):
    seed = {"company_types": [{"code": "COOP", "name": "Cooperative"}],
            "categories": [{"code": "FARM", "name": "Farming"}],
            "companies": [{"identifier": "LONE", "name": "Lone S.A.", "company_type": "COOP"}],
            "clients": [{**CLIENT, "company_type": "COOP", "category": "FRAM"}]}
    before = counts(db_path)
    result = cli("import", str(write_json(tmp_path / "seed.json", seed)), "--format", "json")
    assert problems(result) == [(1, "clients[0].category", "unknown-category")]
    assert json.loads(result.stdout)["written"] is False
    assert counts(db_path) == before
