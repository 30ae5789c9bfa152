"""clientreg import of YAML and JSON: client lists, seed documents as one transaction, schema."""

import json
from pathlib import Path

import pytest

from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TABLES = ("company_types", "categories", "companies", "clients", "external_users",
          "client_contacts", "history")

CLIENTS = [
    {"identifier": "Y-1", "name": "Yunque Hermanos S.L.", "company_type": "LEGAL",
     "category": "RETAIL", "country": "ES", "phone": "954 000 111", "postal_code": "08001",
     "company_attributes": {"employees": 40}, "client_attributes": {"region": "south"},
     "contacts": [{"name": "Inés Yunque", "email": "ines@yunque.example", "default": True},
                  {"name": "Luis Yunque", "email": "luis@yunque.example"}]},
    {"identifier": "Y-2", "name": "Wholesale Only Ltd", "company_type": "PERSON",
     "category": "WHOLESALE"},
]

SEED = {
    "company_types": [{"code": "COOP", "name": "Cooperative",
                       "attributes": [{"key": "members", "type": "number", "min": 1}]}],
    "categories": [{"code": "FARM", "name": "Farming",
                    "attributes": [{"key": "crop", "type": "list",
                                    "values": ["olive", "grape"], "required": True}]}],
    "companies": [{"identifier": "LONE", "name": "Lone Company S.A.", "company_type": "COOP",
                   "company_attributes": {"members": 3}}],
    "clients": [
        {"identifier": "F-1", "name": "Olivar del Sur S.C.A.", "company_type": "COOP",
         "category": "FARM", "company_attributes": {"members": 120},
         "client_attributes": {"crop": "olive"},
         "contacts": [{"name": "Rocío Campos", "email": "rocio@olivar.example"}]},
        {"from_company": "LONE", "category": "FARM", "client_attributes": {"crop": "grape"}},
    ],
}


def counts(db_path: Path | str) -> dict[str, int]:
    """Rows of each table, read through clientreg's storage (a SQLite file or PostgreSQL)."""
    store = open_database(db_path)
    try:
        return {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        store.close()


def yaml_text(data: object) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_list_of_clients(cli, catalogue, tmp_path, suffix):
    path = tmp_path / f"clients{suffix}"
    path.write_text(yaml_text(CLIENTS) if suffix == ".yaml" else json.dumps(CLIENTS),
                    encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    data = show(cli, "Y-1")
    assert data["postal_code"] == "08001"
    assert data["company_attributes"] == {"employees": 40}
    assert [c["email"] for c in data["contacts"]] == ["ines@yunque.example",
                                                      "luis@yunque.example"]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_seed_document(cli, store, tmp_path, db_path, suffix):
    path = tmp_path / f"seed{suffix}"
    path.write_text(yaml_text(SEED) if suffix == ".yaml" else json.dumps(SEED), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Company types: 1 created" in result.output
    assert show(cli, "F-1")["client_attributes"] == {"crop": "olive"}
    assert show(cli, "LONE")["category"] == "FARM"
    assert counts(db_path)["companies"] == 2


def test_a_seed_is_one_transaction_with_its_clients(cli, store, tmp_path, db_path):
    broken = {**SEED, "clients": [*SEED["clients"],
                                  {"identifier": "F-9", "name": "No Crop", "company_type": "COOP",
                                   "category": "FARM"}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml_text(broken), encoding="utf-8")
    before = counts(db_path)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "seed.yaml:3: column clients[2].client_attr.crop = '': is required" in result.output
    assert "nothing was written" in result.output
    assert counts(db_path) == before
    assert counts(db_path)["company_types"] == 0


def test_standard_input_as_yaml(cli, catalogue):
    result = cli("import", "-", "--input-format", "yaml", input=yaml_text(CLIENTS))
    assert result.exit_code == 0, result.output
    assert show(cli, "Y-2")["company_type"] == "PERSON"


def test_an_entry_given_inactive_is_registered_inactive(cli, catalogue, tmp_path):
    path = tmp_path / "inactive.yaml"
    path.write_text(yaml_text([{**CLIENTS[1], "active": False}]), encoding="utf-8")
    assert cli("import", str(path)).exit_code == 0
    assert show(cli, "Y-2")["active"] is False


def test_a_misspelt_field_names_the_nearest_one(cli, catalogue, tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(yaml_text([{**CLIENTS[1], "emial": "a@b.example"}]), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "typo.yaml:1: column emial = 'a@b.example': is not a field here; did you mean " \
           "'email'? [unknown-field]" in result.output


def test_the_example_seed_imports_once_and_then_names_every_conflict(cli, db_path):
    first = cli("import", str(EXAMPLES / "seed.yaml"))
    assert first.exit_code == 0, first.output
    assert counts(db_path)["clients"] == 28
    before = counts(db_path)
    again = cli("import", str(EXAMPLES / "seed.yaml"))
    assert again.exit_code == 1
    assert "company type LEGAL already exists [duplicate-company-type]" in again.output
    assert "client C-0001 is already registered [duplicate-identifier]" in again.output
    assert "company MARLOWE is already a client [already-a-client]" in again.output
    assert counts(db_path) == before


def test_the_schema_command_prints_the_json_schema(cli):
    result = cli("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    client = schema["$defs"]["ClientEntry"]
    assert {"identifier", "category", "contacts", "client_attributes"} <= set(
        client["properties"])
    assert client["additionalProperties"] is False
    assert "SeedDocument" in schema["$defs"]


@pytest.mark.parametrize("written", [False, "false", "no", "No", "0"])
def test_a_seed_category_written_inactive_keeps_the_seeds_own_clients(cli, store, tmp_path,
                                                                      db_path, written):
    seed = {**SEED, "categories": [{**SEED["categories"][0], "active": written}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml_text(seed), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    store = open_database(db_path)
    try:
        conn = store.conn
        assert conn.execute("SELECT active FROM categories WHERE code = 'FARM'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM clients").fetchone() == (2,)
    finally:
        store.close()
