"""clientreg template: the right columns and one example row that imports as it is."""

import csv
import json

import openpyxl
import pytest
import yaml

from clientreg.attributes import check_value, define
from clientreg.catalogue import Catalogue, add_entry
from clientreg.checks import check_client
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import iter_client_documents
from clientreg.schemas.writers import example_attribute, example_client


def _header(text: str) -> list[str]:
    return next(csv.reader(text.splitlines()))


def test_csv_template_has_the_columns_of_that_type_and_category(catalogue, cli):
    result = cli("template", "--type", "legal", "--category", "RETAIL")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    header = _header(result.stdout)
    assert [c for c in header if "attr." in c] == ["company_attr.employees",
                                                   "client_attr.region"]
    row = dict(zip(header, next(csv.reader(lines[1:])), strict=True))
    assert row["identifier"] == ""  # LEGAL generates it from CLI-{seq:05}
    assert row["company_type"] == "LEGAL"
    assert (row["company_attr.employees"], row["client_attr.region"]) == ("0", "north")
    assert row["contact_default"] == "true"


def test_template_without_options_has_every_attribute_column(catalogue, cli):
    header = _header(cli("template").stdout)
    assert [c for c in header if "attr." in c] == ["company_attr.employees",
                                                   "client_attr.region"]
    header = _header(cli("template", "--type", "PERSON", "--category", "WHOLESALE").stdout)
    assert [c for c in header if "attr." in c] == []


def test_unknown_type_is_rejected(catalogue, cli):
    result = cli("template", "--type", "NOPE")
    assert result.exit_code == 1
    assert "no company type has the code 'NOPE'" in result.stderr


def test_a_database_without_catalogue_still_gets_a_template(cli):
    result = cli("template")
    assert result.exit_code == 0
    assert "no company type or category exists yet" in result.stderr
    assert _header(result.stdout)[:2] == ["identifier", "name"]


@pytest.mark.parametrize("declaration", [
    {"key": "a", "type": "number", "min": 5},
    {"key": "a", "type": "number", "max": -3, "required": True},
    {"key": "a", "type": "number", "min": 0.005, "max": 1, "decimals": 2},
    {"key": "a", "type": "currency", "min": 10},
    {"key": "a", "type": "currency"},
    {"key": "a", "type": "number", "min": -1.5},
    {"key": "a", "type": "date", "required": True},
    {"key": "a", "type": "time"},
    {"key": "a", "type": "list", "values": ["gold", "silver"], "required": True},
    {"key": "a", "type": "memo", "label": "Notes"},
    {"key": "a", "type": "text", "label": "Sales territory"},
])
def test_example_attribute_values_pass_their_declaration(declaration):
    definition = define(declaration)
    value = example_attribute(definition)
    assert check_value(definition, value, field="client_attr.a") is not None


def _draft(document: dict) -> ClientDraft:
    fields = {k: v for k, v in document.items() if k != "contacts"}
    contacts = [ContactDraft(**c) for c in document.get("contacts", [])]
    return ClientDraft(**fields, contacts=contacts)


def test_every_type_and_category_gets_an_example_the_core_accepts(store):
    add_entry(store, "company_type", {"code": "COOP", "name": "Co-operative", "attributes": [
        {"key": "members", "label": "Members", "type": "number", "min": 7, "required": True},
        {"key": "since", "label": "Since", "type": "date", "required": True},
        {"key": "capital", "label": "Capital", "type": "currency", "min": 3000}]},
        source="test")
    add_entry(store, "category", {"code": "VIP", "name": "VIP", "attributes": [
        {"key": "tier", "label": "Tier", "type": "list", "values": ["gold"], "required": True},
        {"key": "opens", "label": "Opens", "type": "time", "required": True},
        {"key": "notes", "label": "Notes", "type": "memo", "required": True}]},
        source="test")
    catalogue = Catalogue.load(store)
    example = example_client(catalogue.types["COOP"], catalogue.categories["VIP"])
    checked = check_client(_draft(example), catalogue)
    assert checked is not None


def _import(cli, path):
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("file_format", ["csv", "yaml", "xlsx", "json"])
def test_the_example_row_imports_as_it_is(catalogue, cli, tmp_path, file_format):
    target = tmp_path / f"template.{file_format}"
    result = cli("template", "--type", "LEGAL", "--category", "RETAIL", "-o", str(target))
    assert result.exit_code == 0, result.output
    _import(cli, target)
    (client,) = iter_client_documents(catalogue)
    assert client["identifier"] == "CLI-00001"
    assert client["company_attributes"] == {"employees": 0}
    assert client["client_attributes"] == {"region": "north"}
    assert client["contacts"][0]["name"] == "María López"


def test_template_formats_read_as_their_format(catalogue, cli, tmp_path):
    documents = yaml.safe_load(cli("template", "--format", "yaml").stdout)
    assert isinstance(documents, list) and documents[0]["name"]
    assert json.loads(cli("template", "--format", "json").stdout) == documents
    target = tmp_path / "template.xlsx"
    assert cli("template", "-o", str(target)).exit_code == 0
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][0] == "identifier"


def test_an_example_with_a_typed_identifier_imports_too(catalogue, cli, tmp_path):
    target = tmp_path / "template.csv"
    assert cli("template", "--type", "PERSON", "--category", "WHOLESALE",
               "-o", str(target)).exit_code == 0
    _import(cli, target)
    assert [c["identifier"] for c in iter_client_documents(catalogue)] == ["EXAMPLE-0001"]
