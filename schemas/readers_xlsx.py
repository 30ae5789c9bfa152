"""XLSX workbooks, streamed with openpyxl's read-only mode: the sheet, and cells as their text."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

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
"""Largest total size of a workbook's parts once unzipped (200 MiB, about a million short rows).
A bigger one, a zip bomb among them, is refused before any of it is unpacked; the shared-strings
part is held in memory whole, the rows are streamed. Larger data is for CSV."""

# Floats that hold a whole number print without ".0" up to this size, as a spreadsheet shows them.
_WHOLE_NUMBER_LIMIT = 1e21


def open_xlsx(binary: BinaryIO, *, file: str, sheet: str | None) -> TableReader:
    """The table of one sheet: the first worksheet, or the one named ``sheet``.

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
        # Rows come padded from column A and row 1, missing ones as empty rows, so counting
        # from 1 gives the row numbers the spreadsheet shows.
        numbered = enumerate(_rows(content.iter_rows(min_row=1, min_col=1, values_only=True),
                                   file=file), start=1)
        header_cells: list[str] | None = None
        for _, cells in numbered:
            texts = _texts(cells)
            if not is_blank(texts):
                header_cells = texts
                break
        if header_cells is None:
            raise UnreadableInput(f"{file}: sheet {name!r} is empty", value=file)
        first_column = next(i for i, cell in enumerate(header_cells) if cell.strip())
        raw_headers, headers = checked_headers(header_cells[first_column:], file=file,
                                               first_column=first_column)
    except BaseException:
        release()
        raise
    problems: list[RowError] = []
    sliced = ((row, cells[first_column:]) for row, cells in numbered)
    rows = _source_rows(sliced, headers, file=file, problems=problems, first_column=first_column)
    return TableReader(
        file=file,
        format="xlsx",
        headers=headers,
        raw_headers=raw_headers,
        sheet=name,
        problems=problems,
        _rows=rows,
        _release=release,
    )


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


def _workbook(binary: BinaryIO, *, file: str) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(binary, read_only=True, data_only=True)
    except Exception as err:  # openpyxl is parsing untrusted bytes: any failure is the file's
        raise _damaged(file, err) from None


def _sheet_name(workbook: Any, wanted: str | None, *, file: str) -> str:
    names = list(workbook.sheetnames)
    if wanted is None:
        worksheets = [ws.title for ws in workbook.worksheets]
        if worksheets or names:
            return (worksheets or names)[0]
    elif wanted in names:
        return wanted
    else:
        matches = [name for name in names if canonical_header(name) == canonical_header(wanted)]
        if len(matches) == 1:
            return matches[0]
    if wanted is None:
        raise UnreadableInput(f"{file}: the workbook has no sheets", value=file)
    listed = ", ".join(repr(name) for name in names)
    raise UnreadableInput(
        f"{file}: there is no sheet named {wanted!r}; the sheets are {listed}", value=file
    )


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
        # Excel escapes control characters as _x0000_, which the reader turns back into NUL.
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
