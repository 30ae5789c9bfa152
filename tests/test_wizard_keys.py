"""The wizard driven with real keystrokes through prompt_toolkit pipe input and the Typer app."""

from __future__ import annotations

import json

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
from clientreg.companies import register_companies
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register

ENTER, DOWN, UP = "\r", "\x1b[B", "\x1b[A"
CTRL_B, CTRL_C, CTRL_D, CTRL_U = "\x02", "\x03", "\x04", "\x15"
TEN_OPTIONAL_FIELDS = ENTER * 10


def keys(cli, *typed: str, args: tuple[str, ...] = ("new",)):
    """Run clientreg with these keys typed at its prompts. The pipe is closed once they are
    sent, so a wizard that asks more than the test types ends (as Ctrl-D) instead of hanging."""
    with create_pipe_input() as pipe:
        pipe.send_text("".join(typed))
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            return cli(*args, env={FORCE_INTERACTIVE_ENV: "1"})


def shown(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def dump(store) -> list[str]:
    return list(store.conn.iterdump())


def test_a_full_registration_with_attributes_and_a_contact(cli, catalogue):
    result = keys(
        cli,
        ENTER,                       # company type: LEGAL
        ENTER,                       # category: RETAIL
        "12", ENTER,                 # number of employees
        DOWN, ENTER,                 # sales region: south
        ENTER,                       # identifier: the generated CLI-00001
        "ACME Ltd", ENTER,
        ENTER, "ES", ENTER, ENTER * 5, "Sevilla", ENTER, ENTER, ENTER,
        ENTER,                       # contacts: add
        "ana@acme.example", ENTER, "Ana", ENTER, ENTER, "Buyer", ENTER, ENTER, ENTER,
        ENTER,                       # default contact: yes
        ENTER,                       # contacts: continue
        ENTER,                       # review: finish
    )
    assert result.exit_code == 0, result.stderr
    assert "Registered client CLI-00001." in result.stdout
    assert "Review" in result.stdout
    client = shown(cli, "CLI-00001")
    assert client["name"] == "ACME Ltd"
    assert client["city"] == "Sevilla"
    assert client["company_attributes"] == {"employees": 12}
    assert client["client_attributes"] == {"region": "south"}
    assert client["contacts"] == [{"name": "Ana", "email": "ana@acme.example",
                                   "position": "Buyer", "default": True}]
    assert {entry["source"] for entry in client["history"]} == {"wizard"}


def test_back_that_changes_the_category_loses_the_client_attributes_step(cli, catalogue):
    result = keys(
        cli,
        ENTER, ENTER,                # LEGAL, RETAIL
        "12", ENTER,
        DOWN, ENTER,                 # sales region: south
        CTRL_B,                      # identifier -> back to the sales region
        CTRL_B,                      # sales region -> back to the number of employees
        CTRL_B,                      # employees -> back to the category
        DOWN, ENTER,                 # category: WHOLESALE
        ENTER,                       # employees: 12 is offered again
        ENTER, "ACME Ltd", ENTER, TEN_OPTIONAL_FIELDS,
        DOWN, ENTER,                 # contacts: continue without contacts
        ENTER,                       # review: finish
    )
    assert result.exit_code == 0, result.stderr
    assert "Client attributes" not in result.stdout.split("Registered client")[0]
    client = shown(cli, "CLI-00001")
    assert client["category"] == "WHOLESALE"
    assert client["company_attributes"] == {"employees": 12}
    assert "client_attributes" not in client


@pytest.mark.parametrize("cancel", [
    pytest.param((UP, ENTER), id="cancel-choice"),     # up from the first choice: Cancel
    pytest.param((CTRL_C,), id="ctrl-c-on-a-list"),
    pytest.param((ENTER, ENTER, CTRL_C), id="ctrl-c-while-typing"),
    pytest.param((ENTER, ENTER, CTRL_D), id="ctrl-d-on-an-empty-answer"),
])
def test_cancel_in_the_middle_saves_nothing(cli, catalogue, cancel):
    before = dump(catalogue)
    result = keys(cli, ENTER, ENTER, "12", ENTER, *cancel)
    assert result.exit_code == 130
    assert result.stderr.strip().endswith("Cancelled: nothing was saved.")
    assert dump(catalogue) == before


def test_cancel_at_the_review_saves_nothing(cli, catalogue):
    before = dump(catalogue)
    result = keys(cli, DOWN, ENTER, DOWN, ENTER, "P-1", ENTER, "Ana", ENTER, TEN_OPTIONAL_FIELDS,
                  DOWN, ENTER, UP, ENTER)
    assert result.exit_code == 130
    assert "Review" in result.stdout
    assert dump(catalogue) == before


def test_a_core_rejection_returns_to_its_step_with_the_message(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="FIRST", name="First", country="ES",
                                    tax_id="B12345674"), source="test")
    result = keys(
        cli,
        DOWN, ENTER, DOWN, ENTER,    # PERSON, WHOLESALE
        "P-2", ENTER, "Second", ENTER,
        ENTER, "ES", ENTER, "B12345674", ENTER, ENTER * 7,
        DOWN, ENTER,                 # contacts: continue without contacts
        ENTER,                       # review: finish -> rejected, back at the company data
        ENTER, ENTER, ENTER, ENTER,  # identifier, name, trade name, country: as answered
        CTRL_U, ENTER,               # tax id: cleared
        ENTER * 7,
        DOWN, ENTER, ENTER,
    )
    assert result.exit_code == 0, result.stderr
    assert "tax id ESB12345674 already belongs to company FIRST" in result.stderr
    client = shown(cli, "P-2")
    assert client["name"] == "Second"
    assert "tax_id" not in client


def test_contacts_link_and_conflict_through_the_keys(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="OTHER", name="Other", contacts=[
                                        ContactDraft(name="Bo", email="bo@other.example")]),
             source="test")
    result = keys(
        cli,
        DOWN, ENTER, DOWN, ENTER, "P-1", ENTER, "Ana", ENTER, TEN_OPTIONAL_FIELDS,
        ENTER, "bo@other.example", ENTER,          # another company's user: explained
        CTRL_U, "ana@p1.example", ENTER, "Ana", ENTER, ENTER * 4, ENTER,
        ENTER,                                     # continue
        ENTER,                                     # finish
    )
    assert result.exit_code == 0, result.stderr
    assert "bo@other.example is already the external user Bo of company OTHER" in result.stderr
    assert [c["email"] for c in shown(cli, "P-1")["contacts"]] == ["ana@p1.example"]


def test_interactive_edit_saves_through_the_core(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="P-1", name="Ana"), source="test")
    result = keys(cli, CTRL_U, "Ana Ruiz", ENTER, TEN_OPTIONAL_FIELDS, DOWN, ENTER, ENTER,
                  args=("edit", "P-1"))
    assert result.exit_code == 0, result.stderr
    assert "Saved the changes to client P-1." in result.stdout
    client = shown(cli, "P-1")
    assert client["name"] == "Ana Ruiz"
    assert client["history"][-1]["source"] == "wizard"
    assert client["history"][-1]["changes"]["name"] == {"old": "Ana", "new": "Ana Ruiz"}


def test_without_a_terminal_new_says_what_to_use_instead(cli, catalogue):
    result = cli("new")
    assert result.exit_code == 2
    assert "--no-input" in result.stderr
    assert "clientreg import" in result.stderr


def test_without_a_terminal_edit_points_to_set(cli, catalogue):
    register(catalogue, ClientDraft(category="WHOLESALE", company_type="PERSON",
                                    identifier="P-1", name="Ana"), source="test")
    result = cli("edit", "P-1")
    assert result.exit_code == 2
    assert "clientreg edit P-1 --set FIELD=VALUE" in result.stderr


def test_an_empty_catalogue_is_explained_before_any_question(cli, store):
    result = keys(cli)
    assert result.exit_code == 1
    assert "clientreg company-type add" in result.stderr
    assert "clientreg category add" in result.stderr


def test_from_company_must_name_a_company_that_is_not_a_client(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="P-1", name="Ana"), source="test")
    assert keys(cli, args=("new", "--from-company", "NOPE")).exit_code == 1
    result = keys(cli, args=("new", "--from-company", "p-1"))
    assert result.exit_code == 1
    assert "already a client" in result.stderr


def test_save_as_in_the_wizard_appends_the_registered_client(cli, catalogue, tmp_path):
    import yaml

    seed = tmp_path / "typed-in.yaml"
    result = keys(cli, DOWN, ENTER, DOWN, ENTER, "P-1", ENTER, "Ana", ENTER, TEN_OPTIONAL_FIELDS,
                  DOWN, ENTER, ENTER, args=("new", "--save-as", str(seed)))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(seed.read_text(encoding="utf-8")) == {"clients": [
        {"identifier": "P-1", "name": "Ana", "company_type": "PERSON",
         "category": "WHOLESALE"}]}


def test_from_an_existing_company_chosen_in_the_first_step(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="LEGAL", identifier="ACME",
                                               name="ACME Ltd", country="GB")], source="test")
    result = keys(
        cli,
        DOWN, ENTER,                 # from: an existing company
        ENTER,                       # company: ACME, the only one that is not a client
        ENTER,                       # category: RETAIL
        ENTER,                       # sales region: north
        ENTER,                       # review: finish
    )
    assert result.exit_code == 0, result.stderr
    client = shown(cli, "ACME")
    assert (client["name"], client["company_type"], client["category"]) == (
        "ACME Ltd", "LEGAL", "RETAIL")
    assert client["client_attributes"] == {"region": "north"}
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 1


def test_from_company_option_skips_the_choice_of_company(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="ANA",
                                               name="Ana Ruiz")], source="test")
    result = keys(cli, DOWN, ENTER, ENTER, args=("new", "--from-company", "ana"))
    assert result.exit_code == 0, result.stderr
    assert shown(cli, "ANA")["category"] == "WHOLESALE"
