"""The columns of a table import file, and the check of a file's header against them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from clientreg.errors import RowError, shown
from clientreg.model import COMPANY_FIELDS, CONTACT_FIELDS
from clientreg.schemas.mapped_headers import (
    HeaderColumn,
    HeaderMapping,
    How,
    ignore_option,
    map_option,
    resolve,
)

CLIENT_COLUMNS = ("identifier", "name", "company_type", "category", "from_company",
                  *COMPANY_FIELDS)
CONTACT_COLUMNS = tuple(f"contact_{field}" for field in CONTACT_FIELDS)
COMPANY_ATTRIBUTE_PREFIX = "company_attr."
CLIENT_ATTRIBUTE_PREFIX = "client_attr."
ERROR_COLUMNS = ("error_code", "error_message")
"""Written by ``--errors`` beside the rejected rows; ignored on import, so a fixed file loads."""

KNOWN_COLUMNS = (*CLIENT_COLUMNS, *CONTACT_COLUMNS)
HEADER_ROW = 1


class Placed(NamedTuple):
    """A field of a client and the position of its cell in a row."""

    name: str
    at: int


_NOT_REPORTED = (How.ERROR_COLUMN, How.UNKNOWN, How.AMBIGUOUS)


@dataclass(frozen=True)
class ColumnPlan:
    """Where each part of a client sits in the rows of one file (cell positions)."""

    headers: tuple[str, ...]
    """The file's headers, canonical (as the rows are keyed)."""
    client: tuple[Placed, ...]
    contact: tuple[Placed, ...]
    company_attributes: tuple[Placed, ...]
    client_attributes: tuple[Placed, ...]
    columns: tuple[str | None, ...] = ()
    """The column each header fills (None: none); the headers themselves when not given."""
    mapped: tuple[HeaderColumn, ...] = ()
    """How each header was read, for the report."""

    def position(self, column: str) -> int | None:
        try:
            return (self.columns or self.headers).index(column)
        except ValueError:
            return None

    @property
    def renamed(self) -> bool:
        """Whether some header is not the name of the column it fills (a synonym, a mapping)
        or is left out: what the report then lists."""
        return any(entry.how not in (How.OWN, *_NOT_REPORTED) for entry in self.mapped)

    @property
    def report_columns(self) -> list[tuple[str, str | None]]:
        """Each header and the column it fills (None: ignored), as the report lists them;
        headers that are a problem (unknown, two for one column) are left to their problem."""
        return [(entry.header, entry.column) for entry in self.mapped
                if entry.how not in _NOT_REPORTED]

    @property
    def identifier_at(self) -> int | None:
        return self.position("identifier")

    @property
    def from_company_at(self) -> int | None:
        return self.position("from_company")


def is_known_header(text: str) -> bool:
    """True when a header cell names a column of the import file: how a header row is told
    from a title row above it."""
    from clientreg.schemas.readers_table import canonical_header
    from clientreg.schemas.synonyms import IGNORED_KEYS, STRONG, WEAK, header_key

    header = canonical_header(text)
    if (header in KNOWN_COLUMNS or header in ERROR_COLUMNS
            or header.startswith((COMPANY_ATTRIBUTE_PREFIX, CLIENT_ATTRIBUTE_PREFIX))):
        return True
    key = header_key(text)
    return key in STRONG or key in WEAK or key in IGNORED_KEYS or key in _OWN_KEYS


_OWN_KEYS = frozenset(column.replace("_", "") for column in KNOWN_COLUMNS)


def _suggestion(word: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown_column(file: str, raw: str, header: str, attribute_keys: dict[str, set[str]],
                    ) -> RowError:
    joined = _joined_headers(raw)
    if joined:
        separator, names = joined
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-column/joined",
                           count=len(names), separator=separator,
                           first=", ".join(names[:3]))
    for prefix, keys in attribute_keys.items():
        if header.startswith(prefix):
            return _unknown_attribute(file, raw, header.removeprefix(prefix), prefix, keys)
    candidates = [*KNOWN_COLUMNS, *(p + k for p, keys in attribute_keys.items() for k in keys)]
    near = _suggestion(header, candidates)
    if near:
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-column/did-you-mean",
                           suggestion=near)
    from clientreg.schemas.mapped_headers import suggestion

    likely = suggestion(raw, candidates)
    if likely:
        column, label = likely
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-column/map", label=label,
                           column_name=column, fix=map_option(raw, column),
                           ignore=ignore_option(raw))
    return RowError.of(file, HEADER_ROW, raw, raw, "unknown-column/no-match",
                       fix=map_option(raw, "COLUMN"), ignore=ignore_option(raw))


_SEPARATORS = {";": ";", ",": ",", "\t": "\\t", "|": "|"}


def _joined_headers(raw: str) -> tuple[str, list[str]] | None:
    """The separator and names of a header cell that holds several known column names joined
    by a CSV separator (a ';' file converted as if its separator were ','), or None."""
    for separator, shown_as in _SEPARATORS.items():
        if separator not in raw:
            continue
        names = [name.strip() for name in raw.split(separator)]
        if sum(1 for name in names if name and is_known_header(name)) >= 2:
            return shown_as, names
    return None


def _unknown_attribute(file: str, raw: str, key: str, prefix: str, keys: set[str]) -> RowError:
    near = _suggestion(key, keys)
    declared = ", ".join(sorted(keys))
    attribute = shown(key)
    if prefix == COMPANY_ATTRIBUTE_PREFIX:
        if near:
            return RowError.of(file, HEADER_ROW, raw, raw, "unknown-attribute/company-type",
                               attribute=attribute, suggestion=prefix + near)
        if declared:
            return RowError.of(file, HEADER_ROW, raw, raw,
                               "unknown-attribute/company-type-declared", attribute=attribute,
                               declared=declared)
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-attribute/company-type-none",
                           attribute=attribute)
    if near:
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-attribute/category",
                           attribute=attribute, suggestion=prefix + near)
    if declared:
        return RowError.of(file, HEADER_ROW, raw, raw, "unknown-attribute/category-declared",
                           attribute=attribute, declared=declared)
    return RowError.of(file, HEADER_ROW, raw, raw, "unknown-attribute/category-none",
                       attribute=attribute)


def _missing_columns(file: str, headers: Sequence[str]) -> list[RowError]:
    present = set(headers)
    # A file with identifiers may be meant to change registered clients (see for_updates).
    updating = "identifier" in present
    problems = []
    if "category" not in present:
        problems.append(
            RowError.of(file, HEADER_ROW, "category", None, "missing-column/to-update",
                        column_name="category") if updating else
            RowError.of(file, HEADER_ROW, "category", None, "missing-column",
                        column_name="category"))
    if "from_company" not in present:
        problems += [
            RowError.of(file, HEADER_ROW, column, None,
                        "missing-column/or-from-company-to-update", column_name=column)
            if updating else
            RowError.of(file, HEADER_ROW, column, None, "missing-column/or-from-company",
                        column_name=column)
            for column in ("name", "company_type") if column not in present]
    return problems


class HeaderPlan(NamedTuple):
    """What a file's header says: the plan, its problems, and whether the rows can be read."""

    plan: ColumnPlan
    problems: list[RowError]
    readable: bool


def for_updates(header: HeaderPlan, *, file: str) -> HeaderPlan:
    """A header read for ``--on-conflict update``: the columns only a new client needs
    (``name``, ``company_type``, ``category``) may be left out.

    The rows of registered clients take the stored values of what they leave out; a row of a new
    client is refused at its cells, as a blank cell is. A file that has neither ``identifier``
    nor ``from_company`` cannot name a registered client, so it needs them all.
    """
    headers = [column for column in header.plan.columns or header.plan.headers if column]
    if "identifier" not in headers and "from_company" not in headers:
        return header
    missing = _missing_columns(file, headers)
    if not missing:
        return header
    problems = [problem for problem in header.problems if problem not in missing]
    return HeaderPlan(header.plan, problems, True)


def plan_columns(
    raw_headers: Sequence[str], headers: Sequence[str], *, file: str,
    company_attribute_keys: set[str], client_attribute_keys: set[str],
    mapping: HeaderMapping | None = None,
) -> HeaderPlan:
    """Match a header with the known columns: their own names, built-in synonyms and what
    ``mapping`` says (see ``mapped_headers``).

    Returns the plan, the header's problems (an unknown column names the nearest known one and
    the ``--map`` option that would read it; two headers for one column name both) and whether
    the rows can be read at all (False when a column every client needs is missing). Unknown
    columns are reported and left out of the plan, so the rows are still checked.
    """
    attribute_keys = {COMPANY_ATTRIBUTE_PREFIX: company_attribute_keys,
                      CLIENT_ATTRIBUTE_PREFIX: client_attribute_keys}
    mapped, problems = resolve(raw_headers, headers, file=file, known=KNOWN_COLUMNS,
                               error_columns=ERROR_COLUMNS,
                               prefixes=(COMPANY_ATTRIBUTE_PREFIX, CLIENT_ATTRIBUTE_PREFIX),
                               mapping=mapping)
    client: list[Placed] = []
    contact: list[Placed] = []
    company_attrs: list[Placed] = []
    client_attrs: list[Placed] = []
    columns: list[str | None] = []
    for position, (raw, header, entry) in enumerate(zip(raw_headers, headers, mapped,
                                                        strict=True)):
        column = entry.column
        if entry.how is How.UNKNOWN:
            problems.append(_unknown_column(file, raw.strip(), header, attribute_keys))
        elif column in CLIENT_COLUMNS:
            client.append(Placed(column, position))
        elif column in CONTACT_COLUMNS:
            contact.append(Placed(column.removeprefix("contact_"), position))
        elif column is None:
            pass
        elif (column.startswith(COMPANY_ATTRIBUTE_PREFIX)
              and column.removeprefix(COMPANY_ATTRIBUTE_PREFIX) in company_attribute_keys):
            company_attrs.append(Placed(column.removeprefix(COMPANY_ATTRIBUTE_PREFIX), position))
        elif (column.startswith(CLIENT_ATTRIBUTE_PREFIX)
              and column.removeprefix(CLIENT_ATTRIBUTE_PREFIX) in client_attribute_keys):
            client_attrs.append(Placed(column.removeprefix(CLIENT_ATTRIBUTE_PREFIX), position))
        else:
            problems.append(_unknown_column(file, raw.strip(), column, attribute_keys))
            column = None
        columns.append(column)
    present = [column for column in columns if column]
    missing = _missing_columns(file, present)
    plan = ColumnPlan(tuple(headers), tuple(client), tuple(contact), tuple(company_attrs),
                      tuple(client_attrs), tuple(columns), tuple(mapped))
    return HeaderPlan(plan, problems + missing, not missing)
