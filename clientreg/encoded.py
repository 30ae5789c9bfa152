"""The JSON a new client's rows and history hold, encoded where the client is checked.

Encoding needs nothing but the checked values. Done beside the checks (in a worker process, for a
large batch), it is work taken off the process that writes the database, which has the most to
do. Only what depends on the database waits for it: the identifier a mask generates, and the
company of each new external user, spliced into its history entry here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clientreg.checks import CheckedClient, CheckedContact
from clientreg.storage.client_sql import USER_COLUMNS, dumps


class Encoded(NamedTuple):
    company_attributes: str
    client_attributes: str
    company_created: str
    client_created: str | None
    """None for a client registered from an existing company, whose identifier comes later (and
    for a company registered on its own, which is no client)."""
    users_created: tuple[str, ...]
    """Each contact's history entry as a new external user, without its company."""


def encoded_of(client: CheckedClient) -> Encoded:
    """The client's Encoded, encoded now if it was checked without (the checks encode it)."""
    if client.encoded is None:
        client.encoded = encode(client)
    return client.encoded


def encode(client: CheckedClient) -> Encoded:
    company = client.company or {}
    return Encoded(
        company_attributes=dumps(company.get("attributes") or {}),
        client_attributes=dumps(client.client_attributes),
        company_created=dumps(company_created(client)) if client.company else "",
        client_created=(None if client.from_company or client.category is None
                        else dumps(client_created(client, None))),
        users_created=tuple(dumps(user_created(contact)) for contact in client.contacts),
    )


def company_created(client: CheckedClient) -> dict[str, Any]:
    """A new company's history entry: each value given, the identifier aside (it is the key)."""
    assert client.company is not None and client.company_type is not None
    shown = {k: v for k, v in client.company.items() if v not in (None, {})}
    shown["company_type"] = client.company_type.code
    shown.pop("identifier", None)
    return {k: [None, v] for k, v in shown.items()}


def client_created(client: CheckedClient, identifier: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = {"category": [None, client.category.code]}
    if client.client_attributes:
        changes["client_attributes"] = [None, client.client_attributes]
    if client.from_company:
        changes["from_company"] = [None, identifier]
    return changes


def user_created(contact: CheckedContact) -> dict[str, Any]:
    details = {c: [None, v] for c in USER_COLUMNS if (v := getattr(contact, c))}
    if contact.default:
        details["default"] = [None, True]
    return details


def with_company(user_created_json: str, identifier: str) -> str:
    """A new external user's history entry, its company put in.

    The same text as encoding the whole entry at once: keys are sorted, "company" comes before
    every key of ``user_created`` (each entry has at least the e-mail), so it goes first.
    """
    head = '{"company":[null,' + dumps(identifier) + "]"
    return head + ("," + user_created_json[1:] if user_created_json != "{}" else "}")
