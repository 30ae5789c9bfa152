"""Companies registered on their own, not (yet) as clients: a seed document's ``companies:``.

They go through the same checks and the same writes as the company of a client registration;
only the client part is left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedCompany, check_lone_company
from clientreg.conflicts import locked_conflicts
from clientreg.errors import ClientregError, Conflict, Rejected
from clientreg.model import Action, BatchReport, ClientDraft, OnConflict, Outcome, Problem
from clientreg.rules import identifier_key
from clientreg.storage import Store, Work, read_sql, unit_of_work
from clientreg.updating import (
    changed_company_fields,
    fill_company_from_registered,
    given_company_values,
    update_company,
)
from clientreg.writes import Writes


def register_companies(
    store: Store,
    drafts: Iterable[ClientDraft],
    *,
    source: str,
    on_conflict: OnConflict = OnConflict.ERROR,
    dry_run: bool = False,
    work: Work | None = None,
    noting: bool = False,
) -> BatchReport:
    """Register companies that are not clients, in one unit of work: all of them or none.

    Only the company part of each draft is used. An identifier that exists is a conflict, left
    alone (skip) or updated with the draft's non-blank values (update), as for clients.

    With ``work``, they are written inside that open unit of work, which the caller commits or
    discards; otherwise in one of their own, discarded when the report holds problems. With
    ``noting``, each outcome carries the history rows it wrote (``Outcome.history``).
    """
    if work is None:
        with unit_of_work(store, dry_run=dry_run) as own:
            report = register_companies(store, drafts, source=source, on_conflict=on_conflict,
                                        work=own, noting=noting)
            if report.problems:
                own.discard()
        report.written = own.written
        return report
    report = BatchReport()
    writes = Writes(work, Catalogue.load(store), source=source)
    updating = OnConflict(on_conflict) is OnConflict.UPDATE
    for draft in drafts:
        try:
            if updating:  # what the entry leaves out, the stored company has
                fill_company_from_registered(writes.conn, writes.catalogue, draft)
            company = check_lone_company(draft, writes.catalogue)
            if draft.kept:
                company.values = given_company_values(company.values, draft.kept)
            writes.noted = [] if noting else None
            outcome = _register_company(writes, company, OnConflict(on_conflict))
            outcome.history, writes.noted = writes.noted, None
            if outcome.action in (Action.UNCHANGED, Action.SKIPPED):
                writes.left("company", outcome.identifier, outcome.action.value)
            report.outcomes.append(outcome)
        except Rejected as exc:
            report.problems.extend(Problem(draft.origin, p) for p in exc.problems)
        except ClientregError as exc:
            report.problems.append(Problem(draft.origin, exc))
    writes.finish()
    return report


def _register_company(writes: Writes, company: CheckedCompany, on_conflict: OnConflict,
                      ) -> Outcome:
    values = company.values
    if values["identifier"] is None:
        values["identifier"] = writes.generate_identifier(company.company_type)
    identifier = values["identifier"]
    existing = writes.company(identifier)
    if existing is not None:
        return _on_existing(writes, company, existing.identifier, on_conflict)
    writes.check_tax_id(values["tax_id"], identifier)
    writes.note_sequence(company)
    writes.write_company(company)
    return Outcome(Action.CREATED, identifier, company.origin)


def _on_existing(writes: Writes, company: CheckedCompany, identifier: str,
                 on_conflict: OnConflict) -> Outcome:
    if on_conflict is OnConflict.SKIP:
        return Outcome(Action.SKIPPED, identifier, company.origin)
    if on_conflict is OnConflict.ERROR:
        raise Conflict("duplicate-identifier/company", field="identifier", value=identifier,
                       identifier=identifier)
    writes.flush()
    current = read_sql.company_by_key(writes.conn, identifier_key(identifier))
    assert current is not None
    locked = locked_conflicts(identifier, stored_type=current["company_type"],
                              company_type=company.company_type.code)
    if locked:
        raise locked[0]
    changes = changed_company_fields(company.values, current, replace=False)
    if not changes:
        return Outcome(Action.UNCHANGED, identifier, company.origin)
    new_tax_id = changes.get("tax_id", [None, None])[1]
    if new_tax_id:
        writes.check_tax_id(new_tax_id, identifier)
    update_company(writes, current, changes)
    return Outcome(Action.UPDATED, identifier, company.origin, changes=changes)
