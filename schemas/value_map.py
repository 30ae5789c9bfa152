"""Values a file writes its own way, mapped to what clientreg stores: ``--map-value`` and the
``values:`` section of a mapping file.

A mapping names a field (``category``, ``company_type`` or ``country``), a value as the file
writes it and the code it stands for: ``category:Mayorista=WHOLESALE``. A cell is mapped where
it is read, before the core checks it, when it equals a mapped value with case, accents and
spacing set aside; any other cell goes to the core as it is. A type's or category's code must
exist (in the database or in a seed of the same import); a country's is an ISO 3166 code.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientreg.catalogue import Catalogue
from clientreg.errors import InvalidValue
from clientreg.folding import folded
from clientreg.model import ClientDraft

MAPPED_FIELDS = ("category", "company_type", "country")
"""The fields whose values can be mapped: the table columns and YAML keys of the same names."""
OPTION = "--map-value"


class UnknownTarget(InvalidValue):
    """A mapping to a code that no company type or category has: a mistake of the command
    line, found once the catalogue is known."""


@dataclass(frozen=True)
class ValueMap:
    """Mapped values: (field, value as given, target code) triples, in the order given."""

    pairs: tuple[tuple[str, str, str], ...] = ()
    origins: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    """Where each pair was given: ``--map-value``, or the mapping file's name."""

    def __bool__(self) -> bool:
        return bool(self.pairs)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ValueMap:
        """The map of ``--map-value`` options, each FIELD:VALUE=CODE; raises InvalidValue,
        naming the option, for one that is not."""
        pairs = []
        for spec in specs:
            field, colon, rest = spec.partition(":")
            value, equals, target = rest.rpartition("=")
            if not colon or not equals or not value.strip() or not target.strip():
                raise InvalidValue("invalid-value-map", field=OPTION, value=spec)
            pairs.append(_pair(field, value, target, spec=spec))
        return cls.from_pairs(pairs, OPTION)

    @classmethod
    def from_section(cls, section: Any, *, where: str) -> ValueMap:
        """The map of a mapping file's ``values:`` section, ``{field: {value: code}}``;
        raises InvalidValue naming ``where`` (the file) for a section that is not that."""
        if section is None:
            return cls()
        if not isinstance(section, Mapping):
            raise InvalidValue("invalid-value-map/section", field=where, value=section)
        pairs = []
        for field, values in section.items():
            if not isinstance(values, Mapping):
                raise InvalidValue("invalid-value-map/section", field=where, value=values)
            for value, target in values.items():
                spec = f"{field}:{value}={target}"
                if not isinstance(value, str | int) or not isinstance(target, str):
                    raise InvalidValue("invalid-value-map", field=where, value=spec)
                pairs.append(_pair(str(field), str(value), target, spec=spec, where=where))
        return cls.from_pairs(pairs, where)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str, str]], where: str) -> ValueMap:
        """Pairs given in one place; a value mapped to two codes there is a mistake."""
        kept = _without_repeats([(pair, where) for pair in pairs], where=where)
        return cls(tuple(pair for pair, _ in kept), tuple(origin for _, origin in kept))

    def merged(self, other: ValueMap) -> ValueMap:
        """This map and ``other``'s pairs; where both map one value, ``other`` decides."""
        kept = _without_repeats([*self._given(), *other._given()], override=True)
        return ValueMap(tuple(pair for pair, _ in kept), tuple(origin for _, origin in kept))

    def _given(self) -> list[tuple[tuple[str, str, str], str]]:
        origins = self.origins or (OPTION,) * len(self.pairs)
        return list(zip(self.pairs, origins, strict=True))

    def as_section(self) -> dict[str, dict[str, str]]:
        """The map as a mapping file's ``values:`` section, as ``from_section`` reads it."""
        section: dict[str, dict[str, str]] = {}
        for field, value, target in self.pairs:
            section.setdefault(field, {})[value] = target
        return section

    def check_targets(self, codes: Mapping[str, Iterable[str]]) -> None:
        """Every type and category target is one of ``codes`` (by kind); raises UnknownTarget
        for the first that is not."""
        for (field, value, target), origin in self._given():
            if field == "country":
                continue
            known = sorted({code.upper() for code in codes.get(field, ())})
            if target in known:
                continue
            data = {"field": origin, "value": f"{field}:{value}={target}", "target": target,
                    "codes": ", ".join(known) or "-"}
            if field == "company_type":
                raise UnknownTarget("invalid-value-map/company-type", **data)
            raise UnknownTarget("invalid-value-map/category", **data)

    def mapped(self, field: str, cell: Any) -> Any:
        """The cell's target where this map names its value, else the cell as it is."""
        lookup = self._lookup.get(field)
        if not lookup or not isinstance(cell, str | int) or isinstance(cell, bool):
            return cell
        return lookup.get(folded(str(cell)), cell)

    def draft(self, draft: ClientDraft) -> ClientDraft:
        """A YAML or JSON entry's draft with its mapped values replaced (the same draft)."""
        for field in self._lookup:
            setattr(draft, field, self.mapped(field, getattr(draft, field)))
        return draft

    def cells(self, places: Sequence[tuple[str, int]]) -> list[tuple[int, dict[str, str]]]:
        """The positions among ``places`` (column name, position) whose cells are mapped, each
        with its lookup, to map a row's cells in place (``map_cells``)."""
        return [(at, self._lookup[name]) for name, at in places if name in self._lookup]

    @functools.cached_property
    def _lookup(self) -> dict[str, dict[str, str]]:
        lookup: dict[str, dict[str, str]] = {}
        for field, value, target in self.pairs:
            lookup.setdefault(field, {})[folded(value)] = target
        return lookup


def catalogue_codes(catalogue: Catalogue, documents: Iterable[Any]) -> dict[str, set[str]]:
    """The codes a mapping may name: the database's, and those the import's seeds declare."""
    codes = {"company_type": set(catalogue.types), "category": set(catalogue.categories)}
    for document in documents:
        for kind, section in (("company_type", "company_types"), ("category", "categories")):
            entries = document.get(section) if isinstance(document, dict) else None
            for entry in entries if isinstance(entries, list) else ():
                code = entry.get("code") if isinstance(entry, dict) else None
                if isinstance(code, str) and code.strip():
                    codes[kind].add(code.strip().upper())
    return codes


def map_cells(cells: list[str], places: list[tuple[int, dict[str, str]]]) -> list[str]:
    """A row's cells with the mapped ones replaced by their targets (the same list)."""
    for at, lookup in places:
        cell = cells[at]
        if cell:
            cells[at] = lookup.get(folded(cell), cell)
    return cells


def _pair(field: str, value: str, target: str, *, spec: str,
          where: str = OPTION) -> tuple[str, str, str]:
    field = field.strip().lower()
    if field not in MAPPED_FIELDS:
        raise InvalidValue("invalid-value-map/field", field=where, value=spec,
                           name=field, fields=", ".join(MAPPED_FIELDS))
    code = target.strip()
    code = _country_code(code, spec=spec, where=where) if field == "country" else code.upper()
    return field, value.strip(), code


def _country_code(target: str, *, spec: str, where: str) -> str:
    """An ISO 3166 alpha-2 or alpha-3 code, as alpha-2; a name is not a code."""
    import pycountry

    countries = pycountry.countries
    found = countries.get(alpha_2=target) or countries.get(alpha_3=target)
    if found is None:
        raise InvalidValue("invalid-value-map/country", field=where, value=spec, target=target)
    return str(found.alpha_2)


Given = tuple[tuple[str, str, str], str]
"""A pair and where it was given."""


def _without_repeats(pairs: list[Given], *, override: bool = False,
                     where: str = OPTION) -> list[Given]:
    """The pairs, each (field, folded value) once: a value mapped twice to one target is
    harmless, to two targets a mistake (or, with ``override``, the later one decides)."""
    kept: dict[tuple[str, str], Given] = {}
    for given in pairs:
        (name, value, target), _origin = given
        key = (name, folded(value))
        earlier = kept.get(key)
        if earlier is not None and earlier[0][2] != target and not override:
            raise InvalidValue("invalid-value-map/twice", field=where,
                               value=f"{name}:{value}={target}", earlier=earlier[0][2])
        if earlier is None or override:
            kept[key] = given
    return list(kept.values())
