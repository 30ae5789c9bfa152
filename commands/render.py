"""Rendering of results: JSON, YAML, CSV and rich tables on stdout; nothing else goes there."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any


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
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


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
        return Text("yes" if value else "no")
    return Text(str(value))
