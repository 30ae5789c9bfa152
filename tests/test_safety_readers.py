"""Readers under hostile input: bounded work for workbooks, refused encodings, no guessing at
ambiguous documents. Each file is built here, small, and imported through the command line."""

import io
import os
import resource
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from clientreg.schemas.readers_xlsx import (
    MAX_XLSX_CELLS,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_ROW,
    MAX_XLSX_SHARED_STRING_CHARS,
)

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
# 300 MB for the work, plus the address space the interpreter and its libraries reserve.
MEMORY_LIMIT = (300 + 100) * 1024 * 1024
TIME_LIMIT = 30
HEADER = ["identifier", "name", "company_type", "category"]
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"
STRINGS_TYPE = (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings"
                b"+xml")


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def clientreg(db: Path, *args: str) -> tuple[int, str, float]:
    """Run clientreg in 400 MB of address space and 30 s: exit code, output and seconds."""
    started = time.monotonic()
    done = subprocess.run([*CLI, "--db", str(db), *args], cwd=db.parent, capture_output=True,
                          timeout=TIME_LIMIT, preexec_fn=limited,
                          env={**os.environ, "CLIENTREG_DB": "", "COLUMNS": "200"})
    took = time.monotonic() - started
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert "Traceback" not in output, output[-3000:]
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {output[-500:]}"
    return done.returncode, output, took


def clients(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    conn.close()
    return found


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["A-1", "One", "PERSON", "WHOLESALE"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def hostile_xlsx(path: Path, parts: dict[str, bytes]) -> Path:
    """A workbook written by openpyxl with some of its parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename not in parts:
                archive.writestr(info, source.read(info.filename))
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def sheet(rows: bytes, *, dimension: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN_NS + b">" + dimension
            + b"<sheetData>" + rows + b"</sheetData></worksheet>")


def inline_row(number: int, texts: list[str]) -> bytes:
    cells = b"".join(b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
                     % (chr(65 + i).encode(), number, text.encode())
                     for i, text in enumerate(texts))
    return b'<row r="%d">%s</row>' % (number, cells)


# Bounded work for hostile workbooks


def test_a_sheet_declaring_every_cell_of_a_spreadsheet_is_read_as_the_cells_it_has(db):
    # openpyxl would fill every row, the million missing ones included, to column XFD.
    rows = (inline_row(1, HEADER) + inline_row(2, ["A-1", "One", "PERSON", "WHOLESALE"])
            + b'<row r="1048576"/>')
    path = hostile_xlsx(db.parent / "declared.xlsx", {
        SHEET: sheet(rows, dimension=b'<dimension ref="A1:XFD1048576"/>')})
    assert path.stat().st_size < 10_000
    exit_code, output, took = clientreg(db, "import", str(path))
    assert exit_code == 0, output
    assert clients(db) == 1
    assert took < TIME_LIMIT


def test_a_shared_strings_bomb_is_refused_before_it_is_loaded(db):
    strings = b"<si><t>" + b"x" * 1000 + b"</t></si>"
    table = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN_NS + b">"
             + strings * 170_000 + b"</sst>")
    manifest = zipfile.ZipFile(io.BytesIO(_workbook())).read("[Content_Types].xml")
    manifest = manifest.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml"'
                                b' ContentType="' + STRINGS_TYPE + b'"/></Types>')
    path = hostile_xlsx(db.parent / "strings.xlsx", {"xl/sharedStrings.xml": table,
                                                     "[Content_Types].xml": manifest})
    assert path.stat().st_size < 1_000_000  # unpacks to 170 MB
    exit_code, output, took = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert (f"strings.xlsx: its table of shared texts holds more than"
            f" {MAX_XLSX_SHARED_STRING_CHARS:,} characters, over the limit") in output
    assert clients(db) == 0
    assert took < TIME_LIMIT


def test_a_part_parsed_whole_is_refused_when_it_unpacks_large(db):
    # openpyxl builds an object for each element of the styles: 25 million of them here.
    styles = (b'<?xml version="1.0"?><styleSheet ' + MAIN_NS + b">" + b"<x/>" * 25_000_000
              + b"</styleSheet>")
    path = hostile_xlsx(db.parent / "styles.xlsx", {"xl/styles.xml": styles})
    assert path.stat().st_size < 1_000_000
    exit_code, output, took = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert (f"styles.xlsx: its part xl/styles.xml unpacks to {len(styles):,} bytes, over the limit"
            f" of {MAX_XLSX_PART_BYTES:,}") in output
    assert took < TIME_LIMIT


def test_a_row_numbered_past_the_last_row_of_a_spreadsheet_is_refused(db):
    # openpyxl yields an empty row for each missing one: a trillion of them.
    rows = inline_row(1, HEADER) + inline_row(999_999_999_999, ["A-1", "One", "PERSON", "X"])
    path = hostile_xlsx(db.parent / "far.xlsx", {SHEET: sheet(rows)})
    exit_code, output, _ = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert (f"far.xlsx: sheet 'Sheet' has a row numbered 999,999,999,999, past the last row a"
            f" spreadsheet has ({MAX_XLSX_ROW:,})") in output


def test_rows_whose_last_cell_is_far_right_are_refused_past_the_cell_limit(db):
    # Each row names cell XFD: openpyxl fills 16,384 cells for 20 bytes of XML.
    rows = inline_row(1, HEADER) + b"".join(b'<row r="%d"><c r="XFD%d"/></row>' % (n, n)
                                           for n in range(2, 10_002))
    path = hostile_xlsx(db.parent / "wide.xlsx", {SHEET: sheet(rows)})
    assert path.stat().st_size < 100_000
    exit_code, output, took = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert (f"wide.xlsx: sheet 'Sheet' takes more than {MAX_XLSX_CELLS:,} cells and elements to"
            " read (counting the empty cells up to each row's last one)") in output
    assert took < TIME_LIMIT


def test_a_cell_past_the_last_column_of_a_spreadsheet_is_refused(db):
    rows = inline_row(1, HEADER) + b'<row r="2"><c r="ZZZ2"/></row>'
    path = hostile_xlsx(db.parent / "right.xlsx", {SHEET: sheet(rows)})
    exit_code, output, _ = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert ("right.xlsx: sheet 'Sheet' row 2 has a cell past column XFD, the last column a"
            " spreadsheet has") in output


def test_rows_out_of_order_are_refused_rather_than_dropped(db):
    # openpyxl skips a row numbered lower than one already read, without a word.
    rows = (inline_row(1, HEADER) + inline_row(3, ["A-3", "Three", "PERSON", "WHOLESALE"])
            + inline_row(2, ["A-2", "Two", "PERSON", "WHOLESALE"]))
    path = hostile_xlsx(db.parent / "order.xlsx", {SHEET: sheet(rows)})
    exit_code, output, _ = clientreg(db, "import", str(path))
    assert exit_code == 3, output
    assert "order.xlsx: sheet 'Sheet' has row 2 after row 3" in output
    assert clients(db) == 0


def test_a_value_far_right_of_the_header_is_still_reported(cli, catalogue, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["A-1", "One", "PERSON", "WHOLESALE"])
    book.active["ZZ2"] = "stray"
    book.save(tmp_path / "stray.xlsx")
    result = cli("import", str(tmp_path / "stray.xlsx"))
    assert result.exit_code == 1, result.output
    assert "column ZZ has a value but no header" in result.output


# Options that cannot be honoured


def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.csv"
    path.write_bytes(b"identifier,name,company_type,category\nA-1,One,PERSON,WHOLESALE\n")
    return path


def test_utf16_without_a_byte_order_mark_is_refused_not_guessed(cli, tmp_path):
    result = cli("import", str(csv_file(tmp_path)), "--encoding", "utf-16")
    assert result.exit_code == 3, result.output
    assert ("plain.csv: has no byte-order mark, so utf-16 does not say which byte order it is"
            " in; give --encoding utf-16-le or utf-16-be") in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("codec", ["rot13", "base64", "zip", "idna", "hex", "uu", "bz2"])
def test_a_codec_that_is_not_a_text_encoding_is_a_usage_error(cli, tmp_path, codec):
    result = cli("import", str(csv_file(tmp_path)), "--encoding", codec)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--encoding'" in result.output
    assert f"'{codec}' is not a text encoding" in " ".join(result.output.split())


def test_an_unknown_encoding_is_a_usage_error(cli, tmp_path):
    result = cli("import", str(csv_file(tmp_path)), "--encoding", "klingon-8")
    assert result.exit_code == 2, result.output
    assert "'klingon-8' is not an encoding Python knows" in " ".join(result.output.split())


def test_a_chart_sheet_is_not_a_table_of_rows(cli, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["n"])
    book.active.append([1])
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=2), titles_from_data=True)
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(tmp_path / "chart.xlsx")
    result = cli("import", str(tmp_path / "chart.xlsx"), "--sheet", "Chart")
    assert result.exit_code == 3, result.output
    assert "chart.xlsx: sheet 'Chart' is a chart, not a table of rows" in result.output


def test_a_csv_header_naming_a_column_twice_is_refused(cli, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_bytes(b"identifier,name,company_type,Name\nA-1,One,PERSON,Uno\n")
    result = cli("import", str(path))
    assert result.exit_code == 3, result.output
    assert ("twice.csv: columns B ('name') and D ('Name') are the same header 'name'"
            in result.output)


# Ambiguous documents

ENTRY = ("  - identifier: A-1\n    name: One\n    company_type: PERSON\n"
         "    category: WHOLESALE\n")

DUPLICATES = {
    "a second clients: section": (
        "twice.yaml", "clients:\n" + ENTRY + "categories: []\nclients:\n" + ENTRY.replace("1", "2"),
        7, "clients", 1),
    "a field twice in a client": (
        "field.yaml", ENTRY.replace("    category", "    name: Uno\n    category")
        .join(["clients:\n", ""]), 5, "name", 3),
    "an attribute twice": (
        "attribute.yaml", "clients:\n" + ENTRY + "    client_attributes:\n      region: north\n"
        "      region: south\n", 8, "region", 7),
    "JSON sections": (
        "twice.json", '{"clients": [],\n "categories": [],\n "clients": [{"identifier": "A"}]}',
        3, "clients", 1),
    "JSON field in a client": (
        "field.json", '{"clients": [\n  {"identifier": "A-1",\n   "name": "One",\n'
        '   "name": "Uno"}]}', 4, "name", 3),
    "JSON attribute": (
        "attribute.json", '[{"identifier": "A-1", "name": "One",\n  "client_attributes":'
        ' {"region": "north",\n                        "region": "south"}}]', 3, "region", 2),
}


@pytest.mark.parametrize("case", DUPLICATES)
def test_a_key_written_twice_is_refused_at_its_line(cli, catalogue, db_path, tmp_path, case):
    name, text, line, key, first = DUPLICATES[case]
    path = tmp_path / name
    path.write_text(text)
    result = cli("import", str(path))
    assert result.exit_code == 1, result.output
    assert (f"{name}:{line}: the key '{key}' appears twice in one mapping (first on line"
            f" {first}); only one value can be meant, so keep one and delete the other"
            " [duplicate-key]") in result.output
    assert clients(db_path) == 0


def test_yaml_merge_keys_may_still_be_overridden(cli, catalogue, tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {company_type: PERSON, category: RETAIL}\nclients:\n"
                    "  - <<: *b\n    identifier: A-1\n    name: One\n    category: WHOLESALE\n")
    result = cli("import", str(path))
    assert "duplicate-key" not in result.output
