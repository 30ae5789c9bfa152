"""What an import did: counts, files read, and every problem located at its file, row and column."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from clientreg.errors import ClientregError, RowError
from clientreg.messages import Message

_CONTACT_FIELD = re.compile(r"contacts\[(\d+)\]\.(\w+)")
ENTITIES = ("clients", "company_types", "categories", "companies")
SECTION_ORDER = {"company_types": 0, "categories": 1, "companies": 2}
SECTIONS = (*SECTION_ORDER, "clients")


class Cell(NamedTuple):
    """Where in a file a problem is: the row (as a spreadsheet numbers it) and the column."""

    row: int
    column: str | None


@dataclass  # no slots: a dataclass with slots pickles through Python code, far slower
class TableOrigin:
    """Where a client of a table came from: its rows, the row of each contact, and of any value
    first given on a later row (the rest come from the client's first row)."""

    file_index: int
    file: str
    rows: tuple[int, ...]
    contact_rows: tuple[int, ...] = ()
    later: dict[str, int] | None = None

    def locate(self, where: str | None) -> Cell:
        """The row and column of a core error's field (``email``, ``contacts[1].phone``)."""
        if where is None:
            return Cell(self.rows[0], None)
        match = _CONTACT_FIELD.fullmatch(where)
        if match:
            index = int(match.group(1))
            row = self.contact_rows[index] if index < len(self.contact_rows) else self.rows[0]
            return Cell(row, f"contact_{match.group(2)}")
        if where == "contacts":
            return Cell((self.contact_rows or self.rows)[0], "contact_email")
        return Cell((self.later or {}).get(where, self.rows[0]), where)


@dataclass(slots=True)
class DocumentOrigin:
    """Where an entry of a YAML or JSON document came from: its section and position."""

    file_index: int
    file: str
    index: int
    prefix: str = ""
    section: str = "clients"
    left_out: tuple[str, ...] = ()
    """Fields whose values the entry's model refused for their shape and the draft leaves out."""
    inactive: bool = False

    def locate(self, where: str | None) -> Cell:
        """Row = position in the list (from 1); column = the field path (``contacts[1].email``)."""
        column = f"{self.prefix}{where}" if where else (self.prefix.rstrip(".") or None)
        return Cell(self.index + 1, column)


Origin = TableOrigin | DocumentOrigin


def printable(text: str) -> str:
    """The text, with lone surrogates (JSON may hold them) written as escapes such as \\ud800.

    They cannot be encoded, so printing or writing the value as it is would fail.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class EntryKey(NamedTuple):
    """Which entry of an import: a client of a table, or an entry of a document's section."""

    file_index: int
    first: int
    """The entry's first row (a table) or its position in its list (a document)."""
    section: str
    """The seed section, "clients" for a list of clients, "" for a table."""


def entry_key(origin: Origin) -> EntryKey:
    if isinstance(origin, TableOrigin):
        return EntryKey(origin.file_index, origin.rows[0], "")
    return EntryKey(origin.file_index, origin.index, origin.section)


class Problems:
    """Every problem of an import, and the entries (clients, rows) that have them."""

    def __init__(self) -> None:
        self.found: list[RowError] = []
        self.by_entry: dict[EntryKey, list[RowError]] = {}

    def __len__(self) -> int:
        return len(self.found)

    def add(self, problem: RowError) -> None:
        """A problem of the file itself (its header, a row that cannot be read)."""
        self.found.append(problem)

    def in_entry(self, origin: Origin, problem: RowError) -> None:
        """A problem of an entry found while reading it."""
        if isinstance(problem.value, str):
            problem = replace(problem, value=printable(problem.value))
        self.by_entry.setdefault(entry_key(origin), []).append(problem)
        self.found.append(problem)

    def from_core(self, origin: Origin, error: Exception | RowError) -> None:
        """A problem the core reported for an entry, located at its row and column.

        A RowError is one the entry's reader found and handed to the core with the draft. A
        value the entry's model left out for its shape is not missing: its shape was reported.
        """
        if isinstance(error, RowError):
            self.in_entry(origin, error)
            return
        if not isinstance(error, ClientregError):
            raise error
        if (isinstance(origin, DocumentOrigin) and error.code == "missing-value"
                and error.field in origin.left_out):
            return
        row, column = origin.locate(error.field)
        value = error.value
        if isinstance(value, dict | list):
            value = None
        self.in_entry(origin, RowError.from_error(origin.file, row, column, value, error))

    def rejected_clients(self) -> int:
        return sum(1 for key in self.by_entry if key.section in ("", "clients"))

    def ordered(self, file_order: dict[str, int]) -> list[RowError]:
        """The problems by file, then section of a seed document, then row; in a row, what its
        own values say, then the catalogue entries it names, then the attributes they declare."""

        def place(problem: RowError) -> tuple[int, int, int, int]:
            column = problem.column or ""
            section, _, inside = column.partition("[")
            part = SECTION_ORDER.get(section, len(SECTION_ORDER))
            if section in SECTIONS:
                column = inside.partition("].")[2]
            return file_order.get(problem.file, 0), part, problem.row or 0, _rank(column)

        return sorted(self.found, key=place)


def notice_stored(notice: RowError) -> Any:
    """The value a notice says was stored instead of the one read."""
    message = notice.message
    return message.params.get("stored") if isinstance(message, Message) else None


_REFERENCES = ("company_type", "category", "from_company")
_ATTRIBUTES = ("company_attr.", "client_attr.")


def _rank(column: str) -> int:
    if column.startswith(_ATTRIBUTES):
        return 2
    return 1 if column in _REFERENCES else 0


@dataclass
class FileSummary:
    """One file read: its format, what was detected about it, and how many rows or entries."""

    file: str
    format: str
    rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    """The header's row when it is not the first (rows above it are not read)."""
    skipped_rows: int = 0
    """Rows above the header that held something (a title, notes), skipped."""
    rows_read: bool = True
    """False when the header's problems stopped the rows from being read at all."""
    columns: list[tuple[str, str | None]] | None = None
    """Each header and the column it was read as (None: ignored), when some header is not
    the name of its column (a synonym, a mapping, a header left out); None otherwise."""
    unchanged_since: int | None = None
    """The run that imported this file, byte for byte and read the same way, when every client
    of it is still as that run left it: the file was not read again (clientreg.digests)."""

    @property
    def detected_encoding(self) -> str | None:
        """The encoding worth telling the user about: anything but UTF-8."""
        if self.encoding and self.encoding.lower().replace("_", "-") not in (
                "utf-8", "utf-8-sig", "utf8"):
            return self.encoding
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "format": self.format, "rows": self.rows}
        for name in ("encoding", "delimiter", "sheet"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.header_row is not None:
            out["header_row"] = self.header_row
            out["skipped_rows"] = self.skipped_rows
        if self.columns is not None:
            out["columns"] = [{"header": header, "column": column}
                              for header, column in self.columns]
        if self.unchanged_since is not None:
            out["unchanged_since"] = self.unchanged_since
        return out


@dataclass
class ImportReport:
    """The outcome of one ``clientreg import``: written or not, counts, problems, time."""

    files: list[FileSummary] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {entity: Counter() for entity in ENTITIES})
    problems: list[RowError] = field(default_factory=list)
    rejected: int = 0
    dry_run: bool = False
    written: bool = False
    truncated: bool = False
    seconds: float = 0.0
    notices: list[RowError] = field(default_factory=list)
    """Values clientreg changed and says so (a leading zero put back into a number cell), as
    problems are located: file, row, column, the value read; ``stored`` among their params."""
    notices_left_off: int = 0
    """Notices beyond the first ``--max-errors``, counted only."""
    checked: int = 0
    """Client entries whose values were checked: not those found unchanged by their digest."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str, entity: str = "clients") -> int:
        return self.counts[entity][action]

    @property
    def changed(self) -> bool:
        return any(self.count(action, entity) for entity in ENTITIES
                   for action in ("created", "updated"))

    def as_dict(self) -> dict[str, Any]:
        actions = ("created", "updated", "skipped", "unchanged")
        out: dict[str, Any] = {
            "ok": self.ok,
            "written": self.written,
            "dry_run": self.dry_run,
            "files": [summary.as_dict() for summary in self.files],
            "clients": {**{a: self.count(a) for a in actions}, "rejected": self.rejected},
            "checked": self.checked,
        }
        for entity in ENTITIES[1:]:
            if self.counts[entity]:
                out[entity] = {a: self.count(a, entity) for a in actions}
        out["problems"] = [problem.as_dict() for problem in self.problems]
        out["problems_truncated"] = self.truncated
        out["notices"] = [{**notice.as_dict(), "stored": notice_stored(notice)}
                          for notice in self.notices]
        out["notices_left_off"] = self.notices_left_off
        out["seconds"] = round(self.seconds, 3)
        return out
