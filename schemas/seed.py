"""Seed documents: company types, categories and companies, applied before the clients.

Everything is applied inside the import's own transaction, so the catalogue of a seed lands with
its clients or not at all. Each entry goes through the core (``add_entry``, ``edit_entry``,
``register_companies``); a problem is reported at the entry and the rest still runs, so one pass
lists everything wrong with the document.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from clientreg.catalogue import Catalogue, add_entry, edit_entry
from clientreg.companies import register_companies
from clientreg.errors import ClientregError, InvalidValue, Rejected, RowError
from clientreg.model import Action, OnConflict
from clientreg.rules import flag
from clientreg.schemas.documents import checked_entries, document_drafts
from clientreg.schemas.report import Problems
from clientreg.schemas.rows import SEED_SECTIONS
from clientreg.storage import Store

_KINDS = {"company_types": "company_type", "categories": "category"}


def section_prefix(section: str) -> str:
    """How a seed section's entries are named in problems: ``clients[{index}].``."""
    return f"{section}[{{index}}]."


def document_kind(document: Any, *, file: str) -> tuple[str, list[RowError]]:
    """"list" for a list of clients, "seed" for a seed document, with problems of its shape."""
    if isinstance(document, list):
        return "list", []
    if not isinstance(document, dict):
        return "seed", [RowError(file, None, None, None, "invalid-document",
                                 "must be a list of clients or a seed document with "
                                 f"{', '.join(SEED_SECTIONS)}")]
    problems = []
    for key in document:
        if key not in SEED_SECTIONS:
            near = difflib.get_close_matches(str(key), SEED_SECTIONS, n=1, cutoff=0.6)
            hint = f"; did you mean '{near[0]}'?" if near else (
                f" (sections: {', '.join(SEED_SECTIONS)})")
            problems.append(RowError(file, None, str(key), None, "unknown-field",
                                     f"is not a section of a seed document{hint}"))
    return "seed", problems


def section(document: Any, name: str) -> Any:
    """A section of a seed document: a list, or what stands there instead (reported later)."""
    entries = document.get(name) if isinstance(document, dict) else None
    return [] if entries is None else entries


def declared_attribute_keys(document: Any) -> tuple[set[str], set[str]]:
    """Attribute keys a seed declares: (company type keys, category keys)."""
    found: tuple[set[str], set[str]] = (set(), set())
    for target, name in zip(found, ("company_types", "categories"), strict=True):
        entries = section(document, name)
        for entry in entries if isinstance(entries, list) else ():
            declared = entry.get("attributes") if isinstance(entry, dict) else None
            for item in declared if isinstance(declared, list) else ():
                if isinstance(item, dict) and isinstance(item.get("key"), str):
                    target.add(item["key"].strip().lower())
    return found


def apply_catalogue(store: Store, document: Any, *, file_index: int, file: str,
                    on_conflict: OnConflict, source: str, problems: Problems,
                    counts: dict[str, Counter[str]],
                    deactivate_later: list[tuple[str, str]] | None = None) -> None:
    """Add (or, with skip/update, leave or change) the seed's company types and categories.

    An entry the seed creates with ``active: false`` (as export writes a deactivated one) is
    created active and its (kind, code) put in ``deactivate_later``, so the seed's own clients
    of it can register; the import deactivates it at the end of the same transaction.
    """
    for name, kind in _KINDS.items():
        for origin, entry in checked_entries(name, section(document, name),
                                             file_index=file_index, file=file,
                                             prefix=section_prefix(name), problems=problems):
            if not isinstance(entry, dict):
                continue
            try:
                action = _apply_entry(store, kind, entry, on_conflict=on_conflict, source=source,
                                      deactivate_later=deactivate_later)
            except Rejected as exc:
                for problem in exc.problems:
                    problems.from_core(origin, problem)
            except ClientregError as exc:
                problems.from_core(origin, exc)
            else:
                counts[name][action] += 1


def _apply_entry(store: Store, kind: str, entry: dict[str, Any], *, on_conflict: OnConflict,
                 source: str, deactivate_later: list[tuple[str, str]] | None = None) -> str:
    code = entry.get("code")
    exists = isinstance(code, str) and code.strip().upper() in Catalogue.load(store).entries(kind)
    if not exists or on_conflict is OnConflict.ERROR:
        inactive = deactivate_later is not None and _says_inactive(entry.get("active"))
        created = add_entry(store, kind, {**entry, "active": True} if inactive else entry,
                            source=source)  # a code that exists is its conflict
        if inactive:
            deactivate_later.append((kind, created))
        return Action.CREATED.value
    if on_conflict is OnConflict.SKIP:
        return Action.SKIPPED.value
    changed = edit_entry(store, kind, str(code), entry, source=source)
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


def apply_companies(store: Store, document: Any, *, file_index: int, file: str,
                    on_conflict: OnConflict, source: str, problems: Problems,
                    counts: dict[str, Counter[str]]) -> None:
    """Register the seed's companies that are not clients."""
    drafts = document_drafts("companies", section(document, "companies"),
                             file_index=file_index, file=file,
                             prefix=section_prefix("companies"), problems=problems)
    report = register_companies(store, drafts, source=source, on_conflict=on_conflict)
    for origin, error in report.problems:
        problems.from_core(origin, error)
    for outcome in report.outcomes:
        counts["companies"][outcome.action.value] += 1


def client_sections(document: Any, kind: str) -> Iterator[tuple[str, list[Any], str]]:
    """(section name, entries, problem prefix) of the clients of a document."""
    if kind == "list":
        yield "clients", document, ""
    else:
        yield "clients", section(document, "clients"), section_prefix("clients")
