"""Reading import files: encodings, delimiters, quoting, workbooks, documents and their limits."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from clientreg.errors import UnreadableInput
from clientreg.schemas.readers import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_YAML_ALIASES,
    canonical_header,
    detect_format,
    load_document,
    open_table,
)


def write(tmp_path: Path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return str(path)


def read_all(path: str, **options):
    with open_table(path, **options) as table:
        rows = list(table)
    return table, rows


def values(rows) -> list[dict[str, str]]:
    return [row.values for row in rows]


def unreadable(call, *args, **kwargs) -> str:
    with pytest.raises(UnreadableInput) as caught:
        result = call(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, dict | list):
            list(result)
    return caught.value.reason


# Encodings and delimiters


def test_utf8_bom_does_not_reach_the_first_header(tmp_path):
    path = write(tmp_path, "c.csv", "\ufeffidentifier,name\r\nC1,Ana\r\n".encode())
    table, rows = read_all(path)
    assert table.encoding == "utf-8-sig"
    assert table.raw_headers == ["identifier", "name"]
    assert values(rows) == [{"identifier": "C1", "name": "Ana"}]


def test_spanish_excel_csv_is_read_as_cp1252_with_semicolons(tmp_path):
    text = "identifier;name;city\r\nC1;María Peña Ibáñez;Cádiz\r\nC2;Comercial, S.L.;Sevilla\r\n"
    path = write(tmp_path, "c.csv", text.encode("cp1252"))
    table, rows = read_all(path)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert rows[0].values == {"identifier": "C1", "name": "María Peña Ibáñez", "city": "Cádiz"}
    assert rows[1].values["name"] == "Comercial, S.L."


def test_commas_in_the_data_do_not_fool_semicolon_detection(tmp_path):
    # With one short row, csv.Sniffer alone would pick the comma in every name.
    lines = ["identifier;name;city"] + [f"C{i};López, Ana;Sevilla" for i in range(30)]
    lines[6] = "C5;Pérez, Luis"
    path = write(tmp_path, "c.csv", "\n".join(lines) + "\n")
    table, rows = read_all(path)
    assert table.delimiter == ";"
    assert rows[0].values == {"identifier": "C0", "name": "López, Ana", "city": "Sevilla"}
    assert rows[5].values == {"identifier": "C5", "name": "Pérez, Luis", "city": ""}


def test_a_byte_cp1252_leaves_undefined_falls_back_to_latin1(tmp_path):
    path = write(tmp_path, "c.csv", b"identifier,name\nC1,Ma\x81a\xf1\n")
    table, rows = read_all(path)
    assert table.encoding == "latin-1"
    assert rows[0].values["name"] == "Ma\x81añ"


def test_excel_unicode_text_is_read_by_its_utf16_mark(tmp_path):
    text = "identifier\tname\r\nC1\tMaría\r\n"
    path = write(tmp_path, "clients.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    table, rows = read_all(path)
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert values(rows) == [{"identifier": "C1", "name": "María"}]


def test_encoding_given_overrides_detection(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,name\nC1,Peña\n".encode())
    table, rows = read_all(path, encoding="latin-1")
    assert table.encoding == "iso8859-1"
    assert rows[0].values["name"] == "PeÃ±a"


def test_tsv_and_pipe_delimited_files(tmp_path):
    tsv = write(tmp_path, "c.tsv", "identifier\tname\nC1\tAna, López\n")
    table, rows = read_all(tsv)
    assert (table.format, table.delimiter) == ("tsv", "\t")
    assert values(rows) == [{"identifier": "C1", "name": "Ana, López"}]

    piped = write(tmp_path, "c.txt", "identifier|name\nC1|Ana\nC2|Luis\n")
    table, rows = read_all(piped)
    assert (table.format, table.delimiter) == ("csv", "|")
    assert values(rows)[1] == {"identifier": "C2", "name": "Luis"}


def test_delimiter_given_overrides_detection(tmp_path):
    path = write(tmp_path, "c.csv", "identifier;name,alias\nC1;Ana,A\n")
    table, rows = read_all(path, delimiter=",")
    assert table.headers == ["identifier;name", "alias"]


def test_headers_are_matched_trimmed_and_case_folded(tmp_path):
    header = " Identifier ,CONTACT_Email,  Company   Type "
    path = write(tmp_path, "c.csv", header + "\nC1,a@b.es,LEGAL\n")
    table, rows = read_all(path)
    assert table.headers == ["identifier", "contact_email", "company type"]
    assert table.raw_headers == [" Identifier ", "CONTACT_Email", "  Company   Type "]
    assert canonical_header("  ÁREA\u00a0 Comercial ") == "área comercial"


# Cell text


def test_cells_are_raw_text_never_coerced(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,zip,amount,flag,note\n08123,00501,1e5,TRUE, x \n")
    _, rows = read_all(path)
    assert rows[0].values == {
        "identifier": "08123",
        "zip": "00501",
        "amount": "1e5",
        "flag": "TRUE",
        "note": " x ",
    }


def test_quoted_cell_with_newline_and_delimiter_counts_as_one_row(tmp_path):
    text = (
        'identifier,notes\r\nC1,"line one\r\nline two, still notes"\r\n'
        'C2,plain\r\nC3,"a ""quoted"" word"\r\n'
    )
    _, rows = read_all(write(tmp_path, "c.csv", text))
    numbered = [(row.row, row.values["identifier"]) for row in rows]
    assert numbered == [(2, "C1"), (3, "C2"), (4, "C3")]
    assert rows[0].values["notes"] == "line one\r\nline two, still notes"
    assert rows[2].values["notes"] == 'a "quoted" word'


def test_mixed_line_endings(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,name\r\nC1,Ana\nC2,Luis\rC3,Eva")
    _, rows = read_all(path)
    assert [(row.row, row.values["name"]) for row in rows] == [(2, "Ana"), (3, "Luis"), (4, "Eva")]


def test_blank_rows_are_skipped_but_keep_their_numbers(tmp_path):
    path = write(tmp_path, "c.csv", "\nidentifier,name\n\nC1,Ana\n , \nC2,Luis\n")
    table, rows = read_all(path)
    assert table.headers == ["identifier", "name"]
    assert [row.row for row in rows] == [4, 6]


def test_short_rows_get_empty_cells_and_blank_trailing_cells_are_ignored(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,name,city,\nC1\nC2,Ana,Sevilla,,,\n")
    table, rows = read_all(path)
    assert table.headers == ["identifier", "name", "city"]
    assert values(rows) == [
        {"identifier": "C1", "name": "", "city": ""},
        {"identifier": "C2", "name": "Ana", "city": "Sevilla"},
    ]
    assert table.problems == []


def test_a_value_without_a_header_is_a_row_problem(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,name\nC1,Ana,surplus\nC2,Luis\n")
    table, rows = read_all(path)
    assert [row.row for row in rows] == [3]
    [problem] = table.problems
    assert (problem.row, problem.column, problem.value, problem.code) == (
        2,
        "C",
        "surplus",
        "extra-cells",
    )


# Headers that make a file unreadable


def test_duplicate_headers_name_both_columns(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,Email,name, email \nC1,a,b,c\n")
    reason = unreadable(open_table, path)
    assert "columns B ('Email') and D (' email ')" in reason


def test_an_empty_header_between_named_ones_is_refused(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,,name\nC1,x,Ana\n")
    assert "column B has no header" in unreadable(open_table, path)


def test_ten_thousand_columns_are_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(10_000))
    path = write(tmp_path, "c.csv", header + "\n" + "x," * 9_999 + "x\n")
    reason = unreadable(open_table, path)
    assert "10,000 columns" in reason and f"{MAX_COLUMNS:,}" in reason


# Files that cannot be read


def test_empty_file_and_header_only_file(tmp_path):
    empty = write(tmp_path, "empty.csv", b"")
    assert unreadable(open_table, empty) == f"{empty}: the file is empty"
    blank = write(tmp_path, "blank.csv", "\n\n  \n")
    assert "no header row" in unreadable(open_table, blank)

    header_only = write(tmp_path, "header.csv", "identifier,name\n")
    table, rows = read_all(header_only)
    assert (table.headers, rows, table.problems) == (["identifier", "name"], [], [])


def test_binary_files_named_csv(tmp_path):
    png = write(tmp_path, "logo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary data" in unreadable(open_table, png)

    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "book.xlsx")
    renamed = write(tmp_path, "book.csv", (tmp_path / "book.xlsx").read_bytes())
    assert "XLSX workbook" in unreadable(open_table, renamed)


def test_nul_bytes_in_text(tmp_path):
    path = write(tmp_path, "c.csv", b"identifier,name\nC1,An\x00a\n")
    reason = unreadable(open_table, path)
    assert "NUL byte on line 2" in reason


def test_no_cell_ever_holds_a_nul_character(tmp_path):
    wide = "identifier\tname\r\nC1\tAn\x00a\r\n"
    path = write(tmp_path, "wide.txt", codecs.BOM_UTF16_LE + wide.encode("utf-16-le"))
    assert "NUL character on line 2" in unreadable(open_table, path)

    workbook = openpyxl.Workbook()
    workbook.active.append(["identifier", "name"])
    workbook.active.append(["C1", "An_x0000_a"])  # how Excel stores a NUL in a cell
    workbook.active.append(["C2", "Luis"])
    workbook.save(tmp_path / "nul.xlsx")
    table, rows = read_all(str(tmp_path / "nul.xlsx"))
    assert all("\0" not in value for row in rows for value in row.values.values())
    reported = [(p.row, p.column, p.code) for p in table.problems]
    assert reported in ([], [(2, "name", "nul-character")])
    assert [row.values["identifier"] for row in rows] == (["C2"] if reported else ["C1", "C2"])


def test_missing_file_and_directory(tmp_path):
    missing = str(tmp_path / "nope.csv")
    assert unreadable(open_table, missing) == f"{missing}: no such file"
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    assert "is a directory" in unreadable(open_table, str(folder))
    assert "no such file" in unreadable(load_document, str(tmp_path / "seed.yaml"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_permissions(tmp_path):
    path = write(tmp_path, "c.csv", "identifier\nC1\n")
    os.chmod(path, 0)
    assert "permission denied" in unreadable(open_table, path)


def test_wrong_declared_encoding_is_reported_with_the_row(tmp_path):
    path = write(tmp_path, "c.csv", "identifier,name\nC1,Ana\nC2,Pe\xf1a\n".encode("cp1252"))
    reason = unreadable(read_all, path, encoding="utf-8")
    assert "line 3 cannot be read as utf-8 (byte 0xf1)" in reason


# Broken rows


def test_unterminated_quote_is_a_row_problem_at_the_row_it_opens(tmp_path):
    path = write(tmp_path, "c.csv", 'identifier,notes\nC1,ok\nC2,"never closed\nC3,lost\n')
    table, rows = read_all(path)
    assert [row.row for row in rows] == [2]
    [problem] = table.problems
    assert (problem.row, problem.code, problem.column) == (3, "unterminated-quote", "notes")
    assert problem.value.startswith("never closed")


def test_unterminated_quote_in_a_long_file_is_still_found(tmp_path):
    body = "".join(f"C{i},fine\n" for i in range(20_000))
    path = write(tmp_path, "c.csv", 'identifier,notes\nC0,"open\n' + body)
    table, rows = read_all(path)
    assert rows == []
    assert [(p.row, p.code) for p in table.problems] == [(2, "unterminated-quote")]


def test_text_after_a_closing_quote_is_kept_as_a_spreadsheet_does(tmp_path):
    path = write(tmp_path, "c.csv", 'identifier,name\nC1,"Smith" Jr\n')
    table, rows = read_all(path)
    assert rows[0].values["name"] == "Smith Jr"
    assert table.problems == []


def test_ten_megabyte_cell_is_skipped_within_bounded_memory(tmp_path):
    big = "x" * 10_000_000
    path = write(tmp_path, "c.csv", f"identifier,notes\nC1,{big}\nC2,after\n")
    tracemalloc.start()
    try:
        table, rows = read_all(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(row.row, row.values["identifier"]) for row in rows] == [(3, "C2")]
    [problem] = table.problems
    assert (problem.row, problem.code) == (2, "cell-too-large")
    assert len(problem.value) == 80
    assert peak < 40_000_000


def test_oversize_quoted_cell_spanning_lines_does_not_derail_the_rows_after(tmp_path):
    big = "word, word\n" * (MAX_CELL_CHARS // 5)
    text = f'identifier,notes\nC1,"{big}"\nC2,after\n'
    table, rows = read_all(write(tmp_path, "c.csv", text))
    assert [(row.row, row.values["notes"]) for row in rows] == [(3, "after")]
    assert [(p.row, p.code) for p in table.problems] == [(2, "cell-too-large")]


def test_cell_at_the_limit_is_read(tmp_path):
    cell = "y" * MAX_CELL_CHARS
    _, rows = read_all(write(tmp_path, "c.csv", f"identifier,notes\nC1,{cell}\n"))
    assert rows[0].values["notes"] == cell


# XLSX


def make_workbook(tmp_path: Path) -> str:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Notes"
    first.append(["ignored"])
    second = workbook.create_sheet("Clientes")
    second.append(["Identifier", "Zip", "Employees", "Since", "Opens", "Active", "Share", "Note"])
    second.append(["08123", "00501", 12, dt.date(2024, 1, 5), dt.time(9, 30), True, 0.25, None])
    second.append([None, None, None, None, None, None, None, None])
    second.append(["C2", None, 1e6, dt.datetime(2024, 3, 1, 10, 15), None, False, 1.5, "x"])
    path = tmp_path / "clients.xlsx"
    workbook.save(path)
    return str(path)


def test_xlsx_cells_become_the_text_a_user_sees(tmp_path):
    table, rows = read_all(make_workbook(tmp_path), sheet="Clientes")
    assert (table.format, table.sheet, table.encoding) == ("xlsx", "Clientes", None)
    assert table.headers == [
        "identifier", "zip", "employees", "since", "opens", "active", "share", "note"
    ]  # fmt: skip
    assert [row.row for row in rows] == [2, 4]
    assert rows[0].values == {
        "identifier": "08123",
        "zip": "00501",
        "employees": "12",
        "since": "2024-01-05",
        "opens": "09:30",
        "active": "true",
        "share": "0.25",
        "note": "",
    }
    assert rows[1].values["employees"] == "1000000"
    assert rows[1].values["since"] == "2024-03-01T10:15"
    assert rows[1].values["active"] == "false"


def test_xlsx_first_sheet_by_default_and_unknown_sheet_lists_names(tmp_path):
    path = make_workbook(tmp_path)
    table, _ = read_all(path)
    assert (table.sheet, table.headers) == ("Notes", ["ignored"])
    assert read_all(path, sheet=" clientes")[0].sheet == "Clientes"
    reason = unreadable(open_table, path, sheet="Clients")
    assert "no sheet named 'Clients'" in reason and "'Notes', 'Clientes'" in reason


def test_xlsx_table_placed_lower_right_keeps_spreadsheet_coordinates(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"] = "identifier", "name"
    sheet["C4"], sheet["D4"] = "C1", "Ana"
    sheet["C6"], sheet["D6"], sheet["F6"] = "C2", "Luis", "stray"
    workbook.save(tmp_path / "placed.xlsx")
    table, rows = read_all(str(tmp_path / "placed.xlsx"))
    assert [(row.row, row.values["name"]) for row in rows] == [(4, "Ana")]
    [problem] = table.problems
    assert (problem.row, problem.column, problem.code) == (6, "F", "extra-cells")


def test_truncated_and_fake_xlsx_are_unreadable(tmp_path):
    whole = Path(make_workbook(tmp_path)).read_bytes()
    truncated = write(tmp_path, "cut.xlsx", whole[: len(whole) // 2])
    assert "damaged or incomplete" in unreadable(open_table, truncated)
    text = write(tmp_path, "text.xlsx", "identifier,name\nC1,Ana\n")
    assert "not an XLSX workbook" in unreadable(open_table, text)


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path):
    data = bytearray(Path(make_workbook(tmp_path)).read_bytes())
    # Declare 4 GB for the sheet in the central directory, as a zip bomb's entry would.
    name = b"xl/worksheets/sheet2.xml"
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 0xF000_0000)
    bomb = write(tmp_path, "bomb.xlsx", bytes(data))
    reason = unreadable(open_table, bomb, sheet="Clientes")
    assert "unpacks to" in reason and "over the limit" in reason


# YAML and JSON


def test_yaml_values_keep_the_text_written(tmp_path):
    path = write(
        tmp_path,
        "seed.yaml",
        "clients:\n"
        "  - {identifier: C-0001, country: NO, phone: 0612345, opens: 10:30,\n"
        "     since: 2024-01-05, employees: 12, ratio: 0.5, active: true, fax: ~, note: yes}\n",
    )
    [client] = load_document(path)["clients"]
    assert client == {
        "identifier": "C-0001",
        "country": "NO",
        "phone": "0612345",
        "opens": "10:30",
        "since": "2024-01-05",
        "employees": 12,
        "ratio": 0.5,
        "active": True,
        "fax": None,
        "note": "yes",
    }


def test_yaml_anchors_and_merge_keys_still_work(tmp_path):
    text = "base: &base {type: LEGAL, country: ES}\nclient: {<<: *base, identifier: C1}\n"
    document = load_document(write(tmp_path, "seed.yml", text))
    assert document["client"] == {"type": "LEGAL", "country": "ES", "identifier": "C1"}


def test_yaml_billion_laughs_is_refused(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    reason = unreadable(load_document, write(tmp_path, "bomb.yaml", "\n".join(lines)))
    assert "aliases stand for more than" in reason


def test_yaml_with_too_many_aliases_is_refused(tmp_path):
    text = "x: &x 1\nys:\n" + "".join("  - *x\n" for _ in range(MAX_YAML_ALIASES + 1))
    reason = unreadable(load_document, write(tmp_path, "a.yaml", text))
    assert "more than 100 YAML aliases" in reason


def test_yaml_python_tags_are_refused(tmp_path):
    text = "clients:\n  - !!python/object/apply:os.system ['echo hacked']\n"
    reason = unreadable(load_document, write(tmp_path, "evil.yaml", text))
    assert "tag:yaml.org,2002:python/object/apply:os.system" in reason
    assert "line 2" in reason and "not allowed" in reason
    text = "client: !!python/object:collections.OrderedDict {identifier: C1}\n"
    reason = unreadable(load_document, write(tmp_path, "object.yaml", text))
    assert "python/object:collections.OrderedDict" in reason and "not allowed" in reason
    binary = write(tmp_path, "binary.yaml", "logo: !!binary aGVsbG8=\n")
    assert "not allowed" in unreadable(load_document, binary)


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = "clients:\n  - identifier: C1\n    name: [unclosed\n  - identifier: C2\n"
    reason = unreadable(load_document, write(tmp_path, "bad.yaml", text))
    assert reason.startswith(str(tmp_path / "bad.yaml") + ": not valid YAML at line")


def test_yaml_empty_and_self_containing_documents(tmp_path):
    assert "empty" in unreadable(load_document, write(tmp_path, "e.yaml", "# nothing\n"))
    assert "its own parent" in unreadable(load_document, write(tmp_path, "r.yaml", "&a [*a]\n"))


def test_json_deeply_nested_is_refused(tmp_path):
    for depth in (101, 100_000):
        path = write(tmp_path, f"deep{depth}.json", "[" * depth + "]" * depth)
        assert "nested more than 100 deep" in unreadable(load_document, path)
    ok = write(tmp_path, "ok.json", "[" * 100 + "]" * 100)
    assert load_document(ok) == json.loads("[" * 100 + "]" * 100)


def test_json_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "bad.json", '[\n  {"identifier": "C1",}\n]\n')
    assert "not valid JSON at line 2" in unreadable(load_document, path)


def test_json_nan_and_infinity_are_refused(tmp_path):
    for constant in ("NaN", "Infinity", "-Infinity"):
        path = write(tmp_path, "odd.json", f'[{{"identifier": "C1", "name": {constant}}}]')
        assert f"{constant} is not valid JSON" in unreadable(load_document, path)


def test_documents_and_tables_are_not_mixed_up(tmp_path):
    yaml_path = write(tmp_path, "seed.yaml", "a: 1\n")
    assert "not a table" in unreadable(open_table, yaml_path)
    json_as_yaml = write(tmp_path, "seed.json", "a: 1\n")
    assert "not valid JSON at line 1" in unreadable(load_document, json_as_yaml)


# Formats and standard input


def test_format_from_the_name_or_given(tmp_path):
    assert detect_format("a/Clients.CSV") == "csv"
    assert detect_format("c.tab") == "tsv"
    assert detect_format("c.xlsm") == "xlsx"
    assert detect_format("seed.yml") == "yaml"
    assert detect_format("-", "JSON") == "json"
    assert detect_format("export.dat", "csv") == "csv"
    old_excel = tmp_path / "clients.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    assert detect_format(str(old_excel)) == "xls"
    assert detect_format("c.ODS") == "ods"
    assert detect_format("c.xlsb") == "xlsb"
    with pytest.raises(UnreadableInput) as caught:
        detect_format(str(tmp_path / "clients.cvs"))
    assert caught.value.reason.endswith("clients.cvs: no such file")
    with pytest.raises(UnreadableInput) as caught:
        detect_format("-")
    assert "<stdin>" in caught.value.reason


def test_standard_input_with_a_format(tmp_path):
    table, rows = read_all("-", input_format="csv", stdin=io.BytesIO(b"identifier;name\nC1;Ana\n"))
    assert (table.file, table.delimiter) == ("<stdin>", ";")
    assert rows[0].file == "<stdin>" and rows[0].values == {"identifier": "C1", "name": "Ana"}

    workbook = Path(make_workbook(tmp_path)).read_bytes()
    table, rows = read_all("-", input_format="xlsx", sheet="Clientes", stdin=io.BytesIO(workbook))
    assert rows[0].values["identifier"] == "08123"

    document = load_document("-", input_format="yaml", stdin=io.BytesIO(b"- {identifier: C1}\n"))
    assert document == [{"identifier": "C1"}]


# Streaming


def test_rows_are_streamed_in_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("identifier,name,email,phone,city,country,notes\r\n")
        for i in range(200_000):
            out.write(f"C-{i:06d},Comercial Andaluza S.L.,c{i}@andaluza.example,")
            out.write("+34 954 123 456,Sevilla,ES,María López\r\n")
    count = 0
    tracemalloc.start()
    try:
        with open_table(str(path)) as table:
            for row in table:
                count += 1
                last = row
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000 and last.row == 200_001
    assert peak < 20_000_000


def _peak_rss_reading(path: Path) -> int:
    """Peak resident memory (KiB) of a fresh process that reads every row of ``path``."""
    script = ("import resource, sys\n"
              "from clientreg.schemas.readers import open_table\n"
              "with open_table(sys.argv[1]) as table:\n"
              "    count = sum(1 for _ in table)\n"
              "print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, check=True, cwd=path.parent, timeout=120)
    return int(done.stdout.split()[1])


def test_xlsx_rows_are_streamed_in_flat_memory(tmp_path):
    def workbook_of(rows: int) -> Path:
        path = tmp_path / f"book{rows}.xlsx"
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Clientes")
        sheet.append(["identifier", "name", "email", "city", "notes", "n", "zip", "day"])
        # Repeated texts, as real sheets have: the workbook's shared-strings table (which a
        # reader must hold) stays small, and what remains to measure is the rows.
        for i in range(rows):
            sheet.append([i, "Comercial Andaluza S.L.", "info@andaluza.example", "Sevilla",
                          "Cliente de la provincia de Sevilla", i * 2, "08001", i % 7])
        workbook.save(path)
        return path

    small, large = _peak_rss_reading(workbook_of(100)), _peak_rss_reading(workbook_of(40_000))
    # Forty thousand rows need hardly more memory than a hundred: rows are not held (held, as
    # a row of eight cells takes about a kilobyte, they would need some 40 MB).
    assert large - small < 8_000
