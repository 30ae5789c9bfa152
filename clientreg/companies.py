"""Companies registered on their own, not (yet) as clients: a seed document's ``companies:``.

They go through the same checks and the same writes as the company of a client registration;
only the client part is left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedClient, Problems, check_company
from clientreg.editing import changed_company_fields
from clientreg.errors import ClientregError, Conflict, InvalidValue, Rejected
from clientreg.model import Action, BatchReport, ClientDraft, OnConflict, Outcome
from clientreg.registration import Batch
from clientreg.rules import identifier_key
from clientreg.storage import Store, Work, client_sql, read_sql, unit_of_work
from clientreg.storage import edit_sql as sql


def register_companies(
    store: Store,
    drafts: Iterable[ClientDraft],
    *,
    source: str,
    on_conflict: OnConflict = OnConflict.ERROR,
    dry_run: bool = False,
    work: Work | None = None,
) -> BatchReport:
    """Register companies that are not clients, in one transaction: all of them or none.

    Only the company part of each draft is used. An identifier that exists is a conflict, left
    alone (skip) or updated with the draft's non-blank values (update), as for clients.

    With ``work``, they are written inside that open unit of work, which the caller commits or
    discards; otherwise in one of their own, discarded when the report holds problems.
    """
    if work is None:
        with unit_of_work(store, dry_run=dry_run) as own:
            report = register_companies(store, drafts, source=source, on_conflict=on_conflict,
                                        work=own)
            if report.problems:
                own.discard()
        report.written = own.written
        return report
    report = BatchReport()
    batch = Batch(work, Catalogue.load(store), source=source,
                  on_conflict=OnConflict(on_conflict))
    for draft in drafts:
        try:
            report.outcomes.append(_register_company(batch, draft))
        except Rejected as exc:
            report.problems.extend((draft.origin, p) for p in exc.problems)
        except ClientregError as exc:
            report.problems.append((draft.origin, exc))
    batch.pending.flush(work.conn)
    batch.finish()
    return report


def _checked(batch: Batch, draft: ClientDraft) -> CheckedClient:
    problems = Problems()
    company_type = problems.attempt(batch.catalogue.active, "company_type", draft.company_type,
                                    field="company_type")
    company = check_company(draft, company_type, problems)
    if draft.from_company or draft.category or draft.contacts or draft.client_attributes:
        problems.found.append(InvalidValue(
            "a company on its own has no category, contacts or client attributes; list it "
            "under clients: to register it as a client", field="category",
            value=draft.category, code="unexpected-value"))
    if problems.found:
        raise Rejected(problems.found)
    return CheckedClient(origin=draft.origin, category=None, client_attributes={},  # type: ignore[arg-type]
                         contacts=[], company_type=company_type, company=company,
                         identifier_given=company["identifier"] is not None)


def _register_company(batch: Batch, draft: ClientDraft) -> Outcome:
    company = _checked(batch, draft)
    values = company.company
    assert values is not None
    if values["identifier"] is None:
        values["identifier"] = batch.generate_identifier(company)
    identifier = values["identifier"]
    key = identifier_key(identifier)
    if key not in batch.companies:
        batch.companies.update(client_sql.companies_by_key(batch.conn, [key]))
    existing = batch.companies.get(key)
    if existing is not None:
        return _on_existing(batch, company, existing.identifier)
    if values["tax_id"] and values["tax_id"] not in batch.tax_owners:
        batch.tax_owners.update(client_sql.tax_id_owners(batch.conn, [values["tax_id"]]))
    batch.check_tax_id(values, identifier)
    batch.note_sequence(company)
    batch.write_company(company, batch.take_id("companies"))
    return Outcome(Action.CREATED, identifier, draft.origin)


def _on_existing(batch: Batch, company: CheckedClient, identifier: str) -> Outcome:
    if batch.on_conflict is OnConflict.SKIP:
        return Outcome(Action.SKIPPED, identifier, company.origin)
    if batch.on_conflict is OnConflict.ERROR:
        raise Conflict(f"company {identifier} already exists", field="identifier",
                       value=identifier, code="duplicate-identifier")
    batch.pending.flush(batch.conn)
    current = read_sql.company_by_key(batch.conn, identifier_key(identifier))
    assert current is not None and company.company_type is not None
    if company.company_type.code != current["company_type"]:
        raise Conflict(f"the company type of {identifier} is {current['company_type']} and "
                       "cannot change after registration", field="company_type",
                       value=company.company_type.code, code="company-type-locked")
    changes = changed_company_fields(company, current, replace=False)
    if not changes:
        return Outcome(Action.UNCHANGED, identifier, company.origin)
    if changes.get("tax_id", [None, None])[1]:
        new_tax_id = changes["tax_id"][1]
        batch.tax_owners.update(client_sql.tax_id_owners(batch.conn, [new_tax_id]))
        batch.check_tax_id({"tax_id": new_tax_id}, identifier)
    columns = {k: (client_sql.dumps(v[1]) if k == "attributes" else v[1])
               for k, v in changes.items()}
    sql.update_company(batch.conn, current["id"], columns, batch.stamp)
    batch.history("company", identifier, "updated", changes)
    return Outcome(Action.UPDATED, identifier, company.origin, changes=changes)
