"""The registration core: every client, from the wizard or a file, is written here and only here."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

from clientreg import digests
from clientreg.catalogue import Catalogue, format_mask
from clientreg.checks import CheckedClient
from clientreg.conflicts import check_active_company, registrable
from clientreg.errors import ClientregError, Conflict, Rejected
from clientreg.fast.check_workers import Checked, Chunk, checked_chunks
from clientreg.model import (
    Action,
    BatchReport,
    ClientDraft,
    CompanyType,
    DraftChunk,
    OnConflict,
    Outcome,
    Problem,
)
from clientreg.rules import identifier_key
from clientreg.storage import Store, Work, catalogue_sql, unit_of_work
from clientreg.storage import client_sql as sql
from clientreg.storage.client_sql import CompanyRow
from clientreg.storage.transactions import retried
from clientreg.updating import fill_from_registered, update_registered
from clientreg.writes import Writes

CHUNK_SIZE = 1000


def register(store: Store, draft: ClientDraft, *, source: str,
             on_conflict: OnConflict = OnConflict.ERROR) -> Outcome:
    """Register one client; raises Rejected with every problem, having written nothing."""
    report = register_many(store, [draft], source=source, on_conflict=on_conflict)
    if report.problems:
        raise Rejected([problem.error for problem in report.problems])
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
    noting: bool = False,
) -> BatchReport:
    """Register many clients in one unit of work: all of them land, or none.

    ``drafts`` may hold DraftChunks, whose drafts are built where they are checked. Every draft
    is checked, even after a problem, so the report lists all of them (up to ``max_problems``,
    the problems its reader found first); problems carry each draft's ``origin``. A dry run does
    the same work, the database's own constraints included, then rolls back (it leaves out what
    no constraint checks: the history rows and the search index). With ``replace``
    (an edit), blank values of an existing client clear the stored ones; otherwise they leave
    them alone, and an update checks each draft of a registered client with the stored values
    of what it leaves blank (``updating.fill_from_registered``), one chunk after another in this
    process. With ``on_outcome``, each outcome is handed to it instead of kept in the report,
    so a batch of any size holds only its problems. With ``noting``, each outcome carries the
    history rows its registration wrote (``Outcome.history``), a dry run's too.

    With ``work``, the drafts are written inside that open unit of work (a dry run if it is one),
    which the caller commits or discards. Otherwise they get a unit of their own, discarded when
    the report holds problems; ``report.written`` says whether it committed.
    """
    if work is None:
        def attempt(given: Iterable[ClientDraft | DraftChunk]) -> BatchReport:
            with unit_of_work(store, dry_run=dry_run) as own:
                report = register_many(store, given, source=source, on_conflict=on_conflict,
                                       max_problems=max_problems, catalogue=catalogue,
                                       replace=replace, on_outcome=on_outcome, work=own,
                                       noting=noting)
                if report.problems:
                    own.discard()
            report.written = own.written
            return report

        if isinstance(drafts, list | tuple):
            # A few drafts (new, edit): run again whole when the server asks for it.
            return retried(lambda: attempt(drafts))
        return attempt(drafts)
    report = BatchReport()
    writes = Writes(work, catalogue or Catalogue.load(store), source=source)
    batch = _Registrations(writes, on_conflict=OnConflict(on_conflict), replace=replace,
                           on_outcome=on_outcome, noting=noting)
    batch.report = report
    chunks: Iterable[Chunk] = _chunks(drafts)
    if batch.on_conflict is not OnConflict.ERROR and not replace:
        chunks = digests.split_unchanged(writes.conn, batch.catalogue_key, chunks,
                                         batch.unchanged)
    workers = None
    if batch.on_conflict is OnConflict.UPDATE and not replace:
        # What an entry leaves blank comes from the client as it is now, written chunks
        # included: each chunk is read once the one before it is written, in this process.
        chunks = (fill_from_registered(writes.conn, writes.catalogue, chunk) for chunk in chunks)
        workers = 0
    with contextlib.closing(checked_chunks(chunks, writes.catalogue,
                                           workers=workers)) as checked:
        for results in checked:
            report.checked += len(results)
            batch.apply_checked(results, report)
            if max_problems is not None and len(report.problems) >= max_problems:
                report.stopped_early = True
                break
    writes.finish()
    return report


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


class _Registrations:
    """What one batch does with each checked client: register it, skip it, update it, or refuse
    it with its problems."""

    def __init__(self, writes: Writes, *, on_conflict: OnConflict, replace: bool,
                 on_outcome: Callable[[Outcome], None] | None, noting: bool = False) -> None:
        self.writes = writes
        self.on_conflict = on_conflict
        self.replace = replace
        self.on_outcome = on_outcome
        self.noting = noting
        self.catalogue_key = digests.fingerprint(writes.catalogue)
        self.report: BatchReport | None = None

    def unchanged(self, identifier: str, origin: object) -> None:
        """A client whose stored digest matched its entry: left as it is, not checked."""
        assert self.report is not None
        self._report(Outcome(Action.UNCHANGED, identifier, origin), self.report)

    def _report(self, outcome: Outcome, report: BatchReport) -> None:
        if outcome.action in (Action.UNCHANGED, Action.SKIPPED):
            self.writes.left("client", outcome.identifier, outcome.action.value)
        elif outcome.action is Action.UPDATED:
            self.writes.changed("client", outcome.identifier)
        if self.on_outcome is None:
            report.outcomes.append(outcome)
        else:
            self.on_outcome(outcome)

    def _keep_digest(self, client: CheckedClient, outcome: Outcome) -> None:
        """Remember what the client now is made of, unless it was skipped or edited."""
        if client.digest is None or self.replace or outcome.action is Action.SKIPPED:
            return
        row = self.writes.companies.get(identifier_key(outcome.identifier))
        if row is not None and row.client_id is not None:
            self.writes.pending.digests.append(
                (row.client_id, digests.stored_digest(self.catalogue_key, client.digest),
                 client.input_key))

    def apply_checked(self, results: list[Checked], report: BatchReport) -> None:
        """Write a chunk of drafts given the result of checking each one."""
        # What earlier chunks wrote is in the database now (inside this unit of work), so the
        # look-up caches start afresh: memory stays flat however many chunks a file has.
        self.writes.forget()
        checked: list[CheckedClient] = []
        for origin, found, result in results:
            report.problems.extend(Problem(origin, p) for p in found)
            if isinstance(result, CheckedClient):
                checked.append(result)
            else:
                report.problems.extend(Problem(origin, p) for p in result)
        self.writes.look_up(checked)
        for client in checked:
            try:
                if self.noting:
                    self.writes.noted = []
                outcome = self._apply(client)
                if self.noting:
                    outcome.history, self.writes.noted = self.writes.noted, None
                self._keep_digest(client, outcome)
                self._report(outcome, report)
            except Rejected as exc:
                report.problems.extend(Problem(client.origin, p) for p in exc.problems)
            except ClientregError as exc:
                report.problems.append(Problem(client.origin, exc))
        self.writes.flush()

    def _apply(self, client: CheckedClient) -> Outcome:
        if client.company is None:
            return self._register_existing_company(client)
        writes, company = self.writes, client.company
        values = company.values
        if values["identifier"] is None:
            known = self._known_by_tax_id(values["tax_id"])
            if known is not None:
                values["identifier"] = known.identifier
                return self._on_existing(client, known)
            values["identifier"] = writes.generate_identifier(company.company_type)
        identifier = values["identifier"]
        existing = writes.companies.get(identifier_key(identifier))
        if existing is not None:
            return self._on_existing(client, existing)
        if client.inactive:
            raise Rejected(client.inactive)
        writes.check_tax_id(values["tax_id"], identifier)
        contacts = writes.resolve_contacts(client.contacts, company_id=None)
        writes.note_sequence(company)
        row = writes.write_company(company)
        client_id = writes.write_client(client, row)
        for position, contact in enumerate(contacts):
            writes.link_contact(client_id, row.id, identifier, contact, position)
        return Outcome(Action.CREATED, identifier, client.origin)

    def _known_by_tax_id(self, tax_id: str | None) -> CompanyRow | None:
        """With skip or update, a client whose identifier the mask would generate is found again
        by its tax id; otherwise every re-run of the same file would register it once more."""
        if self.on_conflict is OnConflict.ERROR:
            return None
        owner = self.writes.tax_owner(tax_id)
        if owner is None:
            return None
        return self.writes.company(owner)

    def _on_existing(self, client: CheckedClient, existing: CompanyRow) -> Outcome:
        identifier = client.company.values["identifier"] if client.company else client.from_company
        if existing.client_id is None:
            raise Conflict("company-exists", field="identifier", value=identifier,
                           company=existing.identifier)
        if self.on_conflict is OnConflict.SKIP:
            return Outcome(Action.SKIPPED, existing.identifier, client.origin)
        if self.on_conflict is OnConflict.UPDATE:
            return update_registered(self.writes, client, existing, replace=self.replace)
        raise Conflict("duplicate-identifier", field="identifier", value=identifier,
                       identifier=existing.identifier)

    def _register_existing_company(self, client: CheckedClient) -> Outcome:
        assert client.from_company is not None
        existing = registrable(self.writes.companies.get(identifier_key(client.from_company)),
                               client.from_company,
                               client_ok=self.on_conflict is not OnConflict.ERROR)
        if existing.client_id is not None:
            return self._on_existing(client, existing)
        if client.inactive:
            raise Rejected(client.inactive)
        check_active_company(existing, client.from_company)
        self.writes.write_client(client, existing)
        return Outcome(Action.CREATED, existing.identifier, client.origin)
