"""CSV and TSV tables: records streamed one at a time, numbered as a spreadsheet numbers rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import BinaryIO

from clientreg.errors import RowError, UnreadableInput
from clientreg.schemas.readers_table import (
    MAX_CELL_CHARS,
    NumberedCells,
    ReadRow,
    SourceRow,
    TableReader,
    canonical_header,
    checked_headers,
    column_name,
    error_cell_problem,
    find_header,
    is_blank,
    row_values,
    shorten,
)
from clientreg.schemas.readers_text import choose_delimiter, choose_encoding, undecodable

MAX_LINE_CHARS = 4 * 1024 * 1024
"""Longest physical line read at once. A longer line is a ``cell-too-large`` row problem and is
skipped without being held in memory (it cannot be a row of cells within ``MAX_CELL_CHARS``
unless it has more than 40 of them at the limit)."""

class _LineTooLong(Exception):
    """A physical line over MAX_LINE_CHARS was skipped."""


class PhysicalLines:
    """The text one physical line at a time, as csv.reader consumes it.

    Counts the quotes read since the record began, so that after a broken record the reader can
    tell whether it stopped inside a quoted cell, and notes when the text has ended.
    """

    __slots__ = ("_readline", "quotes", "ended", "line")

    def __init__(self, text: io.TextIOBase) -> None:
        self._readline = text.readline
        self.quotes = 0
        self.ended = False
        self.line = ""

    def __iter__(self) -> PhysicalLines:
        return self

    def __next__(self) -> str:
        line = self._readline(MAX_LINE_CHARS)
        if not line:
            self.ended = True
            raise StopIteration
        self.quotes += line.count('"')
        self.line = line
        if len(line) == MAX_LINE_CHARS and line[-1] not in "\r\n":
            self._skip_rest_of_line()
            raise _LineTooLong
        return line

    def _skip_rest_of_line(self) -> None:
        while True:
            piece = self._readline(MAX_LINE_CHARS)
            self.quotes += piece.count('"')
            if not piece or piece[-1] in "\r\n":
                return

    def skip_rest_of_record(self) -> bool:
        """Read on to the end of a broken record; False when the text ends inside a quote."""
        while self.quotes % 2:
            try:
                next(self)
            except StopIteration:
                return False
            except _LineTooLong:
                continue
        return True


class CsvRecords:
    """The records of a CSV text with their row numbers, one per record however many lines it
    spans. A record that cannot be used goes to ``problems`` instead of being yielded."""

    def __init__(self, binary: BinaryIO, *, file: str, encoding: str, delimiter: str) -> None:
        self.binary = binary
        self.file = file
        self.encoding = encoding
        self.text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        self.lines = PhysicalLines(self.text)
        # The limit is process-wide; set it on each open so a cell over MAX_CELL_CHARS stops
        # the csv module before it is held whole, and becomes a row problem.
        csv.field_size_limit(MAX_CELL_CHARS)
        self.reader = csv.reader(self.lines, delimiter=delimiter, quotechar='"', doublequote=True)
        self.headers: list[str] = []
        self.problems: list[RowError] = []

    def __iter__(self) -> Iterator[NumberedCells]:
        reader, lines = self.reader, self.lines
        row = 0
        while True:
            row += 1
            lines.quotes = 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as err:
                if not self._skip_broken(row, err):
                    return
                continue
            except UnicodeDecodeError:
                raise undecodable(self.binary, file=self.file, encoding=self.encoding) from None
            if lines.ended:
                # Only a quoted cell left open keeps a record going until the text runs out.
                column = column_name(self.headers, len(cells) - 1)
                self.problems.append(RowError.of(self.file, row, column, shorten(cells[-1]),
                                                 "unterminated-quote"))
                return
            yield NumberedCells(row, cells)

    def _skip_broken(self, row: int, err: Exception) -> bool:
        """Report a record the csv module gave up on and read past it; False at the end."""
        where = shorten(self.lines.line)
        if not self.lines.skip_rest_of_record():
            self.problems.append(RowError.of(self.file, row, None, None, "unterminated-quote"))
            return False
        if isinstance(err, _LineTooLong) or "field larger" in str(err):
            self.problems.append(RowError.of(self.file, row, None, where, "cell-too-large",
                                             count=MAX_CELL_CHARS))
        else:
            # The csv module's own words say what is wrong with the record.
            self.problems.append(RowError.of(self.file, row, None, where, "malformed-row",
                                             detail=str(err)))
        return True


def open_csv(
    binary: BinaryIO,
    *,
    file: str,
    format: str,
    delimiter: str | None,
    encoding: str | None,
    header_row: int | None = None,
    is_known: Callable[[str], bool] | None = None,
) -> TableReader:
    """The table of a CSV or TSV file, its header read; ``binary`` is closed with the reader.

    The header is record ``header_row`` when given, else as ``find_header`` finds it."""
    try:
        encoding = choose_encoding(binary, file=file, encoding=encoding)
        if delimiter is None:
            delimiter = "\t" if format == "tsv" else choose_delimiter(binary, encoding)
        source = CsvRecords(binary, file=file, encoding=encoding, delimiter=delimiter)
        found = find_header(_tentative_headers(source), file=file, header_row=header_row,
                            is_known=is_known)
        # A record broken above the header leaves the header in doubt; one below is its row's.
        above = [problem for problem in source.problems
                 if found is None or problem.row is None or problem.row < found.row]
        if above:
            raise UnreadableInput("unreadable-file/header-row", value=file, file=file,
                                  row=above[0].row, problem=above[0].message)
        if found is None:
            raise UnreadableInput("unreadable-file/no-header", value=file, file=file)
        raw_headers, headers = checked_headers(found.texts, file=file)
        source.headers[:] = headers
        numbered = (NumberedCells(read.row, read.texts) for read in found.rest)
    except BaseException:
        binary.close()
        raise
    return TableReader(
        file=file,
        format=format,
        headers=headers,
        raw_headers=raw_headers,
        encoding=encoding,
        delimiter=delimiter,
        header_row=found.row,
        skipped_above=found.skipped_above,
        problems=source.problems,
        _rows=_source_rows(numbered, headers, file=file, problems=source.problems),
        _release=source.text.close,
    )


def _tentative_headers(source: CsvRecords) -> Iterator[ReadRow[None]]:
    """The records, the first non-blank one taken for the header until one is chosen, so that
    a broken record read while the header is looked for names its column."""
    for row, cells in source:
        if not source.headers and not is_blank(cells):
            source.headers.extend(canonical_header(cell) for cell in cells)
        yield ReadRow(row, cells, None)


def _source_rows(
    numbered: Iterator[NumberedCells],
    headers: list[str],
    *,
    file: str,
    problems: list[RowError],
) -> Iterator[SourceRow]:
    width = len(headers)
    for row, cells in numbered:
        if is_blank(cells):
            continue
        # A CSV saved from a sheet writes a failed formula's error value as the cell's text.
        problem = error_cell_problem(cells, headers, file=file, row=row)
        if problem is not None:
            problems.append(problem)
            continue
        if len(cells) == width:
            yield SourceRow(file, row, dict(zip(headers, cells, strict=False)))
            continue
        values = row_values(cells, headers, file=file, row=row, problems=problems)
        if values is not None:
            yield SourceRow(file, row, values)
