"""Rendering of results: JSON, YAML, CSV and rich tables on stdout; nothing else goes there.

Also the check every text argument and option passes before a command sees it
(``terminal_text``): what cannot be echoed back as text is refused here, once.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

import typer

from clientreg.commands.i18n import _


class ShowFormat(StrEnum):
    """How `show` commands print one record."""

    TEXT = "text"
    JSON = "json"
    YAML = "yaml"


class ListFormat(StrEnum):
    """How `list` commands print their rows."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def print_document(document: Any, output: ShowFormat, show_text: Callable[[], None]) -> None:
    """One record as JSON or YAML (data on stdout), or through its readable text view."""
    if output is ShowFormat.JSON:
        print_json(document)
    elif output is ShowFormat.YAML:
        print_yaml(document)
    else:
        show_text()


def print_json(data: Any) -> None:
    """Indented JSON; a number attribute keeps its declared decimals (1234.50)."""
    from clientreg.schemas.writers import json_text

    sys.stdout.write(json_text(data) + "\n")


def print_yaml(data: Any) -> None:
    from clientreg.schemas.writers import yaml_text

    sys.stdout.write(yaml_text(data))


def print_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV, each text cell neutralised as export neutralises it (no formula runs)."""
    from clientreg.schemas.writers import neutralise_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = [row.get(c) for c in columns]
        writer.writerow(["" if v is None else neutralise_cell(v) if isinstance(v, str) else v
                         for v in values])


_SURROGATE = re.compile("[\ud800-\udfff]")


def terminal_text(value: Any) -> Any:
    """A parameter callback refusing text with bytes that are not UTF-8 (exit 2, usage).

    Python reads such bytes from the command line as lone surrogates (surrogateescape): SQLite
    cannot take them as a parameter and no stream can print them, so they are stopped before
    a command uses or echoes them. Repeatable options are checked item by item.
    """
    for text in value if isinstance(value, list | tuple) else [value]:
        if isinstance(text, str) and _SURROGATE.search(text):
            raise typer.BadParameter(
                _("{value} is not valid text (the terminal sent bytes that are not UTF-8)")
                .format(value=shown_text(text)))
    return value


def shown_text(text: str) -> str:
    """Text quoted as repr() quotes it, but an undecodable byte shown as the \\xNN it was."""
    def shown(char: str) -> str:
        if "\udc80" <= char <= "\udcff":  # where surrogateescape puts byte 0x80-0xff
            return f"\\x{ord(char) - 0xDC00:02x}"
        return repr(char)[1:-1]

    return "'" + "".join(shown(char) for char in text) + "'"


# How a column gives way at a narrow width: whole values (identifiers, e-mails, phones) are never
# cut, words wrap only between words, and every other cell is cut with an ellipsis.
_WHOLE = frozenset({"identifier", "code", "email", "phone", "tax_id", "at"})
_WORDS = frozenset({"name", "position", "department", "company", "changes", "what",
                    "attribute_keys", "label", "values"})
_KEPT = frozenset({"identifier", "code", "name", "email", "key", "at", "what", "changes"})
_WORDS_WANTED = 30  # the width a wrapping column asks for before others are dropped
_CUT_MIN = 5


def word_wrapped(text: str, width: int) -> str:
    """Each line of the text cut between words to the width (an e-mail or a long word stays
    whole), its continuation under its own text, two spaces in."""
    import textwrap

    lines = []
    for line in text.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        lines.append(textwrap.fill(line, width=width, subsequent_indent=indent + "  ",
                                   break_long_words=False, break_on_hyphens=False)
                     if line.strip() else line)
    return "\n".join(lines)


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[str],
                titles: Sequence[str] | None = None, *, title: str | None = None,
                title_style: str | None = None) -> int:
    """A rich table of the rows fitted to the terminal; returns how many were shown.

    No word or e-mail is broken across lines: as the width shrinks, the last low-value columns
    are dropped, then cells of the others are cut with an ellipsis; when even that does not fit,
    each row is shown as a block of label and value lines.
    """
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    heads = [_cell(h) for h in (titles or columns)]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]

    def natural(i: int) -> int:
        return max([cell_len(heads[i].plain), *(cell_len(r[i].plain) for r in cells)])

    def longest_word(i: int) -> int:
        return max([1, *(cell_len(word) for r in [heads, *cells] for word in r[i].plain.split())])

    def minimum(i: int) -> int:
        if columns[i] in _WHOLE:
            return natural(i)
        if columns[i] in _WORDS:
            return longest_word(i)
        return min(natural(i), max(_CUT_MIN, min(cell_len(heads[i].plain), 10)))

    def wanted(i: int) -> int:
        return min(natural(i), max(_WORDS_WANTED, longest_word(i))) if columns[i] in _WORDS \
            else natural(i)

    def total(shown: list[int], measure: Callable[[int], int]) -> int:
        return sum(measure(i) for i in shown) + 3 * len(shown) + 1

    shown = list(range(len(columns)))
    for index in reversed(range(len(columns))):
        if total(shown, wanted) <= console.width:
            break
        if columns[index] not in _KEPT:
            shown.remove(index)
    if total(shown, minimum) > console.width:
        if title:
            console.print(_cell(title), style=title_style or "bold")
        _print_blocks(console, heads, cells)
        return len(cells)
    widths = {i: minimum(i) for i in shown}
    spare = console.width - total(shown, minimum)
    for i in shown:
        grow = min(spare, wanted(i) - widths[i])
        widths[i] += max(grow, 0)
        spare -= max(grow, 0)
    table = Table(title=title, show_lines=False, title_justify="left" if title_style else "center",
                  title_style=title_style)
    for i in shown:
        table.add_column(heads[i], width=widths[i], no_wrap=columns[i] not in _WORDS,
                         overflow="ellipsis")
    for row in cells:
        table.add_row(*[row[i] for i in shown])
    console.print(table)
    return len(cells)


def _print_blocks(console: Any, heads: list[Any], cells: list[list[Any]]) -> None:
    """Each row as lines of label and value, for a terminal too narrow for the table."""
    from rich.cells import cell_len
    from rich.table import Table

    beside = console.width - max(cell_len(head.plain) for head in heads) - 2
    for number, row in enumerate(cells):
        if number:
            console.print()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="ellipsis")
        for head, value in zip(heads, row, strict=True):
            if not value.plain:
                continue
            if " " not in value.plain and cell_len(value.plain) > beside:
                # An e-mail too long to sit beside its label gets a line of its own.
                console.print(grid)
                console.print(head, style="bold")
                console.print(value, overflow="ellipsis", no_wrap=True)
                grid = Table.grid(padding=(0, 2))
                grid.add_column(style="bold", no_wrap=True)
                grid.add_column(overflow="ellipsis")
                continue
            grid.add_row(head, value)
        console.print(grid)


def _cell(value: Any) -> Any:
    """A cell as plain rich Text: brackets in a client's name are data, never markup."""
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text(_("yes") if value else _("no"))
    return Text(str(value))
