"""Rendering of results: JSON, YAML, CSV and rich tables on stdout; nothing else goes there.

Also the check every text argument and option passes before a command sees it
(``terminal_text``): what cannot be echoed back as text is refused here, once.
"""

from __future__ import annotations

import csv
import json
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
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


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


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[str],
                titles: Sequence[str] | None = None, *, title: str | None = None) -> int:
    """A rich table of the rows; returns how many were shown."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for heading in titles or columns:
        table.add_column(_cell(heading), overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
        count += 1
    Console().print(table)
    return count


def _cell(value: Any) -> Any:
    """A cell as plain rich Text: brackets in a client's name are data, never markup."""
    from rich.text import Text

    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text(_("yes") if value else _("no"))
    return Text(str(value))
