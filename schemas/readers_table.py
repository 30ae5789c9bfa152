"""What every table reader yields: rows keyed by canonical headers, and the checks on the header."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from types import TracebackType
from typing import NamedTuple

from clientreg.errors import RowError, UnreadableInput

MAX_CELL_CHARS = 100_000
"""Longest cell read, in characters. A longer cell is a row problem (``cell-too-large``); the
reader never holds more of it than this, so a runaway cell cannot exhaust memory."""

MAX_COLUMNS = 1_000
"""Most named columns a header may have. A wider header makes the file unreadable."""

SHOWN_VALUE_CHARS = 80
"""A value quoted in a row problem is shortened to this many characters."""


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
