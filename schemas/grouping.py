"""From table rows to clients: the rows of one identifier form one client with several contacts.

Rows arrive grouped (see ``staging``) and leave as chunks of clients, each
client still its rows: the drafts are built where the chunk is checked, in a worker process for
a large file. The client's values come from its first row; a later row may leave them blank or
repeat them, and a different value is a problem at that row and column. Each row with any
contact cell filled adds a contact. The cells are text, as the core's drafts take them: the core
checks every value, and a client goes to it even when its rows had problems, so one run reports
everything wrong with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from clientreg.errors import RowError, shown
from clientreg.folding import folded
from clientreg.locale_values import ValueLocale
from clientreg.model import ClientDraft, ContactDraft
from clientreg.rules import identifier_key
from clientreg.schemas.columns import (
    CLIENT_ATTRIBUTE_PREFIX,
    COMPANY_ATTRIBUTE_PREFIX,
    ColumnPlan,
)
from clientreg.schemas.report import TableOrigin
from clientreg.schemas.staging import StagedRow, split_cells
from clientreg.schemas.value_map import ValueMap, map_cells

CHUNK_CLIENTS = 1000
CHUNK_ROWS = 2000
"""A chunk holds at most this many clients, and stops at the client that passes this many rows."""
MAX_ROWS_PER_CLIENT = 1000
"""Most rows (contacts) one client may have in a table file; further rows of the same identifier
are a problem, not held in memory."""

_Rows = list[tuple[int, list[str]]]
"""A client's rows: (row number, cells)."""


class _Group(NamedTuple):
    """A client's rows as staged, and the numbers of any rows beyond MAX_ROWS_PER_CLIENT."""

    rows: list[tuple[int, str]]
    """(row number, the row's cells as one text): pairs, as they travel to a worker in bulk."""
    overflow: list[int]
    key: str | None = None
    """The identifier key the rows give, if any."""


def group_key(identifier: str, from_company: str) -> str | None:
    """The key that joins rows into one client; None for a row that is a client on its own."""
    if identifier.strip():
        return "i:" + identifier_key(identifier)
    if from_company.strip():
        return "f:" + identifier_key(from_company)
    return None


@dataclass(frozen=True)
class TableClients:
    """The clients of one table file, as chunks of rows the core turns into drafts."""

    plan: ColumnPlan
    file_index: int
    file: str
    locale: ValueLocale | None = None
    """How the drafts' numbers, dates and yes/no cells are read (carried to worker processes)."""
    values: ValueMap = ValueMap()
    """Category, company_type and country values mapped to codes (--map-value)."""
    input: bytes | None = None
    """The digest of the whole file (ClientDraft.input_key), when the import made one."""
    salt: bytes | None = None
    """What decides how the cells are read (the columns, the options, clientreg's version), as
    bytes: with it, each client's digest is made from its cells (ClientDraft.digest)."""

    def _group(self, key: str | None, rows: list[tuple[int, str]],
               overflow: list[int]) -> _Group:
        return _Group(rows, overflow, key[2:] if key is not None else None)

    def digest(self, group: _Group) -> bytes | None:
        """The digest of a group's cells (ClientDraft.digest): made where it is needed, most
        often in the worker that builds the group's draft."""
        if self.salt is None or group.key is None:
            return None
        content = hashlib.blake2b(self.salt, digest_size=16)
        for _row, joined in group.rows:
            content.update(joined.encode("utf-8", "surrogatepass"))
            content.update(b"\x1e")
        content.update(repr(len(group.overflow)).encode())
        return content.digest()

    def chunks(self, rows: Iterable[StagedRow]) -> Iterator[TableChunk]:
        """Chunks of whole clients, each client its group of rows, in the order of each group's
        first row."""
        groups: list[_Group] = []
        group: list[tuple[int, str]] = []
        overflow: list[int] = []
        key: str | None = None
        held = 0
        for row_key, row, joined in rows:
            if group and (row_key is None or row_key != key):
                groups.append(self._group(key, group, overflow))
                held += len(group)
                group, overflow = [], []
                if len(groups) == CHUNK_CLIENTS or held >= CHUNK_ROWS:
                    yield TableChunk(self, groups, held)
                    groups, held = [], 0
            key = row_key
            if len(group) < MAX_ROWS_PER_CLIENT:
                group.append((row, joined))
            else:
                overflow.append(row)
        if group:
            groups.append(self._group(key, group, overflow))
            held += len(group)
        if groups:
            yield TableChunk(self, groups, held)

    def drafts(self, groups: list[_Group]) -> list[ClientDraft]:
        """The drafts of some clients; the problems of their rows go with them."""
        mapped = self.values.cells(self.plan.client)
        drafts = []
        for group in groups:
            draft = self._client([(row, map_cells(split_cells(joined), mapped))
                                  for row, joined in group.rows], group.overflow)
            draft.digest = self.digest(group)
            if draft.digest is not None:
                draft.input_key = self.input
            drafts.append(draft)
        return drafts

    def origin(self, group: _Group) -> TableOrigin:
        """The origin a group's draft has, without building the draft."""
        return TableOrigin(self.file_index, self.file, tuple(row for row, _ in group.rows))

    def _client(self, rows: _Rows, overflow: list[int]) -> ClientDraft:
        plan = self.plan
        first_row, cells = rows[0]
        values: dict[str, Any] = {name: cells[at] or None for name, at in plan.client}
        company_attributes = {k: cells[p] for k, p in plan.company_attributes if cells[p].strip()}
        client_attributes = {k: cells[p] for k, p in plan.client_attributes if cells[p].strip()}
        contacts: list[ContactDraft] = []
        contact_rows: list[int] = []
        origin = TableOrigin(self.file_index, self.file, tuple(row for row, _ in rows))
        problems: list[RowError] = []
        for row, row_cells in rows:
            if row != first_row:
                problems += self._merge(origin, row, row_cells, values,
                                        (company_attributes, client_attributes))
            contact = self._contact(row_cells)
            if contact is not None:
                contacts.append(contact)
                contact_rows.append(row)
        origin.contact_rows = tuple(contact_rows)
        if overflow:
            identifier = values.get("identifier") or values.get("from_company")
            problems.append(RowError.of(
                self.file, overflow[0], "identifier", identifier, "too-many-rows",
                identifier=identifier, max=MAX_ROWS_PER_CLIENT, count=len(overflow)))
        return ClientDraft(**values, company_attributes=company_attributes,
                           client_attributes=client_attributes, contacts=contacts, origin=origin,
                           problems=problems, locale=self.locale)

    def _contact(self, cells: list[str]) -> ContactDraft | None:
        found = {name: cells[at] for name, at in self.plan.contact if cells[at].strip()}
        return ContactDraft(**found) if found else None

    def _merge(self, origin: TableOrigin, row: int, cells: list[str], values: dict[str, str | None],
               attributes: tuple[dict[str, str], dict[str, str]]) -> list[RowError]:
        """Take a later row's client values; a value differing from an earlier one is a problem."""
        conflicts: list[RowError] = []
        plan = self.plan
        places: list[tuple[str, int, dict[str, str | None] | dict[str, str], str]] = [
            (name, at, values, name) for name, at in plan.client]
        places += [(COMPANY_ATTRIBUTE_PREFIX + key, at, attributes[0], key)
                   for key, at in plan.company_attributes]
        places += [(CLIENT_ATTRIBUTE_PREFIX + key, at, attributes[1], key)
                   for key, at in plan.client_attributes]
        for column, at, target, name in places:
            new = cells[at].strip()
            if not new:
                continue
            old = target.get(name)
            if old is None or not old.strip():
                target[name] = cells[at]
                origin.later = {**(origin.later or {}), column: row}
            elif not _same(column, old, new):
                earlier = (origin.later or {}).get(column, origin.rows[0])
                conflicts.append(RowError.of(
                    self.file, row, column, cells[at], "conflicting-value",
                    earlier=shown(old.strip()), earlier_row=earlier))
        return conflicts


def _same(column: str, old: str, new: str) -> bool:
    if column in ("identifier", "from_company"):
        return identifier_key(old) == identifier_key(new)
    if column in ("company_type", "category", "country"):
        # Matched without case or accents: Mayorista and MAYORÍSTA name one entry.
        return folded(old) == folded(new)
    return old.strip() == new


@dataclass
class TableChunk:
    """Some clients of a table as their rows: a DraftChunk, built into drafts where checked."""

    clients: TableClients
    groups: list[_Group]
    rows: int

    def drafts(self) -> list[ClientDraft]:
        return self.clients.drafts(self.groups)

    @property
    def input(self) -> bytes | None:
        return self.clients.input

    def keys(self) -> list[str | None]:
        return [group.key if self.clients.salt is not None else None for group in self.groups]

    def digest(self, index: int) -> bytes | None:
        return self.clients.digest(self.groups[index])

    def origin(self, index: int) -> TableOrigin:
        return self.clients.origin(self.groups[index])

    def keep(self, indexes: list[int]) -> TableChunk:
        groups = [self.groups[i] for i in indexes]
        return TableChunk(self.clients, groups, sum(len(g.rows) for g in groups))
