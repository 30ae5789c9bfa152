"""From YAML and JSON entries to drafts: each entry read by its model, its draft made from that.

An entry with problems of shape still becomes a draft, its wrongly shaped values left out, so
the core reports what else is wrong with it in the same run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel

from clientreg import rules
from clientreg.errors import InvalidValue, RowError
from clientreg.locale_values import ValueLocale
from clientreg.model import ClientDraft, ContactDraft
from clientreg.schemas.report import DocumentOrigin, Problems
from clientreg.schemas.rows import (
    ClientEntry,
    CompanyEntry,
    ContactEntry,
    Location,
    shaped_entry,
)

_ATTRIBUTE_COLUMNS = {"company_attributes": "company_attr", "client_attributes": "client_attr"}
_DRAFT_FIELDS = ("identifier", "name", "company_type", "category", "from_company", "trade_name",
                 "tax_id", "email", "phone", "website", "street", "city", "region",
                 "postal_code", "country")


def field_path(location: Location) -> str:
    """A pydantic location as the core names fields: contacts[1].email, company_attr.employees."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = _ATTRIBUTE_COLUMNS.get(str(part), str(part)) if not path else str(part)
            path += f".{name}" if path else name
    return path


class ReadEntry(NamedTuple):
    """An entry of a section: where it is, and its model (None when it is not a mapping)."""

    origin: DocumentOrigin
    model: BaseModel | None


def checked_entries(section: str, entries: Any, *, file_index: int, file: str,
                    prefix: str, problems: Problems) -> Iterator[ReadEntry]:
    """Each entry of a section read by its model, after the problems of its shape are recorded."""
    if not isinstance(entries, list):
        where = section if prefix else None
        problems.add(RowError.of(file, None, where, None, "invalid-type/entries",
                                 section=section))
        return
    for index, entry in enumerate(entries):
        shaped = shaped_entry(section, entry)
        origin = DocumentOrigin(file_index, file, index, prefix.format(index=index), section,
                                left_out=tuple(field_path(place) for place in shaped.left_out))
        for problem in shaped.problems:
            row, column = origin.locate(field_path(problem.location) or None)
            value = None if isinstance(problem.value, dict | list) else problem.value
            problems.in_entry(origin, RowError(file, row, column, value, problem.message.code,
                                            problem.message))
        yield ReadEntry(origin, shaped.model)


def _contact(entry: ContactEntry) -> ContactDraft:
    return ContactDraft(name=entry.name, email=entry.email, phone=entry.phone,
                        position=entry.position, department=entry.department,
                        language=entry.language, default=entry.default)


def draft_of(model: ClientEntry | CompanyEntry, origin: DocumentOrigin,
             problems: Problems, locale: ValueLocale | None = None) -> ClientDraft:
    """The draft of a client (or company) entry read by its model; the text of its numbers,
    dates and yes/no values read with ``locale`` (YAML and JSON numbers and booleans are typed
    already)."""
    values: dict[str, Any] = {name: getattr(model, name, None) for name in _DRAFT_FIELDS}
    if isinstance(model, CompanyEntry):
        return ClientDraft(**values, company_attributes=dict(model.company_attributes),
                           origin=origin, locale=locale)
    origin.inactive = _inactive(model, origin, problems, locale)
    return ClientDraft(**values, company_attributes=dict(model.company_attributes),
                       client_attributes=dict(model.client_attributes),
                       contacts=[_contact(c) for c in model.contacts], origin=origin,
                       locale=locale)


def _inactive(entry: ClientEntry, origin: DocumentOrigin, problems: Problems,
              locale: ValueLocale | None = None) -> bool:
    """Whether the entry says ``active: false``, read by the core's flag rule."""
    try:
        return not rules.flag(entry.active, field="active", locale=locale)
    except InvalidValue as exc:
        problems.from_core(origin, exc)
        return False


def document_drafts(section: str, entries: Any, *, file_index: int, file: str,
                    prefix: str, problems: Problems, locale: ValueLocale | None = None,
                    salt: bytes | None = None) -> Iterator[ClientDraft]:
    """The drafts of a list of clients or companies, read with ``locale``; with ``salt``, each
    draft's digest is made from its entry as the file gave it (ClientDraft.digest)."""
    for origin, model in checked_entries(section, entries, file_index=file_index, file=file,
                                         prefix=prefix, problems=problems):
        if isinstance(model, ClientEntry | CompanyEntry):
            draft = draft_of(model, origin, problems, locale)
            if salt is not None:
                draft.digest = _digest(salt, model)
            yield draft


def _digest(salt: bytes, model: ClientEntry | CompanyEntry) -> bytes:
    content = hashlib.blake2b(salt, digest_size=16)
    # repr, not JSON: a lone surrogate the entry holds is refused later, at its field.
    content.update(repr(model.model_dump()).encode("utf-8", "surrogatepass"))
    return content.digest()
