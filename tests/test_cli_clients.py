"""The client commands through the real command line: show, list, edit, deactivate, activate."""

import csv
import io
import json

import pytest
import yaml

from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import client_data
from clientreg.registration import register


@pytest.fixture
def clients(catalogue):
    """Two registered clients: a LEGAL retail one with contacts, a PERSON wholesale one."""
    register(catalogue, ClientDraft(
        company_type="LEGAL", category="RETAIL", name="Comercial Andaluza [S.L.]",
        tax_id="ESB12345674", email="info@andaluza.example", phone="954 123 456", city="Sevilla",
        country="Spain", company_attributes={"employees": "12"},
        client_attributes={"region": "south"},
        contacts=[ContactDraft(name="María López", email="maria@andaluza.example",
                               phone="600 123 456", position="Compras", default=True),
                  ContactDraft(name="Juan Pérez", email="juan@andaluza.example")],
    ), source="import of seed.yaml")
    register(catalogue, ClientDraft(identifier="P-1", name="Ana Ruiz", company_type="PERSON",
                                    category="WHOLESALE", city="Madrid", country="ES"),
             source="wizard")
    return catalogue


def test_show_text_is_a_readable_view(cli, clients):
    result = cli("show", "cli-00001")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "CLI-00001  Comercial Andaluza [S.L.]  (active)" in out
    for text in ("LEGAL (Legal entity)", "RETAIL (Retail)", "+34 954 12 34 56",
                 "Number of employees", "Sales region", "south", "María López",
                 "maria@andaluza.example", "import of seed.yaml"):
        assert text in out
    assert out.index("Company attributes") < out.index("Contacts") < out.index("History")


def test_show_json_is_the_import_shape_with_history(cli, clients):
    result = cli("show", "CLI-00001", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["phone"] == "+34954123456"
    assert document["country"] == "ES"
    assert document["company_attributes"] == {"employees": 12}
    assert document["client_attributes"] == {"region": "south"}
    assert document["contacts"][0] == {"name": "María López", "email": "maria@andaluza.example",
                                       "phone": "+34600123456", "position": "Compras",
                                       "default": True}
    assert [entry["entity"] for entry in document["history"]] == \
        ["company", "client", "external_user", "external_user"]
    assert result.stderr == ""


def test_show_yaml_prints_the_same_document(cli, clients):
    as_yaml = yaml.safe_load(cli("show", "CLI-00001", "--format", "yaml").stdout)
    as_json = json.loads(cli("show", "CLI-00001", "--format", "json").stdout)
    assert as_yaml == as_json


def test_show_an_unknown_client_exits_1(cli, clients):
    result = cli("show", "NOPE")
    assert result.exit_code == 1
    assert "no client has the identifier 'NOPE'" in result.stderr
    assert "Traceback" not in result.output


def test_list_table_counts_on_stderr(cli, clients):
    result = cli("list")
    assert result.exit_code == 0
    assert "CLI-00001" in result.stdout and "P-1" in result.stdout
    assert result.stderr.strip() == "2 clients"


def test_list_json_and_csv_keep_stdout_clean(cli, clients):
    rows = json.loads(cli("list", "--format", "json").stdout)
    assert [row["identifier"] for row in rows] == ["CLI-00001", "P-1"]
    result = cli("list", "--format", "csv")
    assert result.stderr == ""
    parsed = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["identifier"], row["category"]) for row in parsed] == \
        [("CLI-00001", "RETAIL"), ("P-1", "WHOLESALE")]


@pytest.mark.parametrize(("options", "expected"), [
    (["--category", "retail"], ["CLI-00001"]),
    (["--type", "PERSON"], ["P-1"]),
    (["--search", "andal"], ["CLI-00001"]),
    (["--search", "ruiz"], ["P-1"]),
])
def test_list_filters(cli, clients, options, expected):
    rows = json.loads(cli("list", *options, "--format", "json").stdout)
    assert [row["identifier"] for row in rows] == expected


def test_list_with_an_unknown_category_says_so(cli, clients):
    result = cli("list", "--category", "VIP")
    assert result.exit_code == 1
    assert "no category has the code 'VIP'" in result.stderr


def test_an_empty_list_says_how_to_add_clients(cli, catalogue):
    result = cli("list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "clientreg new" in result.stderr and "clientreg import" in result.stderr


def test_edit_with_set_changes_fields_and_records_history(cli, clients):
    result = cli("edit", "cli-00001", "--set", "city=Cádiz", "--set", "client_attr.region=north",
                 "--set", "phone=")
    assert result.exit_code == 0, result.stderr
    assert "Updated client CLI-00001." in result.stdout
    assert "city: 'Sevilla' -> 'Cádiz'" in result.stdout
    assert "client_attr.region: 'south' -> 'north'" in result.stdout
    document = json.loads(cli("show", "CLI-00001", "--format", "json").stdout)
    assert (document["city"], document.get("phone")) == ("Cádiz", None)
    assert document["history"][-1]["source"] == "edit"


def test_edit_with_the_same_values_changes_nothing(cli, clients):
    result = cli("edit", "CLI-00001", "--set", "city=Sevilla")
    assert result.exit_code == 0
    assert "nothing changed" in result.stdout


def test_edit_of_a_locked_or_invalid_field_exits_1_and_writes_nothing(cli, clients, store):
    before = client_data(store, "CLI-00001")
    result = cli("edit", "CLI-00001", "--set", "category=WHOLESALE")
    assert result.exit_code == 1
    assert "category cannot change after registration [category-locked]" in result.stderr
    result = cli("edit", "CLI-00001", "--set", "email=not-an-email")
    assert result.exit_code == 1
    assert "email = 'not-an-email'" in result.stderr
    assert client_data(store, "CLI-00001") == before


def test_edit_with_a_malformed_setting_is_a_usage_error(cli, clients):
    result = cli("edit", "CLI-00001", "--set", "city")
    assert result.exit_code == 2
    assert "is not FIELD=VALUE" in result.stderr


def test_deactivate_and_activate_say_what_changed(cli, clients):
    result = cli("deactivate", "cli-00001")
    assert (result.exit_code, result.stdout.splitlines()[0]) == (
        0, "Deactivated client CLI-00001: its data is kept; 'clientreg activate CLI-00001' "
           "brings it back.")
    assert "already inactive" in cli("deactivate", "CLI-00001").stdout
    listed = cli("list", "--format", "json").stdout
    assert "CLI-00001" not in listed
    assert "CLI-00001" in cli("list", "--all", "--format", "json").stdout
    assert "No active clients" not in cli("list").stderr
    assert cli("activate", "CLI-00001").stdout.strip() == "Activated client CLI-00001."
    assert "already active" in cli("activate", "CLI-00001").stdout


def test_list_explains_when_every_client_is_inactive(cli, clients):
    cli("deactivate", "CLI-00001")
    cli("deactivate", "P-1")
    assert "add --all" in cli("list").stderr


def test_deactivate_an_unknown_client_exits_1(cli, catalogue):
    result = cli("deactivate", "NOPE")
    assert result.exit_code == 1
    assert "no client has the identifier 'NOPE'" in result.stderr


def test_a_file_that_is_not_a_database_exits_3_and_stays_untouched(runner, tmp_path):
    from clientreg.commands.app import app

    path = tmp_path / "clients.csv"
    path.write_text("identifier,name\nACME,ACME Ltd\n")
    result = runner.invoke(app, ["--db", str(path), "list"])
    assert result.exit_code == 3
    assert "is not a SQLite database" in result.stderr
    assert "Traceback" not in result.output
    assert path.read_text() == "identifier,name\nACME,ACME Ltd\n"


def test_the_database_path_can_come_from_the_environment(runner, tmp_path, catalogue):
    from clientreg.commands.app import app

    path = tmp_path / "other.db"
    result = runner.invoke(app, ["category", "add", "VIP", "--name", "VIP"],
                           env={"CLIENTREG_DB": str(path)})
    assert result.exit_code == 0, result.stderr
    assert path.exists()
