"""Changing what is registered: a draft's values onto a stored client or company, with history.

Blank values leave stored ones alone unless the change replaces (an edit), so a partial file
never erases data; the company type and the category stay as registered.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clientreg.checks import CheckedClient, CheckedContact
from clientreg.conflicts import locked_conflicts
from clientreg.errors import Rejected
from clientreg.model import COMPANY_FIELDS, Action, Outcome
from clientreg.rules import identifier_key
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
