"""Changing what is registered: a draft's values onto a stored client or company, with history.

Blank values leave stored ones alone unless the change replaces (an edit), so a partial file
never erases data; the company type and the category stay as registered. Before an import's
update is checked, ``fill_from_registered`` gives each draft of a registered client the stored
values of what it leaves blank: the client is checked whole (a required attribute, the country
a phone is read with, the category its attributes belong to), and only the values the file gave
are written, so a partial file needs none of the columns that only a new client needs.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any, NamedTuple

from clientreg import attributes as attrs
from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedClient, CheckedContact
from clientreg.conflicts import locked_conflicts
from clientreg.errors import InvalidValue, Rejected
from clientreg.model import COMPANY_FIELDS, Action, ClientDraft, DraftChunk, Outcome
from clientreg.rules import email_key, identifier_key
from clientreg.storage import client_sql, read_sql
from clientreg.storage import edit_sql as sql
from clientreg.storage.client_sql import CompanyRow
from clientreg.writes import Writes

_USER_FIELDS = ("name", "phone", "position", "department", "language")


class _Client(NamedTuple):
    """The registered client whose contacts change."""

    client_id: int
    company_id: int
    identifier: str


def update_registered(writes: Writes, client: CheckedClient, existing: CompanyRow, *,
                      replace: bool) -> Outcome:
    """Apply a draft's values to an already registered client (type and category are locked)."""
    writes.flush()
    current = read_sql.company_by_key(writes.conn, identifier_key(existing.identifier))
    assert current is not None
    identifier = current["identifier"]
    problems = locked_conflicts(
        identifier, stored_type=current["company_type"],
        company_type=client.company_type.code if client.company_type else None,
        stored_category=current["category"], category=client.category.code)
    if problems:
        raise Rejected(list(problems))
    if client.kept:
        client = _given_only(client)
    company_changes = (changed_company_fields(client.company.values, current, replace=replace)
                       if client.company else {})
    client_changes = _attribute_changes(current["client_attributes"], client.client_attributes,
                                        "client_attributes", replace=replace)
    if company_changes.get("tax_id", [None, None])[1]:
        writes.check_tax_id(company_changes["tax_id"][1], identifier)
    contact_changes = False
    if client.company is not None:  # a client of an existing company takes no contacts
        contact_changes = _apply_contacts(writes, client.contacts, current, replace=replace)
    if company_changes:
        update_company(writes, current, company_changes)
    if client_changes:
        sql.update_client(writes.conn, current["client_id"], {"attributes": client_sql.dumps(
            client_changes["client_attributes"][1])}, writes.stamp)
        writes.history("client", identifier, "updated", client_changes)
    changed = bool(company_changes or client_changes or contact_changes)
    if changed and not client_changes:
        sql.update_client(writes.conn, current["client_id"], {}, writes.stamp)
    return Outcome(Action.UPDATED if changed else Action.UNCHANGED, identifier, client.origin,
                   changes={**company_changes, **client_changes})


def changed_company_fields(values: dict[str, Any], current: dict[str, Any], *, replace: bool,
                           ) -> dict[str, list[Any]]:
    """The company's fields that the new values change, as [old, new]."""
    changes: dict[str, list[Any]] = {}
    for name in ("name", *COMPANY_FIELDS):
        new = values[name]
        if (new is not None or replace) and new != current[name]:
            changes[name] = [current[name], new]
    changes.update(_attribute_changes(current["company_attributes"], values["attributes"],
                                      "attributes", replace=replace))
    return changes


def update_company(writes: Writes, current: dict[str, Any], changes: dict[str, list[Any]],
                   ) -> None:
    """Write a stored company's changed fields and their history."""
    identifier = current["identifier"]
    columns = {k: (client_sql.dumps(v[1]) if k == "attributes" else v[1])
               for k, v in changes.items()}
    sql.update_company(writes.conn, current["id"], columns, writes.stamp)
    writes.history("company", identifier, "updated", changes)
    new_tax_id = changes.get("tax_id", [None, None])[1]
    if new_tax_id:
        writes.tax_owners[new_tax_id] = identifier


def _attribute_changes(old: dict[str, str], new: dict[str, str], name: str, *, replace: bool,
                       ) -> dict[str, list[Any]]:
    merged = dict(new) if replace else {**old, **new}
    return {name: [old, merged]} if merged != old else {}


def _apply_contacts(writes: Writes, contacts: list[CheckedContact], current: dict[str, Any], *,
                    replace: bool) -> bool:
    """Update linked contacts, link new ones and, for an edit, unlink the ones left out."""
    registered = _Client(current["client_id"], current["id"], current["identifier"])
    linked = read_sql.contacts_of(writes.conn, registered.client_id)
    resolved = writes.resolve_contacts(contacts, company_id=registered.company_id)
    changed = _drop_left_out(writes, registered, linked, contacts, replace=replace)
    by_email = {row["email_key"]: row for row in linked}
    position = max((row["link_position"] for row in linked), default=-1) + 1
    for item in resolved:
        row = by_email.get(item.contact.email_key)
        if row is None:
            writes.link_contact(registered.client_id, registered.company_id,
                                registered.identifier, item, position)
            position += 1
            changed = True
        else:
            changed |= _update_linked(writes, registered, item.contact, row, replace=replace)
    writes.flush()
    return changed


def _drop_left_out(writes: Writes, registered: _Client, linked: list[dict[str, Any]],
                   contacts: list[CheckedContact], *, replace: bool) -> bool:
    """Unlink (for an edit) the linked contacts the draft leaves out; a new default contact
    takes the default from the one that had it."""
    wanted = {contact.email_key for contact in contacts}
    default_key = next((c.email_key for c in contacts if c.default), None)
    changed = False
    for row in linked:
        if replace and row["email_key"] not in wanted:
            sql.unlink_contact(writes.conn, registered.client_id, row["id"])
            writes.history("external_user", row["email_key"], "unlinked",
                           {"client": [registered.identifier, None]})
        elif default_key and row["default"] and row["email_key"] != default_key:
            sql.set_default(writes.conn, registered.client_id, row["id"], False)
            writes.history("external_user", row["email_key"], "updated",
                           {"default": [True, False]})
        else:
            continue
        changed = True
    return changed


def _update_linked(writes: Writes, registered: _Client, contact: CheckedContact,
                   row: dict[str, Any], *, replace: bool) -> bool:
    """Write a linked contact's changed details and default flag; whether anything changed."""
    updates = {f: [row[f], getattr(contact, f)] for f in _USER_FIELDS
               if (getattr(contact, f) is not None or replace) and getattr(contact, f) != row[f]}
    if updates:
        sql.update_user(writes.conn, row["id"], {f: v[1] for f, v in updates.items()},
                        writes.stamp)
    if contact.default != bool(row["default"]) and (contact.default or replace):
        sql.set_default(writes.conn, registered.client_id, row["id"], contact.default)
        updates["default"] = [bool(row["default"]), contact.default]
    if updates:
        writes.history("external_user", contact.email_key, "updated", updates)
    return bool(updates)


# -- an import's update: what a file leaves blank comes from the registered client ------------

_CLIENT_PREFIX = "client_attr."
_COMPANY_PREFIX = "company_attr."
_COMPANY_FILLED = ("name", "company_type", *COMPANY_FIELDS)
_FILLED_CONTACT_FIELDS = ("name", "phone", "position", "department", "language")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_from_registered(conn: sqlite3.Connection, catalogue: Catalogue,
                         chunk: list[ClientDraft] | DraftChunk) -> list[ClientDraft]:
    """The drafts of a chunk, each one of a registered client given the stored values of the
    fields it leaves blank (listed in its ``kept``); the other drafts as they are.

    A client is found by its identifier (or ``from_company``); one that is not registered keeps
    its blanks, and a value a new client needs is refused at its cell as for any registration.
    Stored attribute values go in as the export writes them (numbers as numbers), so a file's
    ``--locale`` does not read them again.
    """
    drafts = chunk if isinstance(chunk, list) else chunk.drafts()
    keyed = [(draft, key) for draft in drafts if (key := _registered_key(draft)) is not None]
    registered = {identifier_key(row["identifier"]): row for row in
                  read_sql.companies_by_keys(conn, sorted({key for _, key in keyed}))}
    for draft, key in keyed:
        stored = registered.get(key)
        if stored is None:
            _note_unregistered(draft)
        if stored is None or stored["client_id"] is None:
            continue
        _fill(draft, stored, catalogue)
        if draft.contacts:
            _fill_contacts(draft, read_sql.contacts_of(conn, stored["client_id"]))
    return drafts


def _registered_key(draft: ClientDraft) -> str | None:
    """The key a draft's client is registered under: its identifier, else its from_company."""
    key = draft.identifier if not _blank(draft.identifier) else draft.from_company
    return None if key is None or _blank(key) else identifier_key(key)


def _note_unregistered(draft: ClientDraft) -> None:
    """A draft of an identifier nobody has, lacking what a new client needs, was most likely
    meant to update one: say so beside the values it lacks (a mistyped identifier, say)."""
    if _blank(draft.identifier):
        return  # a from_company naming no company is the core's own problem
    lacking = [name for name in ("name", "company_type", "category")
               if _blank(getattr(draft, name))]
    if lacking:
        draft.problems = [*draft.problems, InvalidValue(
            "not-registered", field="identifier", value=draft.identifier,
            columns=", ".join(lacking))]


def _same_entry(catalogue: Catalogue, kind: str, given: str | None, stored: str | None) -> bool:
    """Whether a draft's type or category (blank, a code or a name) is the stored one."""
    if _blank(given):
        return True
    entry = catalogue.find(kind, str(given))
    return entry is not None and entry.code == stored


def _fill(draft: ClientDraft, stored: dict[str, Any], catalogue: Catalogue) -> None:
    kept: set[str] = set(draft.kept)
    same_category = _same_entry(catalogue, "category", draft.category, stored["category"])
    if _blank(draft.from_company):
        kept |= _fill_company(draft, stored, catalogue)
    if _blank(draft.category):
        draft.category = stored["category"]
        kept.add("category")
    if same_category:
        category = catalogue.categories.get(stored["category"])
        kept |= _fill_attributes(draft.client_attributes, stored["client_attributes"] or {},
                                 category.attributes if category else (), _CLIENT_PREFIX)
    draft.kept = frozenset(kept)


def _fill_company(draft: ClientDraft, stored: dict[str, Any], catalogue: Catalogue) -> set[str]:
    """Fill the company's blank fields and attributes from the stored company; their names."""
    kept: set[str] = set()
    same_type = _same_entry(catalogue, "company_type", draft.company_type,
                            stored["company_type"])
    for name in _COMPANY_FILLED:
        if _blank(getattr(draft, name)) and stored[name] is not None:
            setattr(draft, name, stored[name])
            kept.add(name)
    if same_type:
        company_type = catalogue.types.get(stored["company_type"])
        kept |= _fill_attributes(draft.company_attributes, stored["company_attributes"] or {},
                                 company_type.attributes if company_type else (),
                                 _COMPANY_PREFIX)
    return kept


def fill_company_from_registered(conn: sqlite3.Connection, catalogue: Catalogue,
                                 draft: ClientDraft) -> ClientDraft:
    """A company's draft (a seed's ``companies:``) for an update: a stored company's values
    fill what it leaves blank, listed in its ``kept``."""
    if _blank(draft.identifier):
        return draft
    assert draft.identifier is not None
    stored = read_sql.company_by_key(conn, identifier_key(draft.identifier))
    if stored is not None:
        draft.kept = frozenset(draft.kept | _fill_company(draft, stored, catalogue))
    return draft


def given_company_values(values: dict[str, Any], kept: frozenset[str]) -> dict[str, Any]:
    """A checked company's values without those taken from the stored company (None: no
    change), so only what the file gave can change."""
    given = {name: (None if name in kept else value)
             for name, value in values.items() if name != "attributes"}
    given["attributes"] = {key: value for key, value in values["attributes"].items()
                           if _COMPANY_PREFIX + key not in kept}
    return given


def _fill_attributes(given: dict[str, Any], stored: dict[str, str],
                     definitions: tuple[attrs.AttributeDef, ...], prefix: str) -> set[str]:
    """Put the stored values of the attributes left blank into ``given``; their names."""
    known = {d.key: d for d in definitions}
    filled = set()
    for key, text in stored.items():
        if key in known and _blank(given.get(key)):
            given[key] = attrs.typed(known[key], text)
            filled.add(prefix + key)
    return filled


def _fill_contacts(draft: ClientDraft, linked: list[dict[str, Any]]) -> None:
    """A contact already linked to the client takes its stored details where it is blank."""
    by_email = {row["email_key"]: row for row in linked}
    kept = set(draft.kept)
    for index, contact in enumerate(draft.contacts):
        if _blank(contact.email):
            continue
        row = by_email.get(email_key(str(contact.email).strip()))
        if row is None:
            continue
        for name in _FILLED_CONTACT_FIELDS:
            if _blank(getattr(contact, name)) and row[name] is not None:
                setattr(contact, name, row[name])
                kept.add(f"contacts[{index}].{name}")
    draft.kept = frozenset(kept)


def _given_only(client: CheckedClient) -> CheckedClient:
    """The checked client without the values its draft took from the registered client, so
    only what the file gave can change (the stored values may have changed since: an earlier
    entry of the same import)."""
    kept = client.kept
    company = client.company
    if company is not None:
        company = dataclasses.replace(company,
                                      values=given_company_values(company.values, kept))
    contacts = [_contact_given_only(contact, kept) for contact in client.contacts]
    attributes = {key: value for key, value in client.client_attributes.items()
                  if _CLIENT_PREFIX + key not in kept}
    return dataclasses.replace(client, company=company, contacts=contacts,
                               client_attributes=attributes)


def _contact_given_only(contact: CheckedContact, kept: frozenset[str]) -> CheckedContact:
    """The contact without the details taken from its stored external user."""
    given = dataclasses.replace(contact)
    for name in _FILLED_CONTACT_FIELDS:
        if f"contacts[{contact.index}].{name}" in kept:
            setattr(given, name, None)
    return given
