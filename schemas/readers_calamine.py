"""ODS, XLS and XLSB workbooks, read with python-calamine: the sheet, and cells as their text.

Cells become text by the rules of the XLSX reader (``readers_xlsx.cell_text``), rows are checked
by the same limits, and the rows come out as the same ``SourceRow`` values. calamine holds the
chosen sheet in memory whole; the archive of an ODS or XLSB is checked against the XLSX limits
before it is opened, and the sheet's cells are counted before a row is read.

What calamine does not tell is looked up around it: an ODS's cells that hold a formula's error
(calamine gives them as empty) and its merged cells come from a scan of its ``content.xml``, an
XLS's error cells from xlrd, an XLSB's from a scan of its sheet's records (``readers_xlsb``); an
encrypted workbook is recognised before calamine opens it.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from xml.parsers import expat

from clientreg.errors import RowError, UnreadableInput
from clientreg.schemas.readers_table import (
    MergedCells,
    MergedRange,
    ReadRow,
    SourceRow,
    TableReader,
    checked_headers,
    error_cell_problem,
    find_header,
    is_blank,
    row_values,
)
from clientreg.schemas.readers_xlsb import ErrorCell, xlsb_errors
from clientreg.schemas.readers_xlsx import (
    MAX_XLSX_CELLS,
    MAX_XLSX_MERGED_RANGES,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_UNPACKED_BYTES,
    _scan_xml,
    cell_problem,
    choose_sheet,
    number_columns,
    texts,
)

WORKBOOK_FORMATS = ("ods", "xls", "xlsb")
"""The formats this reader reads."""

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an OLE compound file: an XLS workbook, or an encrypted XLSX or XLSB."""

ZIP_SIGNATURE = b"PK\x03\x04"

_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"),
                       "EncryptedPackage".encode("utf-16-le"))
_ODS_MANIFEST = "META-INF/manifest.xml"
_ODS_CONTENT = "content.xml"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def open_workbook(
    binary: BinaryIO,
    *,
    file: str,
    format: str,
    sheet: str | None,
    header_row: int | None = None,
    is_known: Callable[[str], bool] | None = None,
) -> TableReader:
    """The table of one sheet of an ODS, XLS or XLSB workbook: the first visible worksheet, or
    the one named ``sheet``; the header as ``readers_table.find_header`` finds it.

    ``binary`` stays open until the reader is closed.
    """
    try:
        _check_container(binary, file=file, format=format)
        # calamine reads every sheet of an ODS as it opens it, each as a grid from its first
        # used cell to its last: the sheets are scanned first, so that a few bytes standing
        # for a huge grid are refused before any of it is built.
        scanned = _ods_extras(binary, file=file) if format == "ods" else {}
        binary.seek(0)
        workbook = _workbook(binary, file=file, format=format)
    except BaseException:
        binary.close()
        raise

    def release() -> None:
        workbook.close()
        binary.close()

    try:
        name = _sheet_name(workbook, sheet, file=file)
        extras = scanned.get(name, _Extras()) if format == "ods" else None
        content = _calamine(lambda: workbook.get_sheet_by_name(name), file=file, format=format)
        start = content.start
        if start is None:
            raise UnreadableInput("unreadable-file/empty-sheet", value=file, file=file,
                                  sheet=name)
        if content.height * content.width > MAX_XLSX_CELLS:
            raise _too_many_cells(file, name)
        if extras is None:
            extras = _Extras(merged=_merged_ranges(content))
        # calamine gives every row from row 1, each from the sheet's first used column.
        offset = start[1]
        numbered = enumerate(_rows(content, file=file, format=format), start=1)
        read = (ReadRow(row, texts(cells), cells) for row, cells in numbered)
        found = find_header(read, file=file, header_row=header_row, is_known=is_known)
        if found is None:
            raise UnreadableInput("unreadable-file/empty-sheet", value=file, file=file,
                                  sheet=name)
        at = next(i for i, cell in enumerate(found.texts) if cell.strip())
        first_column = offset + at
        raw_headers, headers = checked_headers(found.texts[at:], file=file,
                                               first_column=first_column)
        if format != "ods":
            columns = range(first_column + 1, first_column + len(headers) + 1)
            extras.errors = _error_cells(binary, name, file=file, columns=columns)
    except BaseException:
        release()
        raise
    problems: list[RowError] = []
    merged = MergedCells(extras.merged, header_row=found.row)
    rows = _source_rows(((row, typed[at:]) for row, _, typed in found.rest), headers,
                        file=file, problems=problems, first_column=first_column,
                        errors=extras.errors, merged=merged)
    return TableReader(
        file=file,
        format=format,
        headers=headers,
        raw_headers=raw_headers,
        sheet=name,
        header_row=found.row,
        skipped_above=found.skipped_above,
        problems=problems,
        _rows=rows,
        _release=release,
    )


def is_encrypted_ole(binary: BinaryIO) -> bool:
    """True when ``binary`` is an OLE compound file holding an encrypted Office package (how
    Excel and LibreOffice save an XLSX or XLSB with a password). Leaves the position at 0."""
    try:
        binary.seek(0)
        header = binary.read(512)
        if len(header) < 512 or not header.startswith(OLE_SIGNATURE):
            return False
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        first_directory = struct.unpack_from("<I", header, 0x30)[0]
        if not 7 <= shift <= 16 or first_directory >= 0xFFFFFFFA:
            return False
        size = 1 << shift
        binary.seek((first_directory + 1) * size)
        directory = binary.read(min(size, 64 * 1024))
        return any(stream in directory for stream in _ENCRYPTION_STREAMS)
    except (OSError, ValueError, struct.error):
        return False
    finally:
        binary.seek(0)


def _check_container(binary: BinaryIO, *, file: str, format: str) -> None:
    """Refuse a password-protected workbook, a file that is no workbook at all, and an archive
    that unpacks too large, before calamine reads it."""
    binary.seek(0)
    head = binary.read(8)
    if head.startswith(OLE_SIGNATURE):
        if is_encrypted_ole(binary):
            raise _password(file)
        return
    if head.startswith(ZIP_SIGNATURE):
        try:
            with zipfile.ZipFile(binary) as archive:
                _check_archive(archive, file=file, format=format)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise _not_workbook(file, format) from None
        return
    raise _not_workbook(file, format)


def _check_archive(archive: zipfile.ZipFile, *, file: str, format: str) -> None:
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise UnreadableInput("unreadable-file/xlsx-too-large", value=file, file=file,
                              count=unpacked, limit=MAX_XLSX_UNPACKED_BYTES)
    sizes = {part.filename: part.file_size for part in parts}
    if format == "ods" and _ODS_MANIFEST in sizes:
        if sizes[_ODS_MANIFEST] > MAX_XLSX_PART_BYTES:
            raise UnreadableInput("unreadable-file/xlsx-part-too-large", value=file, file=file,
                                  part=_ODS_MANIFEST, count=sizes[_ODS_MANIFEST],
                                  limit=MAX_XLSX_PART_BYTES)
        # An ODS saved with a password keeps its manifest in the clear, saying how each part
        # is encrypted.
        if b"encryption-data" in archive.read(_ODS_MANIFEST):
            raise _password(file)


def _too_many_cells(file: str, sheet: str) -> UnreadableInput:
    return UnreadableInput("unreadable-file/too-many-cells", value=file, file=file, sheet=sheet,
                           count=MAX_XLSX_CELLS)


def _password(file: str) -> UnreadableInput:
    return UnreadableInput("unreadable-file/password-protected", value=file, file=file)


def _not_workbook(file: str, format: str) -> UnreadableInput:
    return UnreadableInput("unreadable-file/not-workbook", value=file, file=file,
                           format=format.upper())


def _calamine(action: Callable[[], Any], *, file: str, format: str) -> Any:
    """What ``action`` returns; whatever calamine raises on a broken file is the file's."""
    from python_calamine import PasswordError

    try:
        return action()
    except PasswordError:
        raise _password(file) from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as err:  # calamine parses untrusted bytes; a Rust panic included
        raise UnreadableInput("unreadable-file/damaged-workbook", value=file, file=file,
                              format=format.upper(), detail=str(err) or type(err).__name__,
                              ) from None


def _workbook(binary: BinaryIO, *, file: str, format: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return _calamine(lambda: CalamineWorkbook.from_filelike(binary), file=file,
                         format=format)
    except UnreadableInput:
        if _is_password_protected_xls(binary):
            raise _password(file) from None
        raise


def _is_password_protected_xls(binary: BinaryIO) -> bool:
    """True for an XLS saved with a password. calamine, reading a file object, tries every
    format in turn and says only that it cannot tell this one; opening a file named .xls it
    reads it as XLS, and says it is password protected. So a copy named .xls is opened."""
    from python_calamine import CalamineWorkbook, PasswordError

    binary.seek(0)
    if not binary.read(8).startswith(OLE_SIGNATURE):
        return False
    binary.seek(0)
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "workbook.xls")
        with open(copy, "wb") as target:
            shutil.copyfileobj(binary, target)
        try:
            CalamineWorkbook.from_path(copy).close()
        except PasswordError:
            return True
        except BaseException as err:  # whatever else is wrong, it is not a password
            if isinstance(err, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
                raise
            return False
        finally:
            binary.seek(0)
    return False


def _sheet_name(workbook: Any, wanted: str | None, *, file: str) -> str:
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = list(workbook.sheets_metadata)
    names = [sheet.name for sheet in sheets]
    worksheets = [sheet.name for sheet in sheets if sheet.typ == SheetTypeEnum.WorkSheet]
    visible = [sheet.name for sheet in sheets if sheet.typ == SheetTypeEnum.WorkSheet
               and sheet.visible == SheetVisibleEnum.Visible]
    name = choose_sheet(names, [*visible, *worksheets], wanted, file=file)
    if name not in worksheets:
        raise UnreadableInput("unreadable-file/chart-sheet", value=file, file=file, sheet=name)
    return name


def _rows(content: Any, *, file: str, format: str) -> Iterator[list[Any]]:
    rows = content.iter_rows()
    while True:
        row = _calamine(lambda: next(rows, None), file=file, format=format)
        if row is None:
            return
        yield row


def _merged_ranges(content: Any) -> list[MergedRange]:
    """The merged ranges calamine knows (XLS; XLSB has none to give), 1-based."""
    ranges = content.merged_cell_ranges or []
    return [MergedRange(first[0] + 1, first[1] + 1, last[0] + 1, last[1] + 1)
            for first, last in ranges[:MAX_XLSX_MERGED_RANGES]]


@dataclass
class _Extras:
    """What the rows as calamine gives them do not show."""

    errors: dict[int, ErrorCell] = field(default_factory=dict)
    """Row -> its first cell holding a formula's error, which calamine gives as empty."""
    merged: list[MergedRange] = field(default_factory=list)


def _error_cells(binary: BinaryIO, sheet: str, *, file: str,
                 columns: range) -> dict[int, ErrorCell]:
    """Row -> its first cell holding an error value, in a sheet of an XLS or XLSB workbook, as
    the file's content says which it is (calamine reads an XLS named .xlsb, and the reverse).
    An XLSB's cells are looked for among ``columns`` (1-based) only."""
    binary.seek(0)
    head = binary.read(8)
    binary.seek(0)
    if head.startswith(OLE_SIGNATURE):
        return _xls_errors(binary, sheet)
    if head.startswith(ZIP_SIGNATURE):
        return xlsb_errors(binary, sheet, file=file, columns=columns)
    return {}


def _xls_errors(binary: BinaryIO, sheet: str) -> dict[int, ErrorCell]:
    """Row -> its first cell holding an error value, in a sheet of an XLS workbook.

    calamine gives an XLS error cell as an empty one (python-calamine issue 105); xlrd, which
    reads the XLS format and nothing else, tells them apart. A workbook xlrd cannot read, that
    calamine could, is left to calamine's reading.
    """
    import xlrd

    binary.seek(0)
    try:
        book = xlrd.open_workbook(file_contents=binary.read(), on_demand=True,
                                  logfile=io.StringIO())
        try:
            content = book.sheet_by_name(sheet)
            found: dict[int, ErrorCell] = {}
            for row in range(content.nrows):
                for column, kind in enumerate(content.row_types(row)):
                    if kind == xlrd.XL_CELL_ERROR:
                        code = content.cell_value(row, column)
                        found[row + 1] = ErrorCell(column + 1,
                                                xlrd.error_text_from_code.get(code, "#VALUE!"))
                        break
            return found
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001 - xlrd parses untrusted bytes
        return {}


def _ods_extras(binary: BinaryIO, *, file: str) -> dict[str, _Extras]:
    """The error cells and merged ranges of each sheet of an ODS, by name, from one pass of
    expat over its ``content.xml``: rows and cells are counted as ODF repeats them. A sheet
    whose cells holding a value, or whose grid from A1 to its last such cell, pass
    ``MAX_XLSX_CELLS`` is refused."""
    found: dict[str, _Extras] = {}
    extras = _Extras()
    sheet = ""
    table_name = f"{_ODF_TABLE} name"
    value_type = f"{_ODF_OFFICE} value-type"
    state = {"depth": 0, "row": 0, "next": 1, "repeat": 1, "column": 1, "in_sheet": False,
             "cells": 0, "last_row": 0, "last_column": 0}
    error: list[str] | None = None
    error_at = (0, 0)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal error, error_at, extras, sheet
        if not name.startswith(_ODF_TABLE):
            return
        local = name[len(_ODF_TABLE) + 1:]
        if local == "table":
            state["depth"] += 1
            if state["depth"] == 1:
                sheet = attrs.get(table_name, "")
                extras = found.setdefault(sheet, _Extras())
                state.update(in_sheet=True, next=1, cells=0, last_row=0, last_column=0)
            return
        if not state["in_sheet"] or state["depth"] != 1:
            return
        if local == "table-row":
            state["row"] = state["next"]
            state["repeat"] = _count(attrs.get(f"{_ODF_TABLE} number-rows-repeated"))
            state["next"] += state["repeat"]
            state["column"] = 1
        elif local in ("table-cell", "covered-table-cell"):
            row, column = state["row"], state["column"]
            repeat = _count(attrs.get(f"{_ODF_TABLE} number-columns-repeated"))
            state["column"] += repeat
            if local == "covered-table-cell":
                return
            if value_type in attrs:
                state["cells"] += repeat * state["repeat"]
                state["last_row"] = max(state["last_row"], row + state["repeat"] - 1)
                state["last_column"] = max(state["last_column"], column + repeat - 1)
                if (state["cells"] > MAX_XLSX_CELLS
                        or state["last_row"] * state["last_column"] > MAX_XLSX_CELLS):
                    raise _too_many_cells(file, sheet)
            if attrs.get(f"{_ODF_CALCEXT} value-type") == "error" and row not in extras.errors:
                error, error_at = [], (row, column)
            rows = _count(attrs.get(f"{_ODF_TABLE} number-rows-spanned"))
            columns = _count(attrs.get(f"{_ODF_TABLE} number-columns-spanned"))
            if rows > 1 or columns > 1:
                if len(extras.merged) >= MAX_XLSX_MERGED_RANGES:
                    raise UnreadableInput("unreadable-file/too-many-merged-ranges", value=file,
                                          file=file, sheet=sheet, count=MAX_XLSX_MERGED_RANGES)
                extras.merged.append(MergedRange(row, column, row + rows - 1,
                                                 column + columns - 1))

    def end(name: str) -> None:
        nonlocal error
        if name == f"{_ODF_TABLE} table":
            state["depth"] -= 1
            if state["depth"] == 0:
                state["in_sheet"] = False
        elif error is not None and name == f"{_ODF_TABLE} table-cell":
            extras.errors[error_at[0]] = ErrorCell(error_at[1], "".join(error).strip())
            error = None

    def text(data: str) -> None:
        if error is not None and sum(map(len, error)) < 100:
            error.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        archive = zipfile.ZipFile(binary)
        source = archive.open(_ODS_CONTENT)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return found  # calamine says what is wrong with it
    _scan_xml(source, file=file, parser=parser)
    return found


def _count(text: str | None) -> int:
    """A repeat or span count of ODF: at least 1, and bounded as a sheet is."""
    if not text:
        return 1
    try:
        return min(max(int(text), 1), 1 << 20)
    except ValueError:
        return 1


def _source_rows(
    numbered: Iterator[tuple[int, list[Any]]],
    headers: list[str],
    *,
    file: str,
    problems: list[RowError],
    first_column: int,
    errors: dict[int, ErrorCell],
    merged: MergedCells,
) -> Iterator[SourceRow]:
    width = len(headers)
    for row, typed in numbered:
        cells = texts(typed)
        if errors and row in errors:
            problem = _error_problem(errors[row], headers, file=file, row=row,
                                     first_column=first_column)
            if problem is not None:
                problems.append(problem)
                continue
        if is_blank(cells):
            continue
        problem = (cell_problem(cells, headers, file=file, row=row, first_column=first_column)
                   or error_cell_problem(cells, headers, file=file, row=row,
                                         first_column=first_column))
        if problem is None and merged:
            problem = merged.problem(cells, headers, file=file, row=row,
                                     first_column=first_column)
        if problem is not None:
            problems.append(problem)
            continue
        numbers = number_columns(typed, headers)
        if len(cells) == width:
            yield SourceRow(file, row, dict(zip(headers, cells, strict=False)), numbers)
            continue
        values = row_values(cells, headers, file=file, row=row, problems=problems,
                            first_column=first_column)
        if values is not None:
            yield SourceRow(file, row, values, numbers)


def _error_problem(error: ErrorCell, headers: list[str], *, file: str, row: int,
                   first_column: int) -> RowError | None:
    at = error.column - 1 - first_column
    if not 0 <= at < len(headers):
        return None
    text = error.text or "#VALUE!"
    return RowError.of(file, row, headers[at], text, "spreadsheet-error", error=text)
