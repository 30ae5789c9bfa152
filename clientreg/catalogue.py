"""The prerequisites of a registration: company types and client categories."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clientreg import attributes as attrs
from clientreg import rules
from clientreg.clock import now
from clientreg.errors import (
    ClientregError,
    Conflict,
    InvalidValue,
    MissingPrerequisite,
    NotFound,
    Rejected,
    shown,
)
from clientreg.folding import folded
from clientreg.model import Category, CompanyType
from clientreg.storage import Store, Work, unit_of_work
from clientreg.storage import catalogue_sql as sql
from clientreg.storage.schema import HistoryRow

# The errors that name the kind of entry, built from literal keys of the message table.
_ERRORS: dict[str, dict[str, Callable[..., ClientregError]]] = {
    "company_type": {
        "none-yet": lambda **data: MissingPrerequisite("no-company-types", **data),
        "unknown": lambda **data: MissingPrerequisite("unknown-company-type", **data),
        "unknown-none-active": lambda **data: MissingPrerequisite(
            "unknown-company-type/none-active", **data),
        "unknown-parent": lambda **data: MissingPrerequisite("unknown-company-type/parent",
                                                             **data),
        "no-such-code": lambda **data: NotFound("unknown-company-type/code", **data),
        "inactive": lambda **data: MissingPrerequisite("inactive-company-type", **data),
        "duplicate": lambda **data: Conflict("duplicate-company-type", **data),
        "in-use": lambda **data: Conflict("entry-in-use/company-type", **data),
        "parent-loop": lambda **data: InvalidValue("parent-loop/company-type", **data),
        "ambiguous": lambda **data: InvalidValue("ambiguous-company-type", **data),
    },
    "category": {
        "none-yet": lambda **data: MissingPrerequisite("no-categories", **data),
        "unknown": lambda **data: MissingPrerequisite("unknown-category", **data),
        "unknown-none-active": lambda **data: MissingPrerequisite(
            "unknown-category/none-active", **data),
        "unknown-parent": lambda **data: MissingPrerequisite("unknown-category/parent", **data),
        "no-such-code": lambda **data: NotFound("unknown-category/code", **data),
        "inactive": lambda **data: MissingPrerequisite("inactive-category", **data),
        "duplicate": lambda **data: Conflict("duplicate-category", **data),
        "in-use": lambda **data: Conflict("entry-in-use/category", **data),
        "parent-loop": lambda **data: InvalidValue("parent-loop/category", **data),
        "ambiguous": lambda **data: InvalidValue("ambiguous-category", **data),
    },
}
_MASK_FIELD_RE = re.compile(r"\{seq(?::0?(\d+)d?)?\}")


@dataclass(frozen=True)
class Catalogue:
    """The company types and categories of one database, by code."""

    types: dict[str, CompanyType]
    categories: dict[str, Category]

    @classmethod
    def load(cls, store: Store) -> Catalogue:
        return cls(sql.load_company_types(store.conn), sql.load_categories(store.conn))

    def entries(self, kind: str) -> dict[str, CompanyType] | dict[str, Category]:
        return self.types if kind == "company_type" else self.categories

    def active(self, kind: str, value: object, *, field: str,
               allow_inactive: bool = False) -> CompanyType | Category:
        """The active entry a draft names; a clear error when it is unknown or inactive.

        ``allow_inactive`` returns an inactive entry too: a client already registered keeps its
        type and category after they are deactivated (see ``inactive_error``).
        """
        entries = self.entries(kind)
        if not entries:
            raise _ERRORS[kind]["none-yet"](field=field, value=value)
        text = rules.clean_text(value, field=field, max_length=rules.NAME_MAX)
        if text is None:
            raise InvalidValue("missing-value", field=field, value=value)
        entry = self.lookup(kind, text, field=field, value=value)
        if entry is None:
            known = ", ".join(code for code, e in entries.items() if e.active)
            if not known:
                raise _ERRORS[kind]["unknown-none-active"](field=field, value=value)
            raise _ERRORS[kind]["unknown"](field=field, value=value, active=known)
        if not entry.active and not allow_inactive:
            raise inactive_error(kind, entry, value=value, field=field)
        return entry

    def lookup(self, kind: str, text: str, *, field: str,
               value: object = None) -> CompanyType | Category | None:
        """The entry whose code or name ``text`` is, active or not; None when there is none.

        Codes and names are compared without case or accents ("minorista", "MINORÍSTA" and
        "Minorista" all name the entry called Minorista). A code wins over another entry's name;
        a text that is the name of two entries (once folded) raises an error naming both codes.
        """
        entry = self.entries(kind).get(text.strip().upper())
        if entry is not None:
            return entry
        by_code, by_name = self._folded[kind]
        key = folded(text)
        if key in by_code:
            return by_code[key]
        named = by_name.get(key, [])
        if len(named) > 1:
            raise _ERRORS[kind]["ambiguous"](field=field, value=text if value is None else value,
                                             codes=", ".join(e.code for e in named))
        return named[0] if named else None

    def find(self, kind: str, text: str | None) -> CompanyType | Category | None:
        """The entry ``text`` names, as ``lookup`` finds it; None for no entry or several."""
        if not text or not text.strip():
            return None
        try:
            return self.lookup(kind, text, field=kind)
        except ClientregError:
            return None

    @functools.cached_property
    def _folded(self) -> dict[str, tuple[dict[str, Any], dict[str, list[Any]]]]:
        """Each kind's entries by folded code, and by folded name (a list: names may repeat)."""
        found: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {}
        for kind in ("company_type", "category"):
            by_code: dict[str, Any] = {}
            by_name: dict[str, list[Any]] = {}
            for entry in self.entries(kind).values():
                by_code[folded(entry.code)] = entry
                by_name.setdefault(folded(entry.name), []).append(entry)
            found[kind] = (by_code, by_name)
        return found


def inactive_error(kind: str, entry: CompanyType | Category, *, value: object,
                   field: str) -> ClientregError:
    """New registrations cannot choose an inactive type or category."""
    return _ERRORS[kind]["inactive"](field=field, value=value, entry=entry.code)


def check_mask(mask: object) -> str | None:
    """An id mask must contain exactly one {seq} or {seq:0N} field."""
    text = rules.clean_text(mask, field="id_mask", max_length=rules.IDENTIFIER_MAX)
    if text is None:
        return None
    if len(_MASK_FIELD_RE.findall(text)) != 1 or text.count("{") != 1:
        raise InvalidValue("invalid-mask", field="id_mask", value=mask)
    rules.identifier(format_mask(text, 1), field="id_mask")
    return text


def format_mask(mask: str, seq: int) -> str:
    return _MASK_FIELD_RE.sub(lambda m: str(seq).zfill(int(m.group(1) or 0)), mask)


def mask_sequence(mask: str, identifier: str) -> int | None:
    """The sequence number an identifier carries if it fits the mask, else None."""
    prefix, _, suffix = _split_mask(mask)
    match = re.fullmatch(re.escape(prefix) + r"(\d+)" + re.escape(suffix), identifier,
                         flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _split_mask(mask: str) -> tuple[str, str, str]:
    match = _MASK_FIELD_RE.search(mask)
    assert match is not None  # check_mask guarantees one field
    return mask[: match.start()], match.group(0), mask[match.end():]


def _entry_row(kind: str, raw: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """Check the plain fields of a type or category declaration."""
    row: dict[str, Any] = {
        "code": rules.code(raw.get("code")),
        "name": rules.required_text(raw.get("name"), field="name"),
        "active": int(rules.flag(raw.get("active", True), field="active")),
        "parent_id": None,
    }
    parent = rules.clean_text(raw.get("parent"), field="parent")
    if parent is not None:
        found = catalogue.entries(kind).get(parent.upper())
        if found is None:
            raise _ERRORS[kind]["unknown-parent"](field="parent", value=parent)
        row["parent_id"] = found.id
    if kind == "company_type":
        row["id_mask"] = check_mask(raw.get("id_mask"))
        row["allow_id_change"] = int(rules.flag(raw.get("allow_id_change"),
                                                field="allow_id_change"))
    return row


def _definitions(raw: dict[str, Any]) -> tuple[attrs.AttributeDef, ...]:
    declared = raw.get("attributes") or []
    if not isinstance(declared, list):
        raise InvalidValue("invalid-attribute/declarations", field="attributes",
                           value=declared)
    problems: list[ClientregError] = []
    found: list[attrs.AttributeDef] = []
    for item in declared:
        if not isinstance(item, dict):
            problems.append(InvalidValue("invalid-attribute/declaration", field="attributes",
                                         value=item))
            continue
        try:
            found.append(attrs.define(item))
        except InvalidValue as exc:
            problems.append(exc)
    keys = [d.key for d in found]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(InvalidValue("duplicate-attribute", field=f"attributes.{key}",
                                     value=key))
    if problems:
        raise Rejected(problems)
    return tuple(found)


@contextlib.contextmanager
def _writing(store: Store, work: Work | None) -> Iterator[sqlite3.Connection]:
    """The caller's unit of work, or one of the entry's own; an entry lands whole or not at all."""
    if work is None:
        with unit_of_work(store, dry_run=False) as own:
            yield own.conn
    else:
        with work.store.transaction() as conn:  # a savepoint inside the caller's unit
            yield conn


def add_entry(store: Store, kind: str, raw: dict[str, Any], *, source: str,
              work: Work | None = None) -> str:
    """Create a company type or category (with its attributes); returns its code.

    Written in ``work`` where a caller has a unit of work open, else in a unit of its own.
    """
    with _writing(store, work) as conn:
        catalogue = Catalogue.load(store)
        row = _entry_row(kind, raw, catalogue)
        definitions = _definitions(raw)
        if row["code"] in catalogue.entries(kind):
            raise _ERRORS[kind]["duplicate"](field="code", value=row["code"], entry=row["code"])
        stamp = now()
        entry_id = sql.insert_entry(conn, kind, {**row, "created_at": stamp, "updated_at": stamp})
        sql.replace_attributes(conn, kind, entry_id, definitions)
        changes = {k: {"old": None, "new": v} for k, v in row.items() if v is not None}
        if definitions:
            changes["attributes"] = {"old": None, "new": [d.as_dict() for d in definitions]}
        sql.insert_history(conn, [HistoryRow(kind, row["code"], "created", _dumps(changes),
                                             source, stamp)], run_id=store.run_id)
        return row["code"]


def edit_entry(store: Store, kind: str, code: str, raw: dict[str, Any], *, source: str,
               work: Work | None = None) -> bool:
    """Change the name, parent, mask, state or attributes of a type or category.

    Attribute declarations can be replaced only while nothing uses the entry, so stored values
    never lose their declaration. Returns whether anything changed. Written in ``work`` where
    given, as add_entry.
    """
    with _writing(store, work) as conn:
        catalogue = Catalogue.load(store)
        current = find_entry(catalogue, kind, code)
        merged = {**describe_entry(current), **raw, "code": current.code}
        row = _entry_row(kind, merged, catalogue)
        _check_ancestry(catalogue, kind, current, row.get("parent_id"))
        old = _entry_row(kind, describe_entry(current), catalogue)
        changes = {k: {"old": old.get(k), "new": v} for k, v in row.items() if old.get(k) != v}
        if "attributes" in raw:
            definitions = _definitions(raw)
            if definitions != current.attributes:
                if sql.usage_count(conn, kind, current.id):
                    raise _ERRORS[kind]["in-use"](field="attributes", value=current.code)
                sql.replace_attributes(conn, kind, current.id, definitions)
                changes["attributes"] = {"old": [d.as_dict() for d in current.attributes],
                                         "new": [d.as_dict() for d in definitions]}
        if not changes:
            if work is None and store.ledger is not None:  # a command's own edit: its run
                store.ledger.left(kind, current.code, "unchanged")
            return False
        stamp = now()
        plain = {k: row[k] for k in changes if k != "attributes"}
        sql.update_entry(conn, kind, current.id, {**plain, "updated_at": stamp})
        sql.insert_history(conn, [HistoryRow(kind, current.code, "edited", _dumps(changes),
                                             source, stamp)], run_id=store.run_id)
        return True


def _check_ancestry(catalogue: Catalogue, kind: str, entry: CompanyType | Category,
                    parent_id: int | None) -> None:
    """A parent may not be the entry itself or one of its descendants: no loops."""
    by_id = {e.id: e for e in catalogue.entries(kind).values()}
    seen: set[int] = set()
    parent = by_id.get(parent_id) if parent_id is not None else None
    current = parent
    while current is not None and current.id not in seen:
        if current.id == entry.id:
            raise _ERRORS[kind]["parent-loop"](field="parent", value=parent and parent.code,
                                               entry=entry.code)
        seen.add(current.id)
        current = catalogue.entries(kind).get(current.parent) if current.parent else None


def set_entry_active(store: Store, kind: str, code: str, active: bool, *, source: str,
                     work: Work | None = None) -> bool:
    """Deactivate or reactivate a type or category; existing records keep it."""
    return edit_entry(store, kind, code, {"active": active}, source=source, work=work)


def find_entry(catalogue: Catalogue, kind: str, code: object) -> CompanyType | Category:
    text = str(code or "").strip().upper()
    entry = catalogue.entries(kind).get(text)
    if entry is None:
        raise _ERRORS[kind]["no-such-code"](field="code", value=code, given=shown(code))
    return entry


def describe_entry(entry: CompanyType | Category) -> dict[str, Any]:
    """The entry in the seed document's shape."""
    out: dict[str, Any] = {"code": entry.code, "name": entry.name}
    if entry.parent:
        out["parent"] = entry.parent
    if isinstance(entry, CompanyType) and entry.id_mask:
        out["id_mask"] = entry.id_mask
        out["allow_id_change"] = entry.allow_id_change
    if not entry.active:
        out["active"] = False
    if entry.attributes:
        out["attributes"] = [d.as_dict() for d in entry.attributes]
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
