"""Reading registered data back, in the import's own shape so that what comes out can go back in."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from clientreg import attributes as attrs
from clientreg import rules
from clientreg.catalogue import Catalogue
from clientreg.errors import InvalidValue, NotFound, shown
from clientreg.model import COMPANY_FIELDS
from clientreg.rules import email_key, identifier_key
from clientreg.storage import Store
from clientreg.storage import read_sql as sql

_CONTACT_KEYS = ("name", "email", "phone", "position", "department", "language")


MAX_SEARCH_CHARS = 1000
"""The longest search text: more than a company's searched fields hold together (864)."""


def _search_text(text: str) -> str:
    """The search as typed, refused (never echoed back) when it is over MAX_SEARCH_CHARS."""
    if len(text) > MAX_SEARCH_CHARS:
        raise InvalidValue("search-too-long", field="search", max=MAX_SEARCH_CHARS,
                           length=len(text))
    return unicodedata.normalize("NFC", text)


def fts_query(text: str) -> str:
    """A user's search words as an FTS5 query: every word must match as a prefix."""
    # FTS5 ends a quoted string at a NUL character, whatever follows: it can only split words.
    # A repeated word changes nothing but the time FTS5 takes, so each is asked once.
    words = dict.fromkeys(word.replace('"', '""') for word in text.replace("\0", " ").split())
    return " ".join(f'"{word}"*' for word in words if word)


def search_query(text: str) -> str:
    """The FTS5 query of a search: its words as prefixes, or the whole text as a tax id.

    A tax id is indexed as the one compact form it is stored in, which its words as typed
    ('B-41954256', 'b 41954256', '00.362.417/0001-02') do not spell; so the forms the rules
    would store for the text are also matched, whole, in the tax id column.
    """
    words = fts_query(text)
    keys = dict.fromkeys(key.replace('"', '""') for key in rules.tax_id_search_keys(text))
    if not keys:
        return words
    tax_ids = "tax_id : (" + " OR ".join(f'"{key}"' for key in keys) + ")"
    return f"({words}) OR {tax_ids}" if words else tax_ids


def _query_of(search: str | None) -> str | None:
    """The FTS5 query of a search, checked now; None without one, "" when nothing can match."""
    return search_query(_search_text(search)) if search else None


def _typed(values: dict[str, str], definitions: tuple[attrs.AttributeDef, ...]) -> dict[str, Any]:
    known = {d.key: d for d in definitions}
    return {key: attrs.typed(known.get(key), value) for key, value in values.items()}


def client_document(row: dict[str, Any], contacts: list[dict[str, Any]],
                    catalogue: Catalogue) -> dict[str, Any]:
    """One client in the seed document's shape (the shape import reads)."""
    company_type = catalogue.types.get(row["company_type"])
    category = catalogue.categories.get(row["category"])
    out: dict[str, Any] = {"identifier": row["identifier"], "name": row["name"],
                           "company_type": row["company_type"], "category": row["category"]}
    for name in COMPANY_FIELDS:
        if row.get(name) is not None:
            out[name] = row[name]
    if row["company_attributes"]:
        out["company_attributes"] = _typed(row["company_attributes"],
                                           company_type.attributes if company_type else ())
    if row["client_attributes"]:
        out["client_attributes"] = _typed(row["client_attributes"],
                                          category.attributes if category else ())
    if contacts:
        out["contacts"] = [_contact_document(contact) for contact in contacts]
    if not row["client_active"]:
        out["active"] = False
    return out


def _contact_document(contact: dict[str, Any]) -> dict[str, Any]:
    out = {key: contact[key] for key in _CONTACT_KEYS if contact.get(key) is not None}
    if contact.get("default"):
        out["default"] = True
    return out


def client_data(store: Store, identifier: str, *, with_history: bool = True) -> dict[str, Any]:
    """The client's data: company, category, attributes, contacts and history."""
    row = sql.company_by_key(store.conn, identifier_key(identifier))
    if row is None or row["client_id"] is None:
        if row is not None:
            raise NotFound("unknown-client/company", field="identifier", value=identifier,
                           given=shown(identifier))
        raise NotFound("unknown-client", field="identifier", value=identifier,
                       given=shown(identifier))
    contacts = sql.contacts_of(store.conn, row["client_id"])
    document = client_document(row, contacts, Catalogue.load(store))
    document["active"] = bool(row["client_active"])
    document["created_at"] = row["client_created_at"]
    document["updated_at"] = max(row["client_updated_at"], row["updated_at"])
    if with_history:
        keys = [("company", row["identifier"]), ("client", row["identifier"])]
        # A contact taken off the client stays the company's external user: its history, the
        # unlink included, is part of the client's.
        users = [contact["email_key"] for contact in contacts]
        users += sql.user_keys_of_company(store.conn, row["id"])
        keys += [("external_user", key) for key in dict.fromkeys(users)]
        document["history"] = [_history_entry(entry) for entry in sql.history_of(store.conn, keys)]
    return document


def _history_entry(entry: dict[str, Any]) -> dict[str, Any]:
    changes = {field: {"old": pair[0], "new": pair[1]} for field, pair in entry["changes"].items()}
    return {"at": entry["at"], "entity": entry["entity"], "key": entry["entity_key"],
            "action": entry["action"], "source": entry["source"], "run": entry["run_id"],
            "changes": changes}


def iter_clients(store: Store, *, category: str | None = None, company_type: str | None = None,
                 search: str | None = None, include_inactive: bool = False,
                 limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Client summary rows (identifier, name, type, category, city, country, e-mail, active).

    A search is checked at the call, so nothing is printed before it is refused.
    """
    query = _query_of(search)
    if query == "":
        return iter(())
    rows = sql.iter_companies(store.conn, category=category, company_type=company_type,
                              search=query, include_inactive=include_inactive, limit=limit)
    return ({"identifier": row["identifier"], "name": row["name"],
             "company_type": row["company_type"], "category": row["category"],
             "city": row["city"], "country": row["country"], "email": row["email"],
             "active": bool(row["client_active"])} for row in rows)


def iter_client_documents(store: Store, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every client (matching the filters) in the import's shape, streamed in batches."""
    search = filters.pop("search", None)
    query = _query_of(search)
    if query == "":
        return iter(())
    return _client_documents(store, query, filters)


def _client_documents(store: Store, query: str | None,
                      filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    catalogue = Catalogue.load(store)
    rows = sql.iter_companies(store.conn, search=query, **filters)
    while True:
        batch = [row for _, row in zip(range(500), rows, strict=False)]
        if not batch:
            return
        contacts = sql.contacts_by_client(store.conn, [row["client_id"] for row in batch])
        for row in batch:
            yield client_document(row, contacts[row["client_id"]], catalogue)


def iter_lone_company_documents(store: Store, *, company_type: str | None = None,
                                search: str | None = None,
                                include_inactive: bool = False) -> Iterator[dict[str, Any]]:
    """Every company that is not a client (matching the filters), in the seed document's
    ``companies:`` shape, so that an export of them imports again."""
    query = _query_of(search)
    if query == "":
        return iter(())
    catalogue = Catalogue.load(store)
    rows = sql.iter_companies(store.conn, company_type=company_type, search=query,
                              include_inactive=include_inactive, clients_only=False)
    return (_company_document(row, catalogue) for row in rows if row["client_id"] is None)


def _company_document(row: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """A company's own data, as a seed's companies: entry holds it."""
    company_type = catalogue.types.get(row["company_type"])
    out: dict[str, Any] = {"identifier": row["identifier"], "name": row["name"],
                           "company_type": row["company_type"]}
    out.update({name: row[name] for name in COMPANY_FIELDS if row.get(name) is not None})
    if row["company_attributes"]:
        out["company_attributes"] = _typed(row["company_attributes"],
                                           company_type.attributes if company_type else ())
    return out


def iter_companies(store: Store, *, include_inactive: bool = False,
                   search: str | None = None) -> Iterator[dict[str, Any]]:
    """Every company, client or not (the AD009 view)."""
    query = _query_of(search)
    if query == "":
        return iter(())
    rows = sql.iter_companies(store.conn, search=query, include_inactive=include_inactive,
                              clients_only=False)
    return ({"identifier": row["identifier"], "name": row["name"],
             "company_type": row["company_type"], "tax_id": row["tax_id"],
             "city": row["city"], "country": row["country"],
             "client": row["category"] is not None, "active": bool(row["active"])}
            for row in rows)


def company_data(store: Store, identifier: str) -> dict[str, Any]:
    row = sql.company_by_key(store.conn, identifier_key(identifier))
    if row is None:
        raise NotFound("unknown-company/identifier", field="identifier", value=identifier,
                       given=shown(identifier))
    out = _company_document(row, Catalogue.load(store))
    out["client"] = row["category"] is not None
    out["category"] = row["category"]
    out["active"] = bool(row["active"])
    out["created_at"], out["updated_at"] = row["created_at"], row["updated_at"]
    out["history"] = [_history_entry(e) for e in
                      sql.history_of(store.conn, [("company", row["identifier"])])]
    return out


def iter_external_users(store: Store, *, include_inactive: bool = False,
                        search: str | None = None) -> Iterator[dict[str, Any]]:
    """External users by e-mail; a search finds its text, as written, in the e-mail or name."""
    text = " ".join(_search_text(search).split()) if search else ""
    if search and not text:
        return iter(())
    rows = sql.iter_external_users(store.conn, include_inactive=include_inactive,
                                   email_part=email_key(text) if text else None,
                                   name_part=text or None)
    return ({**row, "active": bool(row["active"])} for row in rows)


def external_user_data(store: Store, email: str) -> dict[str, Any]:
    row = sql.external_user(store.conn, email_key(email.strip()))
    if row is None:
        raise NotFound("unknown-external-user", field="email", value=email, given=shown(email))
    row["active"] = bool(row["active"])
    row["history"] = [_history_entry(e) for e in
                      sql.history_of(store.conn, [("external_user", email_key(row["email"]))])]
    return row


def companies_without_client(store: Store) -> list[dict[str, Any]]:
    """Active companies that are not clients yet: what 'from an existing company' offers."""
    return [row for row in iter_companies(store) if not row["client"]]


def find_company(store: Store, identifier: str) -> dict[str, Any] | None:
    """The company holding an identifier (compared as the core compares them), or None.

    What an interactive registration asks before it lets a typed identifier through.
    """
    row = sql.company_by_key(store.conn, identifier_key(identifier))
    if row is None:
        return None
    return {"identifier": row["identifier"], "name": row["name"],
            "client": row["client_id"] is not None, "active": bool(row["active"])}


def find_external_user(store: Store, email: str) -> dict[str, Any] | None:
    """The external user whose login is this e-mail (any case), or None."""
    row = sql.external_user(store.conn, email_key(email.strip()))
    if row is not None:
        row["active"] = bool(row["active"])
    return row
