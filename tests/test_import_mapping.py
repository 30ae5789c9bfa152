"""Headers of the files users have: synonyms (ERP exports, Spanish and Portuguese labels),
--map, --ignore-column, --ignore-unknown-columns, mapping files, and questions on a terminal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from clientreg.catalogue import add_entry
from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
from clientreg.schemas.synonyms import IGNORED, SYNONYMS, WEAK_SYNONYMS, header_key

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mapping"
ENTER = "\r"
CLIENTREG = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]


@pytest.fixture
def shop(store):
    """The company type and category the fixtures use (by code)."""
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="test")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="test")
    return store


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return {k: v for k, v in data.items() if k not in ("history", "created_at", "updated_at")}


def odoo_client_one() -> dict:
    return {"identifier": "OD-0001", "name": "Comercial Andaluza S.L.", "company_type": "PERSON",
            "category": "WHOLESALE", "tax_id": "ESB12345674", "email": "info@andaluza.example",
            "phone": "+34954123456", "website": "https://andaluza.example",
            "street": "Calle Sierpes 12", "city": "Sevilla", "region": "Sevilla",
            "postal_code": "41004", "country": "ES", "active": True}


def odoo_client_two() -> dict:
    return {"identifier": "OD-0002", "name": "Distribuciones Ñandú S.A.",
            "company_type": "PERSON", "category": "WHOLESALE", "tax_id": "ESA58818501",
            "email": "ventas@nandu.example", "phone": "+34611222333", "street": "Gran Vía 1",
            "city": "Madrid", "region": "Madrid", "postal_code": "28013", "country": "ES",
            "active": True}


# The synonym table


def test_no_label_names_two_columns():
    seen: dict[str, str] = {}
    clashes = []
    for table in (SYNONYMS, WEAK_SYNONYMS, {None: IGNORED}):
        for column, labels in table.items():
            for label in labels:
                key = header_key(label)
                if key in seen and seen[key] != column:
                    clashes.append(f"{label!r}: {seen[key]} and {column}")
                seen.setdefault(key, column)
    assert clashes == []


def test_labels_match_without_case_accents_spaces_or_punctuation():
    assert header_key("Código postal") == header_key("codigo_postal") == header_key(
        "CÓDIGO POSTAL") == header_key(" Codigo-Postal ")


# ERP exports and Spanish headers, with no option


@pytest.mark.parametrize("name", ["odoo_partners.csv", "odoo_partners.xlsx"])
def test_an_odoo_export_imports_with_no_option(cli, shop, tmp_path, name):
    # odoo_partners.xlsx is odoo_partners.csv saved by LibreOffice (postal codes are numbers)
    result = cli("import", str(copy(name, tmp_path)))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert show(cli, "OD-0001") == odoo_client_one()
    assert show(cli, "OD-0002") == odoo_client_two()
    # Odoo's own record id is not the identifier; the language has no place in clientreg
    assert ("  columns: id → (ignored), name → name, ref → identifier, company_type → "
            "company_type, category_id → category, vat → tax_id, street → street, zip → "
            "postal_code, city → city, state_id → region, country_id → country, phone → phone, "
            "email → email, website → website, lang → (ignored)") in result.output


def test_an_erpnext_export_imports_with_no_option(cli, shop, tmp_path):
    result = cli("import", str(copy("erpnext_customers.csv", tmp_path)))
    assert result.exit_code == 0, result.output
    assert show(cli, "CUST-00001") == {
        "identifier": "CUST-00001", "name": "Lisboa Trading Lda", "company_type": "PERSON",
        "category": "WHOLESALE", "tax_id": "PT501964843", "email": "geral@lisboa.example",
        "phone": "+351912345678", "website": "https://lisboa.example", "active": True}
    assert show(cli, "CUST-00002")["phone"] == "+49301234567"
    assert ("columns: ID → identifier, Customer Name → name, Customer Type → company_type, "
            "Customer Group → category, Territory → (ignored), Tax ID → tax_id, "
            "Website → website, Mobile No → phone, Email Id → email") in result.output


def test_a_file_with_spanish_headers_imports_with_no_option(cli, shop, tmp_path):
    result = cli("import", str(copy("clientes_es.csv", tmp_path)))
    assert result.exit_code == 0, result.output
    assert show(cli, "ES-1") == {
        "identifier": "ES-1", "name": "Ferretería Núñez S.L.", "company_type": "PERSON",
        "category": "WHOLESALE", "tax_id": "ESB12345674", "email": "info@nunez.example",
        "phone": "+34954123456", "street": "Calle Feria 3", "city": "Sevilla",
        "region": "Sevilla", "postal_code": "41003", "country": "ES", "active": True}
    assert "Razón social → name, Tipo de empresa → company_type" in result.output


def test_portuguese_and_contact_headers_are_read(cli, shop, tmp_path):
    path = write(tmp_path / "clientes.csv",
                 "Código,Razão social,Tipo de empresa,Categoria do cliente,CNPJ,Cidade,CEP,País,"
                 "Nome do contato,E-mail do contato,Cargo",
                 "BR-1,Padaria Paulista Ltda,PERSON,WHOLESALE,11.222.333/0001-81,São Paulo,"
                 "01310-100,BR,João Silva,joao@padaria.example,Compras")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    client = cli("show", "BR-1", "--format", "json")
    data = json.loads(client.stdout)
    assert data["name"] == "Padaria Paulista Ltda"
    assert data["city"] == "São Paulo"
    assert data["contacts"][0]["name"] == "João Silva"
    assert data["contacts"][0]["email"] == "joao@padaria.example"
    assert data["contacts"][0]["position"] == "Compras"


def test_hubspot_and_salesforce_exports_are_read(cli, shop, tmp_path):
    hubspot = write(tmp_path / "hubspot.csv",
                    "Record ID,Company name,Company Domain Name,Phone Number,Street Address,City,"
                    "State/Region,Postal Code,Country/Region,Create Date,Company owner,"
                    "Lifecycle Stage,Customer Type,Customer Group",
                    "5123456789,Acme Iberia,https://acme-iberia.example,+34 910 000 000,"
                    "Calle Mayor 1,Madrid,Madrid,28013,ES,2024-01-02 10:00,Ana,customer,PERSON,"
                    "WHOLESALE")
    salesforce = write(tmp_path / "salesforce.csv",
                       "Account ID,Account Name,Account Number,Billing Street,Billing City,"
                       "Billing State/Province,Billing Zip/Postal Code,Billing Country,"
                       "Account Phone,Website,Account Type,Customer Type",
                       "0015g00000XyZabc,Salesforce Iberia,SF-1,Calle Alcalá 1,Madrid,Madrid,"
                       "28014,ES,+34 910 000 001,https://sf.example,WHOLESALE,PERSON")
    result = cli("import", str(hubspot), str(salesforce))
    assert result.exit_code == 0, result.output
    assert show(cli, "5123456789") == {
        "identifier": "5123456789", "name": "Acme Iberia", "company_type": "PERSON",
        "category": "WHOLESALE", "phone": "+34910000000",
        "website": "https://acme-iberia.example", "street": "Calle Mayor 1", "city": "Madrid",
        "region": "Madrid", "postal_code": "28013", "country": "ES", "active": True}
    assert show(cli, "SF-1") == {
        "identifier": "SF-1", "name": "Salesforce Iberia", "company_type": "PERSON",
        "category": "WHOLESALE", "phone": "+34910000001", "website": "https://sf.example",
        "street": "Calle Alcalá 1", "city": "Madrid", "region": "Madrid",
        "postal_code": "28014", "country": "ES", "active": True}
    assert "Account ID → (ignored), Account Name → name, Account Number → identifier" \
        in result.output


# The report


def test_the_json_report_lists_each_header_and_its_column(cli, shop, tmp_path):
    result = cli("import", str(copy("clientes_es.csv", tmp_path)), "--format", "json")
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)["files"]
    assert summary["columns"][:3] == [{"header": "Código", "column": "identifier"},
                                      {"header": "Razón social", "column": "name"},
                                      {"header": "Tipo de empresa", "column": "company_type"}]
    assert len(summary["columns"]) == 12


def test_a_file_of_clientreg_columns_reports_no_mapping(cli, shop, tmp_path):
    path = write(tmp_path / "own.csv", "identifier,name,company_type,category",
                 "O-1,Own S.L.,PERSON,WHOLESALE")
    text = cli("import", str(path), "--dry-run")
    assert text.exit_code == 0, text.output
    assert "columns:" not in text.output
    typo = write(tmp_path / "typo.csv", "identifier,name,company_type,category,emial",
                 "O-2,Typo S.L.,PERSON,WHOLESALE,a@b.example")
    assert "columns:" not in cli("import", str(typo)).output
    result = cli("import", str(path), "--format", "json")
    [summary] = json.loads(result.stdout)["files"]
    assert "columns" not in summary


# Two headers for one column


def test_two_headers_for_one_column_are_refused_naming_both(cli, shop, tmp_path, db_path):
    path = write(tmp_path / "odoo.csv", "ref,name,company_type,category_id,phone,mobile",
                 "OD-9,Dos Teléfonos S.L.,PERSON,WHOLESALE,+34 954 000 111,+34 600 000 111")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert (f"{path}:1: column mobile = 'mobile': 'phone' and 'mobile' both name the column "
            "'phone': map one of them with --map 'HEADER=column', or leave one out with "
            "--ignore-column [ambiguous-column]") in result.output
    assert "nothing was written" in result.output
    fixed = cli("import", str(path), "--ignore-column", "Mobile")
    assert fixed.exit_code == 0, fixed.output
    assert show(cli, "OD-9")["phone"] == "+34954000111"
    assert "mobile → (ignored)" in fixed.output


def test_a_column_s_own_name_and_a_synonym_are_two_headers_for_it(cli, shop, tmp_path):
    path = write(tmp_path / "both.csv", "identifier,name,Razón social,company_type,category",
                 "B-1,Own Name S.L.,Synonym S.L.,PERSON,WHOLESALE")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "'name' and 'Razón social' both name the column 'name'" in result.output
    fixed = cli("import", str(path), "--map", "Razón social=trade_name")
    assert fixed.exit_code == 0, fixed.output
    assert show(cli, "B-1")["name"] == "Own Name S.L."
    assert show(cli, "B-1")["trade_name"] == "Synonym S.L."


def test_an_id_column_is_the_identifier_only_outside_odoo_exports(cli, shop, tmp_path):
    path = write(tmp_path / "ids.csv", "ID,Account Number,Account Name,company_type,category",
                 "0015g00000XyZ,ACC-1,Salesforce Account Inc,PERSON,WHOLESALE")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert show(cli, "ACC-1")["name"] == "Salesforce Account Inc"
    assert "ID → (ignored), Account Number → identifier" in result.output


# Unknown headers without a terminal


def test_unknown_headers_are_listed_with_the_map_option_that_reads_them(cli, shop, tmp_path,
                                                                         db_path):
    path = write(tmp_path / "crm.csv", "Ref,Razon socail,company_type,category,Notas internas",
                 "U-1,Unknown S.L.,PERSON,WHOLESALE,llamar")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert (f"{path}:1: column Razon socail = 'Razon socail': is not a column clientreg knows; "
            "it may be 'name' (as 'Razón social' is): give --map 'Razon socail=name', or "
            "--ignore-column 'Razon socail' [unknown-column]") in result.output
    assert (f"{path}:1: column Notas internas = 'Notas internas': is not a column clientreg "
            "knows (see 'clientreg template' for the columns): give --map 'Notas "
            "internas=COLUMN' naming its column, or --ignore-column 'Notas internas' "
            "[unknown-column]") in result.output
    assert "  columns: Ref → identifier, company_type → company_type, category → category\n" \
        in result.output  # the unknown headers are left to their problems
    fixed = cli("import", str(path), "--map", "razon SOCAIL=name", "--ignore-column",
                "notas internas")
    assert fixed.exit_code == 0, fixed.output
    assert show(cli, "U-1")["name"] == "Unknown S.L."
    assert "Razon socail → name" in fixed.output
    assert "Notas internas → (ignored)" in fixed.output


def test_ignore_unknown_columns_leaves_every_unknown_header_out(cli, shop, tmp_path):
    path = write(tmp_path / "extra.csv", "identifier,name,company_type,category,Notas,Comercial",
                 "X-1,Extra S.L.,PERSON,WHOLESALE,llamar,Pepe")
    result = cli("import", str(path), "--ignore-unknown-columns")
    assert result.exit_code == 0, result.output
    assert show(cli, "X-1")["name"] == "Extra S.L."
    assert "Notas → (ignored), Comercial → (ignored)" in result.output


def test_map_reads_a_header_as_an_attribute_or_a_contact_column(cli, catalogue, tmp_path):
    path = write(tmp_path / "attrs.csv",
                 "identifier,name,company_type,category,Zona,Empleados,Persona",
                 "A-1,Attr S.L.,LEGAL,RETAIL,north,12,Ana Núñez")
    result = cli("import", str(path), "--map", "Zona=client_attr.region",
                 "--map", "Empleados=company_attr.employees", "--map", "Persona=contact_name")
    assert result.exit_code == 1  # the contact has a name but no e-mail
    result = cli("import", str(path), "--map", "Zona=client_attr.region",
                 "--map", "Empleados=company_attr.employees", "--ignore-column", "Persona")
    assert result.exit_code == 0, result.output
    data = json.loads(cli("show", "A-1", "--format", "json").stdout)
    assert data["client_attributes"] == {"region": "north"}
    assert data["company_attributes"] == {"employees": 12}


# Usage errors


@pytest.mark.parametrize(("args", "shown"), [
    (("--map", "Razón social"), "'Razón social' is not HEADER=column"),
    (("--map", "=name"), "'=name' is not HEADER=column"),
    (("--map", "Razón social=nombre"), "names the column 'nombre', which clientreg does not "
                                       "have"),
    (("--map", "A=name", "--map", "a=city"), "maps a header that is mapped to 'name' already"),
])
def test_a_wrong_map_option_is_a_usage_error(cli, shop, tmp_path, args, shown):
    path = copy("clientes_es.csv", tmp_path)
    result = cli("import", str(path), *args)
    assert result.exit_code == 2
    assert "--map" in result.output
    assert shown in " ".join(result.output.split())


@pytest.mark.parametrize(("text", "shown"), [
    ("- a\n- b\n", "must be a mapping with columns:"),
    ("colums: {NIF: tax_id}\n", "has no place for this key"),
    ("columns: {NIF: nif}\n", "names the column 'nif'"),
    ("columns: [NIF]\n", "columns: must map each header"),
    ("ignore_unknown: maybe\n", "ignore_unknown: must be true or false"),
    ("columns: {NIF: tax_id\n", "not valid YAML"),
    ("values: [WHOLESALE]\n", "values: must give each field"),
])
def test_a_wrong_mapping_file_is_a_usage_error_naming_it(cli, shop, tmp_path, text, shown):
    mapping = tmp_path / "wrong.mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    result = cli("import", str(copy("clientes_es.csv", tmp_path)), "--mapping", str(mapping))
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "--mapping" in output
    assert shown in output
    assert "wrong.mapping.yaml" in output


# Mapping files


def test_a_saved_mapping_gives_the_same_import(cli, runner, shop, tmp_path):
    path = write(tmp_path / "crm.csv", "Nº,Nombre de la compañía,company_type,category,Notas",
                 "M-1,Mapped S.L.,PERSON,Mayorista,llamar")
    saved = tmp_path / "crm.mapping.yaml"
    first = cli("import", str(path), "--map", "Nº=identifier",
                "--map", "Nombre de la compañía=name", "--ignore-column", "Notas",
                "--map-value", "category:Mayorista=WHOLESALE", "--save-mapping", str(saved),
                "--dry-run")
    assert first.exit_code == 0, first.output
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {
        "columns": {"Nº": "identifier", "Nombre de la compañía": "name",
                    "company_type": "company_type", "category": "category"},
        "ignore": ["Notas"],
        "values": {"category": {"Mayorista": "WHOLESALE"}}}
    again = cli("import", str(path), "--mapping", str(saved))
    assert again.exit_code == 0, again.output
    assert show(cli, "M-1")["name"] == "Mapped S.L."
    assert show(cli, "M-1")["category"] == "WHOLESALE"


def test_the_command_line_goes_over_the_mapping_file(cli, shop, tmp_path):
    mapping = write(tmp_path / "m.yaml", "columns:", "  Nombre: trade_name", "ignore_unknown: true")
    path = write(tmp_path / "c.csv", "identifier,Nombre,Razón social,company_type,category,Otro",
                 "C-1,Comercial,Razón S.L.,PERSON,WHOLESALE,x")
    result = cli("import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert show(cli, "C-1")["trade_name"] == "Comercial"
    result = cli("import", str(path), "--mapping", str(mapping), "--map", "Nombre=city",
                 "--on-conflict", "update")
    assert result.exit_code == 0, result.output
    assert show(cli, "C-1")["city"] == "Comercial"


def test_save_mapping_may_not_name_an_input(cli, shop, tmp_path):
    path = copy("clientes_es.csv", tmp_path)
    result = cli("import", str(path), "--save-mapping", str(path))
    assert result.exit_code == 2
    assert "read by this command" in result.output


# Questions on a terminal (prompt_toolkit pipe input)


def typed(cli, *keys: str, args: tuple[str, ...]):
    with create_pipe_input() as pipe:
        pipe.send_text("".join(keys))
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            return cli(*args, env={FORCE_INTERACTIVE_ENV: "1"})


def test_unknown_headers_are_asked_about_and_the_answers_saved(cli, shop, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "crm.csv", "identifier,name,Nombre de la compañía,company_type,"
                 "category,Notas,Comercial",
                 "Q-1,Asked S.L.,Asked,PERSON,WHOLESALE,llamar,Pepe")
    saved = tmp_path / "crm.mapping.yaml"
    result = typed(cli,
                   "trade_name", ENTER,       # Nombre de la compañía: typed to filter the list
                   "Ignore", ENTER,           # Notas
                   "Ignore", ENTER,           # Comercial
                   ENTER,                     # save the mapping: yes
                   ENTER,                     # to crm.mapping.yaml (the default)
                   args=("import", str(path)))
    assert result.exit_code == 0, result.output
    assert show(cli, "Q-1")["trade_name"] == "Asked"
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {
        "columns": {"identifier": "identifier", "name": "name",
                    "Nombre de la compañía": "trade_name",
                    "company_type": "company_type", "category": "category"},
        "ignore": ["Notas", "Comercial"]}
    # The saved mapping answers the same questions next time, with no terminal at all.
    other = write(tmp_path / "crm2.csv", "identifier,name,Nombre de la compañía,company_type,"
                  "category,Notas,Comercial", "Q-2,Again S.L.,Again,PERSON,WHOLESALE,,")
    again = cli("import", str(other), "--mapping", str(saved))
    assert again.exit_code == 0, again.output
    assert show(cli, "Q-2")["trade_name"] == "Again"


def test_the_likeliest_column_is_offered_first(cli, shop, tmp_path):
    path = write(tmp_path / "typo.csv", "identifier,Razon socail,company_type,category",
                 "T-1,Typo S.L.,PERSON,WHOLESALE")
    result = typed(cli, ENTER,                   # the first choice: name
                   "n",                          # save: no
                   args=("import", str(path)))
    assert result.exit_code == 0, result.output
    assert show(cli, "T-1")["name"] == "Typo S.L."
    assert not list(tmp_path.glob("*.mapping.yaml"))


def test_stop_ends_the_import_with_nothing_written(cli, shop, tmp_path, db_path):
    path = write(tmp_path / "stop.csv", "identifier,name,company_type,category,Notas",
                 "S-1,Stopped S.L.,PERSON,WHOLESALE,x")
    result = typed(cli, "Stop", ENTER, args=("import", str(path)))
    assert result.exit_code == 1
    assert "Import stopped: nothing was written." in result.output
    assert cli("show", "S-1").exit_code != 0
    assert not list(tmp_path.glob("*.mapping.yaml"))


def test_a_json_report_never_asks(cli, shop, tmp_path):
    path = write(tmp_path / "j.csv", "identifier,name,company_type,category,Notas",
                 "J-1,Json S.L.,PERSON,WHOLESALE,x")
    result = typed(cli, "Ignore", ENTER, args=("import", str(path), "--format", "json"))
    assert result.exit_code == 1
    codes = [p["code"] for p in json.loads(result.stdout)["problems"]]
    assert codes == ["unknown-column"]


# Questions in a real pseudo-terminal


def test_unknown_headers_are_asked_in_a_terminal(shop, db_path, tmp_path):
    path = write(tmp_path / "pty.csv", "identifier,name,company_type,category,Notas",
                 "P-1,Terminal S.L.,PERSON,WHOLESALE,x")
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("CLIENTREG_DB", None)
    child = pexpect.spawn(CLIENTREG[0], [*CLIENTREG[1:], "--db", str(db_path), "import",
                                         str(path)],
                          env=env, encoding="utf-8", timeout=20, dimensions=(40, 120),
                          cwd=str(tmp_path))
    child.expect_exact("Column 'Notas'")
    child.send("Ignore")
    child.expect_exact("Ignore this column")
    child.send(ENTER)
    child.expect_exact("Save this mapping")
    child.send(ENTER)
    child.expect_exact("Mapping file")
    child.send(ENTER)
    child.expect_exact("1 created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert yaml.safe_load((tmp_path / "pty.mapping.yaml").read_text(encoding="utf-8"))[
        "ignore"] == ["Notas"]
    shown = subprocess.run([*CLIENTREG, "--db", str(db_path), "show", "P-1", "--format", "json"],
                           capture_output=True, text=True, timeout=30)
    assert json.loads(shown.stdout)["name"] == "Terminal S.L."
