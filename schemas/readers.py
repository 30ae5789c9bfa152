"""Opening import files: the format from the name, tables streamed row by row, whole documents.

Tables (CSV, TSV, XLSX, ODS, XLS, XLSB) are read lazily and yield ``SourceRow`` values holding
each cell's raw text; YAML and JSON documents are parsed whole. Every file that cannot be read
raises ``UnreadableInput`` naming it; a problem confined to one row is recorded in
``TableReader.problems`` and that row is skipped.

CSV encoding is not guessed: a byte-order mark decides, else UTF-8 if every byte is valid UTF-8,
else cp1252 (latin-1 when a byte is undefined in cp1252). ``TableReader.encoding`` says which.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import PurePath
from typing import Any, BinaryIO

from clientreg.errors import UnreadableInput
from clientreg.schemas.readers_csv import MAX_LINE_CHARS, open_csv
from clientreg.schemas.readers_document import (
    MAX_DOCUMENT_BYTES,
    MAX_NESTING,
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_ALIASES,
    parse_json,
    parse_yaml,
    read_document_bytes,
)
from clientreg.schemas.readers_table import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    SourceRow,
    TableReader,
    canonical_header,
)
from clientreg.schemas.readers_text import DELIMITERS
from clientreg.schemas.readers_xlsx import MAX_XLSX_UNPACKED_BYTES, open_xlsx

WORKBOOK_FORMATS = ("ods", "xls", "xlsb")
"""Workbooks read with python-calamine (``readers_calamine``); XLSX has its own reader."""

__all__ = [
    "DELIMITERS",
    "FORMATS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_DOCUMENT_BYTES",
    "MAX_LINE_CHARS",
    "MAX_NESTING",
    "MAX_XLSX_UNPACKED_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_ALIAS_NODES",
    "SourceRow",
    "TableReader",
    "canonical_header",
    "detect_format",
    "load_document",
    "open_table",
]

FORMATS = ("csv", "tsv", "xlsx", "ods", "xls", "xlsb", "yaml", "json")
TABLE_FORMATS = ("csv", "tsv", "xlsx", "ods", "xls", "xlsb")
DOCUMENT_FORMATS = ("yaml", "json")

EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "ods",
    ".xls": "xls",
    ".xlsb": "xlsb",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
}

STDIN_NAME = "<stdin>"

SPOOL_MEMORY_BYTES = 16 * 1024 * 1024
"""Standard input is kept in memory up to this size, then in a temporary file."""

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


def display_name(path: str) -> str:
    """The name a file goes by in messages: the path as given, or ``<stdin>`` for ``-``."""
    return STDIN_NAME if path == "-" else path


def detect_format(path: str, input_format: str | None = None) -> str:
    """The file's format: ``input_format`` when given, else from the extension.

    Returns one of ``FORMATS``. Standard input (``-``) has no extension, so needs
    ``input_format``.
    """
    name = display_name(path)
    if input_format is not None:
        chosen = input_format.strip().lower()
        if chosen not in FORMATS:
            raise UnreadableInput("unreadable-file/unknown-format", value=name, file=name,
                                  format=input_format, formats=", ".join(FORMATS))
        return chosen
    if path == "-":
        raise UnreadableInput("unreadable-file/stdin-format", value=name, file=name,
                              formats=", ".join(FORMATS))
    suffix = PurePath(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    known = " ".join(EXTENSIONS)
    if not os.path.lexists(path):
        # A mistyped name (clients.cvs) is a missing file before it is an unknown format.
        raise UnreadableInput("unreadable-file/no-such-file", value=name, file=name)
    raise UnreadableInput("unreadable-file/unknown-extension", value=name, file=name,
                          extensions=known)


def open_table(
    path: str,
    *,
    input_format: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    stdin: BinaryIO | None = None,
) -> TableReader:
    """Open a CSV, TSV or workbook file and read its header; iterate the result for its rows.

    ``delimiter`` and ``encoding`` override detection (CSV and TSV), ``sheet`` picks a sheet
    (workbooks; the first visible one otherwise). ``header_row`` (1-based) is the header's
    row; without it the header is the first row that names known columns, so a title above it
    is skipped. ``path`` ``-`` reads ``stdin`` (standard input when not given). Use the reader
    as a context manager, or close it.
    """
    from clientreg.schemas.columns import is_known_header

    name = display_name(path)
    format = detect_format(path, input_format)
    if format not in TABLE_FORMATS:
        raise UnreadableInput("unreadable-file/document-not-table", value=name, file=name,
                              format=format.upper())
    delimiter = _checked_delimiter(delimiter, file=name)
    binary = _spooled_stdin(stdin) if path == "-" else _open_file(path)
    if format == "xlsx" or format in WORKBOOK_FORMATS:
        return _open_workbook(binary, file=name, format=format, sheet=sheet,
                              header_row=header_row, is_known=is_known_header)
    return open_csv(binary, file=name, format=format, delimiter=delimiter, encoding=encoding,
                    header_row=header_row, is_known=is_known_header)


def _open_workbook(binary: BinaryIO, *, file: str, format: str, sheet: str | None,
                   header_row: int | None, is_known: Any) -> TableReader:
    """An XLSX with openpyxl, the other workbooks with calamine. An XLSX or XLSB saved with
    a password is an OLE compound file, as an XLS is: told apart here, and an XLS named .xlsx
    is read as the XLS it is."""
    from clientreg.schemas import readers_calamine

    try:
        head = binary.read(8)
        binary.seek(0)
        if format == "xlsx" and head.startswith(readers_calamine.OLE_SIGNATURE):
            if readers_calamine.is_encrypted_ole(binary):
                raise UnreadableInput("unreadable-file/password-protected", value=file,
                                      file=file)
            format = "xls"
    except BaseException:
        binary.close()
        raise
    if format == "xlsx":
        return open_xlsx(binary, file=file, sheet=sheet, header_row=header_row,
                         is_known=is_known)
    return readers_calamine.open_workbook(binary, file=file, format=format, sheet=sheet,
                                          header_row=header_row, is_known=is_known)


def load_document(
    path: str, *, input_format: str | None = None, stdin: BinaryIO | None = None
) -> Any:
    """The parsed YAML or JSON document: lists, mappings, text, numbers, booleans and null.

    YAML is read with a safe loader narrowed to JSON's values (see ``DocumentLoader``).
    """
    name = display_name(path)
    format = detect_format(path, input_format)
    if format not in DOCUMENT_FORMATS:
        raise UnreadableInput("unreadable-file/table-not-document", value=name, file=name,
                              format=format.upper())
    if path == "-":
        data = read_document_bytes(stdin or sys.stdin.buffer, file=name)
    else:
        with _open_file(path) as binary:
            data = read_document_bytes(binary, file=name)
    try:
        if format == "yaml":
            return parse_yaml(data, file=name)
        return parse_json(data, file=name)
    except ValueError as err:
        # Python refuses to turn a number of more digits than this into an int, and neither
        # parser reports it as a mistake in the document: it would escape as a traceback.
        if "digits" not in str(err):
            raise
        raise UnreadableInput("unreadable-file/number-too-long", value=name, file=name,
                              count=sys.get_int_max_str_digits()) from None


def _checked_delimiter(delimiter: str | None, *, file: str) -> str | None:
    if delimiter is None:
        return None
    delimiter = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise UnreadableInput("unreadable-file/bad-delimiter", value=file, file=file,
                              delimiter=delimiter)
    return delimiter


def _open_file(path: str) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - the reader it goes into closes it
    except FileNotFoundError:
        raise UnreadableInput("unreadable-file/no-such-file", value=path, file=path) from None
    except IsADirectoryError:
        raise UnreadableInput("unreadable-file/is-a-directory", value=path, file=path) from None
    except PermissionError:
        raise UnreadableInput("unreadable-file/permission-denied", value=path,
                              file=path) from None
    except OSError as err:
        raise UnreadableInput("unreadable-file/cannot-open", value=path, file=path,
                              detail=err.strerror or str(err)) from None


def _spooled_stdin(stdin: BinaryIO | None) -> BinaryIO:
    """Standard input copied aside, since detection reads a table twice."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    shutil.copyfileobj(stdin or sys.stdin.buffer, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]
