"""The wizard's step machine, driven by a scripted prompter against a real database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clientreg.catalogue import add_entry
from clientreg.commands.wizard_questions import BACK, CANCEL, FINISH, Cancelled
from clientreg.commands.wizard_steps import Wizard
from clientreg.companies import register_companies
from clientreg.editing import draft_of, edit_client
from clientreg.errors import NotFound
from clientreg.model import ClientDraft, ContactDraft, Step
from clientreg.records import client_data
from clientreg.registration import register
from clientreg.storage import open_database

KEEP = object()  # Enter: a typed answer keeps what it shows, a choice takes its default
_MOST_QUESTIONS = 300  # a wizard that asks more is going round in circles


@dataclass
class Refused:
    """Typing a value the prompt must refuse; the script's next answer is typed instead."""

    text: str


class Script:
    """A prompter that answers by question key and records every question it was asked.

    Each part maps question keys (``company_type``, ``trade_name``, ``contacts.email``,
    ``review``...) to answers, a list giving the answers to the same question asked again in a
    row. The answers are given in order: each waits until its question is asked, and every
    question asked before it gets Enter (KEEP), so a new optional question changes nothing.
    """

    def __init__(self, *parts: dict[str, Any]) -> None:
        self.answers: list[tuple[str, Any]] = []
        for part in parts:
            for key, answer in part.items():
                given = answer if isinstance(answer, list) else [answer]
                self.answers += [(key, one) for one in given]
        self.asked: list[dict[str, Any]] = []
        self.said: list[str] = []
        self.warned: list[str] = []

    def _next(self, key: str) -> Any:
        assert len(self.asked) <= _MOST_QUESTIONS, f"still asking after {self.asked_keys()[-20:]}"
        if self.answers and self.answers[0][0] == key:
            return self.answers.pop(0)[1]
        return KEEP

    def select(self, key, message, options, *, default=None, back=True):
        values = [value for value, _title in options]
        self.asked.append({"key": key, "kind": "select", "message": message, "values": values,
                           "default": default, "back": back})
        answer = self._next(key)
        if answer is KEEP:
            # As in a terminal: the highlighted choice, which is the first without a default.
            answer = default if default in values else values[0]
        if answer is BACK:
            assert back, f"Back is not offered on {message!r}"
        elif answer is not CANCEL:
            assert answer in values, f"{answer!r} is not offered on {message!r}: {values}"
        return answer

    def text(self, key, message, *, default="", validate=None, back=True):
        self.asked.append({"key": key, "kind": "text", "message": message, "default": default,
                           "back": back})
        answer = self._next(key)
        while isinstance(answer, Refused):
            assert validate is not None and validate(answer.text), (
                f"{answer.text!r} was accepted on {message!r}")
            answer = self._next(key)
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

    def asked_keys(self) -> list[str]:
        return [question["key"] for question in self.asked]

    def messages(self) -> list[str]:
        return [question["message"] for question in self.asked]

    def question(self, start: str, occurrence: int = -1) -> dict[str, Any]:
        found = [q for q in self.asked if q["message"].startswith(start)]
        assert found, f"never asked {start!r}"
        return found[occurrence]

    def finished(self) -> None:
        assert not self.answers, f"never asked for {self.answers}"


def added_contact(email: str, name: str, *, default: bool = True, **details: str) -> dict:
    """The contacts step's answers that add one contact."""
    return {"contacts": "add", "contacts.email": email, "contacts.name": name,
            **{f"contacts.{field}": value for field, value in details.items()},
            "contacts.default": default}


NO_CONTACTS = {"contacts": "done"}
FINISHED = {"contacts": "done", "review": FINISH}


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
    try:
        return wizard, wizard.run(lambda draft: register(store, draft, source="wizard"))
    finally:
        script.finished()


def test_type_and_category_without_attributes_skip_both_attribute_steps(store):
    script = Script({"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-1",
                     "name": "Ana Ruiz"}, FINISHED)
    wizard, outcome = run(store, script)
    assert outcome.identifier == "P-1"
    assert wizard.plan() == (Step.START, Step.COMPANY_DATA, Step.CONTACTS, Step.REVIEW)
    assert not any("Employees" in m or "Sales region" in m for m in script.messages())
    saved = client_data(store, "P-1")
    assert (saved["company_type"], saved["category"], saved["name"]) == (
        "PERSON", "WHOLESALE", "Ana Ruiz")
    assert [entry["source"] for entry in saved["history"]] == ["wizard", "wizard"]


def test_questions_are_keyed_by_the_fields_they_fill(store):
    script = Script({"company_type": "LEGAL", "category": "RETAIL", "name": "ACME"},
                    added_contact("ana@acme.example", "Ana"), FINISHED)
    run(store, script)
    assert script.asked_keys() == [
        "company_type", "category", "company_attr.employees", "company_attr.founded",
        "client_attr.region", "client_attr.visit_day", "identifier", "name", "trade_name",
        "country", "tax_id", "email", "phone", "website", "street", "city", "region",
        "postal_code", "contacts", "contacts.email", "contacts.name", "contacts.phone",
        "contacts.position", "contacts.department", "contacts.language", "contacts.default",
        "contacts", "review"]


def test_only_active_categories_are_offered_and_the_first_step_has_no_back(store):
    script = Script({"company_type": CANCEL})
    with pytest.raises(Cancelled):
        run(store, script)
    first = script.asked[0]
    assert first["message"] == "Company type"
    assert first["back"] is False
    assert first["values"] == ["LEGAL", "PERSON", "PUBLIC"]
    script = Script({"company_type": "PERSON", "category": CANCEL})
    with pytest.raises(Cancelled):
        run(store, script)
    assert script.asked[1]["values"] == ["RETAIL", "WHOLESALE"]


def test_type_and_category_attributes_are_asked_checked_and_saved(store):
    script = Script({"company_type": "LEGAL", "category": "RETAIL",
                     "company_attr.employees": [Refused("-3"), Refused("twelve"), "12"],
                     "company_attr.founded": [Refused("2020-13-01"), "2001-02-03"],
                     "client_attr.region": "south", "client_attr.visit_day": "",
                     "name": "ACME Ltd"}, FINISHED)
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
    script = Script(
        {"company_type": "LEGAL", "category": "RETAIL", "company_attr.employees": "40",
         "client_attr.region": "north", "client_attr.visit_day": "monday"},
        {"identifier": BACK,               # back to the client attributes' last question
         "client_attr.visit_day": BACK,    # visit day -> sales region
         "client_attr.region": BACK,       # back to the company attributes
         "company_attr.founded": BACK,     # founded -> employees
         "company_attr.employees": BACK,   # back to the first step, at the category
         "category": "WHOLESALE",          # category changed; the company attributes kept
         "name": "ACME Ltd"},
        FINISHED)
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
    script = Script(
        {"company_type": "LEGAL", "category": "WHOLESALE", "company_attr.employees": "40"},
        {"identifier": BACK,               # back to company attributes (last question)
         "company_attr.founded": BACK,     # founded -> employees
         "company_attr.employees": BACK,   # back to the first step, at the category
         "category": BACK},                # category -> company type
        {"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-7",
         "name": "Ana Ruiz"},
        FINISHED)
    wizard, outcome = run(store, script)
    assert script.question("Company type", -1)["default"] == "LEGAL"
    assert wizard.draft.company_attributes == {}
    assert "company_attributes" not in client_data(store, "P-7")


def test_back_inside_a_step_returns_to_the_previous_question_with_its_answer(store):
    script = Script({"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-1",
                     "name": "Ana", "trade_name": "Ana's shop",
                     "country": BACK},             # country -> trade name
                    {"trade_name": BACK},          # trade name -> name; both then kept
                    FINISHED)
    run(store, script)
    assert script.question("Name", -1)["default"] == "Ana"
    assert script.asked_keys()[3:9] == ["name", "trade_name", "country", "trade_name", "name",
                                        "trade_name"]
    assert client_data(store, "P-1")["trade_name"] == "Ana's shop"


def test_a_typed_identifier_must_be_unique(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="P-1",
                                name="First"), source="test")
    script = Script({"company_type": "PERSON", "category": "WHOLESALE",
                     "identifier": ["p-1", "P-2"], "name": "Second"}, FINISHED)
    _wizard, outcome = run(store, script)
    assert outcome.identifier == "P-2"
    assert any("P-1 is already the identifier of company First" in w for w in script.warned)


def test_a_type_whose_mask_forbids_typing_generates_the_identifier(store):
    script = Script({"company_type": "PUBLIC", "category": "WHOLESALE", "name": "Town hall"},
                    FINISHED)
    _wizard, outcome = run(store, script)
    assert outcome.identifier == "PUB-001"
    assert not any(m.startswith("Identifier") for m in script.messages())
    assert any("PUB-001" in line for line in script.said)


def test_company_fields_are_checked_as_typed_and_stored_normalised(store):
    script = Script({"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-1",
                     "name": "ACME", "trade_name": "", "country": "ES",
                     "tax_id": [Refused("X123"), "B12345674"],
                     "email": [Refused("not-an-email"), "info@acme.es"],
                     "phone": [Refused("12"), "954 123 456"], "website": "acme.es",
                     "street": "Calle Mayor 1", "city": "Sevilla", "region": "",
                     "postal_code": "41001"}, FINISHED)
    run(store, script)
    saved = client_data(store, "P-1")
    assert saved["phone"] == "+34954123456"
    assert saved["website"] == "https://acme.es"
    assert saved["tax_id"] == "ESB12345674"
    assert saved["country"] == "ES"


ACME_P1 = {"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-1",
           "name": "ACME"}


def test_contacts_are_added_edited_and_removed(store):
    script = Script(ACME_P1,
                    added_contact("ana@acme.example", "Ana"),
                    added_contact("bo@acme.example", "Bo", default=False),
                    added_contact("cy@acme.example", "Cy", default=False),
                    {"contacts": ("edit", 1), "contacts.name": "Bo Berg",
                     "contacts.position": "Buyer", "contacts.default": True},
                    {"contacts": ("remove", 2)},
                    FINISHED)
    wizard, _outcome = run(store, script)
    contacts = client_data(store, "P-1")["contacts"]
    assert [(c["name"], c.get("position"), c.get("default", False)) for c in contacts] == [
        ("Ana", None, False), ("Bo Berg", "Buyer", True)]
    assert any("Ana <ana@acme.example> is no longer the default contact" in s
               for s in script.said)
    assert script.question("Contact name", 3)["default"] == "Bo"


def test_a_duplicate_contact_email_is_refused_in_the_step(store):
    script = Script(ACME_P1,
                    added_contact("ana@acme.example", "Ana"),
                    {"contacts": "add", "contacts.email": ["ANA@acme.example", "bo@acme.example"],
                     "contacts.name": "Bo", "contacts.default": False},
                    FINISHED)
    run(store, script)
    assert any("already a contact of this client" in w for w in script.warned)
    assert len(client_data(store, "P-1")["contacts"]) == 2


def test_an_email_of_another_companys_user_is_explained_and_another_asked(store):
    register(store, ClientDraft(company_type="PERSON", category="WHOLESALE", identifier="OTHER",
                                name="Other Ltd", contacts=[ContactDraft(
                                    name="Ana", email="ana@other.example")]), source="test")
    script = Script(ACME_P1,
                    {"contacts": "add",
                     "contacts.email": ["ana@other.example", "ana@acme.example"],
                     "contacts.name": "Ana"},
                    FINISHED)
    run(store, script)
    assert ("ana@other.example is already the external user of company OTHER; an external "
            "user belongs to one company. Type another e-mail.") in script.warned
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == ["ana@acme.example"]


def company_less_user(store, email: str, name: str, *, active: bool = True) -> None:
    # No command creates an external user without a company, but the schema allows it and the
    # core links such a user; write one directly to exercise that branch.
    store.conn.execute(
        "INSERT INTO external_users (email, email_key, name, phone, active, created_at, "
        "updated_at) VALUES (?, ?, ?, '+34600000000', ?, '2024-01-01T00:00:00Z', "
        "'2024-01-01T00:00:00Z')", [email, email.casefold(), name, int(active)])


def test_an_existing_external_user_without_company_is_linked_not_copied(store):
    company_less_user(store, "lu@free.example", "Lu Free")
    script = Script(ACME_P1,
                    {"contacts": "add", "contacts.email": "LU@free.example",
                     "contacts.link": True, "contacts.default": True},
                    FINISHED)
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
    script = Script(ACME_P1,
                    {"contacts": "add", "contacts.email": "lu@free.example",
                     "contacts.link": False},
                    {"contacts.email": "lu@acme.example", "contacts.name": "Lu"},
                    FINISHED)
    run(store, script)
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == ["lu@acme.example"]


def test_an_inactive_external_user_is_explained_and_another_email_asked(store):
    company_less_user(store, "lu@free.example", "Lu Free", active=False)
    script = Script(ACME_P1,
                    {"contacts": "add",
                     "contacts.email": ["lu@free.example", "lu@acme.example"],
                     "contacts.name": "Lu"},
                    FINISHED)
    run(store, script)
    assert ("lu@free.example is an inactive external user; reactivate it first. Type another "
            "e-mail.") in script.warned
    assert "contacts.link" not in script.asked_keys()
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == ["lu@acme.example"]


def test_a_core_rejection_returns_to_the_question_holding_the_field(store):
    def finish(draft):  # the tax id is registered by someone else while the review is shown
        if not store.conn.execute("SELECT 1 FROM companies WHERE identifier = 'FIRST'").fetchone():
            register(store, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                        identifier="FIRST", name="First", country="ES",
                                        tax_id="B12345674"), source="test")
        return register(store, draft, source="wizard")

    script = Script({"company_type": "PERSON", "category": "WHOLESALE", "identifier": "P-2",
                     "name": "Second", "country": "ES", "tax_id": "B12345674"},
                    FINISHED,
                    # back at the tax id alone, its answer shown again; fix it, then the review
                    {"tax_id": ""},
                    {"review": FINISH})
    outcome = Wizard(store, script).run(finish)
    script.finished()
    assert script.asked_keys()[-3:] == ["review", "tax_id", "review"]
    assert outcome.identifier == "P-2"
    assert any("tax_id" in w and "already belongs to company FIRST" in w for w in script.warned)
    assert script.question("Tax id", -1)["default"] == "ESB12345674"
    assert "tax_id" not in client_data(store, "P-2")


def test_review_can_jump_back_to_a_step(store):
    script = Script(ACME_P1, {"contacts": "done", "review": Step.START},
                    {"company_type": "PERSON", "category": "WHOLESALE"}, FINISHED)
    run(store, script)
    review = script.question("Review")
    assert review["values"][0] is FINISH
    assert Step.START in review["values"]


def test_cancel_in_the_middle_writes_nothing(store):
    script = Script({"company_type": "LEGAL", "category": "RETAIL",
                     "company_attr.employees": "12", "client_attr.region": "south",
                     "client_attr.visit_day": "", "name": "ACME", "contacts": CANCEL})
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
    script = Script({"start": "existing", "from_company": "ACME", "category": "RETAIL",
                     "client_attr.region": "north", "client_attr.visit_day": "",
                     "review": FINISH})
    wizard, outcome = run(store, script)
    assert script.question("Company")["values"] == ["ACME"]  # TAKEN is a client already
    assert wizard.plan() == (Step.START, Step.CLIENT_ATTRIBUTES, Step.REVIEW)
    assert outcome.identifier == "ACME"
    saved = client_data(store, "ACME")
    assert (saved["company_type"], saved["category"], saved["client_attributes"]) == (
        "LEGAL", "RETAIL", {"region": "north"})


def edit(store, script: Script, identifier: str):
    wizard = Wizard(store, script, draft=draft_of(client_data(store, identifier)),
                    editing=identifier)
    outcome = wizard.run(lambda draft: edit_client(store, identifier, draft=draft,
                                                   source="wizard"))
    script.finished()
    return wizard, outcome


def test_edit_shows_type_and_category_locked_and_saves_through_the_core(store):
    register(store, ClientDraft(
        company_type="PERSON", category="WHOLESALE", identifier="P-1", name="ACME",
        contacts=[ContactDraft(name="Ana", email="ana@acme.example", default=True),
                  ContactDraft(name="Bo", email="bo@acme.example")]), source="test")
    script = Script({"name": "ACME Iberia", "contacts": ("remove", 1)}, FINISHED)
    wizard, outcome = edit(store, script, "P-1")
    assert wizard.plan() == (Step.COMPANY_DATA, Step.CONTACTS, Step.REVIEW)
    assert outcome.action.value == "updated"
    assert script.asked[0]["back"] is False
    assert not any(m.startswith("Identifier") for m in script.messages())
    saved = client_data(store, "P-1")
    assert saved["name"] == "ACME Iberia"
    assert [c["email"] for c in saved["contacts"]] == ["ana@acme.example"]
    assert saved["history"][-1]["source"] == "wizard"
    # Bo stays an external user of this company: adding him again links him
    script = Script({"contacts": "add", "contacts.email": "bo@acme.example",
                     "contacts.link": True, "contacts.default": False}, FINISHED)
    edit(store, script, "P-1")
    assert any("of this company" in q["message"] for q in script.asked)
    assert [c["email"] for c in client_data(store, "P-1")["contacts"]] == [
        "ana@acme.example", "bo@acme.example"]


def test_a_prefilled_identifier_gives_way_to_a_mask_that_forbids_typing(store):
    script = Script({"company_type": "PUBLIC", "category": "WHOLESALE", "name": "Town hall"},
                    FINISHED)
    _wizard, outcome = run(store, script, draft=ClientDraft(identifier="TYPED-1"))
    assert outcome.identifier == "PUB-001"
    assert script.question("Company type")["default"] is None
