"""Seed documents: company types, categories and companies, applied before the clients.

Everything is applied inside the import's own unit of work, so the catalogue of a seed lands with
its clients or not at all. Each entry goes through the core (``add_entry``, ``edit_entry``,
``register_companies``); a problem is reported at the entry and the rest still runs, so one pass
lists everything wrong with the document.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import BaseModel

from clientreg.catalogue import Catalogue, add_entry, edit_entry
from clientreg.companies import register_companies
from clientreg.diffing import EntryDiff, catalogue_diff, entry_diff
from clientreg.errors import ClientregError, InvalidValue, Rejected, RowError
from clientreg.locale_values import ValueLocale
from clientreg.model import Action, OnConflict
from clientreg.rules import flag
from clientreg.schemas.documents import checked_entries, document_drafts
from clientreg.schemas.report import Problems
from clientreg.schemas.rows import SEED_SECTIONS
from clientreg.schemas.value_map import ValueMap
from clientreg.storage import Work

_KINDS = {"company_types": "company_type", "categories": "category"}


def section_prefix(section: str) -> str:
    """How a seed section's entries are named in problems: ``clients[{index}].``."""
    return f"{section}[{{index}}]."


class DocumentKind(NamedTuple):
    """What a document is: "list" (of clients) or "seed", and the problems of its shape."""

    kind: str
    problems: list[RowError]


class DeclaredKeys(NamedTuple):
    """The attribute keys a seed declares, on its company types and on its categories."""

    company_type: set[str]
    category: set[str]


class CatalogueCode(NamedTuple):
    """A company type or category by its kind and code."""

    kind: str
    code: str


class ClientSection(NamedTuple):
    """The clients of a document: the section's name, its entries, how problems name them."""

    section: str
    entries: Any
    prefix: str


def document_kind(document: Any, *, file: str) -> DocumentKind:
    """"list" for a list of clients, "seed" for a seed document, with problems of its shape."""
    if isinstance(document, list):
        return DocumentKind("list", [])
    sections = ", ".join(SEED_SECTIONS)
    if not isinstance(document, dict):
        return DocumentKind("seed", [RowError.of(file, None, None, None, "invalid-document",
                                                 sections=sections)])
    problems = []
    for key in document:
        if key not in SEED_SECTIONS:
            near = difflib.get_close_matches(str(key), SEED_SECTIONS, n=1, cutoff=0.6)
            problems.append(
                RowError.of(file, None, str(key), None, "unknown-field/section",
                            suggestion=near[0]) if near else
                RowError.of(file, None, str(key), None, "unknown-field/sections",
                            sections=sections))
    return DocumentKind("seed", problems)


def section(document: Any, name: str) -> Any:
    """A section of a seed document: a list, or what stands there instead (reported later)."""
    entries = document.get(name) if isinstance(document, dict) else None
    return [] if entries is None else entries


def declared_attribute_keys(document: Any) -> DeclaredKeys:
    """Attribute keys a seed declares, on company types and on categories."""
    found = DeclaredKeys(set(), set())
    for target, name in zip(found, ("company_types", "categories"), strict=True):
        entries = section(document, name)
        for entry in entries if isinstance(entries, list) else ():
            declared = entry.get("attributes") if isinstance(entry, dict) else None
            for item in declared if isinstance(declared, list) else ():
                if isinstance(item, dict) and isinstance(item.get("key"), str):
                    target.add(item["key"].strip().lower())
    return found


@dataclass(frozen=True)
class SeedPlace:
    """Where a seed document's entries come from and go: its file, the import, its tallies."""

    file_index: int
    file: str
    on_conflict: OnConflict
    source: str
    problems: Problems
    counts: dict[str, Counter[str]]
    values: ValueMap = ValueMap()
    locale: ValueLocale | None = None
    """How the companies' numbers, dates and yes/no values are read (--locale)."""
    on_diff: Callable[[EntryDiff], None] | None = None
    """Told what each catalogue entry and company changes, as its history row says (--diff)."""


def apply_catalogue(work: Work, document: Any, place: SeedPlace, *,
                    deactivate_later: list[CatalogueCode] | None = None) -> None:
    """Add (or, with skip/update, leave or change) the seed's company types and categories.

    An entry the seed creates with ``active: false`` (as export writes a deactivated one) is
    created active and its (kind, code) put in ``deactivate_later``, so the seed's own clients
    of it can register; the import deactivates it at the end of the same unit of work.
    """
    for name, kind in _KINDS.items():
        for origin, model in checked_entries(name, section(document, name),
                                             file_index=place.file_index, file=place.file,
                                             prefix=section_prefix(name),
                                             problems=place.problems):
            if model is None:
                continue
            try:
                action = _apply_entry(work, kind, _declared(model),
                                      on_conflict=place.on_conflict, source=place.source,
                                      deactivate_later=deactivate_later)
            except Rejected as exc:
                for problem in exc.problems:
                    place.problems.from_core(origin, problem)
            except ClientregError as exc:
                place.problems.from_core(origin, exc)
            else:
                place.counts[name][action] += 1
                ledger = None if work.dry_run else work.store.ledger
                if ledger is not None and action in (Action.UNCHANGED, Action.SKIPPED):
                    # the run lists the entries it left as they were
                    ledger.left(kind, str(getattr(model, "code", "")).strip().upper(), action)
                if place.on_diff is not None:
                    place.on_diff(_entry_diff(work, kind, model, action, origin))


def _entry_diff(work: Work, kind: str, model: BaseModel, action: str, origin: Any,
                ) -> EntryDiff:
    """A catalogue entry's change as the history row its creation or edit just wrote says it."""
    code = str(getattr(model, "code", "") or "").strip().upper()
    changes: dict[str, Any] = {}
    if action in (Action.CREATED.value, Action.UPDATED.value):
        row = work.conn.execute("SELECT entity_key, changes FROM history WHERE entity = ? "
                                "ORDER BY id DESC LIMIT 1", [kind]).fetchone()
        if row is not None:
            code, changes = row[0], json.loads(row[1])
    diff = catalogue_diff(kind, code, action, changes)
    diff.file, diff.row = origin.file, origin.locate(None).row
    return diff


def _declared(model: BaseModel) -> dict[str, Any]:
    """What a catalogue entry declares, as its model read it (the fields it gives)."""
    return model.model_dump(exclude_unset=True, exclude={"error_code", "error_message"})


def _apply_entry(work: Work, kind: str, entry: dict[str, Any], *, on_conflict: OnConflict,
                 source: str, deactivate_later: list[CatalogueCode] | None = None) -> str:
    store = work.store
    code = entry.get("code")
    exists = isinstance(code, str) and code.strip().upper() in Catalogue.load(store).entries(kind)
    if not exists or on_conflict is OnConflict.ERROR:
        inactive = deactivate_later is not None and _says_inactive(entry.get("active"))
        created = add_entry(store, kind, {**entry, "active": True} if inactive else entry,
                            source=source, work=work)  # a code that exists is its conflict
        if inactive and deactivate_later is not None:
            deactivate_later.append(CatalogueCode(kind, created))
        return Action.CREATED.value
    if on_conflict is OnConflict.SKIP:
        return Action.SKIPPED.value
    changed = edit_entry(store, kind, str(code), entry, source=source, work=work)
    return (Action.UPDATED if changed else Action.UNCHANGED).value


def _says_inactive(value: Any) -> bool:
    """Whether an entry's ``active`` is a no, read by the core's flag rule (absent: active). A
    value the rule refuses is left for ``add_entry`` to report at its field."""
    if value is None:
        return False
    try:
        return not flag(value, field="active")
    except InvalidValue:
        return False


def apply_companies(work: Work, document: Any, place: SeedPlace) -> None:
    """Register the seed's companies that are not clients."""
    drafts = document_drafts("companies", section(document, "companies"),
                             file_index=place.file_index, file=place.file,
                             prefix=section_prefix("companies"), problems=place.problems,
                             locale=place.locale)
    if place.values:
        drafts = map(place.values.draft, drafts)
    report = register_companies(work.store, drafts, source=place.source,
                                on_conflict=place.on_conflict, work=work,
                                noting=place.on_diff is not None)
    for origin, error in report.problems:
        place.problems.from_core(origin, error)
    for outcome in report.outcomes:
        place.counts["companies"][outcome.action.value] += 1
        if place.on_diff is not None:
            diff = entry_diff(outcome, kind="company")
            diff.file, diff.row = outcome.origin.file, outcome.origin.locate(None).row
            place.on_diff(diff)


def client_sections(document: Any, kind: str) -> Iterator[ClientSection]:
    """The clients of a document: a list of clients, or a seed's ``clients:``."""
    if kind == "list":
        yield ClientSection("clients", document, "")
    else:
        yield ClientSection("clients", section(document, "clients"), section_prefix("clients"))
