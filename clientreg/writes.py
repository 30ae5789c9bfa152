"""What one unit of registrations knows and writes: looked-up rows, new ids, pending rows, history.

Registrations, updates and lone companies all write through a Writes, so a company, user or id
taken by one draft is seen by the next one of the same unit of work.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clientreg.catalogue import Catalogue, format_mask, mask_sequence
from clientreg.checks import CheckedClient, CheckedCompany, CheckedContact
from clientreg.clock import now
from clientreg.conflicts import tax_id_conflict, user_conflict
from clientreg.errors import ClientregError, Rejected
from clientreg.model import CompanyType
from clientreg.rules import identifier_key
from clientreg.storage import Work, catalogue_sql
from clientreg.storage import client_sql as sql
from clientreg.storage.client_sql import COMPANY_COLUMNS, USER_COLUMNS, CompanyRow, UserRow


class ResolvedContact(NamedTuple):
    """A checked contact and the external user it already is, if any (by e-mail)."""

    contact: CheckedContact
    user: UserRow | None


class Writes:
    """The state of one unit of work of registrations: known rows, next ids, pending rows.

    New rows wait in ``pending`` and go to the database in few statements (``flush``); the
    look-up caches hold what the unit's drafts need of the database, and what they wrote.
    """

    def __init__(self, work: Work, catalogue: Catalogue, *, source: str) -> None:
        self.conn = work.conn
        self.dry_run = work.dry_run
        self.catalogue = catalogue
        self.source = source
        self.stamp = now()
        self.ledger = None if work.dry_run else work.store.ledger
        self.ids = sql.next_ids(self.conn)
        self.sequences: dict[int, int] = {}
        self.pending = sql.PendingWrites.empty()
        self.pending.run_id = work.store.run_id
        self.companies: dict[str, CompanyRow] = {}
        self.tax_owners: dict[str, str | None] = {}
        """Tax id -> identifier of the company holding it; None: known to be free."""
        self.users: dict[str, UserRow] = {}
        self.noted: list[tuple[str, str, str, dict[str, Any]]] | None = None
        """When a list, every history row is noted in it too, a dry run's included."""

    # -- look-ups ---------------------------------------------------------------------------

    def forget(self) -> None:
        """Empty the look-up caches: what was written is in the database (inside the unit)."""
        self.flush()
        self.companies.clear()
        self.tax_owners.clear()
        self.users.clear()

    def look_up(self, clients: list[CheckedClient]) -> None:
        """Read, in a few queries, every row that these clients' checks need."""
        keys = {identifier_key(c.from_company) for c in clients if c.from_company}
        keys |= {identifier_key(c.company.values["identifier"]) for c in clients
                 if c.company and c.company.values["identifier"]}
        self.companies.update(sql.companies_by_key(self.conn, keys - self.companies.keys()))
        tax_ids = {c.company.values["tax_id"] for c in clients
                   if c.company and c.company.values["tax_id"]}
        self._look_up_tax_ids(tax_ids - self.tax_owners.keys())
        emails = {contact.email_key for c in clients for contact in c.contacts}
        self.users.update(sql.users_by_email(self.conn, emails - self.users.keys()))

    def company(self, identifier: str) -> CompanyRow | None:
        """The company with this identifier, looked up unless already known."""
        key = identifier_key(identifier)
        if key not in self.companies:
            self.companies.update(sql.companies_by_key(self.conn, [key]))
        return self.companies.get(key)

    def tax_owner(self, tax_id: str | None) -> str | None:
        """The identifier of the company holding this tax id, looked up unless already known."""
        if not tax_id:
            return None
        if tax_id not in self.tax_owners:
            self._look_up_tax_ids({tax_id})
        return self.tax_owners[tax_id]

    def _look_up_tax_ids(self, tax_ids: set[str]) -> None:
        owners = sql.tax_id_owners(self.conn, tax_ids)
        self.tax_owners.update({tax_id: owners.get(tax_id) for tax_id in tax_ids})

    # -- checks against what the unit knows ---------------------------------------------------

    def check_tax_id(self, tax_id: str | None, identifier: str) -> None:
        """A tax id belongs to one company."""
        conflict = tax_id_conflict(tax_id, self.tax_owner(tax_id), identifier)
        if conflict is not None:
            raise conflict

    def resolve_contacts(self, contacts: list[CheckedContact], company_id: int | None,
                         ) -> list[ResolvedContact]:
        """Match each contact with an existing external user by e-mail, or plan a new one."""
        resolved: list[ResolvedContact] = []
        problems: list[ClientregError] = []
        for contact in contacts:
            user = self.users.get(contact.email_key)
            conflict = user_conflict(user, contact.email, company_id=company_id,
                                     field=f"contacts[{contact.index}].email")
            if conflict is not None:
                problems.append(conflict)
            else:
                resolved.append(ResolvedContact(contact, user))
        if problems:
            raise Rejected(problems)
        return resolved

    # -- identifiers --------------------------------------------------------------------------

    def generate_identifier(self, company_type: CompanyType) -> str:
        """The next identifier of the type's mask that no company has."""
        assert company_type.id_mask
        seq = self.sequences.get(company_type.id) or catalogue_sql.next_sequence(
            self.conn, company_type.id)
        while True:
            candidate = format_mask(company_type.id_mask, seq)
            key = identifier_key(candidate)
            seq += 1
            if key not in self.companies and not sql.identifier_taken(self.conn, key):
                self.sequences[company_type.id] = seq
                return candidate

    def note_sequence(self, company: CheckedCompany) -> None:
        """A typed identifier that fits the mask moves the type's sequence past it."""
        company_type = company.company_type
        if not company_type.id_mask or not company.identifier_given:
            return
        number = mask_sequence(company_type.id_mask, company.values["identifier"])
        if number is not None:
            current = self.sequences.get(company_type.id, 0)
            self.sequences[company_type.id] = max(current, number + 1)

    def take_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    # -- writes -------------------------------------------------------------------------------

    def write_company(self, company: CheckedCompany) -> CompanyRow:
        values = company.values
        identifier = values["identifier"]
        company_id = self.take_id("companies")
        columns = {**values, "company_type_id": company.company_type.id}
        self.pending.companies.append((
            company_id, identifier_key(identifier), *(columns[c] for c in COMPANY_COLUMNS),
            sql.dumps(values["attributes"]), 1, self.stamp, self.stamp,
        ))
        given = {k: v for k, v in values.items() if v not in (None, {})}
        given["company_type"] = company.company_type.code
        given.pop("identifier", None)
        self.history("company", identifier, "created", {k: [None, v] for k, v in given.items()})
        row = CompanyRow(company_id, identifier, company.company_type.id, values["tax_id"], None,
                         True)
        self.companies[identifier_key(identifier)] = row
        if values["tax_id"]:
            self.tax_owners[values["tax_id"]] = identifier
        return row

    def write_client(self, client: CheckedClient, company: CompanyRow) -> int:
        client_id = self.take_id("clients")
        self.pending.clients.append((client_id, company.id, client.category.id,
                                     sql.dumps(client.client_attributes), 1, self.stamp,
                                     self.stamp))
        changes: dict[str, Any] = {"category": [None, client.category.code]}
        if client.client_attributes:
            changes["client_attributes"] = [None, client.client_attributes]
        if client.from_company:
            changes["from_company"] = [None, company.identifier]
        self.history("client", company.identifier, "created", changes)
        company.client_id = client_id
        return client_id

    def link_contact(self, client_id: int, company_id: int, identifier: str,
                     resolved: ResolvedContact, position: int) -> None:
        """Link a contact to a client, creating its external user when it is new."""
        contact, user = resolved
        if user is None:
            user_id = self.take_id("external_users")
            values = [getattr(contact, c) for c in USER_COLUMNS]
            self.pending.users.append((user_id, contact.email_key, *values, company_id, 1,
                                       self.stamp, self.stamp))
            self.users[contact.email_key] = UserRow(user_id, contact.email, company_id,
                                                    identifier, True)
            details = {c: [None, v] for c, v in zip(USER_COLUMNS, values, strict=True) if v}
            if contact.default:
                details["default"] = [None, True]
            self.history("external_user", contact.email_key, "created",
                         {**details, "company": [None, identifier]})
        else:
            user_id = user.id
            if user.company_id is None:
                self.pending.user_bindings.append((company_id, self.stamp, user_id))
                user.company_id, user.company_identifier = company_id, identifier
            self.history("external_user", contact.email_key, "linked",
                         {"client": [None, identifier]})
        self.pending.links.append((client_id, user_id, position, int(contact.default)))

    def history(self, entity: str, key: str, action: str, changes: dict[str, Any]) -> None:
        """Record a change with its old and new values; a dry run leaves history out."""
        if self.noted is not None:
            self.noted.append((entity, key, action, changes))
        if not self.dry_run:
            self.pending.history.append(
                (entity, key, action, sql.dumps(changes), self.source, self.stamp))

    def left(self, entity: str, key: str, action: str) -> None:
        """Tell the run's ledger of a record left as it was (unchanged, or skipped)."""
        if self.ledger is not None:
            self.ledger.left(entity, key, action)

    def changed(self, entity: str, key: str) -> None:
        """Tell the run's ledger of a record changed (by its own rows or its contacts')."""
        if self.ledger is not None:
            self.ledger.changed(entity, key)

    def flush(self) -> None:
        """Write the pending rows: before anything reads or changes rows in place."""
        self.pending.flush(self.conn)

    def finish(self) -> None:
        """Write what is pending and the types' sequences past the identifiers they gave."""
        self.flush()
        for type_id, seq in self.sequences.items():
            catalogue_sql.bump_sequence(self.conn, type_id, seq)
