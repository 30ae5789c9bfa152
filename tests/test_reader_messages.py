"""What the readers say about a file, word for word, and the codes scripts rely on.

Each message is made from its template and values only when shown; these check the finished
text through the command line: numbers grouped, a library's own words inside ours, a problem
of a row inside the file's message.
"""

import json
import zipfile
from pathlib import Path

import yaml
from openpyxl import Workbook

HEADER = "identifier,name,company_type,category"
EXIT_ENVIRONMENT = 3
EXIT_REJECTED = 1


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "clients"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_an_undecodable_csv_names_the_line_and_byte(cli, tmp_path):
    lines = [HEADER] + [f"C-{n},Client {n},PERSON,WHOLESALE" for n in range(1, 1234)]
    lines.append("C-1234,Caf\xe9 Central,PERSON,WHOLESALE")  # line 1,235, in cp1252
    path = tmp_path / "legacy.csv"
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    result = cli("import", str(path), "--encoding", "utf-8", "--format", "json")
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stdout == ""
    assert result.stderr == (f"Error: {path}: line 1,235 cannot be read as utf-8 (byte 0xe9);"
                             " give the file's encoding [unreadable-file]\n")


def test_utf16_without_a_mark_says_which_encodings_to_give(cli, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(f"{HEADER}\nW-1,Wide,PERSON,WHOLESALE\n".encode("utf-16-le"))
    result = cli("import", str(path), "--encoding", "UTF-16")
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (f"Error: {path}: has no byte-order mark, so utf-16 does not say"
                             " which byte order it is in; give --encoding utf-16-le or utf-16-be"
                             " [unreadable-file]\n")


def test_a_broken_header_row_is_the_file_problem_with_the_row_problem_inside(cli, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('"identifier,name\nQ-1,Quote\n', encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (
        f"Error: {path}: row 1: a quoted cell starting in this row is never closed, so the rest"
        ' of the file was read as part of it; add the closing quote (") or remove the opening'
        " one [unreadable-file]\n")


def problems_of(result) -> list[dict]:
    return [{key: p[key] for key in ("row", "column", "value", "code", "message")}
            for p in json.loads(result.stdout)["problems"]]


def test_a_cell_over_the_limit_is_a_row_problem_with_its_code(cli, catalogue, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(f"{HEADER}\nL-1,{'x' * 100_001},PERSON,WHOLESALE\nL-2,Short,PERSON,WHOLESALE\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == EXIT_REJECTED, result.output
    [problem] = problems_of(result)
    assert problem["value"].startswith("L-1,xxx")
    assert {**problem, "value": None} == {
        "row": 2, "column": None, "value": None, "code": "cell-too-large",
        "message": "a cell is longer than 100,000 characters"}


def test_an_xlsx_value_without_a_header_names_its_column_letter(cli, catalogue, tmp_path):
    path = workbook(tmp_path / "extra.xlsx", [
        HEADER.split(","),
        ["E-1", "Extra", "PERSON", "WHOLESALE", None, "stray"],
    ])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == EXIT_REJECTED, result.output
    assert problems_of(result) == [{
        "row": 2, "column": "F", "value": "stray", "code": "extra-cells",
        "message": "column F has a value but no header; add a header for it or delete the value"}]


def test_an_xlsx_header_over_the_column_limit(cli, tmp_path):
    path = workbook(tmp_path / "wide.xlsx", [[f"column {n}" for n in range(1, 1002)]])
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (f"Error: {path}: the header has 1,001 columns; at most 1,000 are"
                             " read [unreadable-file]\n")


def test_a_yaml_syntax_error_gives_the_place_and_pyyamls_words(cli, tmp_path):
    text = "clients:\n  - name: [Unclosed\n"
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as err:
        problem, mark = err.problem, err.problem_mark
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stdout == ""
    assert result.stderr == (f"Error: {path}: not valid YAML at line {mark.line + 1}, column"
                             f" {mark.column + 1}: {problem} [unreadable-file]\n")


def test_a_key_written_twice_names_both_lines_and_keeps_its_code(cli, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("clients:\n  - identifier: T-1\n    name: One\n    name: Two\n",
                    encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == EXIT_REJECTED
    assert result.stderr == (f"Error: {path}:4: the key 'name' appears twice in one mapping"
                             " (first on line 3); only one value can be meant, so keep one and"
                             " delete the other [duplicate-key]\n")


def test_a_workbook_part_declaring_a_dtd_is_refused_as_damaged(cli, tmp_path):
    plain = workbook(tmp_path / "plain.xlsx", [HEADER.split(",")])
    path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "[Content_Types].xml":
                data = b'<!DOCTYPE t [<!ENTITY e "e">]>' + data
            target.writestr(part, data)
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (f"Error: {path}: the workbook cannot be read (a part declares a DTD,"
                             " which a workbook never does); open it in a spreadsheet and save it"
                             " again [unreadable-file]\n")


def test_a_mistyped_extension_of_a_missing_file_says_the_file_is_missing(cli, tmp_path):
    (tmp_path / "clients.csv").write_text(f"{HEADER}\nP-1,Ana,PERSON,WHOLESALE\n")
    typo = tmp_path / "clients.cvs"
    result = cli("import", str(typo))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == f"Error: {typo}: no such file [unreadable-file]\n"
    assert not typo.exists()
