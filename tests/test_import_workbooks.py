"""clientreg import of workbooks as spreadsheet programs write them: ODS, XLS and XLSX saved by
LibreOffice (fixtures/workbooks, made by its make_fixtures.py), hidden sheets, title rows above
the header, merged cells, error values, formulas saved without a value and passwords."""

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from clientreg.catalogue import add_entry
from clientreg.schemas.readers import open_table

WORKBOOKS = Path(__file__).resolve().parent / "fixtures" / "workbooks"
SHOP = {"code": "SHOP", "name": "Shop", "attributes": [
    {"key": "founded", "label": "Founded", "type": "date"},
    {"key": "opens", "label": "Opens at", "type": "time"},
    {"key": "employees", "label": "Employees", "type": "number", "min": 0}]}
HEADER = ["identifier", "name", "company_type", "category", "country", "postal_code"]
PASSWORD = ("is protected by a password: open it in a spreadsheet program, remove the password"
            " (or save a copy without it) and import that")


@pytest.fixture
def shop(store):
    """A catalogue with the company type and category the workbooks use."""
    add_entry(store, "company_type", SHOP, source="test catalogue")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"},
              source="test catalogue")
    return store


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def clients_in(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute(
            "SELECT co.identifier FROM clients cl JOIN companies co ON co.id = cl.company_id"
            " ORDER BY 1")]


def workbook(path: Path, sheets: dict[str, list[list[object]]], *,
             hidden: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def copy(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    target = tmp_path / (as_name or name)
    shutil.copyfile(WORKBOOKS / name, target)
    return target


# Rows say which cells were numbers


def test_each_row_says_which_of_its_cells_are_numbers(tmp_path: Path):
    book = Workbook()
    sheet = book.active
    sheet.append(["identifier", "postal_code", "name", "since"])
    sheet.append(["A-1", 1234, "Ana", dt.date(2020, 1, 2)])
    sheet.append([5, "01234", True, 2.5])
    book.save(tmp_path / "numbers.xlsx")
    with open_table(str(tmp_path / "numbers.xlsx")) as table:
        rows = list(table)
    assert rows[0].values["postal_code"] == "1234"
    assert rows[0].numbers == {"postal_code"}
    assert rows[1].numbers == {"identifier", "since"}


@pytest.mark.parametrize("extension", ["ods", "xls"])
def test_rows_of_a_calamine_workbook_say_which_cells_are_numbers(tmp_path, extension):
    with open_table(str(copy(f"clients.{extension}", tmp_path))) as table:
        first, second = list(table)
    assert first.numbers == {"postal_code", "company_attr.employees"}
    assert second.numbers == {"company_attr.employees"}  # 41001 is a text cell


def test_csv_rows_hold_no_numbers(tmp_path: Path):
    (tmp_path / "numbers.csv").write_text("identifier,postal_code\nA-1,1234\n")
    with open_table(str(tmp_path / "numbers.csv")) as table:
        assert [row.numbers for row in table] == [frozenset()]


# ODS, XLS and XLSX saved by LibreOffice


@pytest.mark.parametrize("extension", ["ods", "xls", "xlsx"])
def test_a_workbook_lands_as_the_sheet_shows_it(cli, shop, tmp_path, extension):
    path = copy(f"clients.{extension}", tmp_path)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert (f"clients.{extension}: 2 rows (sheet 'Clients', header on row 3, 1 row above it"
            " skipped)") in result.output
    first = show(cli, "C-1")
    assert first["name"] == "Café Norte S.L."
    assert first["postal_code"] == "28001"  # a number cell, shown without ".0"
    assert first["company_attributes"] == {"employees": 12, "founded": "2001-05-17",
                                           "opens": "09:30"}
    assert first["contacts"] == [{"name": "Ana Gil", "email": "ana@norte.example",
                                  "default": True}]
    second = show(cli, "C-2")
    assert second["name"] == "Sur Distribución"
    assert second["postal_code"] == "41001"
    assert second["company_attributes"] == {"employees": 3, "founded": "1999-12-31",
                                            "opens": "08:00"}
    # A contact that is not the default shows no "default" at all.
    assert second["contacts"] == [{"name": "Luis Mora", "email": "luis@sur.example"}]


def test_the_json_report_names_the_sheet_and_the_header_row(cli, shop, tmp_path):
    result = cli("import", str(copy("clients.ods", tmp_path)), "--format", "json")
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)["files"]
    assert summary == {"file": str(tmp_path / "clients.ods"), "format": "ods", "rows": 2,
                       "sheet": "Clients", "header_row": 3, "skipped_rows": 1}


def test_an_xls_workbook_named_xlsx_is_read_as_what_it_is(cli, shop, tmp_path):
    result = cli("import", str(copy("clients.xls", tmp_path, "clients.xlsx")))
    assert result.exit_code == 0, result.output
    assert show(cli, "C-1")["postal_code"] == "28001"


def test_the_format_can_be_given_for_a_workbook_without_its_extension(cli, shop, tmp_path):
    result = cli("import", str(copy("clients.ods", tmp_path, "export.dat")),
                 "--input-format", "ods")
    assert result.exit_code == 0, result.output
    assert clients_in(tmp_path / "clientreg.db") == ["C-1", "C-2"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
@pytest.mark.parametrize("extension", ["ods", "xls"])
def test_a_table_away_from_a1_keeps_the_sheets_row_numbers(cli, shop, tmp_path, extension):
    book = Workbook()
    sheet = book.active
    for offset, row in enumerate([HEADER, ["A-1", "Away S.L.", "SHOP", "WHOLESALE", "ES", "28001"],
                                  ["A-2", "Bad S.L.", "SHOP", "WHOLESALE", "XX", "2"]]):
        for column, value in enumerate(row):
            sheet.cell(row=3 + offset, column=3 + column, value=value)
    book.save(tmp_path / "away.xlsx")
    subprocess.run(["soffice", "--headless", "--convert-to", extension, "--outdir",
                    str(tmp_path), str(tmp_path / "away.xlsx")], check=True,
                   capture_output=True, timeout=120)
    result = cli("import", str(tmp_path / f"away.{extension}"))
    assert result.exit_code == 1
    assert f"away.{extension}:5: column country = 'XX'" in result.output
    assert "header on row 3" in result.output


# Sheets


def test_the_first_visible_sheet_is_read_and_a_hidden_one_when_named(cli, shop, tmp_path):
    path = workbook(tmp_path / "book.xlsx", {
        "Old": [HEADER, ["H-1", "Hidden S.L.", "SHOP", "WHOLESALE", "ES", "28001"]],
        "Current": [HEADER, ["V-1", "Visible S.L.", "SHOP", "WHOLESALE", "ES", "28002"]],
    }, hidden=("Old",))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "sheet 'Current'" in result.output
    assert clients_in(tmp_path / "clientreg.db") == ["V-1"]
    result = cli("import", str(path), "--sheet", "Old")
    assert result.exit_code == 0, result.output
    assert "sheet 'Old'" in result.output
    assert clients_in(tmp_path / "clientreg.db") == ["H-1", "V-1"]


def test_a_hidden_sheet_of_an_ods_is_read_when_named(cli, shop, tmp_path):
    result = cli("import", str(copy("clients.ods", tmp_path)), "--sheet", "notes")
    assert result.exit_code == 1
    assert "sheet 'Notes'" in result.output
    assert "column not" in result.output or "'not'" in result.output


# The header row


def test_a_title_row_above_the_header_of_a_csv_is_skipped(cli, shop, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("Client list,,,,,\n"
                    ",,,,,\n"
                    + ",".join(HEADER) + "\n"
                    "T-1,Title S.L.,SHOP,WHOLESALE,ES,28001\n"
                    "T-2,Bad S.L.,SHOP,WHOLESALE,XX,28002\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    # Row numbers stay the file's own.
    assert "clients.csv:5: column country = 'XX'" in result.output
    path.write_text(path.read_text().replace("XX", "ES"))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "header on row 3, 1 row above it skipped" in result.output
    assert show(cli, "T-1")["name"] == "Title S.L."


def test_header_row_sets_the_header_of_a_csv(cli, shop, tmp_path):
    path = tmp_path / "clients.csv"
    # The row above names two columns too, so only --header-row can tell.
    path.write_text("name,category\n" + ",".join(HEADER) + "\n"
                    "R-1,Row Two S.L.,SHOP,WHOLESALE,ES,28001\n", encoding="utf-8")
    result = cli("import", str(path), "--header-row", "2")
    assert result.exit_code == 0, result.output
    assert "header on row 2, 1 row above it skipped" in result.output
    assert show(cli, "R-1")["name"] == "Row Two S.L."


def test_header_row_sets_the_header_of_a_workbook(cli, shop, tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"Clients": [
        ["Exported", "by", "the", "shop"], HEADER,
        ["W-1", "Sheet S.L.", "SHOP", "WHOLESALE", "ES", "28001"]]})
    result = cli("import", str(path), "--header-row", "2")
    assert result.exit_code == 0, result.output
    assert show(cli, "W-1")["name"] == "Sheet S.L."


def test_a_header_row_that_is_blank_or_past_the_end_is_refused(cli, shop, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("\n" + ",".join(HEADER) + "\nB-1,Blank S.L.,SHOP,WHOLESALE,ES,1\n")
    result = cli("import", str(path), "--header-row", "1")
    assert result.exit_code == 3
    assert "clients.csv: row 1, the header row given with --header-row, is blank" in (
        result.output)
    result = cli("import", str(path), "--header-row", "9")
    assert result.exit_code == 3
    assert "clients.csv: there is no row 9 to read the header from" in result.output
    assert "Traceback" not in result.output


def test_a_problem_of_the_header_is_at_the_header_row(cli, shop, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("Client list\n" + ",".join(HEADER) + ",postcode\n"
                    "P-1,Header S.L.,SHOP,WHOLESALE,ES,28001,2\n")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "clients.csv:2: column postcode = 'postcode'" in result.output


# What a spreadsheet writes where a value should be


@pytest.mark.parametrize("extension", ["ods", "xls", "xlsx"])
def test_a_value_hidden_by_merged_cells_is_explained(cli, shop, tmp_path, extension):
    result = cli("import", str(copy(f"problems.{extension}", tmp_path)))
    assert result.exit_code == 1
    assert (f"problems.{extension}:5: column category = '': cells D4:D5 are merged: only D4"
            " holds the value; unmerge them and fill in each cell [merged-cells]"
            ) in result.output
    assert clients_in(tmp_path / "clientreg.db") == []


def test_merged_cells_above_the_data_say_nothing(cli, shop, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Client list"])
    sheet.merge_cells("A1:F1")
    sheet.append(HEADER)
    sheet.append(["M-1", "Merged Title S.L.", "SHOP", "WHOLESALE", "ES", "28001"])
    book.save(tmp_path / "merged.xlsx")
    result = cli("import", str(tmp_path / "merged.xlsx"))
    assert result.exit_code == 0, result.output
    assert show(cli, "M-1")["name"] == "Merged Title S.L."


@pytest.mark.parametrize("extension", ["ods", "xls", "xlsx"])
def test_spreadsheet_error_values_are_refused_at_their_cell(cli, shop, tmp_path, extension):
    result = cli("import", str(copy(f"problems.{extension}", tmp_path)))
    assert result.exit_code == 1
    name = f"problems.{extension}"
    assert (f"{name}:3: column name = '#DIV/0!': holds the spreadsheet error #DIV/0!, not a"
            " value: fix the formula in the spreadsheet (or type the value), save and import"
            " again [spreadsheet-error]") in result.output
    assert f"{name}:6: column postal_code = '#N/A': holds the spreadsheet error #N/A" in (
        result.output)
    assert clients_in(tmp_path / "clientreg.db") == []


def test_spreadsheet_error_values_in_a_csv_are_refused(cli, shop, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(",".join(HEADER) + "\n"
                    "E-1,#N/A,SHOP,WHOLESALE,ES,28001\n"
                    "E-2,Fine S.L.,SHOP,WHOLESALE,ES,#REF!\n"
                    "E-3,Err:502,SHOP,WHOLESALE,ES,28003\n"
                    "E-4,#1 Shop S.L.,SHOP,WHOLESALE,ES,28004\n"
                    "E-5,#ERROR!,SHOP,WHOLESALE,ES,28005\n")
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    problems = [(p["row"], p["column"], p["value"], p["code"])
                for p in json.loads(result.stdout)["problems"]]
    assert problems == [(2, "name", "#N/A", "spreadsheet-error"),
                        (3, "postal_code", "#REF!", "spreadsheet-error"),
                        (4, "name", "Err:502", "spreadsheet-error"),
                        (6, "name", "#ERROR!", "spreadsheet-error")]


def test_a_formula_saved_without_its_value_is_refused(cli, shop, tmp_path):
    path = workbook(tmp_path / "generated.xlsx", {"Clients": [
        HEADER, ["F-1", '="Formula" & " S.L."', "SHOP", "WHOLESALE", "ES", "28001"],
        ["F-2", "Plain S.L.", "SHOP", "WHOLESALE", "ES", "28002"]]})
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert ("generated.xlsx:2: column name = '': cell B2 holds a formula saved without its"
            " computed value (a program wrote the file, not a spreadsheet): open the file in a"
            " spreadsheet program, save it and import again [formula-without-value]"
            ) in result.output
    assert clients_in(tmp_path / "clientreg.db") == []


# Files that cannot be read


@pytest.mark.parametrize("extension", ["xlsx", "ods", "xls"])
def test_a_password_protected_workbook_is_named_as_such(cli, shop, tmp_path, extension):
    path = copy(f"locked.{extension}", tmp_path)
    result = cli("import", str(path))
    assert result.exit_code == 3
    assert f"locked.{extension}: {PASSWORD}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("clients.ods", (WORKBOOKS / "clients.ods").read_bytes()[:3000], "not an ODS workbook"),
    ("clients.xls", b"identifier,name\nA-1,Text\n", "not an XLS workbook"),
    ("clients.xlsb", b"identifier,name\nA-1,Text\n", "not an XLSB workbook"),
    ("clients.xls", (WORKBOOKS / "clients.xls").read_bytes()[:2000],
     "the XLS workbook cannot be read"),
])
def test_a_damaged_workbook_is_named_clearly(cli, shop, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("import", str(path))
    assert result.exit_code == 3
    assert f"{name}: {expected}" in result.output
    assert "spreadsheet program" in result.output
    assert "Traceback" not in result.output


def test_an_ods_whose_cells_would_fill_memory_is_refused_before_it_is_read(cli, shop, tmp_path):
    import zipfile

    path = tmp_path / "huge.ods"
    with zipfile.ZipFile(WORKBOOKS / "clients.ods") as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "content.xml":
                # A few bytes standing for a hundred million cells, below the header.
                bomb = ('<table:table-row table:number-rows-repeated="1000000">'
                        '<table:table-cell table:number-columns-repeated="100" '
                        'office:value-type="float" office:value="1"/></table:table-row>')
                text = data.decode()
                at = text.rindex("</table:table>")
                data = (text[:at] + bomb + text[at:]).encode()
            target.writestr(item, data)
    result = cli("import", str(path))
    assert result.exit_code == 3
    assert "huge.ods: sheet 'Clients' takes more than 4,000,000 cells" in result.output


def test_rejected_rows_of_a_workbook_are_not_written_as_one_clientreg_cannot_write(
        cli, shop, tmp_path):
    result = cli("import", str(copy("problems.ods", tmp_path)), "--errors",
                 str(tmp_path / "rejected.ods"))
    assert result.exit_code == 2
    assert "name the file .xlsx or .csv" in result.output
    assert not (tmp_path / "rejected.ods").exists()


def test_a_formula_whose_value_is_empty_text_is_an_empty_cell(cli, shop, tmp_path):
    import zipfile

    plain = workbook(tmp_path / "plain.xlsx", {"Clients": [
        HEADER, ["S-1", "Empty Formula S.L.", "SHOP", "WHOLESALE", "ES", "PLACE"]]})
    path = tmp_path / "computed.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # As a spreadsheet saves =IF(FALSE; "x"; ""): a text result, empty.
                data = data.replace(b'<c r="F2" t="inlineStr"><is><t>PLACE</t></is></c>',
                                    b'<c r="F2" t="str"><f>IF(FALSE,"x","")</f><v></v></c>')
                assert b"IF(FALSE" in data
            target.writestr(item, data)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "postal_code" not in show(cli, "S-1")
