"""The rules of a registration (SPEC section 2), through the core and a real database file."""

import pytest

from clientreg.catalogue import Catalogue, add_entry, set_entry_active
from clientreg.checks import step_plan
from clientreg.companies import register_companies
from clientreg.editing import edit_client, set_client_active
from clientreg.errors import Rejected
from clientreg.model import Action, ClientDraft, ContactDraft, OnConflict, Step
from clientreg.records import client_data, iter_clients
from clientreg.registration import register, register_many

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

TABLES = ("companies", "clients", "external_users", "client_contacts", "history")


def counts(store) -> dict[str, int]:
    return {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def draft(**values) -> ClientDraft:
    """A valid registration of a PERSON in WHOLESALE unless values say otherwise."""
    base = {"identifier": "ACME", "name": "ACME Trading", "company_type": "PERSON",
            "category": "WHOLESALE", "country": "ES"}
    return ClientDraft(**{**base, **values})


def contact(email: str, **values) -> ContactDraft:
    return ContactDraft(**{"name": "María López", "email": email, **values})


def problems_of(store, *drafts, **options) -> dict[str, str]:
    """Register the drafts; the {code: message} of every problem (the call must fail)."""
    with pytest.raises(Rejected) as caught:
        if len(drafts) == 1:
            register(store, drafts[0], source="test", **options)
        else:
            report = register_many(store, drafts, source="test", **options)
            raise Rejected([problem for _, problem in report.problems])
    return {problem.code: problem.reason for problem in caught.value.problems}


def add_company_only(store, identifier: str, type_code: str = "PERSON") -> None:
    """A company that is not a client, as a seed file's companies: registers it."""
    report = register_companies(store, [ClientDraft(identifier=identifier,
                                                    name=f"{identifier} Ltd",
                                                    company_type=type_code)], source="test")
    assert report.written, report.problems


# --- prerequisites ----------------------------------------------------------------------


def test_fresh_database_explains_how_to_create_the_prerequisites(store):
    found = problems_of(store, draft())
    assert set(found) == {"no-company-types", "no-categories"}
    assert "clientreg company-type add" in found["no-company-types"]
    assert "clientreg category add" in found["no-categories"]
    assert counts(store)["companies"] == 0


def test_unknown_type_and_category_are_refused_naming_the_active_ones(catalogue):
    found = problems_of(catalogue, draft(company_type="SHOP", category="VIP"))
    assert "LEGAL, PERSON, PUBLIC" in found["unknown-company-type"]
    assert "RETAIL, WHOLESALE" in found["unknown-category"]


def test_inactive_type_and_category_are_refused(catalogue):
    set_entry_active(catalogue, "company_type", "PERSON", False, source="test")
    set_entry_active(catalogue, "category", "WHOLESALE", False, source="test")
    found = problems_of(catalogue, draft())
    assert set(found) == {"inactive-company-type", "inactive-category"}


# --- identifiers ------------------------------------------------------------------------


def test_identifier_is_unique_trimmed_and_case_insensitively(catalogue):
    register(catalogue, draft(identifier="ACME"), source="test")
    before = counts(catalogue)
    found = problems_of(catalogue, draft(identifier="  acme "))
    assert "client ACME is already registered" in found["duplicate-identifier"]
    assert counts(catalogue) == before


def test_the_schema_itself_refuses_a_second_row_for_an_identifier(catalogue):
    register(catalogue, draft(identifier="ACME"), source="test")
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        catalogue.conn.execute(
            "INSERT INTO companies (identifier, identifier_key, name, company_type_id, "
            "created_at, updated_at) SELECT 'acme', 'acme', 'x', company_type_id, 'now', 'now' "
            "FROM companies")


def test_identifier_is_generated_from_the_type_mask(catalogue):
    first = register(catalogue, draft(identifier=None, company_type="LEGAL"), source="test")
    second = register(catalogue, draft(identifier=" ", company_type="LEGAL"), source="test")
    assert (first.identifier, second.identifier) == ("CLI-00001", "CLI-00002")


def test_a_typed_identifier_moves_the_mask_sequence_past_it(catalogue):
    register(catalogue, draft(identifier="CLI-00007", company_type="LEGAL"), source="test")
    after = register(catalogue, draft(identifier=None, company_type="LEGAL"), source="test")
    assert after.identifier == "CLI-00008"


def test_a_rerun_finds_generated_identifiers_again_by_tax_id(catalogue):
    drafts = [draft(identifier=None, company_type="LEGAL", tax_id="ESB12345674")]
    first = register_many(catalogue, drafts, source="test")
    before = counts(catalogue)
    again = register_many(catalogue, [draft(identifier=None, company_type="LEGAL",
                                            tax_id="ESB12345674")],
                          source="test", on_conflict=OnConflict.SKIP)
    assert [o.identifier for o in first.outcomes] == ["CLI-00001"]
    assert [(o.action, o.identifier) for o in again.outcomes] == [(Action.SKIPPED, "CLI-00001")]
    assert counts(catalogue) == before
    assert "duplicate-tax-id" in problems_of(catalogue, draft(identifier=None,
                                                              company_type="LEGAL",
                                                              tax_id="ESB12345674"))


def test_identifier_may_be_typed_over_only_where_the_type_allows_it(catalogue):
    allowed = register(catalogue, draft(identifier="ACME", company_type="LEGAL"), source="test")
    assert allowed.identifier == "ACME"
    found = problems_of(catalogue, draft(identifier="GOV-1", company_type="PUBLIC"))
    assert "PUB-{seq:03}" in found["identifier-locked"]
    fitting = register(catalogue, draft(identifier="PUB-010", company_type="PUBLIC"),
                       source="test")
    generated = register(catalogue, draft(identifier=None, company_type="PUBLIC"),
                         source="test")
    assert (fitting.identifier, generated.identifier) == ("PUB-010", "PUB-011")


def test_a_type_without_mask_needs_an_identifier(catalogue):
    assert "missing-value" in problems_of(catalogue, draft(identifier=None))


# --- steps and attributes -----------------------------------------------------------------


def test_step_plan_depends_on_the_type_and_the_category(catalogue):
    entries = Catalogue.load(catalogue)
    legal, person = entries.types["LEGAL"], entries.types["PERSON"]
    retail, wholesale = entries.categories["RETAIL"], entries.categories["WHOLESALE"]
    assert step_plan(legal, retail) == (Step.START, Step.COMPANY_ATTRIBUTES,
                                        Step.CLIENT_ATTRIBUTES, Step.COMPANY_DATA,
                                        Step.CONTACTS, Step.REVIEW)
    assert step_plan(person, wholesale) == (Step.START, Step.COMPANY_DATA, Step.CONTACTS,
                                            Step.REVIEW)
    assert step_plan(None, retail, from_company=True) == (Step.START, Step.CLIENT_ATTRIBUTES,
                                                          Step.REVIEW)


def test_required_attributes_need_valid_values_of_their_type(catalogue):
    found = problems_of(catalogue, draft(company_type="LEGAL", category="RETAIL",
                                         company_attributes={"employees": "12,5"}))
    assert set(found) == {"invalid-attribute", "missing-value"}
    assert "dot decimal" in found["invalid-attribute"]
    assert "Sales region" in found["missing-value"]
    outcome = register(catalogue, draft(company_type="LEGAL", category="RETAIL",
                                        company_attributes={"employees": 12},
                                        client_attributes={"region": "North"}), source="test")
    document = client_data(catalogue, outcome.identifier)
    assert document["company_attributes"] == {"employees": 12}
    assert document["client_attributes"] == {"region": "north"}


def test_attributes_outside_the_plan_are_refused(catalogue):
    found = problems_of(catalogue, draft(company_attributes={"employees": 3},
                                         client_attributes={"region": "north"}))
    assert set(found) == {"unknown-attribute"}


def test_every_problem_of_a_draft_is_reported_at_once(catalogue):
    bad = draft(name="", email="nope", phone="12", country="Narnia",
                contacts=[contact("bad-address")])
    with pytest.raises(Rejected) as caught:
        register(catalogue, bad, source="test")
    fields = {problem.field for problem in caught.value.problems}
    assert {"name", "email", "country", "contacts[0].email"} <= fields


# --- locked fields ------------------------------------------------------------------------


def test_type_and_category_are_locked_after_registration(catalogue):
    register(catalogue, draft(), source="test")
    found = problems_of(catalogue, draft(company_type="LEGAL", category="RETAIL",
                                         client_attributes={"region": "north"}),
                        on_conflict=OnConflict.UPDATE)
    assert set(found) == {"company-type-locked", "category-locked"}
    with pytest.raises(Rejected) as caught:
        edit_client(catalogue, "ACME", settings={"category": "RETAIL"})
    assert caught.value.problems[0].code == "category-locked"
    assert client_data(catalogue, "ACME")["category"] == "WHOLESALE"


# --- contacts and external users ----------------------------------------------------------


def test_a_contact_matching_an_external_user_is_linked_not_copied(catalogue):
    register(catalogue, draft(contacts=[contact("maria@acme.example")]), source="test")
    outcome = register(catalogue, draft(contacts=[contact("MARIA@acme.example", position="CEO")]),
                       source="test", on_conflict=OnConflict.UPDATE)
    assert outcome.action is Action.UPDATED
    assert counts(catalogue)["external_users"] == 1
    assert counts(catalogue)["client_contacts"] == 1
    assert client_data(catalogue, "ACME")["contacts"][0]["position"] == "CEO"


def test_a_contact_of_another_company_is_a_conflict_naming_it(catalogue):
    register(catalogue, draft(contacts=[contact("maria@acme.example")]), source="test")
    before = counts(catalogue)
    found = problems_of(catalogue, draft(identifier="BETA", contacts=[contact(
        "Maria@ACME.example")]))
    message = found["email-taken-by-other-company"]
    assert "maria@acme.example" in message.casefold() and "company ACME" in message
    assert counts(catalogue) == before


def test_an_inactive_external_user_is_a_conflict(catalogue):
    register(catalogue, draft(contacts=[contact("maria@acme.example")]), source="test")
    with catalogue.transaction() as conn:  # deactivated in the external users register
        conn.execute("UPDATE external_users SET active = 0")
    found = problems_of(catalogue, draft(contacts=[contact("maria@acme.example")]),
                        on_conflict=OnConflict.UPDATE)
    assert "inactive external user" in found["inactive-external-user"]


def test_a_contact_needs_an_email(catalogue):
    found = problems_of(catalogue, draft(contacts=[ContactDraft(name="Juan")]))
    assert "login" in found["missing-value"]


def test_at_most_one_default_contact(catalogue):
    found = problems_of(catalogue, draft(contacts=[
        contact("maria@acme.example", default=True),
        contact("juan@acme.example", name="Juan", default="yes")]))
    assert "maria@acme.example" in found["two-default-contacts"]


def test_the_schema_keeps_one_default_contact_per_client(catalogue):
    import sqlite3

    register(catalogue, draft(contacts=[contact("maria@acme.example", default=True),
                                        contact("juan@acme.example")]), source="test")
    with pytest.raises(sqlite3.IntegrityError):
        catalogue.conn.execute("UPDATE client_contacts SET is_default = 1")


def test_the_same_email_twice_in_one_client_is_refused(catalogue):
    found = problems_of(catalogue, draft(contacts=[contact("maria@acme.example"),
                                                   contact("MARIA@acme.example")]))
    assert "duplicate-contact" in found


def test_contact_phones_use_the_company_country(catalogue):
    register(catalogue, draft(country="ES", contacts=[contact("maria@acme.example",
                                                              phone="600 123 456")]),
             source="test")
    assert client_data(catalogue, "ACME")["contacts"][0]["phone"] == "+34600123456"


# --- registering an existing company -------------------------------------------------------


def test_registering_from_an_existing_company_reuses_it(catalogue):
    add_company_only(catalogue, "MARLOWE", type_code="PERSON")
    before = counts(catalogue)
    outcome = register(catalogue, ClientDraft(from_company="marlowe", category="WHOLESALE"),
                       source="test")
    assert outcome.identifier == "MARLOWE"
    after = counts(catalogue)
    assert after["companies"] == before["companies"]
    assert after["clients"] == before["clients"] + 1
    document = client_data(catalogue, "MARLOWE")
    assert (document["company_type"], document["category"]) == ("PERSON", "WHOLESALE")


def test_a_company_that_is_already_a_client_is_a_conflict(catalogue):
    register(catalogue, draft(), source="test")
    found = problems_of(catalogue, ClientDraft(from_company="ACME", category="WHOLESALE"))
    assert "company ACME is already a client" in found["already-a-client"]


def test_from_an_unknown_company_or_with_company_fields_is_refused(catalogue):
    add_company_only(catalogue, "MARLOWE")
    assert "unknown-company" in problems_of(
        catalogue, ClientDraft(from_company="NOBODY", category="WHOLESALE"))
    found = problems_of(catalogue, ClientDraft(from_company="MARLOWE", category="WHOLESALE",
                                               name="Another name"))
    assert "unexpected-value" in found


def test_the_plan_of_an_existing_company_has_no_contacts_step(catalogue):
    add_company_only(catalogue, "MARLOWE")
    found = problems_of(catalogue, ClientDraft(from_company="MARLOWE", category="WHOLESALE",
                                               contacts=[contact("maria@acme.example")]))
    assert "clientreg edit" in found["unexpected-value"]


def test_a_new_registration_over_a_company_that_is_not_a_client_says_to_use_from_company(
        catalogue):
    add_company_only(catalogue, "MARLOWE")
    found = problems_of(catalogue, draft(identifier="MARLOWE"))
    assert "from_company" in found["company-exists"]


def test_a_tax_id_belongs_to_one_company(catalogue):
    register(catalogue, draft(tax_id="ESB12345674"), source="test")
    found = problems_of(catalogue, draft(identifier="BETA", tax_id="ES-B12345674"))
    assert "company ACME" in found["duplicate-tax-id"]


# --- one transaction ----------------------------------------------------------------------


def test_a_batch_whose_third_draft_is_bad_writes_nothing(catalogue):
    before = counts(catalogue)
    report = register_many(catalogue, [
        draft(identifier="A1", contacts=[contact("a@one.example")]),
        draft(identifier="A2", contacts=[contact("b@two.example")]),
        draft(identifier="A3", email="not-an-email"),
    ], source="test")
    assert not report.written
    assert [(origin, problem.code) for origin, problem in report.problems] == \
        [(None, "invalid-email")]
    assert counts(catalogue) == before


def test_a_registration_rejected_by_its_contact_leaves_no_company_behind(catalogue):
    register(catalogue, draft(contacts=[contact("maria@acme.example")]), source="test")
    before = counts(catalogue)
    problems_of(catalogue, draft(identifier="BETA", contacts=[contact("juan@beta.example"),
                                                              contact("maria@acme.example")]))
    assert counts(catalogue) == before


def test_a_dry_run_checks_everything_and_writes_nothing(catalogue):
    before = counts(catalogue)
    report = register_many(catalogue, [draft(identifier="A1"), draft(identifier="a1")],
                           source="test", dry_run=True)
    assert [problem.code for _, problem in report.problems] == ["duplicate-identifier"]
    assert counts(catalogue) == before


def test_a_good_batch_lands_with_its_history(catalogue):
    report = register_many(catalogue, [draft(identifier=f"C{n}", contacts=[
        contact(f"p{n}@c.example")]) for n in range(3)], source="import of test.yaml")
    assert report.written and report.count(Action.CREATED) == 3
    history = client_data(catalogue, "C1")["history"]
    assert {entry["entity"] for entry in history} == {"company", "client", "external_user"}
    assert {entry["source"] for entry in history} == {"import of test.yaml"}


# --- nothing deleted silently -------------------------------------------------------------


def test_deactivating_keeps_every_row_and_records_it(catalogue):
    register(catalogue, draft(contacts=[contact("maria@acme.example")]), source="test")
    before = counts(catalogue)
    assert set_client_active(catalogue, "acme", False, source="test") is True
    assert set_client_active(catalogue, "ACME", False, source="test") is False
    after = counts(catalogue)
    assert {t: after[t] for t in TABLES if t != "history"} == \
        {t: before[t] for t in TABLES if t != "history"}
    assert after["history"] == before["history"] + 1
    assert [row["identifier"] for row in iter_clients(catalogue)] == []
    assert [row["identifier"] for row in iter_clients(catalogue, include_inactive=True)] == \
        ["ACME"]
    assert client_data(catalogue, "ACME")["history"][-1]["action"] == "deactivated"


def test_edits_go_through_the_same_checks_and_keep_the_old_value(catalogue):
    register(catalogue, draft(phone="+34 954 123 456"), source="test")
    with pytest.raises(Rejected) as caught:
        edit_client(catalogue, "ACME", settings={"email": "nope"})
    assert caught.value.problems[0].code == "invalid-email"
    outcome = edit_client(catalogue, "ACME", settings={"phone": "600 123 456"})
    assert outcome.changes == {"phone": ["+34954123456", "+34600123456"]}
    last = client_data(catalogue, "ACME")["history"][-1]
    assert (last["action"], last["source"]) == ("updated", "edit")
    assert last["changes"]["phone"] == {"old": "+34954123456", "new": "+34600123456"}


def test_catalogue_entries_added_later_are_used_at_once(store):
    add_entry(store, "company_type", {"code": "person", "name": "Individual"}, source="test")
    add_entry(store, "category", {"code": "wholesale", "name": "Wholesale"}, source="test")
    assert register(store, draft(), source="test").action is Action.CREATED
