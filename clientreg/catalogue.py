"""The prerequisites of a registration: company types and client categories."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from clientreg import attributes as attrs
from clientreg import rules
from clientreg.clock import now
from clientreg.errors import (
    Conflict,
    InvalidValue,
    MissingPrerequisite,
    NotFound,
    Rejected,
    shown,
)
from clientreg.model import Category, CompanyType
from clientreg.storage import Store
from clientreg.storage import catalogue_sql as sql

KINDS = ("company_type", "category")
_LABELS = {"company_type": "company type", "category": "category"}
_NONE_YET = {"company_type": "no-company-types", "category": "no-categories"}
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
        label = _LABELS[kind]
        entries = self.entries(kind)
        if not entries:
            command = "company-type" if kind == "company_type" else "category"
            raise MissingPrerequisite(
                f"no {label} exists yet: create one with 'clientreg {command} add' or import a "
                "seed file with company_types: and categories:",
                field=field, value=value, code=_NONE_YET[kind],
            )
        text = rules.clean_text(value, field=field, max_length=rules.IDENTIFIER_MAX)
        if text is None:
            raise InvalidValue("is required", field=field, value=value, code="missing-value")
        entry = entries.get(text.upper())
        if entry is None:
            known = ", ".join(code for code, e in entries.items() if e.active)
            raise MissingPrerequisite(
                f"is not a known {label} (active: {known or 'none'})",
                field=field, value=value, code=f"unknown-{kind.replace('_', '-')}",
            )
        if not entry.active and not allow_inactive:
            raise inactive_error(kind, entry, value=value, field=field)
        return entry


def inactive_error(kind: str, entry: CompanyType | Category, *, value: object,
                   field: str) -> MissingPrerequisite:
    """New registrations cannot choose an inactive type or category."""
    return MissingPrerequisite(f"{_LABELS[kind]} {entry.code} is inactive", field=field,
                               value=value, code=f"inactive-{kind.replace('_', '-')}")


def check_mask(mask: object) -> str | None:
    """An id mask must contain exactly one {seq} or {seq:0N} field."""
    text = rules.clean_text(mask, field="id_mask", max_length=rules.IDENTIFIER_MAX)
    if text is None:
        return None
    if len(_MASK_FIELD_RE.findall(text)) != 1 or text.count("{") != 1:
        raise InvalidValue("must contain one {seq} or {seq:05} field, as in CLI-{seq:05}",
                           field="id_mask", value=mask, code="invalid-mask")
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
            raise MissingPrerequisite(f"is not a known {_LABELS[kind]}", field="parent",
                                      value=parent, code=f"unknown-{kind.replace('_', '-')}")
        row["parent_id"] = found.id
    if kind == "company_type":
        row["id_mask"] = check_mask(raw.get("id_mask"))
        row["allow_id_change"] = int(rules.flag(raw.get("allow_id_change"),
                                                field="allow_id_change"))
    return row


def _definitions(raw: dict[str, Any]) -> tuple[attrs.AttributeDef, ...]:
    declared = raw.get("attributes") or []
    if not isinstance(declared, list):
        raise InvalidValue("must be a list of attributes", field="attributes", value=declared,
                           code="invalid-attribute")
    problems: list[InvalidValue] = []
    found: list[attrs.AttributeDef] = []
    for item in declared:
        if not isinstance(item, dict):
            problems.append(InvalidValue("must be a mapping with key, label and type",
                                         field="attributes", value=item, code="invalid-attribute"))
            continue
        try:
            found.append(attrs.define(item))
        except InvalidValue as exc:
            problems.append(exc)
    keys = [d.key for d in found]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(InvalidValue("is declared twice", field=f"attributes.{key}", value=key,
                                     code="duplicate-attribute"))
    if problems:
        raise Rejected(problems)
    return tuple(found)


def add_entry(store: Store, kind: str, raw: dict[str, Any], *, source: str) -> str:
    """Create a company type or category (with its attributes); returns its code."""
    with store.transaction() as conn:
        catalogue = Catalogue.load(store)
        row = _entry_row(kind, raw, catalogue)
        definitions = _definitions(raw)
        if row["code"] in catalogue.entries(kind):
            raise Conflict(f"{_LABELS[kind]} {row['code']} already exists", field="code",
                           value=row["code"], code=f"duplicate-{kind.replace('_', '-')}")
        stamp = now()
        entry_id = sql.insert_entry(conn, kind, {**row, "created_at": stamp, "updated_at": stamp})
        sql.replace_attributes(conn, kind, entry_id, definitions)
        changes = {k: {"old": None, "new": v} for k, v in row.items() if v is not None}
        if definitions:
            changes["attributes"] = {"old": None, "new": [d.as_dict() for d in definitions]}
        sql.insert_history(conn, [(kind, row["code"], "created", _dumps(changes), source, stamp)])
        return row["code"]


def edit_entry(store: Store, kind: str, code: str, raw: dict[str, Any], *, source: str) -> bool:
    """Change the name, parent, mask, state or attributes of a type or category.

    Attribute declarations can be replaced only while nothing uses the entry, so stored values
    never lose their declaration. Returns whether anything changed.
    """
    with store.transaction() as conn:
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
                    raise Conflict("attributes cannot change while records use this "
                                   f"{_LABELS[kind]}", field="attributes", value=current.code,
                                   code="entry-in-use")
                sql.replace_attributes(conn, kind, current.id, definitions)
                changes["attributes"] = {"old": [d.as_dict() for d in current.attributes],
                                         "new": [d.as_dict() for d in definitions]}
        if not changes:
            return False
        stamp = now()
        plain = {k: row[k] for k in changes if k != "attributes"}
        sql.update_entry(conn, kind, current.id, {**plain, "updated_at": stamp})
        sql.insert_history(conn, [(kind, current.code, "edited", _dumps(changes), source, stamp)])
        return True


def _check_ancestry(catalogue: Catalogue, kind: str, entry: CompanyType | Category,
                    parent_id: int | None) -> None:
    """A parent may not be the entry itself or one of its descendants: no loops."""
    by_id = {e.id: e for e in catalogue.entries(kind).values()}
    seen: set[int] = set()
    current = by_id.get(parent_id) if parent_id is not None else None
    while current is not None and current.id not in seen:
        if current.id == entry.id:
            raise InvalidValue(f"would make {_LABELS[kind]} {entry.code} its own ancestor",
                               field="parent", value=by_id[parent_id].code, code="parent-loop")
        seen.add(current.id)
        current = catalogue.entries(kind).get(current.parent) if current.parent else None


def set_entry_active(store: Store, kind: str, code: str, active: bool, *, source: str) -> bool:
    """Deactivate or reactivate a type or category; existing records keep it."""
    return edit_entry(store, kind, code, {"active": active}, source=source)


def find_entry(catalogue: Catalogue, kind: str, code: object) -> CompanyType | Category:
    text = str(code or "").strip().upper()
    entry = catalogue.entries(kind).get(text)
    if entry is None:
        raise NotFound(f"no {_LABELS[kind]} has the code {shown(code)!r}", field="code", value=code,
                       code=f"unknown-{kind.replace('_', '-')}")
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
