"""Changing registered clients: file updates, edits, deactivation; history keeps old values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientreg.checks import CheckedClient
from clientreg.clock import now
from clientreg.errors import Conflict, InvalidValue, NotFound, Rejected, shown
from clientreg.model import (
    COMPANY_FIELDS,
    Action,
    ClientDraft,
    ContactDraft,
    OnConflict,
    Outcome,
)
from clientreg.rules import identifier_key
from clientreg.storage import Store, Work, client_sql, read_sql, unit_of_work
from clientreg.storage import edit_sql as sql
from clientreg.storage.client_sql import CompanyRow

if TYPE_CHECKING:
    from clientreg.registration import Batch

LOCKED_FIELDS = ("identifier", "company_type", "category")
_USER_FIELDS = ("name", "phone", "position", "department", "language")


def update_registered(batch: Batch, client: CheckedClient, existing: CompanyRow) -> Outcome:
    """Apply a draft's values to an already registered client (type and category are locked).

    Blank values leave stored ones alone unless the batch replaces (an edit), so a partial file
    never erases data.
    """
    conn = batch.conn
    current = read_sql.company_by_key(conn, identifier_key(existing.identifier))
    assert current is not None
    identifier = current["identifier"]
    _check_locked(client, current)
    company_changes = changed_company_fields(client, current, replace=batch.replace)
    client_changes = _attribute_changes(current["client_attributes"], client.client_attributes,
                                        "client_attributes", replace=batch.replace)
    if "tax_id" in company_changes and company_changes["tax_id"][1]:
        batch.check_tax_id({"tax_id": company_changes["tax_id"][1]}, identifier)
    contacts = read_sql.contacts_of(conn, current["client_id"])
    contact_changes = _apply_contacts(batch, client, current, contacts)
    if company_changes:
        columns = {k: (client_sql.dumps(v[1]) if k == "attributes" else v[1])
                   for k, v in company_changes.items()}
        sql.update_company(conn, current["id"], columns, batch.stamp)
        batch.history("company", identifier, "updated", company_changes)
        if "tax_id" in company_changes:
            batch.tax_owners[company_changes["tax_id"][1]] = identifier
    if client_changes:
        sql.update_client(conn, current["client_id"],
                          {"attributes": client_sql.dumps(client_changes["client_attributes"][1])},
                          batch.stamp)
        batch.history("client", identifier, "updated", client_changes)
    changed = bool(company_changes or client_changes or contact_changes)
    if changed and not client_changes:
        sql.update_client(conn, current["client_id"], {}, batch.stamp)
    return Outcome(Action.UPDATED if changed else Action.UNCHANGED, identifier, client.origin,
                   changes={**company_changes, **client_changes})


def _check_locked(client: CheckedClient, current: dict[str, Any]) -> None:
    problems = []
    if client.company_type is not None and client.company_type.code != current["company_type"]:
        problems.append(Conflict(
            f"the company type of {current['identifier']} is {current['company_type']} and "
            "cannot change after registration", field="company_type",
            value=client.company_type.code, code="company-type-locked"))
    if client.category.code != current["category"]:
        problems.append(Conflict(
            f"the category of {current['identifier']} is {current['category']} and cannot "
            "change after registration", field="category", value=client.category.code,
            code="category-locked"))
    if problems:
        raise Rejected(problems)


def changed_company_fields(client: CheckedClient, current: dict[str, Any], *, replace: bool,
                     ) -> dict[str, list[Any]]:
    if client.company is None:
        return {}
    changes: dict[str, list[Any]] = {}
    for name in ("name", *COMPANY_FIELDS):
        new = client.company[name]
        if (new is not None or replace) and new != current[name]:
            changes[name] = [current[name], new]
    changes.update(_attribute_changes(current["company_attributes"],
                                      client.company["attributes"], "attributes",
                                      replace=replace))
    return changes


def _attribute_changes(old: dict[str, str], new: dict[str, str], name: str, *, replace: bool,
                       ) -> dict[str, list[Any]]:
    merged = dict(new) if replace else {**old, **new}
    return {name: [old, merged]} if merged != old else {}


def _apply_contacts(batch: Batch, client: CheckedClient, current: dict[str, Any],
                    linked: list[dict[str, Any]]) -> bool:
    """Update linked contacts, link new ones and, for an edit, unlink the ones left out."""
    if client.company is None:
        return False
    conn, identifier = batch.conn, current["identifier"]
    by_email = {contact["email_key"]: contact for contact in linked}
    wanted = {contact.email_key for contact in client.contacts}
    resolved = batch.resolve_contacts(client, company_id=current["id"])
    changed = False
    default_key = next((c.email_key for c in client.contacts if c.default), None)
    for contact in linked:
        if contact["email_key"] not in wanted and batch.replace:
            sql.unlink_contact(conn, current["client_id"], contact["id"])
            batch.history("external_user", contact["email_key"], "unlinked",
                          {"client": [identifier, None]})
            changed = True
        elif default_key and contact["default"] and contact["email_key"] != default_key:
            sql.set_default(conn, current["client_id"], contact["id"], False)
            batch.history("external_user", contact["email_key"], "updated",
                          {"default": [True, False]})
            changed = True
    position = max((c["link_position"] for c in linked), default=-1) + 1
    for contact, user in resolved:
        existing = by_email.get(contact.email_key)
        if existing is None:
            batch.link_contact(current["client_id"], current["id"], identifier, contact, user,
                               position)
            position += 1
            changed = True
            continue
        updates = {f: [existing[f], getattr(contact, f)] for f in _USER_FIELDS
                   if (getattr(contact, f) is not None or batch.replace)
                   and getattr(contact, f) != existing[f]}
        if updates:
            sql.update_user(conn, existing["id"], {f: v[1] for f, v in updates.items()},
                            batch.stamp)
        if contact.default != bool(existing["default"]) and (contact.default or batch.replace):
            sql.set_default(conn, current["client_id"], existing["id"], contact.default)
            updates["default"] = [bool(existing["default"]), contact.default]
        if updates:
            batch.history("external_user", contact.email_key, "updated", updates)
            changed = True
    batch.pending.flush(conn)
    return changed


def draft_of(document: dict[str, Any]) -> ClientDraft:
    """A draft holding a client's current data (as records.client_data gives it)."""
    draft = ClientDraft(
        category=document["category"], company_type=document["company_type"],
        identifier=document["identifier"], name=document["name"],
        company_attributes=dict(document.get("company_attributes") or {}),
        client_attributes=dict(document.get("client_attributes") or {}),
        contacts=[ContactDraft(**contact) for contact in document.get("contacts") or []],
    )
    for name in COMPANY_FIELDS:
        setattr(draft, name, document.get(name))
    return draft


def apply_settings(draft: ClientDraft, settings: dict[str, str]) -> ClientDraft:
    """Put FIELD=VALUE settings into a draft; locked and unknown fields are rejected."""
    problems = []
    for field, value in settings.items():
        name = field.strip().lower()
        if name in LOCKED_FIELDS:
            problems.append(Conflict(f"{name} cannot change after registration", field=name,
                                     value=value, code=f"{name.replace('_', '-')}-locked"))
        elif name == "name" or name in COMPANY_FIELDS:
            setattr(draft, name, value)
        elif name.startswith("company_attr."):
            draft.company_attributes[name.removeprefix("company_attr.")] = value
        elif name.startswith("client_attr."):
            draft.client_attributes[name.removeprefix("client_attr.")] = value
        else:
            fields = ", ".join(("name", *COMPANY_FIELDS, "company_attr.KEY", "client_attr.KEY"))
            problems.append(InvalidValue(f"is not a field that can be set (fields: {fields})",
                                         field=name, value=value, code="unknown-field"))
    if problems:
        raise Rejected(problems)
    return draft


def edit_client(store: Store, identifier: str, *, settings: dict[str, str] | None = None,
                draft: ClientDraft | None = None, source: str = "edit") -> Outcome:
    """Change a registered client: FIELD=VALUE settings, or a whole draft (blank clears).

    Goes through the same checks as a registration; type and category stay locked; every change
    is recorded in history with its old value.
    """
    from clientreg.records import client_data
    from clientreg.registration import register_many

    document = client_data(store, identifier, with_history=False)
    if draft is None:
        draft = draft_of(document)
    draft.identifier = document["identifier"]
    if settings:
        apply_settings(draft, settings)
    report = register_many(store, [draft], source=source, on_conflict=OnConflict.UPDATE,
                           replace=True)
    if report.problems:
        raise Rejected([problem for _, problem in report.problems])
    return report.outcomes[0]


def set_client_active(store: Store, identifier: str, active: bool, *, source: str,
                      work: Work | None = None) -> bool:
    """Deactivate or reactivate a client; returns whether its state changed.

    With ``work``, inside that open unit of work (its history left out in a dry run); otherwise
    in a unit of its own.
    """
    if work is None:
        with unit_of_work(store, dry_run=False) as own:
            return set_client_active(store, identifier, active, source=source, work=own)
    conn = work.conn
    row = read_sql.company_by_key(conn, identifier_key(identifier))
    if row is None or row["client_id"] is None:
        raise NotFound(f"no client has the identifier {shown(identifier)!r}",
                       field="identifier", value=identifier, code="unknown-client")
    if bool(row["client_active"]) == active:
        return False
    stamp = now()
    sql.update_client(conn, row["client_id"], {"active": int(active)}, stamp)
    if not work.dry_run:
        client_sql.PendingWrites([], [], [], [], [], [(
            "client", row["identifier"], "activated" if active else "deactivated",
            client_sql.dumps({"active": [not active, active]}), source, stamp)]).flush(conn)
    return True
