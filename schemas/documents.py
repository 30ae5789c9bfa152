"""From YAML and JSON entries to drafts: checked by the pydantic models, then built leniently.

An entry with problems still becomes a draft (a value of the wrong shape is left out), so the
core reports what else is wrong with it in the same run; a problem at a place the model already
reported is not repeated.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from clientreg import rules
from clientreg.errors import InvalidValue, RowError
from clientreg.model import COMPANY_FIELDS, CONTACT_FIELDS, ClientDraft, ContactDraft
from clientreg.schemas.report import DocumentOrigin, Problems
from clientreg.schemas.rows import entry_problems, number_text

CHUNK_ENTRIES = 1000
_TEXT_FIELDS = ("identifier", "name", "company_type", "category", "from_company", *COMPANY_FIELDS)
_ATTRIBUTE_COLUMNS = {"company_attributes": "company_attr", "client_attributes": "client_attr"}


def field_path(location: tuple[Any, ...]) -> str:
    """A pydantic location as the core names fields: contacts[1].email, company_attr.employees."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = _ATTRIBUTE_COLUMNS.get(str(part), str(part)) if not path else str(part)
            path += f".{name}" if path else name
    return path


def checked_entries(section: str, entries: Any, *, file_index: int, file: str,
                    prefix: str, problems: Problems,
                    ) -> Iterator[tuple[DocumentOrigin, Any]]:
    """Each entry of a section with its origin, after the model's problems are recorded."""
    if not isinstance(entries, list):
        where = section if prefix else None
        problems.add(RowError(file, None, where, None, "invalid-type",
                              f"{section} must be a list of entries"))
        return
    iterator = iter(enumerate(entries))
    while chunk := list(itertools.islice(iterator, CHUNK_ENTRIES)):
        origins = [DocumentOrigin(file_index, file, index, prefix.format(index=index), section)
                   for index, _ in chunk]
        for position, location, code, message, value in entry_problems(
                section, [entry for _, entry in chunk]):
            origin = origins[position]
            row, column = origin.locate(field_path(location) or None)
            if isinstance(value, dict | list):
                value = None
            problems.before_core(origin, RowError(file, row, column, value, code, message))
        for (_, entry), origin in zip(chunk, origins, strict=True):
            yield origin, entry


def _text(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return number_text(value)
    return value if isinstance(value, str) else None


def _scalars(values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        return {}
    return {str(k): v for k, v in values.items() if not isinstance(v, dict | list)}


def _contact(entry: Any) -> ContactDraft:
    if not isinstance(entry, dict):
        return ContactDraft()
    fields = {name: _text(entry.get(name)) for name in CONTACT_FIELDS if name != "default"}
    default = entry.get("default", False)
    return ContactDraft(**fields, default=default if isinstance(default, bool | str) else False)


def _inactive(value: Any) -> bool:
    try:
        return not rules.flag(value, field="active")
    except InvalidValue:
        return False  # reported by the model


def draft_of(entry: Any, origin: DocumentOrigin) -> ClientDraft | None:
    """A draft of a client (or company) entry; None when the entry is not a mapping at all."""
    if not isinstance(entry, dict):
        return None
    contacts = entry.get("contacts")
    draft = ClientDraft(
        **{name: _text(entry.get(name)) for name in _TEXT_FIELDS},
        company_attributes=_scalars(entry.get("company_attributes")),
        client_attributes=_scalars(entry.get("client_attributes")),
        contacts=[_contact(c) for c in contacts] if isinstance(contacts, list) else [],
        origin=origin,
    )
    origin.inactive = _inactive(entry.get("active", True))
    return draft


def document_drafts(section: str, entries: Any, *, file_index: int, file: str,
                    prefix: str, problems: Problems) -> Iterator[ClientDraft]:
    """The drafts of a list of clients or companies."""
    for origin, entry in checked_entries(section, entries, file_index=file_index, file=file,
                                         prefix=prefix, problems=problems):
        draft = draft_of(entry, origin)
        if draft is not None:
            yield draft
