"""clientreg import of workbooks as spreadsheet programs write them: ODS, XLS, XLSB and XLSX
with hidden sheets, title rows, merged cells, error values, formulas and passwords."""

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from clientreg.schemas.readers import open_table


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


def test_csv_rows_hold_no_numbers(tmp_path: Path):
    (tmp_path / "numbers.csv").write_text("identifier,postal_code\nA-1,1234\n")
    with open_table(str(tmp_path / "numbers.csv")) as table:
        assert [row.numbers for row in table] == [frozenset()]
