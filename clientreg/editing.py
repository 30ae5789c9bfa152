"""Changing registered clients: edits of their fields and deactivation; history keeps old values."""

from __future__ import annotations

from typing import Any

from clientreg.clock import now
from clientreg.conflicts import locked_setting
from clientreg.errors import ClientregError, InvalidValue, NotFound, Rejected, shown
from clientreg.model import COMPANY_FIELDS, ClientDraft, ContactDraft, OnConflict, Outcome
from clientreg.records import client_data
from clientreg.registration import register_many
from clientreg.rules import identifier_key
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
                draft: ClientDraft | None = None, source: str = "edit") -> Outcome:
    """Change a registered client: FIELD=VALUE settings, or a whole draft (blank clears).

    Goes through the same checks as a registration; type and category stay locked; every change
    is recorded in history with its old value.
    """
    document = client_data(store, identifier, with_history=False)
    if draft is None:
        draft = draft_of(document)
    draft.identifier = document["identifier"]
    if settings:
        apply_settings(draft, settings)
    report = register_many(store, [draft], source=source, on_conflict=OnConflict.UPDATE,
                           replace=True)
    if report.problems:
        raise Rejected([problem.error for problem in report.problems])
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
        raise NotFound("unknown-client", field="identifier", value=identifier,
                       given=shown(identifier))
    if bool(row["client_active"]) == active:
        return False
    stamp = now()
    sql.update_client(conn, row["client_id"], {"active": int(active)}, stamp)
    if not work.dry_run:
        history = client_sql.PendingWrites.empty()
        history.history.append((
            "client", row["identifier"], "activated" if active else "deactivated",
            client_sql.dumps({"active": [not active, active]}), source, stamp))
        history.flush(conn)
    return True
