"""Changing registered clients: edits of their fields and deactivation; history keeps old values."""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

from clientreg.clock import now
from clientreg.conflicts import locked_setting
from clientreg.errors import ClientregError, InvalidValue, NotFound, Rejected, shown
from clientreg.model import COMPANY_FIELDS, ClientDraft, ContactDraft, OnConflict, Outcome
from clientreg.records import client_data
from clientreg.registration import register_many
from clientreg.rules import email_key, identifier_key
from clientreg.storage import Store, Work, client_sql, read_sql, unit_of_work
from clientreg.storage import edit_sql as sql

_SETTABLE = ("name", *COMPANY_FIELDS, "company_attr.KEY", "client_attr.KEY")


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
    problems: list[ClientregError] = []
    for field, value in settings.items():
        name = field.strip().lower()
        locked = locked_setting(name, value)
        if locked is not None:
            problems.append(locked)
        elif name == "name" or name in COMPANY_FIELDS:
            setattr(draft, name, value)
        elif name.startswith("company_attr."):
            draft.company_attributes[name.removeprefix("company_attr.")] = value
        elif name.startswith("client_attr."):
            draft.client_attributes[name.removeprefix("client_attr.")] = value
        else:
            problems.append(InvalidValue("unknown-field/setting", field=name, value=value,
                                         fields=", ".join(_SETTABLE)))
    if problems:
        raise Rejected(problems)
    return draft


def edit_client(store: Store, identifier: str, *, settings: dict[str, str] | None = None,
                draft: ClientDraft | None = None, source: str = "edit",
                dry_run: bool = False) -> Outcome:
    """Change a registered client: FIELD=VALUE settings, or a whole draft (blank clears).

    Goes through the same checks as a registration; type and category stay locked; every change
    is recorded in history with its old value. A dry run checks and compares, then writes nothing.
    """
    document = client_data(store, identifier, with_history=False)
    if draft is None:
        draft = draft_of(document)
    draft.identifier = document["identifier"]
    if settings:
        apply_settings(draft, settings)
    report = register_many(store, [draft], source=source, on_conflict=OnConflict.UPDATE,
                           replace=True, dry_run=dry_run)
    if report.problems:
        raise Rejected([problem.error for problem in report.problems])
    return report.outcomes[0]


class Change(NamedTuple):
    """One thing an edit changes: a field or an attribute (``name``, ``tax_id``,
    ``company_attr.KEY``, ``client_attr.KEY``) from old to new; a contact added (``contacts``,
    old None, new its data) or removed (new None); or a detail of the contact whose e-mail is
    ``contact`` (``contacts.phone``, ``contacts.default``...)."""

    field: str
    old: Any
    new: Any
    contact: str | None = None


_CONTACT_DETAILS = ("name", "phone", "position", "department", "language", "default")


def field_changes(changes: dict[str, list[Any]]) -> list[Change]:
    """An outcome's changes one field at a time, attributes key by key (in key order)."""
    listed: list[Change] = []
    for field, (old, new) in changes.items():
        if isinstance(old, dict) or isinstance(new, dict):
            prefix = "client_attr" if field == "client_attributes" else "company_attr"
            old, new = old or {}, new or {}
            listed += [Change(f"{prefix}.{key}", old.get(key), new.get(key))
                       for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
        else:
            listed.append(Change(field, old, new))
    return listed


def edit_changes(store: Store, identifier: str, draft: ClientDraft) -> list[Change]:
    """What saving ``draft`` over the client would change, as the edit would write it: a dry
    run of the edit for its fields and attributes, then the contacts added, removed or changed
    (matched by e-mail as the core matches them). Raises what the edit would reject."""
    document = client_data(store, identifier, with_history=False)
    outcome = edit_client(store, identifier, draft=copy.deepcopy(draft), dry_run=True)
    listed = field_changes(outcome.changes)
    before = {email_key(c["email"]): c for c in document.get("contacts") or ()}
    after = {email_key(c.email or ""): c for c in draft.contacts}
    for key, old in before.items():
        if key not in after:
            listed.append(Change("contacts", old, None))
    for key, contact in after.items():
        new = {name: getattr(contact, name) for name in ("email", *_CONTACT_DETAILS)}
        if key not in before:
            listed.append(Change("contacts", None, new))
            continue
        old = before[key]
        for name in _CONTACT_DETAILS:
            was, now_is = old.get(name) or None, new[name] or None
            if was != now_is:
                listed.append(Change(f"contacts.{name}", was, now_is, contact=old["email"]))
    return listed


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
        raise NotFound("unknown-client", field="identifier", value=identifier,
                       given=shown(identifier))
    if bool(row["client_active"]) == active:
        if work.store.ledger is not None and not work.dry_run:
            work.store.ledger.left("client", row["identifier"], "unchanged")
        return False
    stamp = now()
    sql.update_client(conn, row["client_id"], {"active": int(active)}, stamp)
    if not work.dry_run:
        history = client_sql.PendingWrites.empty()
        history.history.append((
            "client", row["identifier"], "activated" if active else "deactivated",
            client_sql.dumps({"active": [not active, active]}), source, stamp))
        history.run_id = work.store.run_id
        history.flush(conn)
    return True
