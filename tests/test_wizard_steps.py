"""The wizard's step machine, driven by a scripted prompter against a real database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clientreg.catalogue import add_entry
from clientreg.commands.wizard_steps import BACK, CANCEL, FINISH, Cancelled, Wizard
from clientreg.companies import register_companies
from clientreg.editing import draft_of, edit_client
from clientreg.errors import NotFound
from clientreg.model import ClientDraft, ContactDraft, Step
from clientreg.records import client_data
from clientreg.registration import register
from clientreg.storage import open_database

KEEP = object()  # Enter on a text prompt: keep what it shows


@dataclass
class Refused:
    """Typing a value the prompt must refuse; the script's next answer is typed instead."""

    text: str


class Script:
    """A prompter that answers from a list and records every question it was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[dict[str, Any]] = []
        self.said: list[str] = []
        self.warned: list[str] = []

    def _next(self, message: str) -> Any:
        assert self.answers, f"no answer left for {message!r}"
        return self.answers.pop(0)

    def select(self, message, options, *, default=None, back=True):
        values = [value for value, _title in options]
        self.asked.append({"kind": "select", "message": message, "values": values,
                           "default": default, "back": back})
        answer = self._next(message)
        if answer is BACK:
            assert back, f"Back is not offered on {message!r}"
        elif answer is not CANCEL:
            assert answer in values, f"{answer!r} is not offered on {message!r}: {values}"
        return answer

    def text(self, message, *, default="", validate=None, back=True):
        self.asked.append({"kind": "text", "message": message, "default": default, "back": back})
        answer = self._next(message)
        while isinstance(answer, Refused):
            assert validate is not None and validate(answer.text), (
                f"{answer.text!r} was accepted on {message!r}")
            answer = self._next(message)
        if answer is BACK:
            assert back, f"Back is not offered on {message!r}"
            return BACK
        answer = default if answer is KEEP else answer
        if validate is not None:
            assert validate(answer) is None, f"{answer!r} refused on {message!r}"
        return answer

    def say(self, message: str) -> None:
        self.said.append(message)

    def warn(self, message: str) -> None:
        self.warned.append(message)

    def messages(self) -> list[str]:
        return [question["message"] for question in self.asked]

    def question(self, start: str, occurrence: int = -1) -> dict[str, Any]:
        found = [q for q in self.asked if q["message"].startswith(start)]
        assert found, f"never asked {start!r}"
        return found[occurrence]


COMPANY_FIELDS_KEPT = [KEEP] * 10  # trade name ... postal code, all left as shown
NO_CONTACTS = ["done"]


@pytest.fixture
def store(tmp_path):
    store = open_database(tmp_path / "wizard.db")
    add_entry(store, "company_type", {
        "code": "LEGAL", "name": "Legal entity", "id_mask": "CLI-{seq:05}",
        "allow_id_change": True,
        "attributes": [{"key": "employees", "label": "Employees", "type": "number", "min": 0},
                       {"key": "founded", "label": "Founded", "type": "date"}]}, source="test")
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="test")
    add_entry(store, "company_type", {"code": "PUBLIC", "name": "Public body",
                                      "id_mask": "PUB-{seq:03}"}, source="test")
    add_entry(store, "category", {
        "code": "RETAIL", "name": "Retail",
        "attributes": [{"key": "region", "label": "Sales region", "type": "list",
                        "values": ["north", "south"], "required": True},
                       {"key": "visit_day", "label": "Visit day", "type": "list",
                        "values": ["monday", "friday"]}]}, source="test")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="test")
    add_entry(store, "category", {"code": "OLD", "name": "Old", "active": False}, source="test")
    yield store
    store.close()


def run(store, script: Script, **options: Any):
    wizard = Wizard(store, script, **options)
    return wizard, wizard.run(lambda draft: register(store, draft, source="wizard"))


def company_data(identifier: str | Any, name: str) -> list[Any]:
    return [identifier, name, *COMPANY_FIELDS_KEPT]


def test_type_and_category_without_attributes_skip_both_attribute_steps(store):
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "Ana Ruiz"), *NO_CONTACTS,
                    FINISH)
    wizard, outcome = run(store, script)
    assert outcome.identifier == "P-1"
    assert wizard.plan() == (Step.START, Step.COMPANY_DATA, Step.CONTACTS, Step.REVIEW)
    assert not any("Employees" in m or "Sales region" in m for m in script.messages())
    saved = client_data(store, "P-1")
    assert (saved["company_type"], saved["category"], saved["name"]) == (
        "PERSON", "WHOLESALE", "Ana Ruiz")
    assert [entry["source"] for entry in saved["history"]] == ["wizard", "wizard"]


def test_only_active_categories_are_offered_and_the_first_step_has_no_back(store):
    script = Script(CANCEL)
    with pytest.raises(Cancelled):
        run(store, script)
    first = script.asked[0]
    assert first["message"] == "Company type"
    assert first["back"] is False
    assert first["values"] == ["LEGAL", "PERSON", "PUBLIC"]
    script = Script("PERSON", CANCEL)
    with pytest.raises(Cancelled):
        run(store, script)
    assert script.asked[1]["values"] == ["RETAIL", "WHOLESALE"]


def test_type_and_category_attributes_are_asked_checked_and_saved(store):
    script = Script("LEGAL", "RETAIL",
                    Refused("-3"), Refused("twelve"), "12", Refused("2020-13-01"), "2001-02-03",
                    "south", "",
                    *company_data(KEEP, "ACME Ltd"), *NO_CONTACTS, FINISH)
    wizard, outcome = run(store, script)
    assert wizard.plan() == (Step.START, Step.COMPANY_ATTRIBUTES, Step.CLIENT_ATTRIBUTES,
                             Step.COMPANY_DATA, Step.CONTACTS, Step.REVIEW)
    assert outcome.identifier == "CLI-00001"
    assert script.question("Identifier")["default"] == "CLI-00001"
    saved = client_data(store, "CLI-00001")
    assert saved["company_attributes"] == {"employees": 12, "founded": "2001-02-03"}
    assert saved["client_attributes"] == {"region": "south"}
    assert "" in script.question("Visit day")["values"]  # optional list: can stay empty
    assert "" not in script.question("Sales region")["values"]


def test_back_past_a_category_change_drops_the_client_attributes(store):
    script = Script("LEGAL", "RETAIL", "40", KEEP, "north", "monday",
                    BACK,            # identifier: back to the client attributes' last question
                    BACK,            # visit day -> sales region
                    BACK,            # sales region: back to the company attributes
                    BACK,            # founded -> employees
                    BACK,            # employees: back to the first step, at the category
                    "WHOLESALE",     # category changed
                    KEEP, KEEP,      # company attributes shown again, answers kept
                    *company_data(KEEP, "ACME Ltd"), *NO_CONTACTS, FINISH)
    wizard, outcome = run(store, script)
    assert script.question("Client category", -1)["default"] == "RETAIL"
    assert script.question("Employees", -1)["default"] == "40"
    messages = script.messages()
    last_region = max(i for i, m in enumerate(messages) if m.startswith("Sales region"))
    last_category = max(i for i, m in enumerate(messages) if m == "Client category")
    assert last_region < last_category  # not asked again once the category changed
    assert wizard.draft.client_attributes == {}
    assert Step.CLIENT_ATTRIBUTES not in wizard.plan()
    saved = client_data(store, outcome.identifier)
    assert saved["category"] == "WHOLESALE"
    assert "client_attributes" not in saved
    assert saved["company_attributes"] == {"employees": 40}


def test_back_past_a_type_change_drops_the_company_attributes(store):
    script = Script("LEGAL", "WHOLESALE", "40", KEEP,
                    BACK,         # identifier: back to company attributes (last question)
                    BACK,         # founded -> employees
                    BACK,         # employees: back to the first step, at the category
                    BACK,         # category -> company type
                    "PERSON", "WHOLESALE",
                    *company_data("P-7", "Ana Ruiz"), *NO_CONTACTS, FINISH)
    wizard, outcome = run(store, script)
    assert script.question("Company type", -1)["default"] == "LEGAL"
    assert wizard.draft.company_attributes == {}
    assert "company_attributes" not in client_data(store, "P-7")


def test_back_inside_a_step_returns_to_the_previous_question_with_its_answer(store):
    script = Script("PERSON", "WHOLESALE", "P-1", "Ana", "Ana's shop",
                    BACK,          # country -> trade name
                    BACK,          # trade name -> name
                    KEEP, KEEP,    # name and trade name as answered
                    *COMPANY_FIELDS_KEPT[1:], *NO_CONTACTS, FINISH)
    run(store, script)
    assert script.question("Name", -1)["default"] == "Ana"
    assert client_data(store, "P-1")["trade_name"] == "Ana's shop"


def test_a_typed_identifier_must_be_unique(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="P-1",
                                name="First"), source="test")
    script = Script("PERSON", "WHOLESALE", "p-1", "P-2", "Second", *COMPANY_FIELDS_KEPT,
                    *NO_CONTACTS, FINISH)
    _wizard, outcome = run(store, script)
    assert outcome.identifier == "P-2"
    assert any("P-1 is already the identifier of company First" in w for w in script.warned)


def test_a_type_whose_mask_forbids_typing_generates_the_identifier(store):
    script = Script("PUBLIC", "WHOLESALE", "Town hall", *COMPANY_FIELDS_KEPT, *NO_CONTACTS,
                    FINISH)
    _wizard, outcome = run(store, script)
    assert outcome.identifier == "PUB-001"
    assert not any(m.startswith("Identifier") for m in script.messages())
    assert any("PUB-001" in line for line in script.said)


def test_company_fields_are_checked_as_typed_and_stored_normalised(store):
    fields = ["", "ES", Refused("X123"), "B12345674", Refused("not-an-email"), "info@acme.es",
              Refused("12"), "954 123 456", "acme.es", "Calle Mayor 1", "Sevilla", "", "41001"]
    script = Script("PERSON", "WHOLESALE", "P-1", "ACME", *fields, *NO_CONTACTS, FINISH)
    run(store, script)
    saved = client_data(store, "P-1")
    assert saved["phone"] == "+34954123456"
    assert saved["website"] == "https://acme.es"
    assert saved["tax_id"] == "ESB12345674"
    assert saved["country"] == "ES"


def contact_answers(email: str, name: str, *, default: bool = True, phone: str = "") -> list:
    return [email, name, phone, "", "", "", default]


def test_contacts_are_added_edited_and_removed(store):
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"),
                    "add", *contact_answers("ana@acme.example", "Ana"),
                    "add", *contact_answers("bo@acme.example", "Bo", default=False),
                    "add", *contact_answers("cy@acme.example", "Cy", default=False),
                    ("edit", 1), KEEP, "Bo Berg", KEEP, "Buyer", KEEP, KEEP, True,
                    ("remove", 2),
                    "done", FINISH)
    wizard, _outcome = run(store, script)
    contacts = client_data(store, "P-1")["contacts"]
    assert [(c["name"], c.get("position"), c.get("default", False)) for c in contacts] == [
        ("Ana", None, False), ("Bo Berg", "Buyer", True)]
    assert any("Ana <ana@acme.example> is no longer the default contact" in s
               for s in script.said)
    assert script.question("Contact name", 3)["default"] == "Bo"


def test_a_duplicate_contact_email_is_refused_in_the_step(store):
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"),
                    "add", *contact_answers("ana@acme.example", "Ana"),
                    "add", "ANA@acme.example", "bo@acme.example", "Bo", "", "", "", "", False,
                    "done", FINISH)
    run(store, script)
    assert any("already a contact of this client" in w for w in script.warned)
    assert len(client_data(store, "P-1")["contacts"]) == 2


def test_an_email_of_another_companys_user_is_explained_and_another_asked(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="OTHER",
                                name="Other Ltd", contacts=[ContactDraft(
                                    name="Ana", email="ana@other.example")]), source="test")
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"),
                    "add", "ana@other.example", *contact_answers("ana@acme.example", "Ana"),
                    "done", FINISH)
    run(store, script)
    assert any("ana@other.example is already the external user Ana of company OTHER" in w
               for w in script.warned)
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == ["ana@acme.example"]


def company_less_user(store, email: str, name: str) -> None:
    # No command creates an external user without a company, but the schema allows it and the
    # core links such a user; write one directly to exercise that branch.
    store.conn.execute(
        "INSERT INTO external_users (email, email_key, name, phone, active, created_at, "
        "updated_at) VALUES (?, ?, ?, '+34600000000', 1, '2024-01-01T00:00:00Z', "
        "'2024-01-01T00:00:00Z')", [email, email.casefold(), name])


def test_an_existing_external_user_without_company_is_linked_not_copied(store):
    company_less_user(store, "lu@free.example", "Lu Free")
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"),
                    "add", "LU@free.example", True, True,
                    "done", FINISH)
    wizard, _outcome = run(store, script)
    assert "existing external user, linked" in wizard.prompt.said[-1]
    assert not any(m.startswith("Contact name") for m in script.messages())
    contacts = client_data(store, "P-1")["contacts"]
    assert contacts == [{"name": "Lu Free", "email": "lu@free.example",
                         "phone": "+34600000000", "default": True}]
    count = store.conn.execute("SELECT count(*) FROM external_users").fetchone()[0]
    assert count == 1


def test_declining_the_link_asks_for_another_email(store):
    company_less_user(store, "lu@free.example", "Lu Free")
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"),
                    "add", "lu@free.example", False, *contact_answers("lu@acme.example", "Lu"),
                    "done", FINISH)
    run(store, script)
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == ["lu@acme.example"]


def test_a_core_rejection_returns_to_the_step_holding_the_field(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="FIRST",
                                name="First", country="ES", tax_id="B12345674"), source="test")
    fields = ["", "ES", "B12345674", *[KEEP] * 7]
    script = Script("PERSON", "WHOLESALE", "P-2", "Second", *fields, *NO_CONTACTS, FINISH,
                    # back at company data, every answer shown again; fix the tax id
                    KEEP, KEEP, KEEP, KEEP, "", *[KEEP] * 7, *NO_CONTACTS, FINISH)
    _wizard, outcome = run(store, script)
    assert outcome.identifier == "P-2"
    assert any("tax_id" in w and "already belongs to company FIRST" in w for w in script.warned)
    assert script.question("Identifier", -1)["default"] == "P-2"
    assert "tax_id" not in client_data(store, "P-2")


def test_review_can_jump_back_to_a_step(store):
    script = Script("PERSON", "WHOLESALE", *company_data("P-1", "ACME"), *NO_CONTACTS,
                    Step.START, "PERSON", "WHOLESALE",
                    *company_data(KEEP, KEEP), *NO_CONTACTS, FINISH)
    run(store, script)
    review = script.question("Review")
    assert review["values"][0] is FINISH
    assert Step.START in review["values"]


def test_cancel_in_the_middle_writes_nothing(store):
    script = Script("LEGAL", "RETAIL", "12", KEEP, "south", "", KEEP, "ACME", *[KEEP] * 10,
                    CANCEL)
    with pytest.raises(Cancelled):
        run(store, script)
    with pytest.raises(NotFound):
        client_data(store, "CLI-00001")
    assert store.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_from_an_existing_company_asks_only_category_attributes_and_review(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="TAKEN",
                                name="Already a client"), source="test")
    assert register_companies(store, [ClientDraft(company_type="LEGAL", identifier="ACME",
                                                  name="ACME Ltd")], source="test").written
    script = Script("existing", "ACME", "RETAIL", "north", "", FINISH)
    wizard, outcome = run(store, script)
    assert script.question("Company")["values"] == ["ACME"]  # TAKEN is a client already
    assert wizard.plan() == (Step.START, Step.CLIENT_ATTRIBUTES, Step.REVIEW)
    assert outcome.identifier == "ACME"
    saved = client_data(store, "ACME")
    assert (saved["company_type"], saved["category"], saved["client_attributes"]) == (
        "LEGAL", "RETAIL", {"region": "north"})


def test_edit_shows_type_and_category_locked_and_saves_through_the_core(store):
    register(store, ClientDraft(
        company_type="PERSON", category="WHOLESALE", identifier="P-1", name="ACME",
        contacts=[ContactDraft(name="Ana", email="ana@acme.example", default=True),
                  ContactDraft(name="Bo", email="bo@acme.example")]), source="test")
    document = client_data(store, "P-1", with_history=False)
    script = Script("ACME Iberia", *COMPANY_FIELDS_KEPT,
                    ("remove", 1), "done", FINISH)
    wizard = Wizard(store, script, draft=draft_of(document), editing="P-1")
    assert wizard.plan() == (Step.COMPANY_DATA, Step.CONTACTS, Step.REVIEW)
    outcome = wizard.run(lambda draft: edit_client(store, "P-1", draft=draft, source="wizard"))
    assert outcome.action.value == "updated"
    assert script.asked[0]["back"] is False
    assert not any(m.startswith("Identifier") for m in script.messages())
    saved = client_data(store, "P-1")
    assert saved["name"] == "ACME Iberia"
    assert [c["email"] for c in saved["contacts"]] == ["ana@acme.example"]
    assert saved["history"][-1]["source"] == "wizard"
    # Bo stays an external user of this company: adding him again links him
    script = Script(*[KEEP] * 11, "add", "bo@acme.example", True, False, "done", FINISH)
    wizard = Wizard(store, script, draft=draft_of(client_data(store, "P-1")), editing="P-1")
    wizard.run(lambda draft: edit_client(store, "P-1", draft=draft, source="wizard"))
    assert any("of this company" in q["message"] for q in script.asked)
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == [
        "ana@acme.example", "bo@acme.example"]


def test_a_prefilled_identifier_gives_way_to_a_mask_that_forbids_typing(store):
    script = Script("PUBLIC", "WHOLESALE", "Town hall", *COMPANY_FIELDS_KEPT, *NO_CONTACTS,
                    FINISH)
    _wizard, outcome = run(store, script, draft=ClientDraft(identifier="TYPED-1"))
    assert outcome.identifier == "PUB-001"
    assert script.question("Company type")["default"] is None
