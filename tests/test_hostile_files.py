"""Hostile import files: each one is refused with a clear message, in bounded time and memory."""

import io
import os
import resource
import sqlite3
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from clientreg.schemas.readers import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_NESTING,
    MAX_XLSX_UNPACKED_BYTES,
    MAX_YAML_ALIAS_NODES,
)

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
MEMORY_LIMIT = 1 << 30  # address space of the child: 1 GiB
TIME_LIMIT = 60
HEADER = "identifier,name,company_type,category\n"
ROW = "A-1,One,PERSON,WHOLESALE\n"


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def clientreg(db: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    """Run clientreg under the memory and time limits; the exit code and all it printed."""
    done = subprocess.run([*CLI, "--db", str(db), *args], cwd=db.parent, input=stdin,
                          capture_output=True, timeout=TIME_LIMIT, preexec_fn=limited,
                          env={**os.environ, "CLIENTREG_DB": "", "COLUMNS": "200"})
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert "Traceback" not in output, output[-3000:]
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {output[-500:]}"
    return done.returncode, output


def clients(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    conn.close()
    return found


def workbook(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def nested(opening: str, closing: str, depth: int) -> str:
    return opening * depth + closing * depth


LAUGHS = "\n".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]) + "\n"

# name: (file name, content, exit code, what the message must say)
CASES: dict[str, tuple[str, Callable[[], bytes], int, str]] = {
    "empty file": ("empty.csv", lambda: b"", 3, "the file is empty"),
    "blank lines only": ("blank.csv", lambda: b"\n \n\r\n", 3, "no header row"),
    "binary named .csv": ("photo.csv", lambda: bytes(range(256)) * 200, 3, "binary data"),
    "NUL bytes": ("nul.csv", lambda: (HEADER + "A-1,On\0e,PERSON,WHOLESALE\n").encode(),
                  3, "NUL"),
    "unterminated quote": ("quote.csv",
                           lambda: (HEADER + 'A-1,"Never closed,PERSON,WHOLESALE\n' + ROW).encode(),
                           1, "never closed"),
    "10 MB cell": ("cell.csv",
                   lambda: (HEADER + "A-1," + "x" * 10_000_000 + ",PERSON,WHOLESALE\n").encode(),
                   1, f"longer than {MAX_CELL_CHARS:,} characters"),
    "10 MB header line": ("line.csv", lambda: ("identifier," + "y" * 10_000_000).encode(),
                          3, f"longer than {MAX_CELL_CHARS:,} characters"),
    "10,000 columns": ("wide.csv",
                       lambda: (",".join([HEADER.strip()] + [f"c{i}" for i in range(10_000)])
                                + "\n" + ROW.strip() + "," * 10_000 + "\n").encode(),
                       3, f"at most {MAX_COLUMNS:,}"),
    "YAML billion laughs": ("laughs.yaml", LAUGHS.encode, 3, f"{MAX_YAML_ALIAS_NODES:,} values"),
    "YAML alias to itself": ("loop.yaml", lambda: b"clients: &a [*a]\n", 3, "its own parent"),
    "YAML !!python/object": (
        "python.yaml",
        lambda: b"- !!python/object/apply:os.system ['touch pwned']\n", 3, "is not allowed"),
    "YAML !!python/name tag in a value": (
        "name.yaml", lambda: b"- identifier: !!python/name:os.system ''\n", 3, "not allowed"),
    "JSON nested 100,000 deep": ("deep.json", lambda: nested("[", "]", 100_000).encode(),
                                 3, f"nested more than {MAX_NESTING} deep"),
    "YAML nested 100,000 deep": ("deep.yaml", lambda: nested("[", "]", 100_000).encode(),
                                 3, "nesting"),
    "JSON mappings nested 100,000 deep": (
        "deepmap.json", lambda: (nested('{"a":', "}", 100_000).replace("}", "1}", 1)).encode(),
        3, "deep"),
    "JSON number of 5,000 digits": ("number.json",
                                    lambda: b'[{"identifier": ' + b"9" * 5000 + b"}]",
                                    3, "digits"),
    "YAML number of 5,000 digits": ("number.yaml", lambda: b"- identifier: " + b"9" * 5000,
                                    3, "digits"),
    "header only": ("header.csv", lambda: HEADER.encode(), 1, "nothing to import"),
    "JSON empty list": ("none.json", lambda: b"[]", 1, "nothing to import"),
    "YAML seed with empty sections": ("none.yaml", lambda: b"clients: []\ncategories: []\n",
                                      1, "nothing to import"),
    "JSON that is a string": ("text.json", lambda: b'"clients"', 1, "must be a list"),
    "CSV named .json": ("table.json", lambda: (HEADER + ROW).encode(), 3, "not valid JSON"),
    "JSON cut short named .yaml": ("cut.yaml", lambda: b'{"clients": [{"identifier": "A-1"',
                                   3, "not valid YAML"),
    "YAML named .csv": ("seed.csv",
                        lambda: b"company_types: [{code: X, name: Y}]\nclients: []\n",
                        1, "is not a column clientreg knows"),
    "CSV named .xlsx": ("table.xlsx", lambda: (HEADER + ROW).encode(), 3, "not an XLSX workbook"),
    "ZIP that is not a workbook": ("letter.xlsx", lambda: _zip({"word/document.xml": b"<w/>"}),
                                   3, "not an XLSX workbook"),
    "truncated XLSX": ("cut.xlsx", lambda: _good_xlsx()[:4000], 3, "damaged or incomplete"),
    "XLSX with an XML entity bomb": ("entities.xlsx", lambda: _xlsx_with_sheet(_ENTITY_BOMB),
                                     3, "cannot be read"),
    "XLSX with 10,000 columns": (
        "wide.xlsx", lambda: _xlsx_bytes([["identifier", "name", "company_type", "category"]
                                          + [f"c{i}" for i in range(10_000)]]),
        3, f"at most {MAX_COLUMNS:,}"),
}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _good_xlsx() -> bytes:
    return _xlsx_bytes([HEADER.strip().split(",")]
                       + [[f"X-{i}", f"Name {i}", "PERSON", "WHOLESALE"] for i in range(300)])


SHEET = "xl/worksheets/sheet1.xml"
_SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_END = b"</sheetData></worksheet>"
_ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "lollollollollollollollollollol">'
    + b"".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode()
               for n in range(9))
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>identifier</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>&j;</t></is></c></row></sheetData></worksheet>')


def _xlsx_with_sheet(sheet: bytes | None, *, rows: int = 0, into: Path | None = None):
    """A real workbook whose first sheet is replaced: by `sheet`, or by `rows` tiny rows."""
    source = zipfile.ZipFile(io.BytesIO(_good_xlsx()))
    target = into or io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != SHEET:
                archive.writestr(info, source.read(info.filename))
            elif sheet is not None:
                archive.writestr(SHEET, sheet)
            else:
                with archive.open(SHEET, "w", force_zip64=True) as part:
                    part.write(_SHEET_START)
                    block = b'<row><c t="inlineStr"><is><t>a</t></is></c></row>' * 1000
                    for _ in range(rows // 1000):
                        part.write(block)
                    part.write(_SHEET_END)
    return None if into else target.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_gets_a_clear_message(db, case):
    name, content, code, message = CASES[case]
    path = db.parent / name
    path.write_bytes(content())
    exit_code, output = clientreg(db, "import", str(path))
    assert exit_code == code, output[-2000:]
    assert message in output, output[-2000:]
    assert name in output
    assert clients(db) == 0
    assert not (db.parent / "pwned").exists()


def test_mixed_line_endings_are_read_as_the_lines_they_are(db):
    path = db.parent / "mixed.csv"
    path.write_bytes(b"identifier,name,company_type,category\r\n"
                     b"A-1,One,PERSON,WHOLESALE\rA-2,Two,PERSON,WHOLESALE\n"
                     b'A-3,"Three\r\nlines",PERSON,WHOLESALE\r\n')
    exit_code, output = clientreg(db, "import", str(path))
    assert exit_code == 0, output
    with sqlite3.connect(db) as conn:
        names = dict(conn.execute("SELECT identifier, name FROM companies"))
    conn.close()
    # The line break inside a quoted one-line name is collapsed like any inner whitespace.
    assert names == {"A-1": "One", "A-2": "Two", "A-3": "Three lines"}


def test_a_hostile_document_on_standard_input(db):
    exit_code, output = clientreg(db, "import", "-", "--input-format", "json",
                                  stdin=nested("[", "]", 100_000).encode())
    assert exit_code == 3, output
    assert "<stdin>" in output and "deep" in output


@pytest.mark.parametrize(("path", "message"), [("missing.csv", "no such file"),
                                               ("folder.csv", "directory")])
def test_a_path_that_is_not_a_readable_file_exits_3(db, path, message):
    (db.parent / "folder.csv").mkdir()
    exit_code, output = clientreg(db, "import", str(db.parent / path))
    assert exit_code == 3, output
    assert message in output


def patch_sizes(data: bytes, part: str, size: int) -> bytes:
    """The archive with `part`'s uncompressed size rewritten: a ZIP that lies about itself."""
    patched = bytearray(data)
    name = part.encode()
    for signature, size_at, name_at, length_at in ((b"PK\x03\x04", 22, 30, 26),
                                                    (b"PK\x01\x02", 24, 46, 28)):
        at = patched.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", patched, at + length_at)[0]
            if patched[at + name_at:at + name_at + length] == name:
                struct.pack_into("<I", patched, at + size_at, size)
            at = patched.find(signature, at + 4)
    return bytes(patched)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A workbook of a few MB whose sheet unpacks past MAX_XLSX_UNPACKED_BYTES."""
    path = tmp_path_factory.mktemp("bombs") / "bomb.xlsx"
    rows = MAX_XLSX_UNPACKED_BYTES // 49 + 1_000_000
    _xlsx_with_sheet(None, rows=rows, into=path)
    assert path.stat().st_size < 20_000_000
    return path


def test_a_zip_bomb_xlsx_is_refused_before_it_is_unpacked(db, zip_bomb):
    exit_code, output = clientreg(db, "import", str(zip_bomb))
    assert exit_code == 3, output
    assert "unpacks to" in output and f"{MAX_XLSX_UNPACKED_BYTES:,}" in output


def test_a_zip_bomb_that_lies_about_its_size_is_refused(db, zip_bomb):
    liar = db.parent / "liar.xlsx"
    liar.write_bytes(patch_sizes(zip_bomb.read_bytes(), SHEET, 1000))
    exit_code, output = clientreg(db, "import", str(liar))
    assert exit_code == 3, output
    assert "liar.xlsx" in output and "cannot be read" in output


def test_a_workbook_under_the_unpacked_limit_is_read_in_bounded_memory(db):
    path = db.parent / "dense.xlsx"
    _xlsx_with_sheet(None, rows=10_000_000, into=path)
    exit_code, output = clientreg(db, "import", str(path))
    assert exit_code in (1, 3), output
    assert "dense.xlsx" in output


@pytest.mark.parametrize("group", ["company-type", "category"])
@pytest.mark.parametrize(("name", "content"), [
    ("deep.yaml", nested("[", "]", 100_000).encode()),
    ("number.yaml", b"code: " + b"9" * 5000 + b"\nname: Big\n"),
    ("laughs.yaml", LAUGHS.encode()),
    ("python.yaml", b"!!python/object/apply:os.system ['touch pwned']\n"),
])
def test_a_hostile_catalogue_file_gets_a_clear_message(db, group, name, content):
    path = db.parent / name
    path.write_bytes(content)
    exit_code, output = clientreg(db, group, "add", "--file", str(path))
    assert exit_code in (1, 3), output
    assert name in output
    assert not (db.parent / "pwned").exists()
