"""clientreg import of XLSX workbooks written by openpyxl: sheets, text cells, the rejects file."""

import json
import sqlite3
from pathlib import Path

from openpyxl import Workbook, load_workbook

HEADER = ["identifier", "name", "company_type", "category", "country", "postal_code",
          "company_attr.employees", "client_attr.region", "contact_name", "contact_email"]
GOOD = ["X-1", "Xilografía Sevillana S.L.", "LEGAL", "RETAIL", "ES", "08001", 25, "south",
        "Sara Vidal", "sara@xilografia.example"]
BAD = ["X-2", "Bad Region S.L.", "LEGAL", "RETAIL", "ES", "41001", 3, "west",
       "Pablo Ruiz", "pablo@badregion.example"]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_first_sheet_is_read(cli, catalogue, tmp_path):
    path = workbook(tmp_path / "clients.xlsx", {"Clients": [HEADER, GOOD],
                                                 "Notes": [["anything"]]})
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    data = show(cli, "X-1")
    assert data["postal_code"] == "08001"
    assert data["company_attributes"] == {"employees": 25}
    assert data["contacts"][0]["email"] == "sara@xilografia.example"


def test_a_sheet_chosen_by_name(cli, catalogue, tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Cover": [["not a header"]],
                                             "Clientes": [HEADER, GOOD]})
    result = cli("import", str(path), "--sheet", "Clientes")
    assert result.exit_code == 0, result.output
    assert "sheet 'Clientes'" in result.output
    assert show(cli, "X-1")["name"] == "Xilografía Sevillana S.L."


def test_rejected_rows_come_back_as_a_workbook_that_imports_once_fixed(
        cli, catalogue, tmp_path, db_path):
    path = workbook(tmp_path / "clients.xlsx", {"Clients": [HEADER, GOOD, BAD]})
    rejects = tmp_path / "rejected.xlsx"
    result = cli("import", str(path), "--errors", str(rejects))
    assert result.exit_code == 1
    assert "clients.xlsx:3: column client_attr.region = 'west'" in result.output
    sheet = load_workbook(rejects).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == [*HEADER, "error_code", "error_message"]
    assert len(values) == 2
    assert values[1][:2] == ["X-2", "Bad Region S.L."]
    assert values[1][-2] == "invalid-attribute"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM companies").fetchone() == (0,)

    fixed = load_workbook(rejects)
    fixed.active.cell(row=2, column=HEADER.index("client_attr.region") + 1, value="north")
    fixed.save(rejects)
    again = cli("import", str(rejects))
    assert again.exit_code == 0, again.output
    assert show(cli, "X-2")["client_attributes"] == {"region": "north"}
