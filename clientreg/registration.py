"""The registration core: every client, from the wizard or a file, is written here and only here."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from clientreg.catalogue import Catalogue, format_mask, mask_sequence
from clientreg.checks import CheckedClient, CheckedContact
from clientreg.clock import now
from clientreg.errors import ClientregError, Conflict, MissingPrerequisite, Rejected, shown
from clientreg.fast.check_workers import Checked, Chunk, checked_chunks, rare_collections
from clientreg.model import (
    Action,
    BatchReport,
    ClientDraft,
    CompanyType,
    DraftChunk,
    OnConflict,
    Outcome,
)
from clientreg.rules import identifier_key
from clientreg.storage import Store, Work, catalogue_sql, unit_of_work
from clientreg.storage import client_sql as sql
from clientreg.storage.client_sql import COMPANY_COLUMNS, USER_COLUMNS, CompanyRow, UserRow

CHUNK_SIZE = 1000


def register(store: Store, draft: ClientDraft, *, source: str,
             on_conflict: OnConflict = OnConflict.ERROR) -> Outcome:
    """Register one client; raises Rejected with every problem, having written nothing."""
    report = register_many(store, [draft], source=source, on_conflict=on_conflict)
    if report.problems:
        raise Rejected([problem for _, problem in report.problems])
    return report.outcomes[0]


def register_many(
    store: Store,
    drafts: Iterable[ClientDraft | DraftChunk],
    *,
    source: str,
    on_conflict: OnConflict = OnConflict.ERROR,
    dry_run: bool = False,
    max_problems: int | None = None,
    catalogue: Catalogue | None = None,
    replace: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    work: Work | None = None,
) -> BatchReport:
    """Register many clients in one transaction: all of them land, or none.

    ``drafts`` may hold DraftChunks, whose drafts are built where they are checked. Every draft
    is checked, even after a problem, so the report lists all of them (up to ``max_problems``,
    the problems its reader found first); problems carry each draft's ``origin``. A dry run does
    the same work, the database's own constraints included, then rolls back (it leaves out what
    no constraint checks: the history rows and the search index). With ``replace``
    (an edit), blank values of an existing client clear the stored ones; otherwise they leave
    them alone. With ``on_outcome``, each outcome is handed to it instead of kept in the report,
    so a batch of any size holds only its problems.

    With ``work``, the drafts are written inside that open unit of work (a dry run if it is one),
    which the caller commits or discards. Otherwise they get a unit of their own, discarded when
    the report holds problems; ``report.written`` says whether it committed.
    """
    if work is not None:
        report = BatchReport()
        _register_into(work, report, drafts, source=source, on_conflict=on_conflict,
                       max_problems=max_problems, catalogue=catalogue, replace=replace,
                       on_outcome=on_outcome)
        return report
    with unit_of_work(store, dry_run=dry_run) as own:
        report = register_many(store, drafts, source=source, on_conflict=on_conflict,
                               max_problems=max_problems, catalogue=catalogue, replace=replace,
                               on_outcome=on_outcome, work=own)
        if report.problems:
            own.discard()
    report.written = own.written
    return report


def _register_into(work: Work, report: BatchReport, drafts: Iterable[ClientDraft | DraftChunk],
                   *, source: str, on_conflict: OnConflict, max_problems: int | None,
                   catalogue: Catalogue | None, replace: bool,
                   on_outcome: Callable[[Outcome], None] | None) -> None:
    with rare_collections():
        batch = Batch(work, catalogue or Catalogue.load(work.store), source=source,
                      on_conflict=OnConflict(on_conflict), replace=replace)
        if on_outcome is not None:
            batch.on_outcome = on_outcome
        with contextlib.closing(checked_chunks(_chunks(drafts), batch.catalogue)) as checked:
            for results in checked:
                batch.apply_checked(results, report)
                if max_problems is not None and len(report.problems) >= max_problems:
                    report.stopped_early = True
                    break
        batch.finish()


def _chunks(items: Iterable[ClientDraft | DraftChunk]) -> Iterator[Chunk]:
    """Drafts in lists of CHUNK_SIZE; a DraftChunk is a chunk of its own."""
    drafts: list[ClientDraft] = []
    for item in items:
        if isinstance(item, ClientDraft):
            drafts.append(item)
            if len(drafts) == CHUNK_SIZE:
                yield drafts
                drafts = []
            continue
        if drafts:
            yield drafts
            drafts = []
        yield item
    if drafts:
        yield drafts


def next_identifier(store: Store, company_type: CompanyType) -> str | None:
    """The identifier the type's mask would generate now, or None for a type without a mask.

    A preview only: registering leaves the identifier blank so the core generates it then.
    """
    if not company_type.id_mask:
        return None
    seq = catalogue_sql.next_sequence(store.conn, company_type.id)
    while True:
        candidate = format_mask(company_type.id_mask, seq)
        if not sql.identifier_taken(store.conn, identifier_key(candidate)):
            return candidate
        seq += 1


class Batch:
    """The state of one transaction of registrations: known keys, next ids, pending rows."""

    def __init__(self, work: Work, catalogue: Catalogue, *, source: str,
                 on_conflict: OnConflict, replace: bool = False) -> None:
        self.conn = work.conn
        self.store = work.store
        self.dry_run = work.dry_run
        self.catalogue = catalogue
        self.source = source
        self.on_conflict = on_conflict
        self.replace = replace
        self.stamp = now()
        self.ids = sql.next_ids(self.conn)
        self.sequences: dict[int, int] = {}
        self.pending = sql.PendingWrites.empty()
        self.companies: dict[str, CompanyRow] = {}
        self.tax_owners: dict[str, str] = {}
        self.users: dict[str, UserRow] = {}
        self.on_outcome: Callable[[Outcome], None] | None = None

    def apply_checked(self, results: list[Checked], report: BatchReport) -> None:
        """Write a chunk of drafts given the result of checking each one."""
        # What earlier chunks wrote is in the database now (inside this transaction), so the
        # look-up caches start afresh: memory stays flat however many chunks a file has.
        self.companies.clear()
        self.tax_owners.clear()
        self.users.clear()
        checked: list[CheckedClient] = []
        for origin, found, result in results:
            report.problems.extend((origin, p) for p in found)
            if isinstance(result, CheckedClient):
                checked.append(result)
            else:
                report.problems.extend((origin, p) for p in result)
        self._look_up(checked)
        for client in checked:
            try:
                outcome = self._apply(client)
                if self.on_outcome is None:
                    report.outcomes.append(outcome)
                else:
                    self.on_outcome(outcome)
            except Rejected as exc:
                report.problems.extend((client.origin, p) for p in exc.problems)
            except ClientregError as exc:
                report.problems.append((client.origin, exc))
        self.pending.flush(self.conn)

    def finish(self) -> None:
        for type_id, seq in self.sequences.items():
            catalogue_sql.bump_sequence(self.conn, type_id, seq)

    def _look_up(self, clients: list[CheckedClient]) -> None:
        keys = {identifier_key(c.from_company) for c in clients if c.from_company}
        keys |= {identifier_key(c.company["identifier"]) for c in clients
                 if c.company and c.company["identifier"]}
        self.companies.update(sql.companies_by_key(self.conn, keys - self.companies.keys()))
        tax_ids = {c.company["tax_id"] for c in clients if c.company and c.company["tax_id"]}
        self.tax_owners.update(sql.tax_id_owners(self.conn, tax_ids - self.tax_owners.keys()))
        emails = {contact.email_key for c in clients for contact in c.contacts}
        self.users.update(sql.users_by_email(self.conn, emails - self.users.keys()))

    def _apply(self, client: CheckedClient) -> Outcome:
        if client.from_company is not None:
            return self._register_existing_company(client)
        company = client.company
        assert company is not None and client.company_type is not None
        if company["identifier"] is None:
            known = self._known_by_tax_id(company)
            if known is not None:
                company["identifier"] = known.identifier
                return self._on_existing(client, known)
            company["identifier"] = self.generate_identifier(client)
        identifier = company["identifier"]
        existing = self.companies.get(identifier_key(identifier))
        if existing is not None:
            return self._on_existing(client, existing)
        if client.inactive:
            raise Rejected(client.inactive)
        self.check_tax_id(company, identifier)
        contacts = self.resolve_contacts(client, company_id=None)
        self.note_sequence(client)
        company_id = self.take_id("companies")
        self.write_company(client, company_id)
        self._write_client(client, company_id, identifier)
        self._write_contacts(client, contacts, company_id, identifier)
        return Outcome(Action.CREATED, identifier, client.origin)

    def _known_by_tax_id(self, company: dict[str, Any]) -> CompanyRow | None:
        """With skip or update, a client whose identifier the mask would generate is found again
        by its tax id; otherwise every re-run of the same file would register it once more."""
        owner = self.tax_owners.get(company["tax_id"]) if company["tax_id"] else None
        if owner is None or self.on_conflict is OnConflict.ERROR:
            return None
        key = identifier_key(owner)
        if key not in self.companies:
            self.companies.update(sql.companies_by_key(self.conn, [key]))
        return self.companies.get(key)

    def _on_existing(self, client: CheckedClient, existing: CompanyRow) -> Outcome:
        identifier = client.company["identifier"] if client.company else client.from_company
        if existing.client_id is None:
            raise Conflict(
                f"a company with identifier {existing.identifier} already exists but is not a "
                "client; register it with from_company instead", field="identifier",
                value=identifier, code="company-exists")
        if self.on_conflict is OnConflict.SKIP:
            return Outcome(Action.SKIPPED, existing.identifier, client.origin)
        if self.on_conflict is OnConflict.UPDATE:
            from clientreg.editing import update_registered

            self.pending.flush(self.conn)
            return update_registered(self, client, existing)
        raise Conflict(f"client {existing.identifier} is already registered",
                       field="identifier", value=identifier, code="duplicate-identifier")

    def _register_existing_company(self, client: CheckedClient) -> Outcome:
        existing = self.companies.get(identifier_key(client.from_company or ""))
        if existing is None:
            raise MissingPrerequisite("is not a known company identifier", field="from_company",
                                      value=client.from_company, code="unknown-company")
        if existing.client_id is not None:
            if self.on_conflict is OnConflict.ERROR:
                raise Conflict(f"company {existing.identifier} is already a client",
                               field="from_company", value=client.from_company,
                               code="already-a-client")
            return self._on_existing(client, existing)
        if client.inactive:
            raise Rejected(client.inactive)
        if not existing.active:
            raise Conflict(f"company {existing.identifier} is inactive; activate it first",
                           field="from_company", value=client.from_company,
                           code="inactive-company")
        self._write_client(client, existing.id, existing.identifier)
        return Outcome(Action.CREATED, existing.identifier, client.origin)

    def generate_identifier(self, client: CheckedClient) -> str:
        company_type = client.company_type
        assert company_type is not None and company_type.id_mask
        seq = self.sequences.get(company_type.id) or catalogue_sql.next_sequence(
            self.conn, company_type.id)
        while True:
            candidate = format_mask(company_type.id_mask, seq)
            key = identifier_key(candidate)
            seq += 1
            if key not in self.companies and not sql.identifier_taken(self.conn, key):
                self.sequences[company_type.id] = seq
                return candidate

    def note_sequence(self, client: CheckedClient) -> None:
        company_type = client.company_type
        if company_type is None or not company_type.id_mask or not client.identifier_given:
            return
        number = mask_sequence(company_type.id_mask, client.company["identifier"])
        if number is not None:
            current = self.sequences.get(company_type.id, 0)
            self.sequences[company_type.id] = max(current, number + 1)

    def check_tax_id(self, company: dict[str, Any], identifier: str) -> None:
        tax_id = company["tax_id"]
        owner = self.tax_owners.get(tax_id) if tax_id else None
        if owner is not None and identifier_key(owner) != identifier_key(identifier):
            raise Conflict(f"tax id {tax_id} already belongs to company {owner}",
                           field="tax_id", value=tax_id, code="duplicate-tax-id")

    def resolve_contacts(self, client: CheckedClient, company_id: int | None,
                          ) -> list[tuple[CheckedContact, UserRow | None]]:
        """Match each contact with an existing external user by e-mail, or plan a new one."""
        resolved: list[tuple[CheckedContact, UserRow | None]] = []
        problems: list[ClientregError] = []
        for contact in client.contacts:
            user = self.users.get(contact.email_key)
            field = f"contacts[{contact.index}].email"
            if user is not None and user.company_id not in (None, company_id):
                problems.append(Conflict(
                    f"{shown(contact.email)} is already the external user of company "
                    f"{user.company_identifier}; an external user belongs to one company",
                    field=field, value=contact.email, code="email-taken-by-other-company"))
            elif user is not None and not user.active:
                problems.append(Conflict(
                    f"{shown(contact.email)} is an inactive external user; reactivate it first",
                    field=field, value=contact.email, code="inactive-external-user"))
            else:
                resolved.append((contact, user))
        if problems:
            raise Rejected(problems)
        return resolved

    def take_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def write_company(self, client: CheckedClient, company_id: int) -> None:
        company = client.company
        assert company is not None and client.company_type is not None
        identifier = company["identifier"]
        values = {**company, "company_type_id": client.company_type.id}
        self.pending.companies.append((
            company_id, identifier_key(identifier), *(values[c] for c in COMPANY_COLUMNS),
            sql.dumps(company["attributes"]), 1, self.stamp, self.stamp,
        ))
        shown = {k: v for k, v in company.items() if v not in (None, {})}
        shown["company_type"] = client.company_type.code
        shown.pop("identifier", None)
        self.history("company", identifier, "created", {k: [None, v] for k, v in shown.items()})
        self.companies[identifier_key(identifier)] = CompanyRow(
            company_id, identifier, client.company_type.id, company["tax_id"], None, True)
        if company["tax_id"]:
            self.tax_owners[company["tax_id"]] = identifier

    def _write_client(self, client: CheckedClient, company_id: int, identifier: str) -> None:
        client_id = self.take_id("clients")
        self.pending.clients.append((client_id, company_id, client.category.id,
                                     sql.dumps(client.client_attributes), 1, self.stamp,
                                     self.stamp))
        changes: dict[str, Any] = {"category": [None, client.category.code]}
        if client.client_attributes:
            changes["client_attributes"] = [None, client.client_attributes]
        if client.from_company:
            changes["from_company"] = [None, identifier]
        self.history("client", identifier, "created", changes)
        row = self.companies[identifier_key(identifier)]
        row.client_id = client_id

    def _write_contacts(self, client: CheckedClient, contacts: list[tuple[CheckedContact,
                        UserRow | None]], company_id: int, identifier: str) -> None:
        client_id = self.companies[identifier_key(identifier)].client_id
        for position, (contact, user) in enumerate(contacts):
            self.link_contact(client_id, company_id, identifier, contact, user, position)

    def link_contact(self, client_id: int, company_id: int, identifier: str,
                     contact: CheckedContact, user: UserRow | None, position: int) -> None:
        """Link a contact to a client, creating its external user when it is new."""
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
        entry = (entity, key, action, sql.dumps(changes), self.source, self.stamp)
        if not self.dry_run:
            self.pending.history.append(entry)
