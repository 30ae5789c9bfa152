"""What every table reader yields: rows keyed by canonical headers, and the checks on the header."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from types import TracebackType
from typing import Generic, NamedTuple, TypeVar

from clientreg.errors import RowError, UnreadableInput

MAX_CELL_CHARS = 100_000
"""Longest cell read, in characters. A longer cell is a row problem (``cell-too-large``); the
reader never holds more of it than this, so a runaway cell cannot exhaust memory."""

MAX_COLUMNS = 1_000
"""Most named columns a header may have. A wider header makes the file unreadable."""

SHOWN_VALUE_CHARS = 80
"""A value quoted in a row problem is shortened to this many characters."""

HEADER_SEARCH_ROWS = 10
"""How many non-blank rows are looked at for the header when a title sits above it."""

KNOWN_HEADERS_NEEDED = 2
"""A row is taken for the header when at least this many of its cells name known columns."""

SPREADSHEET_ERRORS = frozenset({
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#ERROR!",
})
"""The values a spreadsheet shows in a cell whose formula failed, as Excel, LibreOffice and
Google Sheets write them (in the cell's XML, or as the text of an exported CSV)."""

_LIBREOFFICE_ERROR = re.compile(r"Err:[0-9]{3}")
"""LibreOffice shows other failures as a number: Err:502, Err:504..."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row of a table, located as a spreadsheet shows it."""

    file: str
    row: int
    values: dict[str, str]
    numbers: frozenset[str] = frozenset()
    """The canonical headers of the row's cells that the spreadsheet holds as numbers, not
    text (a postal code typed as 01234 and stored as 1234, say). Always empty for CSV."""


class NumberedCells(NamedTuple):
    """The cells of one record, with the row number a spreadsheet shows for it."""

    row: int
    cells: list[str]


@dataclass
class TableReader:
    """An open table: its header, then its rows one at a time when iterated (a single pass).

    Rows that cannot be used (more cells than headers, a cell over the limit, an unclosed quote)
    are not yielded; each adds a ``RowError`` to ``problems`` as the iteration reaches it.
    """

    file: str
    format: str
    headers: list[str]
    raw_headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    """The row of the header, as the spreadsheet numbers it."""
    skipped_above: int = 0
    """Non-blank rows above the header (a title, notes), which were not read."""
    problems: list[RowError] = field(default_factory=list)
    _rows: Iterator[SourceRow] = field(default_factory=lambda: iter(()), repr=False)
    _release: Callable[[], None] = field(default=lambda: None, repr=False)

    def __iter__(self) -> Iterator[SourceRow]:
        return self._rows

    def close(self) -> None:
        close_rows = getattr(self._rows, "close", None)
        if close_rows is not None:
            close_rows()
        self._release()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def canonical_header(text: str) -> str:
    """The header as columns are matched: NFC, trimmed, case-folded, inner spaces collapsed."""
    if text.isascii():
        return " ".join(text.split()).lower()
    folded = " ".join(unicodedata.normalize("NFC", text).split()).casefold()
    # Case folding can decompose a letter (İ -> i + dot above), so compose again.
    return unicodedata.normalize("NFC", folded)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a zero-based column position: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shorten(value: str | None) -> str | None:
    """A value as quoted in a row problem: at most ``SHOWN_VALUE_CHARS`` characters."""
    if value is None or len(value) <= SHOWN_VALUE_CHARS:
        return value
    return value[: SHOWN_VALUE_CHARS - 1] + "…"


def is_blank(cells: list[str]) -> bool:
    """True when no cell of the row holds anything but spaces."""
    # Most rows start with a non-blank cell, so the first test settles them cheaply.
    return not cells or (not cells[0].strip() and not "".join(cells).strip())


class Header(NamedTuple):
    """A header row as written and as columns are matched."""

    raw: list[str]
    canonical: list[str]


def checked_headers(cells: list[str], *, file: str, first_column: int = 0) -> Header:
    """The raw and canonical headers of a header row, or UnreadableInput naming the column.

    Empty header cells after the last named one are dropped: spreadsheets often save them.
    """
    raw = list(cells)
    if raw and raw[0].startswith("\ufeff"):
        raw[0] = raw[0][1:]
    while raw and not raw[-1].strip():
        raw.pop()
    if len(raw) > MAX_COLUMNS:
        raise UnreadableInput("unreadable-file/too-many-columns", value=file, file=file,
                              count=len(raw), limit=MAX_COLUMNS)
    headers = [canonical_header(text) for text in raw]
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        letter = column_letter(first_column + position)
        if not header:
            raise UnreadableInput("unreadable-file/unnamed-column", value=file, file=file,
                                  letter=letter)
        if header in seen:
            first = column_letter(first_column + seen[header])
            raise UnreadableInput("unreadable-file/same-header", value=file, file=file,
                                  first=first, first_header=raw[seen[header]], letter=letter,
                                  header=raw[position], canonical=header)
        seen[header] = position
    return Header(raw, headers)


def column_name(headers: list[str], position: int, first_column: int = 0) -> str:
    """The header of a cell's column, or its letter where the column has no header."""
    if 0 <= position < len(headers):
        return headers[position]
    return column_letter(first_column + max(position, 0))


def row_values(
    cells: list[str],
    headers: list[str],
    *,
    file: str,
    row: int,
    problems: list[RowError],
    first_column: int = 0,
) -> dict[str, str] | None:
    """The row keyed by header; None, with a problem recorded, when a cell has no header."""
    width = len(headers)
    size = len(cells)
    if size <= width:
        return dict(zip(headers, [*cells, *repeat("", width - size)], strict=True))
    for position in range(width, size):
        if cells[position].strip():
            letter = column_letter(first_column + position)
            problems.append(RowError.of(file, row, letter, shorten(cells[position]),
                                        "extra-cells", letter=letter))
            return None
    return dict(zip(headers, cells, strict=False))


def is_spreadsheet_error(text: str) -> bool:
    """True when a cell holds what a spreadsheet shows for a failed formula (#N/A, #REF!...)."""
    return text in SPREADSHEET_ERRORS or _LIBREOFFICE_ERROR.fullmatch(text) is not None


def error_cell_problem(
    cells: Sequence[str], headers: list[str], *, file: str, row: int, first_column: int = 0
) -> RowError | None:
    """A ``spreadsheet-error`` problem for the first cell holding an error value, if any."""
    # Most rows hold no "#" nor "Err:" at all: one look at the joined text settles them.
    joined = "".join(cells)
    if "#" not in joined and "Err:" not in joined:
        return None
    for at, cell in enumerate(cells):
        if cell and is_spreadsheet_error(cell):
            column = column_name(headers, at, first_column)
            return RowError.of(file, row, column, cell, "spreadsheet-error", error=cell)
    return None


Payload = TypeVar("Payload")


class ReadRow(NamedTuple, Generic[Payload]):
    """A row of a sheet or file as a reader has it: its number, its cells as text, and what
    else the reader keeps of it (the typed cells of a workbook)."""

    row: int
    texts: list[str]
    payload: Payload


@dataclass
class FoundHeader(Generic[Payload]):
    """The header row of a table, and the rows after it, still to be read."""

    row: int
    texts: list[str]
    rest: Iterator[ReadRow[Payload]]
    skipped_above: int


def find_header(
    rows: Iterator[ReadRow[Payload]],
    *,
    file: str,
    header_row: int | None,
    is_known: Callable[[str], bool] | None,
) -> FoundHeader[Payload] | None:
    """The header of a table: row ``header_row`` when given (1-based, as the spreadsheet
    numbers it), else the first of the first ``HEADER_SEARCH_ROWS`` non-blank rows where at
    least ``KNOWN_HEADERS_NEEDED`` cells name known columns, else the first non-blank row.

    Rows above the header are skipped. None when there is no such row (the table is empty).
    """
    if header_row is not None:
        skipped = 0
        for read in rows:
            if read.row == header_row:
                if is_blank(read.texts):
                    raise UnreadableInput("unreadable-file/blank-header-row", value=file,
                                          file=file, row=header_row)
                return FoundHeader(read.row, read.texts, rows, skipped)
            if read.row > header_row:
                break
            skipped += not is_blank(read.texts)
        raise UnreadableInput("unreadable-file/header-row-past-end", value=file, file=file,
                              row=header_row)
    looked: list[ReadRow[Payload]] = []
    for read in rows:
        if is_blank(read.texts):
            if looked:
                looked.append(read)
            continue
        if is_known is None or _known_count(read.texts, is_known) >= KNOWN_HEADERS_NEEDED:
            skipped = sum(1 for seen in looked if not is_blank(seen.texts))
            return FoundHeader(read.row, read.texts, rows, skipped)
        looked.append(read)
        if sum(1 for seen in looked if not is_blank(seen.texts)) >= HEADER_SEARCH_ROWS:
            break
    if not looked:
        return None
    # No row looks like a header: the first non-blank one is, as the column check will say.
    first, *after = looked
    return FoundHeader(first.row, first.texts, chain(after, rows), 0)


def _known_count(texts: list[str], is_known: Callable[[str], bool]) -> int:
    count = 0
    for text in texts:
        if text.strip() and is_known(text):
            count += 1
            if count >= KNOWN_HEADERS_NEEDED:
                break
    return count


class MergedRange(NamedTuple):
    """Cells merged into one, by 1-based row and column; only the first holds the value."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def reference(self) -> str:
        return (f"{column_letter(self.first_column - 1)}{self.first_row}:"
                f"{column_letter(self.last_column - 1)}{self.last_row}")

    @property
    def anchor(self) -> str:
        return f"{column_letter(self.first_column - 1)}{self.first_row}"


class MergedCells:
    """The merged ranges of a sheet, asked row by row in order: which cell of a data row
    appears empty because it is covered by a merge."""

    def __init__(self, ranges: Sequence[MergedRange], *, header_row: int) -> None:
        # Only ranges reaching below the header can hide a value of a data row.
        self._waiting = sorted((r for r in ranges if r.last_row > header_row
                                and (r.last_row > r.first_row or r.last_column > r.first_column)),
                               reverse=True)
        self._active: list[MergedRange] = []

    def __bool__(self) -> bool:
        return bool(self._waiting or self._active)

    def problem(self, cells: Sequence[str], headers: list[str], *, file: str, row: int,
                first_column: int) -> RowError | None:
        """The first empty cell of this row, in a named column, that a merge covers."""
        waiting, active = self._waiting, self._active
        while waiting and waiting[-1].first_row <= row:
            active.append(waiting.pop())
        if not active:
            return None
        active[:] = [r for r in active if r.last_row >= row]
        width = len(headers)
        for merged in active:
            # Columns are 1-based; the row's cells start at column first_column + 1.
            low = max(merged.first_column, first_column + 1)
            high = min(merged.last_column, first_column + width)
            for column in range(low, high + 1):
                if (row, column) == (merged.first_row, merged.first_column):
                    continue
                at = column - 1 - first_column
                if 0 <= at < width and not (cells[at] if at < len(cells) else "").strip():
                    return RowError.of(file, row, headers[at], None, "merged-cells",
                                       cells=merged.reference, anchor=merged.anchor)
        return None
