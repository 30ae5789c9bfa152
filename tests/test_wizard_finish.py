"""After Finish: the "Client data" choice, the interactive edit's list of changes, and the
registration from an existing company. Keystrokes typed by question key (prompt_toolkit pipe
input through the Typer app), as in test_wizard_keys."""

from __future__ import annotations

from typing import Any

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
from clientreg.commands.wizard_questions import FINISH
from clientreg.commands.wizard_steps import Wizard
from clientreg.companies import register_companies
from clientreg.editing import draft_of, edit_client
from clientreg.model import ClientDraft, ContactDraft
from clientreg.records import client_data
from clientreg.registration import register
from tests.test_wizard_keys import (
    CTRL_C,
    CTRL_U,
    DOWN,
    ENTER,
    NO_CONTACTS,
    PERSON_P1,
    UP,
    Typist,
    dump,
    shown,
)
from tests.test_wizard_steps import Script

EDIT_NOW = {"client_data": DOWN + ENTER}  # the choice after Finish: edit the client now


def typed(cli, *parts: dict[str, str | list[str]], args: tuple[str, ...] = ("new",),
          columns: int = 3000):
    """clientreg run with these answers typed by question key, in a terminal ``columns`` wide;
    the result and the keys of the questions asked, in order."""
    answers = [(key, one) for part in parts for key, given in part.items()
               for one in (given if isinstance(given, list) else [given])]
    with create_pipe_input() as pipe:
        typist = Typist(pipe, answers)
        try:
            with create_app_session(input=pipe, output=DummyOutput()):
                result = cli(*args, env={FORCE_INTERACTIVE_ENV: "1", "COLUMNS": str(columns)})
        finally:
            typist.stop()
    assert not typist.answers, f"never asked for {typist.answers}; asked {typist.asked}"
    return result, typist.asked


def sources(cli, identifier: str) -> list[str]:
    return [entry["source"] for entry in shown(cli, identifier)["history"]]


# -- "Client data" after Finish ----------------------------------------------------------------

def test_after_finish_the_client_data_choice_is_asked_and_enter_finishes(cli, catalogue):
    result, asked = typed(cli, PERSON_P1, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert asked[-2:] == ["review", "client_data"]
    assert "Registered client P-1." in result.stdout
    assert "Editing client" not in result.stdout
    assert set(sources(cli, "P-1")) == {"wizard"}


def test_client_data_opens_the_interactive_edit_of_the_registered_client(cli, catalogue):
    result, asked = typed(cli, PERSON_P1, NO_CONTACTS, EDIT_NOW,
                          {"name": CTRL_U + "Ana Ruiz" + ENTER}, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    edit = asked[asked.index("client_data") + 1:]
    assert edit[0] == "name" and edit[-1] == "review"   # the edit's steps: no type, no identifier
    assert "company_type" not in edit and "identifier" not in edit
    assert "Editing client P-1" in result.stdout
    assert "Name: Ana → Ana Ruiz" in result.stdout
    assert "Saved the changes to client P-1." in result.stdout
    client = shown(cli, "P-1")
    assert client["name"] == "Ana Ruiz"
    assert client["history"][-1]["source"] == "edit"
    assert client["history"][-1]["changes"]["name"] == {"old": "Ana", "new": "Ana Ruiz"}


def test_client_data_edit_finished_unchanged_says_so_and_writes_nothing(cli, catalogue):
    result, _asked = typed(cli, PERSON_P1, NO_CONTACTS, EDIT_NOW, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    review = result.stdout.split("Editing client P-1")[1]
    assert "Changes: none" in review
    assert "→" not in review
    assert "Nothing was changed: client P-1 stays as it was." in result.stdout
    assert set(sources(cli, "P-1")) == {"wizard"}


def test_cancel_in_the_edit_after_finish_keeps_the_client_as_registered(cli, catalogue):
    result, _asked = typed(cli, PERSON_P1, NO_CONTACTS, EDIT_NOW, {"name": CTRL_C})
    assert result.exit_code == 0, result.stderr
    assert "Edit cancelled: client P-1 stays as registered." in result.stderr
    assert "nothing was saved" not in result.stderr
    assert shown(cli, "P-1")["name"] == "Ana"


def test_ctrl_c_at_the_client_data_choice_finishes(cli, catalogue):
    # (the input ending there, as Ctrl-D, is test_wizard_keys' first test: its keys stop at
    # the review)
    result, _asked = typed(cli, PERSON_P1, NO_CONTACTS, {"client_data": CTRL_C})
    assert result.exit_code == 0, result.stderr
    assert "nothing was saved" not in result.stderr
    assert shown(cli, "P-1")["name"] == "Ana"


def test_no_input_asks_no_client_data_question(cli, catalogue):
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--identifier", "P-9", "--name", "Script S.L.")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "P-9\n"


# -- the interactive edit's review: what changes -----------------------------------------------

def registered_with_contacts(store) -> None:
    register(store, ClientDraft(
        company_type="LEGAL", category="RETAIL", identifier="CLI-1", name="ACME",
        company_attributes={"employees": "12"}, client_attributes={"region": "north"},
        contacts=[ContactDraft(name="Ana", email="ana@acme.example", default=True),
                  ContactDraft(name="Bo", email="bo@acme.example")]), source="test")


def test_the_edit_review_lists_each_change_old_to_new_and_the_contacts(cli, catalogue):
    registered_with_contacts(catalogue)
    result, _asked = typed(
        cli,
        {"company_attr.employees": CTRL_U + "13" + ENTER,
         "client_attr.region": DOWN + ENTER,               # south
         "phone": "+34954123456" + ENTER,
         "contacts": DOWN * 4 + ENTER},                    # from Continue down to Remove Bo
        {"contacts": UP + ENTER,                           # add a contact
         "contacts.email": "eva@acme.example" + ENTER, "contacts.name": "Eva" + ENTER},
        args=("edit", "CLI-1"))
    assert result.exit_code == 0, result.stderr
    review = result.stdout.split("Changes:")[1].split("Company type")[0]
    assert [line.strip() for line in review.strip().splitlines()] == [
        "Phone: (empty) → +34 954 12 34 56",
        "Number of employees (company attribute): 12 → 13",
        "Sales region (client attribute): north → south",
        "Contact removed: Bo <bo@acme.example>",
        "Contact added: Eva <eva@acme.example>",
    ]
    client = shown(cli, "CLI-1")
    assert client["company_attributes"] == {"employees": 13}
    assert client["client_attributes"] == {"region": "south"}
    assert [c["email"] for c in client["contacts"]] == ["ana@acme.example", "eva@acme.example"]
    assert {entry["source"] for entry in client["history"]} == {"test", "edit"}
    assert client["history"][-1]["source"] == "edit"


def test_the_edit_review_lists_a_contact_detail_changed(cli, catalogue):
    registered_with_contacts(catalogue)
    result, _asked = typed(cli, {"contacts": DOWN * 2 + ENTER,       # edit Bo
                                 "contacts.position": "Buyer" + ENTER,
                                 "contacts.default": UP + ENTER},    # yes
                           args=("edit", "CLI-1"))
    assert result.exit_code == 0, result.stderr
    assert "Contact position of bo@acme.example: (empty) → Buyer" in result.stdout
    assert "Default contact of bo@acme.example: no → yes" in result.stdout
    assert "Default contact of ana@acme.example: yes → no" in result.stdout


def test_at_80_columns_the_review_breaks_a_line_between_words_never_in_an_email(cli, catalogue):
    email = "luis.ortiz.fernandez@ortiz-consultores.example"
    register(catalogue, ClientDraft(
        company_type="PERSON", category="WHOLESALE", identifier="P-8", name="Bea Ortiz",
        contacts=[ContactDraft(name="Bea", email="bea@ortiz.example", default=True),
                  ContactDraft(name="Luis Ortiz Fernández", email=email)]), source="test")
    result, _asked = typed(cli, {"contacts": DOWN * 4 + ENTER}, args=("edit", "P-8"),
                           columns=80)
    assert result.exit_code == 0, result.stderr
    review = result.stdout.split("Changes:")[1].splitlines()
    assert review[1:3] == ["    Contact removed: Luis Ortiz Fernández",
                           f"      <{email}>"]
    assert all(len(line) <= 80 for line in result.stdout.split("Changes:")[1].splitlines())


def test_an_edit_finished_with_no_change_writes_nothing(cli, catalogue):
    registered_with_contacts(catalogue)
    before = dump(catalogue)
    result, _asked = typed(cli, args=("edit", "CLI-1"))
    assert result.exit_code == 0, result.stderr
    assert "Changes: none" in result.stdout
    assert "Nothing was changed: client CLI-1 stays as it was." in result.stdout
    assert dump(catalogue) == before


def test_a_value_put_back_as_it_was_is_no_change(cli, catalogue):
    registered_with_contacts(catalogue)
    before = dump(catalogue)
    result, _asked = typed(cli, {"name": CTRL_U + "ACME Ltd" + ENTER, "review": DOWN * 3 + ENTER},
                           {"name": CTRL_U + "ACME" + ENTER}, args=("edit", "CLI-1"))
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.split("Changes:")[1:3]
    assert "Name: ACME → ACME Ltd" in first
    assert second.startswith(" none")
    assert dump(catalogue) == before


class Meanwhile(Script):
    """The scripted prompter, with someone registering a company while the contacts are asked."""

    def __init__(self, store, company: ClientDraft, *parts: dict[str, Any]) -> None:
        super().__init__(*parts)
        self.store, self.company = store, company

    def select(self, key, message, options, **kwargs):
        if key == "contacts" and self.company is not None:
            assert register_companies(self.store, [self.company], source="test").written
            self.company = None
        return super().select(key, message, options, **kwargs)


def test_a_change_that_became_a_conflict_is_named_in_the_review_and_at_finish(catalogue):
    registered_with_contacts(catalogue)
    other = ClientDraft(company_type="PERSON", identifier="OTHER", name="Other",
                        country="ES", tax_id="B12345674")
    script = Meanwhile(catalogue, other, {"country": "ES", "tax_id": "B12345674"},
                       {"contacts": "done", "review": FINISH},
                       {"tax_id": ""})   # then Enter: the review's Finish
    wizard = Wizard(catalogue, script, draft=draft_of(client_data(catalogue, "CLI-1")),
                    editing="CLI-1")
    outcome = wizard.run(lambda draft: edit_client(catalogue, "CLI-1", draft=draft))
    script.finished()
    first, second = (said for said in script.said if said.startswith("Review"))
    assert ("Changes: cannot be listed until this is corrected: tax_id = 'ESB12345674': tax id "
            "ESB12345674 already belongs to company OTHER") in first
    assert "    Country: (empty) → ES" in second.splitlines()
    assert any("already belongs to company OTHER" in warned for warned in script.warned)
    assert outcome.action.value == "updated"
    saved = client_data(catalogue, "CLI-1")
    assert (saved["country"], saved.get("tax_id")) == ("ES", None)


# -- from an existing company --------------------------------------------------------------------

class Choices(Script):
    """The scripted prompter of test_wizard_steps, keeping the titles each choice offered."""

    def __init__(self, *parts: dict[str, Any]) -> None:
        super().__init__(*parts)
        self.titles: dict[str, list[str]] = {}

    def select(self, key, message, options, **kwargs):
        self.titles[key] = [title for _value, title in options]
        return super().select(key, message, options, **kwargs)


def test_from_an_existing_company_the_review_shows_its_data_and_no_type_change(cli, catalogue):
    assert register_companies(catalogue, [ClientDraft(
        company_type="LEGAL", identifier="ACME", name="ACME Ltd", tax_id="B12345674",
        country="ES", city="Sevilla")], source="test").written
    script = Choices({"start": "existing", "from_company": "ACME", "category": "RETAIL",
                      "client_attr.region": "north"})   # the review: Enter, Finish
    Wizard(catalogue, script).run(lambda draft: register(catalogue, draft, source="wizard"))
    review = script.said[-1].splitlines()
    assert review[:7] == ["Review",
                          "  From the existing company: ACME",
                          "  Name: ACME Ltd",
                          "  Company type: LEGAL (Legal entity)",
                          "  Tax id: ESB12345674",
                          "  Country: ES",
                          "  Category: RETAIL (Retail)"]
    assert script.titles["review"] == ["Finish: register the client",
                                       "Change: company or category",
                                       "Change: client attributes"]
    assert not any("type" in title for title in script.titles["review"])


def test_from_an_existing_company_through_the_keys_shows_its_name(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="ANA",
                                               name="Ana Ruiz", country="PT")], source="test")
    result, _asked = typed(cli, {"start": DOWN + ENTER, "category": DOWN + ENTER})
    assert result.exit_code == 0, result.stderr
    assert "  Name: Ana Ruiz" in result.stdout
    assert "  Company type: PERSON (Individual)" in result.stdout
    assert "  Country: PT" in result.stdout
    assert shown(cli, "ANA")["category"] == "WHOLESALE"


def test_with_no_company_at_all_the_first_step_says_so(cli, catalogue):
    result, asked = typed(cli, PERSON_P1, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert "start" not in asked
    assert ("No existing company can become a client: there is no company yet."
            in result.stdout.split("Registered client")[0])


def test_when_every_company_is_a_client_the_first_step_says_so(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="TAKEN", name="Taken"), source="test")
    result, asked = typed(cli, PERSON_P1, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert "start" not in asked
    assert "No existing company can become a client: all of them are clients." in result.stdout


def test_a_company_waiting_to_be_a_client_is_offered_without_that_note(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="ANA",
                                               name="Ana Ruiz")], source="test")
    result, asked = typed(cli, {"start": ENTER}, PERSON_P1, NO_CONTACTS)   # a new company
    assert result.exit_code == 0, result.stderr
    assert asked[0] == "start"
    assert "can become a client" not in result.stdout
