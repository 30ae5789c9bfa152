"""XLSX workbooks, streamed with openpyxl's read-only mode: the sheet, and cells as their text."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple
from xml.parsers import expat

from clientreg.errors import RowError, UnreadableInput
from clientreg.schemas.readers_table import (
    MAX_CELL_CHARS,
    MergedCells,
    MergedRange,
    ReadRow,
    SourceRow,
    TableReader,
    canonical_header,
    checked_headers,
    column_letter,
    column_name,
    error_cell_problem,
    find_header,
    is_blank,
    row_values,
    shorten,
)

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Largest total size of a workbook's parts once unzipped (200 MiB, about a million short rows).
A bigger one, a zip bomb among them, is refused before any of it is unpacked; the shared-strings
part is held in memory whole, the rows are streamed. Larger data is for CSV."""

MAX_XLSX_ROW = 1_048_576
"""The last row a spreadsheet has. A sheet with a row numbered beyond it, or rows out of order
(which openpyxl would drop without a word), is refused."""

MAX_XLSX_CELLS = 4_000_000
"""Most cells read from one sheet, counting every cell a row spans up to its last one, empty or
not, and every other element of the sheet (a text cell written inline counts three; about
100,000 clients of 20 columns). openpyxl fills a row up to its last cell, so a few bytes naming
cell XFD1 stand for 16,384 cells; a sheet that would take more is refused after a scan of its
XML, before any row is read."""

MAX_XLSX_COLUMN = 16_384
"""The last column a spreadsheet has (XFD)."""

MAX_XLSX_ROW_BYTES = 2 * 1024 * 1024
"""Largest row of a sheet, in bytes of its XML: openpyxl parses a row whole, so this bounds
memory. A cell over ``MAX_CELL_CHARS`` still fits, and is that row's problem."""

MAX_XLSX_SHARED_STRINGS = 500_000
"""Most distinct texts in a workbook's shared-strings table, which is held in memory whole."""

MAX_XLSX_SHARED_STRING_CHARS = 32_000_000
"""Most characters in the shared-strings table."""

MAX_XLSX_MERGED_RANGES = 100_000
"""Most merged ranges a sheet may declare; they are held in memory to explain empty cells."""

MAX_XLSX_PART_BYTES = 8 * 1024 * 1024
"""Largest unpacked size of any other part of a workbook (styles, workbook, properties, charts):
openpyxl parses those whole into objects, so they are kept far below the sheets' allowance."""

_SCAN_CHUNK_BYTES = 1024 * 1024
_MANIFEST = "[Content_Types].xml"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.{}+xml"
_STRINGS_TYPE = _SPREADSHEET.format("sharedStrings")
_STREAMED_TYPES = (_SPREADSHEET.format("worksheet"), _STRINGS_TYPE)

# Floats that hold a whole number print without ".0" up to this size, as a spreadsheet shows them.
_WHOLE_NUMBER_LIMIT = 1e21


def open_xlsx(binary: BinaryIO, *, file: str, sheet: str | None, header_row: int | None = None,
              is_known: Callable[[str], bool] | None = None) -> TableReader:
    """The table of one sheet: the first visible worksheet, or the one named ``sheet``.

    The header is row ``header_row`` when given, else found by ``find_header`` (a title row
    above it is skipped) with ``is_known`` telling a known column's header.

    Rows are read from the sheet's XML one at a time (openpyxl's read-only mode), so memory does
    not grow with the number of rows. ``binary`` stays open until the reader is closed.
    """
    try:
        _check_archive(binary, file=file)
        binary.seek(0)
        workbook = _workbook(binary, file=file)
    except BaseException:
        binary.close()
        raise

    def release() -> None:
        workbook.close()
        binary.close()

    try:
        name = _sheet_name(workbook, sheet, file=file)
        content = workbook[name]
        if not hasattr(content, "iter_rows"):
            raise UnreadableInput("unreadable-file/chart-sheet", value=file, file=file,
                                  sheet=name)
        scan = _scan_sheet(content, file=file, sheet=name)
        # The declared dimension is not trusted: openpyxl would pad every row to its last
        # column and the sheet to its last row (A1:XFD1048576 is 17 billion cells). Without
        # it, a row spans up to its last cell, which the scan has bounded.
        content.reset_dimensions()
        # Rows come from column A and row 1, missing ones as empty rows, so counting
        # from 1 gives the row numbers the spreadsheet shows.
        numbered = enumerate(_rows(content.iter_rows(min_row=1, min_col=1, values_only=True),
                                   file=file), start=1)
        read = (ReadRow(row, texts(cells), cells) for row, cells in numbered)
        found = find_header(read, file=file, header_row=header_row, is_known=is_known)
        if found is None:
            raise UnreadableInput("unreadable-file/empty-sheet", value=file, file=file,
                                  sheet=name)
        header_cells = found.texts
        first_column = next(i for i, cell in enumerate(header_cells) if cell.strip())
        raw_headers, headers = checked_headers(header_cells[first_column:], file=file,
                                               first_column=first_column)
    except BaseException:
        release()
        raise
    problems: list[RowError] = []
    sliced = (_SheetRow(row, cells[first_column:]) for row, _, cells in found.rest)
    checks = _RowChecks(scan.formulas_without_value,
                        MergedCells(scan.merged, header_row=found.row))
    rows = _source_rows(sliced, headers, file=file, problems=problems, first_column=first_column,
                        checks=checks)
    return TableReader(
        file=file,
        format="xlsx",
        headers=headers,
        raw_headers=raw_headers,
        sheet=name,
        header_row=found.row,
        skipped_above=found.skipped_above,
        problems=problems,
        _rows=rows,
        _release=release,
    )


@dataclass
class SheetScan:
    """What the scan of a sheet's XML found that openpyxl's rows do not tell."""

    formulas_without_value: dict[int, int] = field(default_factory=dict)
    """Row -> first column (1-based) of a formula cell saved without its computed value."""
    merged: list[MergedRange] = field(default_factory=list)


@dataclass
class _RowChecks:
    formulas_without_value: dict[int, int]
    merged: MergedCells


def _rows(rows: Iterator[tuple[Any, ...]], *, file: str) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; XML that breaks half-way through is the file's fault, not a crash."""
    try:
        yield from rows
    except Exception as err:  # openpyxl parses untrusted XML: any failure is the file's
        raise _damaged(file, err) from None


def _check_archive(binary: BinaryIO, *, file: str) -> None:
    """Refuse what is not an XLSX workbook, or unpacks too large, before it is parsed."""
    try:
        with zipfile.ZipFile(binary) as archive:
            _check_parts(archive, file=file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableInput("unreadable-file/not-xlsx", value=file, file=file) from None


def _check_parts(archive: zipfile.ZipFile, *, file: str) -> None:
    parts = archive.infolist()
    if not any(part.filename == "xl/workbook.xml" for part in parts):
        raise UnreadableInput("unreadable-file/zip-not-xlsx", value=file, file=file)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise UnreadableInput("unreadable-file/xlsx-too-large", value=file, file=file,
                              count=unpacked, limit=MAX_XLSX_UNPACKED_BYTES)
    # Sizes are as the archive declares them; zipfile stops a part that unpacks to more.
    sizes = {part.filename: part.file_size for part in parts}
    if sizes.get(_MANIFEST, 0) > MAX_XLSX_PART_BYTES:
        raise _part_too_large(file, _MANIFEST, sizes[_MANIFEST])
    types = _content_types(archive, file=file) if _MANIFEST in sizes else {}
    for part, size in sizes.items():
        if size > MAX_XLSX_PART_BYTES and types.get(part) not in _STREAMED_TYPES:
            raise _part_too_large(file, part, size)
    for part, kind in types.items():
        if kind == _STRINGS_TYPE and part in sizes:
            _scan_shared_strings(archive, part, file=file)


def _part_too_large(file: str, part: str, size: int) -> UnreadableInput:
    return UnreadableInput("unreadable-file/xlsx-part-too-large", value=file, file=file,
                           part=part, count=size, limit=MAX_XLSX_PART_BYTES)


def _content_types(archive: zipfile.ZipFile, *, file: str) -> dict[str, str]:
    """Each part the manifest names, with its content type (how openpyxl finds them)."""
    types: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "Override" and "PartName" in attrs:
            types[attrs["PartName"].lstrip("/")] = attrs.get("ContentType", "")

    _scan_xml(archive.open(_MANIFEST), file=file, start=start)
    return types


def _scan_xml(source: Any, *, file: str, start: Any = None, text: Any = None,
              parser: Any = None) -> None:
    """Run expat over a part, without building anything: the handlers count and refuse."""
    if parser is None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = start
    if text is not None:
        parser.CharacterDataHandler = text
        parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        with source:
            while chunk := source.read(_SCAN_CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Doctype:
        raise UnreadableInput("unreadable-file/xlsx-doctype", value=file, file=file) from None
    except expat.ExpatError as err:
        raise _damaged(file, err) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise _damaged(file, err) from None


class _Doctype(Exception):
    """A part declares a DTD."""


def _refuse_doctype(*_: Any) -> None:
    # No workbook part has a DTD; one is there only to declare entities, an expansion bomb.
    raise _Doctype


def _scan_shared_strings(archive: zipfile.ZipFile, part: str, *, file: str) -> None:
    """Refuse a shared-strings table too large to hold, before openpyxl loads it whole."""
    counts = {"strings": 0, "elements": 0, "chars": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        counts["elements"] += 1
        if name.rpartition(":")[2] == "si":
            counts["strings"] += 1
            if counts["strings"] > MAX_XLSX_SHARED_STRINGS:
                raise UnreadableInput("unreadable-file/shared-texts", value=file, file=file,
                                      count=MAX_XLSX_SHARED_STRINGS)
        elif counts["elements"] > MAX_XLSX_CELLS:
            raise UnreadableInput("unreadable-file/shared-text-elements", value=file,
                                  file=file, count=MAX_XLSX_CELLS)

    def text(data: str) -> None:
        counts["chars"] += len(data)
        if counts["chars"] > MAX_XLSX_SHARED_STRING_CHARS:
            raise UnreadableInput("unreadable-file/shared-text-characters", value=file,
                                  file=file, count=MAX_XLSX_SHARED_STRING_CHARS)

    _scan_xml(archive.open(part), file=file, start=start, text=text)


def _scan_sheet(content: Any, *, file: str, sheet: str) -> SheetScan:
    """Refuse a sheet whose rows would take more than ``MAX_XLSX_CELLS`` to read, or hold a
    row past ``MAX_XLSX_ROW``, a column past ``MAX_XLSX_COLUMN``, rows or cells out of order,
    or a row of more than ``MAX_XLSX_ROW_BYTES``; one pass of expat over its XML, before
    openpyxl parses it. Only element starts are seen, to keep the pass cheap, but for the
    text of a formula cell's value. Also notes the formulas saved without a value (as a
    library writes them: ``<f>`` and an empty or no ``<v>``) and the merged ranges."""
    row = column = work = row_start = 0
    scan = SheetScan()
    formulas = scan.formulas_without_value
    # The formula cell being read, until the next element shows whether it had a value.
    pending: tuple[int, int] | None = None
    valued = False
    cell_type: str | None = None

    def value_text(data: str) -> None:
        nonlocal valued
        if data.strip():
            valued = True

    def settle() -> None:
        nonlocal pending
        assert pending is not None
        if not valued and pending[0] not in formulas:
            formulas[pending[0]] = pending[1]
        pending = None
        parser.CharacterDataHandler = None

    def check_row_size(at: int) -> None:
        # A row is parsed whole, so its size bounds memory; what lies outside rows counts
        # with the row before it.
        if at - row_start > MAX_XLSX_ROW_BYTES:
            raise UnreadableInput("unreadable-file/xlsx-row-too-large", value=file, file=file,
                                  sheet=sheet, row=max(row, 1), count=MAX_XLSX_ROW_BYTES)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, column, work, row_start, pending, valued, cell_type
        if pending is not None:
            if name == "v" or name.endswith(":v"):
                parser.CharacterDataHandler = value_text
                work += 1
                return
            settle()
        if name == "c" or name.endswith(":c"):
            cell_type = attrs.get("t")
            at = _column(attrs.get("r"), column + 1)
            if at <= column:
                raise UnreadableInput("unreadable-file/cells-out-of-order", value=file,
                                      file=file, sheet=sheet, row=row)
            if at > MAX_XLSX_COLUMN:
                raise UnreadableInput("unreadable-file/cell-past-last-column", value=file,
                                      file=file, sheet=sheet, row=row)
            # openpyxl fills the row with an empty cell for each column skipped.
            work += at - column
            column = at
        else:
            work += 1
            if name == "f" or name.endswith(":f"):
                # A formula that gave an empty text saves t="str" and an empty value.
                if cell_type != "str" and cell_type != "inlineStr":
                    pending, valued = (row, column), False
            elif name == "mergeCell" or name.endswith(":mergeCell"):
                merged = _merged_range(attrs.get("ref"))
                if merged is not None:
                    if len(scan.merged) >= MAX_XLSX_MERGED_RANGES:
                        raise UnreadableInput("unreadable-file/too-many-merged-ranges",
                                              value=file, file=file, sheet=sheet,
                                              count=MAX_XLSX_MERGED_RANGES)
                    scan.merged.append(merged)
        if name == "row" or name.endswith(":row"):
            number = _number(attrs.get("r"), row + 1)
            if number <= row:
                raise UnreadableInput("unreadable-file/rows-out-of-order", value=file,
                                      file=file, sheet=sheet, number=number, row=row)
            if number > MAX_XLSX_ROW:
                raise UnreadableInput("unreadable-file/row-past-last", value=file, file=file,
                                      sheet=sheet, number=number, limit=MAX_XLSX_ROW)
            at = parser.CurrentByteIndex
            check_row_size(at)
            row, column, row_start = number, 0, at
        if work > MAX_XLSX_CELLS:
            raise UnreadableInput("unreadable-file/too-many-cells", value=file, file=file,
                                  sheet=sheet, count=MAX_XLSX_CELLS)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    # openpyxl's read-only sheet opens its part of the archive on demand through this method.
    _scan_xml(content._get_source(), file=file, parser=parser)
    if pending is not None:
        settle()
    check_row_size(parser.CurrentByteIndex)
    return scan


def _merged_range(reference: str | None) -> MergedRange | None:
    """A range such as ``B3:B4``; None for one that is not (openpyxl ignores it too)."""
    if not reference or ":" not in reference:
        return None
    first, _, last = reference.partition(":")
    first_column, last_column = _column(first, 0), _column(last, 0)
    first_row = _number(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), 0)
    last_row = _number(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), 0)
    if min(first_column, last_column, first_row, last_row) < 1:
        return None
    if first_row > last_row or first_column > last_column:
        return None
    return MergedRange(first_row, first_column, min(last_row, MAX_XLSX_ROW),
                       min(last_column, MAX_XLSX_COLUMN))


def _number(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return default  # openpyxl refuses it when it parses the row
        return int(value) if value.is_integer() and value < 2 * MAX_XLSX_ROW else MAX_XLSX_ROW + 1


def _column(reference: str | None, default: int) -> int:
    """The column of a cell reference such as ``AB12`` (1 for A), as openpyxl reads it."""
    if not reference:
        return default
    letters = reference.rstrip("0123456789").upper()
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isascii():
        return default  # openpyxl refuses it when it parses the cell
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return column


def _damaged(file: str, err: BaseException) -> UnreadableInput:
    # What the XML parser, zipfile or openpyxl says is all that is known of the damage.
    return UnreadableInput("unreadable-file/damaged-xlsx", value=file, file=file,
                           detail=str(err))


def _workbook(binary: BinaryIO, *, file: str) -> Any:
    import openpyxl.reader.excel as excel
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Left unsized. openpyxl reads each sheet's declared dimension when the workbook
            opens, and a sheet that declares none is parsed to its end to look for it (every
            sheet, in full, keeping an element per cell); the dimension is not used here."""

    # The reader builds its sheets from this module-level name; swapped only while it runs.
    excel.ReadOnlyWorksheet = UnsizedSheet
    try:
        return load_workbook(binary, read_only=True, data_only=True)
    except Exception as err:  # openpyxl is parsing untrusted bytes: any failure is the file's
        raise _damaged(file, err) from None
    finally:
        excel.ReadOnlyWorksheet = ReadOnlyWorksheet


def _sheet_name(workbook: Any, wanted: str | None, *, file: str) -> str:
    worksheets = [ws.title for ws in workbook.worksheets]
    visible = [ws.title for ws in workbook.worksheets
               if getattr(ws, "sheet_state", "visible") == "visible"]
    return choose_sheet(list(workbook.sheetnames), [*visible, *worksheets], wanted, file=file)


def choose_sheet(names: list[str], preferred: list[str], wanted: str | None, *,
                 file: str) -> str:
    """The sheet named ``wanted`` (exactly, or the only one whose name matches it as headers
    match), or, when none is wanted, the first of ``preferred`` (the visible worksheets
    first), else the first sheet."""
    if wanted is None:
        if preferred or names:
            return (preferred or names)[0]
    elif wanted in names:
        return wanted
    else:
        matches = [name for name in names if canonical_header(name) == canonical_header(wanted)]
        if len(matches) == 1:
            return matches[0]
    if wanted is None:
        raise UnreadableInput("unreadable-file/no-sheets", value=file, file=file)
    listed = ", ".join(repr(name) for name in names)
    raise UnreadableInput("unreadable-file/no-such-sheet", value=file, file=file, sheet=wanted,
                          sheets=listed)


def cell_text(value: Any) -> str:
    """A cell as the text a user sees: 12 not 12.0, dates as YYYY-MM-DD, times HH:MM."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is float:
        if value.is_integer() and abs(value) < _WHOLE_NUMBER_LIMIT:
            return str(int(value))
        return repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is dt.datetime:
        if value.time() == dt.time(0):  # a date cell: spreadsheets store dates as midnight
            return value.date().isoformat()
        if value.microsecond:
            return value.isoformat()
        if value.second:
            return value.isoformat(timespec="seconds")
        return value.isoformat(timespec="minutes")
    if kind is dt.date:
        return value.isoformat()
    if kind is dt.time:
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if kind is dt.timedelta:
        return _duration_text(value)
    return str(value)


def _duration_text(value: dt.timedelta) -> str:
    """A duration as a spreadsheet's [h]:mm shows it: 30:05, or 30:05:09 with seconds."""
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    tail = f":{seconds:02d}" if seconds else ""
    return f"{sign}{hours}:{minutes:02d}{tail}"


def texts(cells: Sequence[Any]) -> list[str]:
    """The cells of a row as text, as ``cell_text`` writes each."""
    return [cell if type(cell) is str else cell_text(cell) for cell in cells]


class _SheetRow(NamedTuple):
    """One row of a sheet, its cells as openpyxl gives them, numbered as the sheet shows it."""

    row: int
    cells: tuple[Any, ...]


def _source_rows(
    numbered: Iterator[_SheetRow],
    headers: list[str],
    *,
    file: str,
    problems: list[RowError],
    first_column: int,
    checks: _RowChecks,
) -> Iterator[SourceRow]:
    width = len(headers)
    formulas, merged = checks.formulas_without_value, checks.merged
    for row, typed in numbered:
        cells = texts(typed)
        if is_blank(cells):
            continue
        problem = (cell_problem(cells, headers, file=file, row=row, first_column=first_column)
                   or error_cell_problem(cells, headers, file=file, row=row,
                                         first_column=first_column))
        if problem is None and formulas and row in formulas:
            problem = _formula_problem(formulas[row], headers, file=file, row=row,
                                       first_column=first_column)
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
        values = row_values(
            cells, headers, file=file, row=row, problems=problems, first_column=first_column
        )
        if values is not None:
            yield SourceRow(file, row, values, numbers)


_NO_NUMBERS: frozenset[str] = frozenset()


def number_columns(typed: Sequence[Any], headers: list[str]) -> frozenset[str]:
    """The headers of the cells a sheet holds as numbers (int or float, not a bool or date)."""
    found = [headers[at] for at, cell in enumerate(typed[: len(headers)])
             if type(cell) is int or type(cell) is float]
    return frozenset(found) if found else _NO_NUMBERS


def _formula_problem(column: int, headers: list[str], *, file: str, row: int,
                     first_column: int) -> RowError | None:
    """``formula-without-value`` at a formula cell (1-based ``column``) saved with no result."""
    at = column - 1 - first_column
    if not 0 <= at < len(headers):
        return None  # outside the table's columns: nothing of it is read
    return RowError.of(file, row, headers[at], None, "formula-without-value",
                       cell=f"{column_letter(column - 1)}{row}")


def cell_problem(
    cells: list[str], headers: list[str], *, file: str, row: int, first_column: int
) -> RowError | None:
    """A cell no import value can be: over ``MAX_CELL_CHARS``, or holding a NUL character."""
    if "\0" in "".join(cells):
        # Excel escapes control characters as _x0000_, which the reader turns back into NUL.
        at = next(i for i, cell in enumerate(cells) if "\0" in cell)
        column = column_name(headers, at, first_column)
        return RowError.of(file, row, column, shorten(cells[at]), "nul-character")
    longest = max(map(len, cells))
    if longest <= MAX_CELL_CHARS:
        return None
    at = next(i for i, cell in enumerate(cells) if len(cell) == longest)
    column = column_name(headers, at, first_column)
    return RowError.of(file, row, column, shorten(cells[at]), "cell-too-large",
                       count=MAX_CELL_CHARS)
