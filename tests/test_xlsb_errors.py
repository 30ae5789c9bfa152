"""clientreg import of XLSB workbooks whose cells hold error values (#N/A, #DIV/0!...): refused
at their cell, as in the other formats, though python-calamine gives such cells as empty.

The workbooks are written here, record by record ([MS-XLSB] 2.4): a workbook part naming its
sheets, each sheet a part of rows and cells; one test reads a real XLSB saved by Excel
(tests/fixtures/xlsb/)."""

import io
import json
import sqlite3
import struct
import zipfile
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.schemas.readers_xlsb import ErrorCell, xlsb_errors

HEADER = ["identifier", "name", "company_type", "category", "country", "postal_code", "email"]
CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D,
         "#NUM!": 0x24, "#N/A": 0x2A, "#GETTING_DATA": 0x2B}


class Error(str):
    """A cell holding an error value, typed in (BrtCellError)."""


class FormulaError(str):
    """A cell whose formula computed an error value (BrtFmlaError)."""


def record(kind: int, body: bytes = b"") -> bytes:
    head = bytearray()
    for value in (kind, len(body)):
        while True:
            byte, value = value & 0x7F, value >> 7
            head.append(byte | 0x80 if value else byte)
            if not value:
                break
    return bytes(head) + body


def wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def cell(column: int, value: object) -> bytes:
    at = struct.pack("<II", column, 0)  # column, style 0
    if isinstance(value, FormulaError):
        # the error, no flags, a formula of one PtgErr holding the same error
        formula = bytes([0x1C, CODES[value]])
        return record(0x0B, at + bytes([CODES[value]]) + struct.pack("<HI", 0, len(formula))
                      + formula + struct.pack("<I", 0))
    if isinstance(value, Error):
        return record(0x03, at + bytes([CODES[value]]))
    if isinstance(value, int | float):
        return record(0x05, at + struct.pack("<d", value))
    return record(0x06, at + wide(str(value)))


def sheet_part(rows: list[list[object]], *, first_row: int = 0, first_column: int = 0) -> bytes:
    width = max(len(row) for row in rows)
    data = b"".join(
        record(0x00, struct.pack("<IIHHBI", first_row + r, 0, 300, 0, 0, 0))
        + b"".join(cell(first_column + c, value) for c, value in enumerate(row)
                   if value is not None)
        for r, row in enumerate(rows))
    dimension = struct.pack("<IIII", first_row, first_row + len(rows) - 1, first_column,
                            first_column + width - 1)
    return (record(0x81) + record(0x94, dimension) + record(0x91) + data + record(0x92)
            + record(0x82))


def xlsb(path: Path, sheets: dict[str, list[list[object]]], **where: int) -> Path:
    """An XLSB of these sheets, in this order; the parts are numbered backwards, so that only
    the relationships tell which sheet is in which part."""
    names = list(sheets)
    parts = {name: f"worksheets/sheet{len(names) - i}.bin" for i, name in enumerate(names)}
    book = (record(0x83) + record(0x8F)
            + b"".join(record(0x9C, struct.pack("<II", 0, i + 1) + wide(f"rId{i + 1}")
                              + wide(name)) for i, name in enumerate(names))
            + record(0x90) + record(0x84))
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Target="{parts[name]}" Type="http://schemas.openxml'
        'formats.org/officeDocument/2006/relationships/worksheet"/>'
        for i, name in enumerate(names))
    binary = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Default Extension="bin" ContentType="{binary}"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Target="xl/workbook.bin" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument"/></Relationships>'))
        archive.writestr("xl/workbook.bin", book)
        archive.writestr("xl/_rels/workbook.bin.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rels}</Relationships>'))
        for name, rows in sheets.items():
            archive.writestr(f"xl/{parts[name]}", sheet_part(rows, **where))
    return path


@pytest.fixture
def shop(store):
    add_entry(store, "company_type", {"code": "SHOP", "name": "Shop"}, source="test catalogue")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"},
              source="test catalogue")
    return store


def clients_in(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute(
            "SELECT co.identifier FROM clients cl JOIN companies co ON co.id = cl.company_id"
            " ORDER BY 1")]


def problems(result) -> list[tuple]:
    return [(p["row"], p["column"], p["value"], p["code"])
            for p in json.loads(result.stdout)["problems"]]


def client(identifier: str, **cells: object) -> list[object]:
    values = {"name": f"{identifier} S.L.", "company_type": "SHOP", "category": "WHOLESALE",
              "country": "ES", "postal_code": "28001", "email": None, **cells}
    return [identifier, *(values[column] for column in HEADER[1:])]


def test_an_xlsb_without_error_cells_imports_as_the_sheet_shows_it(cli, shop, tmp_path):
    path = xlsb(tmp_path / "clients.xlsb", {"Clients": [
        HEADER, client("B-1", email="info@b1.example"), client("B-2")]})
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("show", "B-1", "--format", "json").stdout)
    assert (shown["name"], shown["postal_code"], shown["email"]) == (
        "B-1 S.L.", "28001", "info@b1.example")
    assert clients_in(tmp_path / "clientreg.db") == ["B-1", "B-2"]


def test_error_values_in_an_xlsb_are_refused_at_their_cell(cli, shop, tmp_path):
    path = xlsb(tmp_path / "clients.xlsb", {"Clients": [
        HEADER,
        client("E-1", name=Error("#N/A")),
        client("E-2", postal_code=FormulaError("#DIV/0!")),
        client("E-3", email=Error("#REF!")),  # an optional column: it would land blank
        client("E-4", email=FormulaError("#VALUE!")),
        client("E-5", name=FormulaError("#NAME?")),
        client("E-6", email=Error("#NUM!")),
        client("E-7", email=Error("#NULL!")),
        client("E-8", email=FormulaError("#GETTING_DATA")),
        client("E-9", email="fine@e9.example"),
        client("E-10", name=Error("#N/A"), email=Error("#REF!")),
    ]})
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    assert problems(result) == [
        (2, "name", "#N/A", "spreadsheet-error"),
        (3, "postal_code", "#DIV/0!", "spreadsheet-error"),
        (4, "email", "#REF!", "spreadsheet-error"),
        (5, "email", "#VALUE!", "spreadsheet-error"),
        (6, "name", "#NAME?", "spreadsheet-error"),
        (7, "email", "#NUM!", "spreadsheet-error"),
        (8, "email", "#NULL!", "spreadsheet-error"),
        (9, "email", "#GETTING_DATA", "spreadsheet-error"),
        (11, "name", "#N/A", "spreadsheet-error"),
    ]
    assert clients_in(tmp_path / "clientreg.db") == []

    text = cli("import", str(path))
    assert text.exit_code == 1
    assert ("clients.xlsb:3: column postal_code = '#DIV/0!': holds the spreadsheet error"
            " #DIV/0!, not a value: fix the formula in the spreadsheet (or type the value), save"
            " and import again [spreadsheet-error]") in text.output
    assert "clients.xlsb:4: column email = '#REF!': holds the spreadsheet error #REF!" in (
        text.output)


def test_xlsb_error_cells_are_placed_below_a_title_and_right_of_empty_columns(
        cli, shop, tmp_path):
    # The table starts at C3, under a title in C1: rows and columns are the sheet's own.
    path = xlsb(tmp_path / "titled.xlsb", {"Clients": [
        ["Client list"] + [None] * (len(HEADER) - 1),
        [None] * len(HEADER),
        HEADER,
        client("T-1"),
        client("T-2", email=Error("#N/A")),
        [None, None, None, None, None, Error("#REF!"), None],  # a row of only an error
    ]}, first_row=0, first_column=2)
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    assert problems(result) == [(5, "email", "#N/A", "spreadsheet-error"),
                                (6, "postal_code", "#REF!", "spreadsheet-error")]
    assert clients_in(tmp_path / "clientreg.db") == []


def test_the_error_cells_of_the_chosen_sheet_are_read_from_its_own_part(cli, shop, tmp_path):
    path = xlsb(tmp_path / "two.xlsb", {
        "Notes": [HEADER, client("N-1", name=Error("#N/A"))],
        "Clients": [HEADER, client("C-1"), client("C-2", email=Error("#DIV/0!"))],
    })
    result = cli("import", str(path), "--sheet", "Clients", "--format", "json")
    assert result.exit_code == 1, result.output
    assert problems(result) == [(3, "email", "#DIV/0!", "spreadsheet-error")]

    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    assert problems(result) == [(2, "name", "#N/A", "spreadsheet-error")]


def test_an_xlsb_whose_sheet_records_are_cut_short_is_refused(cli, shop, tmp_path):
    path = xlsb(tmp_path / "cut.xlsb", {"Clients": [HEADER, client("X-1")]})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.bin"]
    parts["xl/worksheets/sheet1.bin"] = sheet[:-len(record(0x92) + record(0x82)) - 3]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = cli("import", str(path))
    assert result.exit_code == 3, result.output
    assert "cut.xlsb: " in result.output
    assert "Traceback" not in result.output
    assert clients_in(tmp_path / "clientreg.db") == []


# A real workbook saved by Excel, from calamine's test files (tests/fixtures/xlsb/README.md),
# whose only cell (A1) holds a formula that refers to a deleted sheet and computes #REF!.
REAL_FILE = Path(__file__).parent / "fixtures" / "xlsb" / "sheet_ref_error.xlsb"


def test_a_real_excel_xlsb_error_cell_is_found():
    data = REAL_FILE.read_bytes()
    from python_calamine import CalamineWorkbook

    # calamine gives the sheet as empty; its record says A1 holds #REF! (BrtFmlaError, 0x17).
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Sheet1")
    assert sheet.to_python() == []
    assert xlsb_errors(io.BytesIO(data), "Sheet1", file="sheet_ref_error.xlsb") == {
        1: ErrorCell(1, "#REF!")}


def test_an_xlsb_sheet_whose_records_break_the_format_is_refused(cli, shop, tmp_path):
    # A record type of more than 2 bytes, which calamine reads past: the cells after it
    # cannot be checked for error values.
    path = xlsb(tmp_path / "odd.xlsb", {"Clients": [HEADER, client("X-1")]})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.bin"]
    at = sheet.index(record(0x91)) + len(record(0x91))
    parts["xl/worksheets/sheet1.bin"] = sheet[:at] + b"\xff\xff\x00" + sheet[at:]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = cli("import", str(path))
    assert result.exit_code == 3, result.output
    assert ("odd.xlsb: the records of sheet 'Clients' cannot be followed (in the part"
            " xl/worksheets/sheet1.bin); open the workbook in a spreadsheet program and save it"
            " again") in result.output
    assert clients_in(tmp_path / "clientreg.db") == []
