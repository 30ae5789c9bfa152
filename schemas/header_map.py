"""A mapping of a file's headers to clientreg's columns: ``--map``, ``--ignore-column``,
``--ignore-unknown-columns`` and the mapping files of ``--mapping`` and ``--save-mapping``.

A mapping file is YAML::

    columns:
      Razón social: name
      Nº cliente: identifier
    ignore: [Notas, Comercial]
    ignore_unknown: false
    values:                      # read by value_map (--map-value)
      category: {Mayorista: WHOLESALE}

Headers are matched as synonyms are (``synonyms.header_key``): without case, accents, spaces or
punctuation. A target is a column of the import file, ``company_attr.KEY``, ``client_attr.KEY``
or a ``contact_*`` column; anything else is refused, naming the option or file and the value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clientreg.errors import InvalidValue
from clientreg.schemas.columns import (
    CLIENT_ATTRIBUTE_PREFIX,
    COMPANY_ATTRIBUTE_PREFIX,
    KNOWN_COLUMNS,
)
from clientreg.schemas.readers_table import canonical_header
from clientreg.schemas.synonyms import header_key

MAP_OPTION = "--map"
IGNORE_OPTION = "--ignore-column"
FILE_KEYS = ("columns", "ignore", "ignore_unknown", "values")


def target_column(column: str, *, where: str, spec: str) -> str:
    """The clientreg column ``column`` names (trimmed, lower case); InvalidValue naming
    ``where`` and ``spec`` when it names none."""
    name = canonical_header(column)
    if name in KNOWN_COLUMNS:
        return name
    for prefix in (COMPANY_ATTRIBUTE_PREFIX, CLIENT_ATTRIBUTE_PREFIX):
        if name.startswith(prefix) and name.removeprefix(prefix).strip():
            return name
    raise InvalidValue("invalid-column-map/column", field=where, value=spec, column=column,
                       columns=", ".join(KNOWN_COLUMNS))


@dataclass(frozen=True)
class HeaderMap:
    """Headers mapped to columns and headers to ignore, as the user gave them."""

    columns: tuple[tuple[str, str], ...] = ()
    """(header as given, clientreg column), in the order given."""
    ignore: tuple[str, ...] = ()
    ignore_unknown: bool = False
    values: dict[str, Any] | None = field(default=None, compare=False)
    """The ``values:`` section of a mapping file, as it was read (see value_map)."""

    def __bool__(self) -> bool:
        return bool(self.columns or self.ignore or self.ignore_unknown)

    @classmethod
    def parse(cls, maps: Iterable[str] = (), ignore: Iterable[str] = (),
              ignore_unknown: bool = False) -> HeaderMap:
        """The mapping of ``--map HEADER=column`` and ``--ignore-column HEADER`` options;
        InvalidValue naming the option for one that is not that."""
        pairs = []
        for spec in maps:
            header, equals, column = spec.rpartition("=")
            if not equals or not header_key(header) or not column.strip():
                raise InvalidValue("invalid-column-map", field=MAP_OPTION, value=spec)
            pairs.append((header.strip(), target_column(column, where=MAP_OPTION, spec=spec)))
        ignored = []
        for header in ignore:
            if not header_key(header):
                raise InvalidValue("invalid-column-map/ignore", field=IGNORE_OPTION,
                                   value=header)
            ignored.append(header.strip())
        return cls(_without_repeats(pairs, where=MAP_OPTION), tuple(ignored), ignore_unknown)

    @classmethod
    def from_document(cls, document: Any, *, where: str) -> HeaderMap:
        """The mapping a mapping file holds (parsed YAML); InvalidValue naming ``where`` for a
        document that is not one."""
        if document is None:
            document = {}
        if not isinstance(document, Mapping):
            raise InvalidValue("invalid-mapping-file", field=where, value=document)
        unknown = [key for key in document if key not in FILE_KEYS]
        if unknown:
            raise InvalidValue("invalid-mapping-file/key", field=where, value=unknown[0],
                               keys=", ".join(FILE_KEYS))
        columns = document.get("columns") or {}
        if not isinstance(columns, Mapping):
            raise InvalidValue("invalid-mapping-file/columns", field=where, value=columns)
        pairs = []
        for header, column in columns.items():
            spec = f"{header}: {column}"
            if not isinstance(header, str | int) or not header_key(str(header)) or not (
                    isinstance(column, str) and column.strip()):
                raise InvalidValue("invalid-mapping-file/columns", field=where, value=spec)
            pairs.append((str(header).strip(), target_column(column, where=where, spec=spec)))
        ignore = document.get("ignore") or []
        if isinstance(ignore, str):
            ignore = [ignore]
        if not isinstance(ignore, list) or not all(
                isinstance(h, str | int) and header_key(str(h)) for h in ignore):
            raise InvalidValue("invalid-mapping-file/ignore", field=where, value=ignore)
        ignore_unknown = document.get("ignore_unknown", False)
        if not isinstance(ignore_unknown, bool):
            raise InvalidValue("invalid-mapping-file/ignore-unknown", field=where,
                               value=ignore_unknown)
        values = document.get("values")
        return cls(_without_repeats(pairs, where=where), tuple(str(h).strip() for h in ignore),
                   ignore_unknown, dict(values) if isinstance(values, Mapping) else values)

    def merged(self, other: HeaderMap) -> HeaderMap:
        """This mapping and ``other``'s (the command line's over a file's): where both map a
        header, ``other`` decides."""
        theirs = {header_key(h) for h, _column in other.columns} | {
            header_key(h) for h in other.ignore}
        columns = tuple(p for p in self.columns if header_key(p[0]) not in theirs)
        ignore = tuple(h for h in self.ignore if header_key(h) not in theirs)
        return HeaderMap((*columns, *other.columns), (*ignore, *other.ignore),
                         self.ignore_unknown or other.ignore_unknown,
                         other.values if other.values is not None else self.values)

    def with_answers(self, columns: Mapping[str, str], ignore: Iterable[str]) -> HeaderMap:
        """This mapping with headers mapped or ignored as a person answered."""
        return self.merged(HeaderMap(tuple(columns.items()), tuple(ignore)))

    def column_of(self, raw: str) -> tuple[bool, str | None]:
        """(whether this mapping names the header, its column or None to ignore it)."""
        key = header_key(raw)
        if key in self._columns:
            return True, self._columns[key]
        if key in self._ignored:
            return True, None
        return False, None

    @functools.cached_property
    def _columns(self) -> dict[str, str]:
        return {header_key(header): column for header, column in self.columns}

    @functools.cached_property
    def _ignored(self) -> frozenset[str]:
        return frozenset(header_key(header) for header in self.ignore)


def _without_repeats(pairs: list[tuple[str, str]], *, where: str) -> tuple[tuple[str, str], ...]:
    """The pairs, each header once: one header mapped to two columns is a mistake."""
    kept: dict[str, tuple[str, str]] = {}
    for header, column in pairs:
        earlier = kept.get(header_key(header))
        if earlier is not None and earlier[1] != column:
            raise InvalidValue("invalid-column-map/twice", field=where,
                               value=f"{header}={column}", earlier=earlier[1])
        kept.setdefault(header_key(header), (header, column))
    return tuple(kept.values())


def mapping_document(columns: Mapping[str, str], ignore: Iterable[str], *,
                     values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A mapping file's content, as ``--save-mapping`` writes it and ``from_document`` reads
    it: every header and its column, the ignored headers, the mapped values."""
    document: dict[str, Any] = {"columns": dict(columns), "ignore": list(ignore)}
    if values:
        document["values"] = dict(values)
    return document


def mapping_yaml(document: Mapping[str, Any]) -> bytes:
    """A mapping file's bytes: YAML, UTF-8, in the order ``mapping_document`` gives."""
    import yaml

    text = yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False,
                          default_flow_style=False)
    return text.encode("utf-8")
