"""XLSX workbooks through calamine: the sheet to read, and typed cells turned into their text."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum

from clientreg.errors import RowError, UnreadableInput
from clientreg.schemas.readers_table import (
    MAX_CELL_CHARS,
    SourceRow,
    TableReader,
    canonical_header,
    checked_headers,
    column_name,
    is_blank,
    row_values,
    shorten,
)

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Largest total size of a workbook's parts once unzipped (200 MiB). A bigger one, a zip bomb
among them, is refused before any of it is unpacked. The XLSX reader holds a whole sheet in
memory (about 2.5 bytes per byte of sheet XML), so this also bounds memory: files larger than
that are for CSV, which is streamed."""

# Floats that hold a whole number print without ".0" up to this size, as a spreadsheet shows them.
_WHOLE_NUMBER_LIMIT = 1e21


def open_xlsx(binary: BinaryIO, *, file: str, sheet: str | None) -> TableReader:
    """The table of one sheet: the first worksheet, or the one named ``sheet``.

    calamine loads the chosen sheet whole, so memory grows with the sheet; rows are still turned
    into text one at a time. ``binary`` is closed before this returns.
    """
    try:
        _check_archive(binary, file=file)
        binary.seek(0)
        workbook = _workbook(binary, file=file)
    finally:
        binary.close()
    name = _sheet_name(workbook, sheet, file=file)
    content = _sheet(workbook, name, file=file)
    first_column = content.start[1] if content.start else 0
    # iter_rows starts at the sheet's first row even when the cells begin lower down, so
    # counting from 1 gives the row numbers the spreadsheet shows.
    numbered = enumerate(content.iter_rows(), start=1)
    texts = (_texts(cells) for _, cells in numbered)
    header_cells = next((cells for cells in texts if not is_blank(cells)), None)
    if header_cells is None:
        workbook.close()
        raise UnreadableInput(f"{file}: sheet {name!r} is empty", value=file)
    try:
        raw_headers, headers = checked_headers(header_cells, file=file, first_column=first_column)
    except UnreadableInput:
        workbook.close()
        raise
    problems: list[RowError] = []
    rows = _source_rows(numbered, headers, file=file, problems=problems, first_column=first_column)
    return TableReader(
        file=file,
        format="xlsx",
        headers=headers,
        raw_headers=raw_headers,
        sheet=name,
        problems=problems,
        _rows=rows,
        _release=workbook.close,
    )


def _check_archive(binary: BinaryIO, *, file: str) -> None:
    """Refuse what is not an XLSX workbook, or unpacks too large, before calamine opens it."""
    try:
        with zipfile.ZipFile(binary) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableInput(
            f"{file}: not an XLSX workbook, or the file is damaged or incomplete;"
            " open it in a spreadsheet and save it again as .xlsx",
            value=file,
        ) from None
    if not any(part.filename == "xl/workbook.xml" for part in parts):
        raise UnreadableInput(f"{file}: is a ZIP archive but not an XLSX workbook", value=file)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise UnreadableInput(
            f"{file}: unpacks to {unpacked:,} bytes, over the limit of"
            f" {MAX_XLSX_UNPACKED_BYTES:,}; save the data as CSV instead",
            value=file,
        )


def _damaged(file: str, err: BaseException) -> UnreadableInput:
    return UnreadableInput(
        f"{file}: the workbook cannot be read ({err}); open it in a spreadsheet and save it again",
        value=file,
    )


def _workbook(binary: BinaryIO, *, file: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(binary)
    except Exception as err:  # calamine is parsing untrusted bytes: any failure is the file's
        raise _damaged(file, err) from None
    except BaseException as err:
        # A panic inside calamine's Rust code reaches Python as pyo3's PanicException, which
        # derives from BaseException; it still only means the file could not be parsed.
        if type(err).__name__ != "PanicException":
            raise
        raise _damaged(file, err) from None


def _sheet(workbook: CalamineWorkbook, name: str, *, file: str) -> CalamineSheet:
    try:
        return workbook.get_sheet_by_name(name)
    except Exception as err:
        workbook.close()
        raise _damaged(file, err) from None
    except BaseException as err:
        workbook.close()
        if type(err).__name__ != "PanicException":
            raise
        raise _damaged(file, err) from None


def _sheet_name(workbook: CalamineWorkbook, wanted: str | None, *, file: str) -> str:
    names = workbook.sheet_names
    if wanted is None:
        worksheets = [
            meta.name for meta in workbook.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet
        ]
        if worksheets or names:
            return (worksheets or names)[0]
    elif wanted in names:
        return wanted
    else:
        matches = [name for name in names if canonical_header(name) == canonical_header(wanted)]
        if len(matches) == 1:
            return matches[0]
    workbook.close()
    if wanted is None:
        raise UnreadableInput(f"{file}: the workbook has no sheets", value=file)
    listed = ", ".join(repr(name) for name in names)
    raise UnreadableInput(
        f"{file}: there is no sheet named {wanted!r}; the sheets are {listed}", value=file
    )


def cell_text(value: Any) -> str:
    """A calamine cell as the text a user sees: 12 not 12.0, dates as YYYY-MM-DD, times HH:MM."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value.is_integer() and abs(value) < _WHOLE_NUMBER_LIMIT:
            return str(int(value))
        return repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is dt.datetime:
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


def _texts(cells: list[Any]) -> list[str]:
    return [cell if type(cell) is str else cell_text(cell) for cell in cells]


def _source_rows(
    numbered: Iterator[tuple[int, list[Any]]],
    headers: list[str],
    *,
    file: str,
    problems: list[RowError],
    first_column: int,
) -> Iterator[SourceRow]:
    width = len(headers)
    for row, typed in numbered:
        cells = _texts(typed)
        if is_blank(cells):
            continue
        problem = _cell_problem(cells, headers, file=file, row=row, first_column=first_column)
        if problem is not None:
            problems.append(problem)
            continue
        if len(cells) == width:
            yield SourceRow(file, row, dict(zip(headers, cells, strict=False)))
            continue
        values = row_values(
            cells, headers, file=file, row=row, problems=problems, first_column=first_column
        )
        if values is not None:
            yield SourceRow(file, row, values)


def _cell_problem(
    cells: list[str], headers: list[str], *, file: str, row: int, first_column: int
) -> RowError | None:
    """A cell no import value can be: over ``MAX_CELL_CHARS``, or holding a NUL character."""
    if "\0" in "".join(cells):
        # Excel escapes control characters as _x0000_, which calamine turns back into NUL.
        at = next(i for i, cell in enumerate(cells) if "\0" in cell)
        code = "nul-character"
        message = "a cell holds a NUL character (_x0000_), which is not text; delete it"
    else:
        longest = max(map(len, cells))
        if longest <= MAX_CELL_CHARS:
            return None
        at = next(i for i, cell in enumerate(cells) if len(cell) == longest)
        code = "cell-too-large"
        message = f"a cell is longer than {MAX_CELL_CHARS:,} characters"
    column = column_name(headers, at, first_column)
    return RowError(file, row, column, shorten(cells[at]), code, message)
