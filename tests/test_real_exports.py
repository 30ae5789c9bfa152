"""Files as users have them: an Odoo and an ERPNext customer export, and a Spanish workbook saved
by LibreOffice, import with at most one mapping option and --locale es, every value as the
spreadsheet showed it."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.storage import open_database

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"

# A register whose entries are named as the ERP names them, as a user would set it up.
ERP_CATALOGUE = {
    "company_type": [{"code": "LEGAL", "name": "Company"},
                     {"code": "PERSON", "name": "Individual"}],
    "category": [{"code": "RETAIL", "name": "Retail"}, {"code": "TRADE", "name": "Commercial"}],
}

# Odoo 17, Contacts > Export, default options: the fields' labels as headers.
ODOO_LABELS = [
    ["Name", "Reference", "Company Type", "Tags", "Tax ID", "Street", "Zip", "City", "State",
     "Country", "Phone", "Email", "Website", "Language"],
    ["Ferretería Núñez S.L.", "OD-0007", "Company", "Retail", "ESB12345674", "Calle Feria 3",
     "41003", "Sevilla", "Sevilla (ES)", "Spain", "+34 954 12 34 56", "info@nunez.example",
     "https://nunez.example", "Spanish (ES) / Español (ES)"],
    ["Luis Peñalver", "OD-0008", "Individual", "Commercial", "", "Rua Augusta 10", "1100-053",
     "Lisboa", "Lisboa (PT)", "Portugal", "+351 912 345 678", "luis@penalver.example", "",
     "Portuguese / Português"],
]
# The same with "I want to update data (import-compatible export)": technical names, the
# selection's own values and Odoo's external ids.
ODOO_TECHNICAL = [
    ["id", "name", "ref", "company_type", "category_id", "vat", "street", "zip", "city",
     "state_id", "country_id", "phone", "email", "website", "lang"],
    ["__export__.res_partner_7_a1b2c3d4", "Ferretería Núñez S.L.", "OD-0007", "company",
     "Retail", "ESB12345674", "Calle Feria 3", "41003", "Sevilla", "Sevilla (ES)", "Spain",
     "+34 954 12 34 56", "info@nunez.example", "https://nunez.example", "es_ES"],
    ["__export__.res_partner_8_e5f6a7b8", "Luis Peñalver", "OD-0008", "person", "Commercial", "",
     "Rua Augusta 10", "1100-053", "Lisboa", "Lisboa (PT)", "Portugal", "+351 912 345 678",
     "luis@penalver.example", "", "pt_PT"],
]
# ERPNext, Data Export of the Customer doctype.
ERPNEXT = [
    ["ID", "Customer Name", "Customer Type", "Customer Group", "Territory", "Tax ID", "Mobile No",
     "Email Id", "Website"],
    ["CUST-2026-00001", "Lisboa Trading Lda", "Company", "Commercial", "Portugal", "PT501964843",
     "+351 912 345 678", "geral@lisboa.example", "https://lisboa.example"],
    ["CUST-2026-00002", "Ana Ruiz", "Individual", "Retail", "Spain", "", "+34 611 222 333",
     "ana@ruiz.example", ""],
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    """As both programs write CSV: UTF-8, every cell quoted."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


@pytest.fixture
def erp_register(db_path: Path) -> Path:
    store = open_database(db_path)
    for kind, entries in ERP_CATALOGUE.items():
        for entry in entries:
            add_entry(store, kind, entry, source="test catalogue")
    store.close()
    return db_path


def _shown(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    for key in ("history", "created_at", "updated_at", "active"):
        document.pop(key)
    return document


@pytest.mark.parametrize("export", [ODOO_LABELS, ODOO_TECHNICAL], ids=["labels", "technical"])
def test_an_odoo_customer_export_imports_with_no_option(cli, erp_register, tmp_path, export):
    result = cli("import", str(_write(tmp_path / "res.partner.csv", export)))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.stdout
    assert _shown(cli, "OD-0007") == {
        "identifier": "OD-0007", "name": "Ferretería Núñez S.L.", "company_type": "LEGAL",
        "category": "RETAIL", "tax_id": "ESB12345674", "email": "info@nunez.example",
        "phone": "+34954123456", "website": "https://nunez.example", "street": "Calle Feria 3",
        "city": "Sevilla", "region": "Sevilla (ES)", "postal_code": "41003", "country": "ES"}
    assert _shown(cli, "OD-0008") == {
        "identifier": "OD-0008", "name": "Luis Peñalver", "company_type": "PERSON",
        "category": "TRADE", "email": "luis@penalver.example", "phone": "+351912345678",
        "street": "Rua Augusta 10", "city": "Lisboa", "region": "Lisboa (PT)",
        "postal_code": "1100-053", "country": "PT"}


def test_an_erpnext_customer_export_imports_with_no_option(cli, erp_register, tmp_path):
    result = cli("import", str(_write(tmp_path / "Customer.csv", ERPNEXT)), "--format", "json")
    assert result.exit_code == 0, result.output
    columns = {c["header"]: c["column"] for c in json.loads(result.stdout)["files"][0]["columns"]}
    assert columns["ID"] == "identifier" and columns["Territory"] is None
    assert _shown(cli, "CUST-2026-00001") == {
        "identifier": "CUST-2026-00001", "name": "Lisboa Trading Lda", "company_type": "LEGAL",
        "category": "TRADE", "tax_id": "PT501964843", "email": "geral@lisboa.example",
        "phone": "+351912345678", "website": "https://lisboa.example"}
    assert _shown(cli, "CUST-2026-00002")["category"] == "RETAIL"


def test_the_example_odoo_export_needs_one_option_against_the_example_seed(cli, tmp_path):
    assert cli("import", str(EXAMPLES / "seed.yaml")).exit_code == 0
    without = cli("import", str(EXAMPLES / "odoo_partners.csv"))
    assert without.exit_code == 1
    assert "company_type = 'Company'" in without.output
    result = cli("import", str(EXAMPLES / "odoo_partners.csv"),
                 "--map-value", "company_type:Company=LEGAL")
    assert result.exit_code == 0, result.output
    assert _shown(cli, "OD-0041")["category"] == "PUBLIC_SECTOR"
    assert _shown(cli, "OD-0041")["city"] == "Écija"


@pytest.mark.parametrize("workbook", [EXAMPLES / "tienda_es.ods", FIXTURES / "tienda_es.xlsx"],
                         ids=["ods", "xlsx"])
def test_a_spanish_workbook_saved_by_libreoffice_lands_as_the_sheet_shows_it(cli, tmp_path,
                                                                          workbook):
    """Made by LibreOffice from fixtures/real/tienda_es.csv read in a Spanish locale
    (soffice --headless --infilter=CSV:59,34,76,1,,3082 --convert-to ods|xlsx): a title row,
    Spanish headers, dates, amounts, VERDADERO, and a postal code typed 08010 that the sheet
    keeps as the number 8010."""
    assert cli("import", str(EXAMPLES / "seed.yaml")).exit_code == 0
    copy = tmp_path / workbook.name
    shutil.copyfile(workbook, copy)
    result = cli("import", str(copy), "--mapping", str(EXAMPLES / "tienda_es.mapping.yaml"),
                 "--locale", "es")
    assert result.exit_code == 0, result.output
    assert "stored as 08010" in result.output and "[restored-leading-zero]" in result.output
    assert "header on row 2, 1 row above it skipped" in result.output
    first = _shown(cli, "ES-0101")
    assert first == {
        "identifier": "ES-0101", "name": "Papelería Sol S.L.", "company_type": "LEGAL",
        "category": "WHOLESALE", "tax_id": "ESB65412371", "phone": "+34934123456",
        "street": "Carrer de Pau Claris 100", "city": "Barcelona", "region": "Barcelona",
        "postal_code": "08010", "country": "ES",
        "company_attributes": {"founded": "1956-02-27"},
        "client_attributes": {"credit_limit": 1580240.46, "payment_terms": 30},
        "contacts": [{"name": "Núria Puig", "email": "nuria.puig@papeleriasol.example",
                      "default": True}]}
    second = _shown(cli, "ES-0102")
    assert second["company_attributes"] == {"founded": "1999-04-03"}
    assert second["client_attributes"] == {"credit_limit": 25000, "payment_terms": 60}
    assert second["name"] == "Distribuciones Ñandú S.A." and second["postal_code"] == "28013"
