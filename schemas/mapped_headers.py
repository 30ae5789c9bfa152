"""Which column each header of a table names: its own name, a mapping's word, a built-in
synonym, or none (ignored, or unknown).

The order of precedence, for each header: what the user's mapping says (``--map``,
``--ignore-column``, ``--mapping``); a clientreg column name; a built-in synonym; a header
clientreg knows to read past (Odoo's ``External ID``); a weak synonym (``ID``, ``Display
Name``), used only where no other header of the file names its column, and otherwise ignored.
Two other headers for one column are a problem naming both, even when one is the column's own
name (``phone`` and ``mobile``): reading one would leave the other's values out unsaid.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple, Protocol

from clientreg.errors import RowError
from clientreg.schemas.synonyms import (
    IGNORED_KEYS,
    ODOO_ID_KEY,
    ODOO_MARKERS,
    STRONG,
    SYNONYMS,
    WEAK,
    WEAK_SYNONYMS,
    header_key,
)

HEADER_ROW = 1


class HeaderMapping(Protocol):
    """What a mapping says of a header (``header_map.HeaderMap``)."""

    @property
    def ignore_unknown(self) -> bool: ...

    def column_of(self, raw: str) -> tuple[bool, str | None]: ...


class How(StrEnum):
    """How a header was read."""

    OWN = "own"            # the column's own name
    MAPPED = "mapped"      # the user's mapping
    SYNONYM = "synonym"    # a built-in synonym
    WEAK = "weak"          # a weak synonym
    IGNORED = "ignored"    # left out: mapping, built-in list, or beside a stronger header
    ERROR_COLUMN = "error-column"  # error_code / error_message of a rejects file
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"


class HeaderColumn(NamedTuple):
    """A header of a file (as written, trimmed) and the column it fills, None when none."""

    header: str
    column: str | None
    how: How


def column_keys(columns: Sequence[str]) -> dict[str, str]:
    """Each column by its own name's key (``postal_code`` -> ``postalcode``)."""
    return {header_key(column): column for column in columns}


def resolve(raw_headers: Sequence[str], headers: Sequence[str], *, file: str,
            known: Sequence[str], error_columns: Sequence[str], prefixes: Sequence[str],
            mapping: HeaderMapping | None) -> tuple[list[HeaderColumn], list[RowError]]:
    """Each header's column, and the problems of two headers for one column."""
    own_keys = column_keys(known)
    odoo = any(header in ODOO_MARKERS for header in headers)
    found: list[HeaderColumn] = []
    for raw, header in zip(raw_headers, headers, strict=True):
        text = raw.strip()
        named, column = mapping.column_of(raw) if mapping is not None else (False, None)
        key = header_key(raw)
        if named:
            found.append(HeaderColumn(text, column, How.MAPPED if column else How.IGNORED))
        elif header in error_columns:
            found.append(HeaderColumn(text, None, How.ERROR_COLUMN))
        elif header in known or header.startswith(tuple(prefixes)):
            found.append(HeaderColumn(text, header, How.OWN))
        elif key in STRONG or key in own_keys:
            found.append(HeaderColumn(text, STRONG.get(key) or own_keys[key], How.SYNONYM))
        elif key in IGNORED_KEYS or (odoo and key == ODOO_ID_KEY):
            found.append(HeaderColumn(text, None, How.IGNORED))
        elif key in WEAK:
            found.append(HeaderColumn(text, WEAK[key], How.WEAK))
        elif mapping is not None and mapping.ignore_unknown:
            found.append(HeaderColumn(text, None, How.IGNORED))
        else:
            found.append(HeaderColumn(text, None, How.UNKNOWN))
    return _one_header_a_column(found, file=file)


def _one_header_a_column(found: list[HeaderColumn], *, file: str,
                         ) -> tuple[list[HeaderColumn], list[RowError]]:
    at: dict[str, list[int]] = {}
    for position, entry in enumerate(found):
        if entry.column is not None:
            at.setdefault(entry.column, []).append(position)
    problems: list[RowError] = []
    for column, positions in at.items():
        if len(positions) == 1:
            continue
        strong = [p for p in positions if found[p].how is not How.WEAK]
        contenders = strong or positions
        if len(contenders) > 1:
            first, second = contenders[0], contenders[1]
            problems.append(RowError.of(
                file, HEADER_ROW, found[second].header, found[second].header,
                "ambiguous-column", column_name=column, first=found[first].header,
                second=found[second].header))
            for position in contenders:
                found[position] = found[position]._replace(column=None, how=How.AMBIGUOUS)
        for position in positions:
            if position not in contenders:
                found[position] = found[position]._replace(column=None, how=How.IGNORED)
    return found, problems


def suggestion(header: str, candidates: Sequence[str]) -> tuple[str, str] | None:
    """The column a header most likely names, and the label that says so: the nearest clientreg
    column name, else the nearest synonym; None when nothing is near."""
    key = header_key(header)
    if not key:
        return None
    labels = {header_key(c): (c, c) for c in candidates}
    for table in (SYNONYMS, WEAK_SYNONYMS):
        for column, names in table.items():
            for label in names:
                labels.setdefault(header_key(label), (column, label))
    near = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.75)
    return labels[near[0]] if near else None


def suggestions(header: str, candidates: Sequence[str], *, count: int = 3) -> list[str]:
    """Up to ``count`` columns a header may name, the likeliest first (for a person to pick)."""
    key = header_key(header)
    labels: dict[str, str] = {header_key(c): c for c in candidates}
    for table in (SYNONYMS, WEAK_SYNONYMS):
        for column, names in table.items():
            for label in names:
                labels.setdefault(header_key(label), column)
    columns: list[str] = []
    for near in difflib.get_close_matches(key, list(labels), n=20, cutoff=0.5):
        if labels[near] not in columns:
            columns.append(labels[near])
    return columns[:count]


def map_option(header: str, column: str) -> str:
    """The ``--map`` option that reads ``header`` as ``column``, quoted for a shell."""
    return "--map " + _quoted(f"{header}={column}")


def ignore_option(header: str) -> str:
    """The ``--ignore-column`` option that leaves ``header`` out, quoted for a shell."""
    return "--ignore-column " + _quoted(header)


def _quoted(text: str) -> str:
    # Always in quotes, as a person would type it; shlex's form only where a quote needs it.
    return f"'{text}'" if "'" not in text else shlex.quote(text)
