"""import --on-conflict update with some columns: only those change, blanks keep values."""

import json
import sqlite3
from pathlib import Path

import pytest

FULL = ("identifier,name,company_type,category,country,phone,city,postal_code,"
        "company_attr.employees,client_attr.region,contact_name,contact_email,contact_position")
ROW = ("C-1,Ferretería Núñez S.L.,LEGAL,RETAIL,ES,954 123 456,Sevilla,41004,12,north,"
       "Ana Núñez,ana@nunez.example,Compras")


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def client(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_times(document: dict) -> dict:
    return {k: v for k, v in document.items() if k not in ("history", "updated_at")}


def import_history(document: dict, file: Path) -> list[dict]:
    return [entry for entry in document["history"] if entry["source"] == f"import of {file}"]


def count(db_path: Path, sql: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture
def registered(cli, catalogue, tmp_path):
    result = cli("import", str(write(tmp_path / "full.csv", FULL, ROW)))
    assert result.exit_code == 0, result.output
    return client(cli, "C-1")


def test_a_file_of_identifier_and_city_changes_only_the_city(cli, registered, tmp_path):
    path = write(tmp_path / "city.csv", "identifier,city", "C-1,Cádiz")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    after = client(cli, "C-1")
    assert without_times(after) == {**without_times(registered), "city": "Cádiz"}
    changes = import_history(after, path)
    assert [(e["entity"], e["action"], e["changes"]) for e in changes] == [
        ("company", "updated", {"city": {"old": "Sevilla", "new": "Cádiz"}})]


def test_blank_cells_leave_the_stored_values_alone(cli, registered, tmp_path):
    path = write(tmp_path / "blanks.csv", FULL,
                 "C-1,,,,,,Écija,,,,,ana@nunez.example,Gerente")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    assert after["city"] == "Écija"
    assert after["client_attributes"] == {"region": "north"}
    assert after["company_attributes"] == {"employees": 12}
    assert after["phone"] == "+34954123456"
    assert after["contacts"] == [{"name": "Ana Núñez", "email": "ana@nunez.example",
                                  "position": "Gerente"}]
    changed = {field for entry in import_history(after, path)
               for field in entry["changes"]}
    assert changed == {"city", "position"}


def test_a_file_without_category_updates_registered_clients(cli, registered, tmp_path):
    path = write(tmp_path / "phones.csv", "identifier,phone,client_attr.region",
                 "C-1,955 000 111,south")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    # The national number is read with the stored country; the required attribute changes.
    assert after["phone"] == "+34955000111"
    assert after["client_attributes"] == {"region": "south"}
    assert after["category"] == "RETAIL"


def test_a_required_attribute_is_kept_from_the_stored_values(cli, registered, tmp_path):
    # The README's own case: a blank required attribute is no longer "is required".
    path = write(tmp_path / "names.csv",
                 "identifier,name,company_type,category,client_attr.region",
                 "C-1,Ferretería Núñez e Hijos S.L.,LEGAL,RETAIL,")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    assert after["name"] == "Ferretería Núñez e Hijos S.L."
    assert after["client_attributes"] == {"region": "north"}


def test_a_new_identifier_in_a_partial_file_is_refused_naming_the_column(cli, registered,
                                                                         tmp_path, db_path):
    path = write(tmp_path / "mixed.csv", "identifier,city", "C-1,Cádiz", "C-9,Huelva")
    before = count(db_path, "SELECT count(*) FROM history")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 1
    assert ("mixed.csv:3: column identifier = 'C-9': no client has this identifier, so the row "
            "registers a new one, which needs name, company_type, category; check the "
            "identifier, or give those values [not-registered]") in result.output
    for column in ("name", "company_type", "category"):
        assert f"mixed.csv:3: column {column} = '': is required [missing-value]" in result.output
    assert "mixed.csv:2" not in result.output
    assert "nothing was written" in result.output
    assert client(cli, "C-1")["city"] == "Sevilla"
    assert count(db_path, "SELECT count(*) FROM companies") == 1
    assert count(db_path, "SELECT count(*) FROM history") == before


def test_a_new_client_missing_a_required_attribute_is_refused(cli, registered, tmp_path):
    path = write(tmp_path / "new.csv", "identifier,name,company_type,category",
                 "C-2,Nueva S.L.,PERSON,RETAIL")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 1
    assert ("new.csv:2: column client_attr.region = '': is required (Sales region) "
            "[missing-value]") in result.output
    assert "not-registered" not in result.output  # a full row: plainly a new client


def test_skip_and_error_still_need_every_column(cli, registered, tmp_path):
    path = write(tmp_path / "city.csv", "identifier,city", "C-1,Cádiz")
    for mode in ("skip", "error"):
        result = cli("import", str(path), "--on-conflict", mode)
        assert result.exit_code == 1
        assert ("city.csv:1: column category = '': the header has no 'category' column, which"
                " a new client needs; a file that only changes registered clients is imported"
                " with --on-conflict update [missing-column]") in result.output
    assert client(cli, "C-1")["city"] == "Sevilla"


def test_a_file_without_identifier_still_needs_every_column(cli, registered, tmp_path):
    path = write(tmp_path / "cities.csv", "city", "Cádiz")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 1
    assert "the header has no 'name' column" in result.output


def test_a_dry_run_gives_the_same_counts(cli, registered, tmp_path):
    path = write(tmp_path / "city.csv", "identifier,city", "C-1,Cádiz")
    dry = cli("import", str(path), "--on-conflict", "update", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["clients"]["updated"] == 1
    assert client(cli, "C-1")["city"] == "Sevilla"
    real = cli("import", str(path), "--on-conflict", "update", "--format", "json")
    assert json.loads(real.stdout)["clients"] == json.loads(dry.stdout)["clients"]
    again = cli("import", str(path), "--on-conflict", "update", "--format", "json")
    assert json.loads(again.stdout)["clients"]["unchanged"] == 1


def test_contacts_left_out_of_the_file_stay_linked(cli, registered, tmp_path):
    path = write(tmp_path / "more.csv", "identifier,contact_name,contact_email",
                 "C-1,Luis Gil,luis@nunez.example")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    emails = [c["email"] for c in client(cli, "C-1")["contacts"]]
    assert emails == ["ana@nunez.example", "luis@nunez.example"]


def test_a_yaml_entry_with_some_keys_changes_only_those(cli, registered, tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("- identifier: C-1\n  postal_code: '41005'\n"
                    "  company_attributes: {employees: 14}\n"
                    "  contacts:\n    - {email: ana@nunez.example, position: Gerente}\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    assert without_times(after) == {
        **without_times(registered), "postal_code": "41005",
        "company_attributes": {"employees": 14},
        "contacts": [{**registered["contacts"][0], "position": "Gerente"}]}
    changed = {field for entry in import_history(after, path)
               for field in entry["changes"]}
    assert changed == {"postal_code", "attributes", "position"}


def test_a_yaml_entry_from_an_existing_company_updates_its_client_attributes(cli, registered,
                                                                           tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("companies:\n  - {identifier: ACME, name: ACME Ltd, company_type: PERSON}\n"
                    "clients:\n  - {from_company: ACME, category: RETAIL,"
                    " client_attributes: {region: north}}\n", encoding="utf-8")
    assert cli("import", str(seed)).exit_code == 0
    path = tmp_path / "acme.yaml"
    path.write_text("- {from_company: ACME, client_attributes: {region: south}}\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert client(cli, "ACME")["client_attributes"] == {"region": "south"}


def test_a_client_updated_twice_in_one_import_keeps_both_changes(cli, registered, tmp_path):
    first = write(tmp_path / "one.csv", "identifier,city", "C-1,Cádiz")
    second = write(tmp_path / "two.csv", "identifier,postal_code", "C-1,11001")
    result = cli("import", str(first), str(second), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    assert (after["city"], after["postal_code"]) == ("Cádiz", "11001")


def test_a_client_created_earlier_in_the_same_import_can_be_updated_partially(
        cli, registered, tmp_path):
    new = write(tmp_path / "new.csv", "identifier,name,company_type,category",
                "C-3,Tercera S.L.,PERSON,WHOLESALE")
    city = write(tmp_path / "city.csv", "identifier,city", "C-3,Huelva")
    result = cli("import", str(new), str(city), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert client(cli, "C-3")["city"] == "Huelva"


def test_a_yaml_entry_of_an_unknown_identifier_is_told_apart(cli, registered, tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("- {identifier: C-01, city: Cádiz}\n", encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update", "--format", "json")
    assert result.exit_code == 1
    problems = {(p["column"], p["code"]) for p in json.loads(result.stdout)["problems"]}
    assert ("identifier", "not-registered") in problems
    assert ("name", "missing-value") in problems


def test_a_seed_company_entry_with_some_keys_changes_only_those(cli, catalogue, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("companies:\n  - {identifier: ACME, name: ACME Ltd, company_type: LEGAL,"
                    " city: Leeds, company_attributes: {employees: 9}}\n", encoding="utf-8")
    assert cli("import", str(seed)).exit_code == 0
    path = tmp_path / "acme.yaml"
    path.write_text("companies:\n  - {identifier: ACME, city: York}\n", encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert "Companies: 1 updated" in result.output
    shown = json.loads(cli("company", "show", "ACME", "--format", "json").stdout)
    assert (shown["name"], shown["city"], shown["company_attributes"]) == (
        "ACME Ltd", "York", {"employees": 9})
    assert shown["history"][-1]["changes"] == {"city": {"old": "Leeds", "new": "York"}}


def test_a_category_in_other_letters_keeps_the_stored_attributes(cli, registered, tmp_path):
    path = write(tmp_path / "named.csv", "identifier,category,city", "C-1,retail,Carmona")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    after = client(cli, "C-1")
    assert (after["city"], after["client_attributes"]) == ("Carmona", {"region": "north"})
