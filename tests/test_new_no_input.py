"""`clientreg new --no-input` from options, and --save-as replayed into a fresh database."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from clientreg.catalogue import Catalogue, add_entry, describe_entry
from clientreg.companies import register_companies
from clientreg.model import ClientDraft
from clientreg.records import client_data
from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

ACME = ("new", "--no-input", "--type", "LEGAL", "--category", "RETAIL", "--name", "ACME Ltd",
        "--country", "ES", "--phone", "954 123 456", "--city", "Sevilla",
        "--company-attr", "employees=12", "--client-attr", "region=north",
        "--contact", "Ana Ruiz <ana@acme.example>",
        "--contact", "name=Bo Berg,email=bo@acme.example,phone=600 000 001,"
                     "position=Head, Sales,default=true")


def test_registers_from_options_and_prints_the_identifier(cli, catalogue):
    result = cli(*ACME)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "CLI-00001\n"
    assert "Registered client CLI-00001." in result.stderr
    client = client_data(catalogue, "CLI-00001")
    assert client["phone"] == "+34954123456"
    assert client["company_attributes"] == {"employees": 12}
    assert client["client_attributes"] == {"region": "north"}
    assert client["contacts"] == [
        {"name": "Ana Ruiz", "email": "ana@acme.example"},
        {"name": "Bo Berg", "email": "bo@acme.example", "phone": "+34600000001",
         "position": "Head, Sales", "default": True}]
    assert {entry["source"] for entry in client["history"]} == {"new --no-input"}


def test_every_problem_is_reported_and_nothing_written(cli, catalogue):
    result = cli("new", "--no-input", "--type", "LEGAL", "--category", "RETAIL",
                 "--email", "not-an-email", "--company-attr", "employees=-1",
                 "--company-attr", "colour=red", "--contact", "Ana <ana@>")
    assert result.exit_code == 1
    for field in ("name", "email", "company_attr.employees", "company_attr.colour",
                  "client_attr.region", "contacts[0].email"):
        assert f"  {field}" in result.stderr, field
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_a_second_registration_of_the_identifier_is_a_conflict(cli, catalogue):
    args = ("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
            "--identifier", "P-1", "--name", "Ana")
    assert cli(*args).exit_code == 0
    result = cli(*args[:-2], "--identifier", "p-1", "--name", "Other")
    assert result.exit_code == 1
    assert "duplicate-identifier" in result.stderr


@pytest.mark.parametrize("args", [
    ("--company-attr", "employees"),
    ("--client-attr", "=north"),
    ("--contact", "just a name"),
    ("--contact", "name=Ana,mail=ana@acme.example"),
])
def test_malformed_options_are_usage_errors(cli, catalogue, args):
    result = cli("new", "--no-input", "--type", "LEGAL", "--category", "RETAIL",
                 "--name", "ACME", *args)
    assert result.exit_code == 2
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_an_empty_catalogue_names_the_commands_that_fill_it(cli, store):
    result = cli("new", "--no-input", "--type", "LEGAL", "--category", "RETAIL", "--name", "A")
    assert result.exit_code == 1
    assert "clientreg company-type add" in result.stderr


def test_from_an_existing_client_company_is_a_conflict(cli, catalogue):
    cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE", "--identifier",
        "P-1", "--name", "Ana")
    result = cli("new", "--no-input", "--from-company", "P-1", "--category", "WHOLESALE")
    assert result.exit_code == 1
    assert "already-a-client" in result.stderr


def test_from_an_existing_company_reuses_it(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="LEGAL", identifier="ACME",
                                               name="ACME Ltd", city="Leeds")], source="test")
    result = cli("new", "--no-input", "--from-company", "acme", "--category", "RETAIL",
                 "--client-attr", "region=south")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ACME\n"
    client = client_data(catalogue, "ACME")
    assert (client["city"], client["category"]) == ("Leeds", "RETAIL")


def fresh_database(tmp_path, source):
    """A new database holding the same company types and categories as ``source``."""
    store = open_database(tmp_path / "fresh.db")
    catalogue = Catalogue.load(source)
    for kind in ("company_type", "category"):
        for entry in catalogue.entries(kind).values():
            add_entry(store, kind, describe_entry(entry), source="test catalogue")
    return store


def replay(path, store) -> None:
    """Load the saved file into the fresh database the way CI would: clientreg import."""
    from clientreg.commands.app import app

    result = CliRunner().invoke(app, ["--db", str(store.path), "import", str(path)])
    assert result.exit_code == 0, result.stderr


def test_save_as_appends_clients_that_replay_into_a_fresh_database(cli, catalogue, tmp_path):
    seed = tmp_path / "ci" / "seed.yaml"
    seed.parent.mkdir()
    seed.write_text("# clients typed in by hand, replayed in CI\nclients:\n", encoding="utf-8")
    assert cli(*ACME, "--save-as", str(seed)).exit_code == 0
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--identifier", "P-1", "--name", "Ana Ruiz", "--save-as", str(seed))
    assert result.exit_code == 0, result.stderr
    assert "Appended client P-1" in result.stderr
    text = seed.read_text(encoding="utf-8")
    assert text.startswith("# clients typed in by hand, replayed in CI\nclients:\n")
    saved = yaml.safe_load(text)["clients"]
    assert [client["identifier"] for client in saved] == ["CLI-00001", "P-1"]
    assert not {"history", "active", "created_at", "updated_at"} & set(saved[0])

    fresh = fresh_database(tmp_path, catalogue)
    replay(seed, fresh)
    for identifier in ("CLI-00001", "P-1"):
        before = client_data(catalogue, identifier, with_history=False)
        after = client_data(fresh, identifier, with_history=False)
        for stamp in ("created_at", "updated_at"):
            before.pop(stamp)
            after.pop(stamp)
        assert after == before
    fresh.close()


def test_a_rejected_registration_leaves_the_save_as_file_alone(cli, catalogue, tmp_path):
    seed = tmp_path / "seed.yaml"
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--name", "No identifier", "--save-as", str(seed))
    assert result.exit_code == 1
    assert not seed.exists()


def test_a_save_as_file_that_is_not_a_seed_document_stops_before_registering(
        cli, catalogue, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("- just\n- a list\n", encoding="utf-8")
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--identifier", "P-1", "--name", "Ana", "--save-as", str(seed))
    assert result.exit_code == 3
    assert "not a seed document" in result.stderr
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0
    assert seed.read_text(encoding="utf-8") == "- just\n- a list\n"


def test_the_json_view_of_a_registered_client_matches_what_was_saved(cli, catalogue, tmp_path):
    seed = tmp_path / "seed.yaml"
    assert cli(*ACME, "--save-as", str(seed)).exit_code == 0
    shown = json.loads(cli("show", "CLI-00001", "--format", "json").stdout)
    saved = yaml.safe_load(seed.read_text(encoding="utf-8"))["clients"][0]
    assert saved == {key: value for key, value in shown.items()
                     if key not in ("history", "active", "created_at", "updated_at")}
