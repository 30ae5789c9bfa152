"""What a registration changes, field by field, read from the history rows it writes.

An import asked for its differences (``import --diff``, ``verify``) has the core note each
history row it writes for a client (``Outcome.history``), a dry run's included; this module
turns them into one list of ``field: [old, new]`` per client. It computes nothing itself: what
an update changes is what ``updating`` decided and recorded.

Fields are named as the import's columns name them: ``name``, ``tax_id``,
``company_attr.KEY``, ``client_attr.KEY``, ``category``; a contact added or removed is
``contacts[EMAIL]`` (old or new the e-mail), a detail of one ``contacts[EMAIL].phone``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clientreg.attributes import AttributeDef, typed
from clientreg.catalogue import Catalogue
from clientreg.model import Outcome

HistoryNote = tuple[str, str, str, dict[str, Any]]
"""(entity, key, action, changes) as ``Writes.history`` records it."""

_ATTRIBUTE_PREFIXES = {"attributes": "company_attr", "client_attributes": "client_attr"}
_CATALOGUE_FLAGS = ("active", "allow_id_change")
_ENTITY_ORDER = {"company": 0, "client": 1, "external_user": 2}
_LEFT_OUT = {"company": ("identifier",), "client": (),
             "external_user": ("company", "client", "email")}


@dataclass
class EntryDiff:
    """What one entry of a file does to the database: created, updated, unchanged, skipped."""

    identifier: str
    action: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    kind: str = "client"
    """client, company (a seed's lone company), company_type or category."""
    file: str | None = None
    row: int | None = None
    """The entry's first row as a spreadsheet numbers it, or its position in its list."""

    def as_dict(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "kind": self.kind, "action": self.action,
                "changes": self.changes, "file": self.file, "row": self.row}


def entry_diff(outcome: Outcome, *, kind: str = "client") -> EntryDiff:
    """An outcome's changes as the history rows noted with it say them."""
    changes: dict[str, list[Any]] = {}
    notes = sorted(outcome.history or (), key=lambda note: _ENTITY_ORDER.get(note[0], 3))
    for entity, key, action, noted in notes:
        if entity == "external_user":
            _contact_changes(changes, key, action, noted)
        else:
            changes.update(_field_changes(noted, _LEFT_OUT.get(entity, ())))
    return EntryDiff(outcome.identifier, outcome.action.value, changes, kind=kind)


def _field_changes(noted: dict[str, Any], left_out: tuple[str, ...]) -> dict[str, list[Any]]:
    """A history row's changes one field at a time, attributes key by key (in key order)."""
    changes: dict[str, list[Any]] = {}
    for name, (old, new) in noted.items():
        if name in left_out:
            continue
        prefix = _ATTRIBUTE_PREFIXES.get(name)
        if prefix is None:
            changes[name] = [old, new]
            continue
        old, new = old or {}, new or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changes[f"{prefix}.{key}"] = [old.get(key), new.get(key)]
    return changes


def _contact_changes(changes: dict[str, list[Any]], email: str, action: str,
                     noted: dict[str, Any]) -> None:
    where = f"contacts[{email}]"
    if action in ("created", "linked"):
        changes[where] = [None, email]
    elif action == "unlinked":
        changes[where] = [email, None]
    for name, detail in _field_changes(noted, _LEFT_OUT["external_user"]).items():
        changes[f"{where}.{name}"] = detail


def catalogue_diff(kind: str, code: str, action: str, noted: dict[str, Any]) -> EntryDiff:
    """A company type's or category's change as its history row says it
    (``{field: {"old": ..., "new": ...}}``)."""
    changes = {name: [_flag(name, value.get("old")), _flag(name, value.get("new"))]
               for name, value in noted.items() if isinstance(value, dict) and name != "code"}
    return EntryDiff(code, action, changes, kind=kind)


def _flag(name: str, value: Any) -> Any:
    """A catalogue flag (stored as 0 or 1) as yes or no."""
    return bool(value) if name in _CATALOGUE_FLAGS and isinstance(value, int) else value


def type_attributes(diff: EntryDiff, catalogue: Catalogue, *, company_type: str | None,
                    category: str | None) -> None:
    """The entry's attribute values (stored as text) as ``show`` gives them: numbers as numbers,
    by the declarations of the client's company type and category."""
    for prefix, entries, code in (("company_attr.", catalogue.types, company_type),
                                  ("client_attr.", catalogue.categories, category)):
        entry = entries.get(code) if code is not None else None
        known = {d.key: d for d in entry.attributes} if entry is not None else {}
        for name, values in diff.changes.items():
            if name.startswith(prefix) and (key := name[len(prefix):]) in known:
                diff.changes[name] = [
                    value if not isinstance(value, str) else _typed(known[key], value)
                    for value in values]


def _typed(definition: AttributeDef, text: str) -> Any:
    try:
        return typed(definition, text)
    except ArithmeticError:  # not a number after all: as it is stored
        return text
