"""The wizard driven with real keystrokes through prompt_toolkit pipe input and the Typer app."""

from __future__ import annotations

import json
import threading

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
from clientreg.commands.wizard_prompts import ASKING
from clientreg.companies import register_companies
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register

ENTER, DOWN, UP = "\r", "\x1b[B", "\x1b[A"
CTRL_B, CTRL_C, CTRL_D, CTRL_U = "\x02", "\x03", "\x04", "\x15"
_STUCK_AFTER = 30.0  # seconds without a new question: the keys typed did not answer the last one
_MOST_QUESTIONS = 300  # a wizard that asks more is going round in circles


def keys(cli, *typed: str, args: tuple[str, ...] = ("new",)):
    """Run clientreg with these keys typed at its prompts. The pipe is closed once they are
    sent, so a wizard that asks more than the test types ends (as Ctrl-D) instead of hanging."""
    with create_pipe_input() as pipe:
        pipe.send_text("".join(typed))
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            return cli(*args, env={FORCE_INTERACTIVE_ENV: "1"})


class Typist:
    """Types into the pipe, as each question opens, the keys given for that question's key.

    The answers are given in order: each waits until its question is asked, and every question
    asked before it gets Enter (the answer it shows, or the highlighted choice), so a new
    optional question changes nothing. A question left open by the keys typed, or a wizard that
    never stops asking, ends as Ctrl-D: the pipe is closed.
    """

    def __init__(self, pipe, answers: list[tuple[str, str]]) -> None:
        self.pipe = pipe
        self.answers = answers
        self.asked: list[str | None] = []
        self.timer: threading.Timer | None = None
        self.closed = False
        attach = pipe.attach

        def attach_typing(ready):
            self.opened(ASKING.get())
            return attach(ready)

        pipe.attach = attach_typing  # prompt_toolkit attaches the input as a question opens

    def opened(self, key: str | None) -> None:
        self.stop()
        self.asked.append(key)
        if self.closed:
            return
        if len(self.asked) > _MOST_QUESTIONS:
            self.close()
            return
        if self.answers and self.answers[0][0] == key:
            typed = self.answers.pop(0)[1]  # a callable: run as the question opens, types keys
            self.pipe.send_text(typed() if callable(typed) else typed)
        else:
            self.pipe.send_text(ENTER)
        self.timer = threading.Timer(_STUCK_AFTER, self.close)
        self.timer.daemon = True
        self.timer.start()

    def close(self) -> None:
        self.closed = True
        self.pipe.close()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def answering(cli, *parts: dict[str, str | list[str]], args: tuple[str, ...] = ("new",)):
    """Run clientreg and type, at each question, the keys given for its key (a list: for the
    same question asked again in a row); Enter at every other question."""
    answers = [(key, one) for part in parts for key, given in part.items()
               for one in (given if isinstance(given, list) else [given])]
    with create_pipe_input() as pipe:
        typist = Typist(pipe, answers)
        try:
            with create_app_session(input=pipe, output=DummyOutput()):
                result = cli(*args, env={FORCE_INTERACTIVE_ENV: "1"})
        finally:
            typist.stop()
    assert not typist.answers, f"never asked for {typist.answers}; asked {typist.asked}"
    return result


PERSON_P1 = {"company_type": DOWN + ENTER, "category": DOWN + ENTER,  # PERSON, WHOLESALE
             "identifier": "P-1" + ENTER, "name": "Ana" + ENTER}
NO_CONTACTS = {"contacts": DOWN + ENTER}  # continue without contacts


def shown(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def dump(store) -> list[str]:
    return list(store.conn.iterdump())


def test_a_full_registration_with_attributes_and_a_contact(cli, catalogue):
    # The one test that types every key in advance, question after question: a smoke test of
    # the wizard's order. The others answer by question key, so a new question breaks only it.
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
    result = answering(
        cli,
        {"company_attr.employees": "12" + ENTER,   # LEGAL, RETAIL: Enter
         "client_attr.region": DOWN + ENTER},      # south
        {"identifier": CTRL_B},                    # back to the sales region
        {"client_attr.region": CTRL_B,             # back to the number of employees
         "company_attr.employees": CTRL_B,         # back to the category
         "category": DOWN + ENTER,                 # WHOLESALE; employees: 12 offered again
         "name": "ACME Ltd" + ENTER},
        NO_CONTACTS,
    )
    assert result.exit_code == 0, result.stderr
    review = result.stdout.split("Registered client")[0].rsplit("Review", 1)[1]
    assert "Client attributes" not in review
    assert "Step 5 of 5 · Review" in result.stdout
    client = shown(cli, "CLI-00001")
    assert client["category"] == "WHOLESALE"
    assert client["company_attributes"] == {"employees": 12}
    assert "client_attributes" not in client


@pytest.mark.parametrize("cancel", [
    pytest.param({"client_attr.region": UP + ENTER}, id="cancel-choice"),  # up from the top
    pytest.param({"client_attr.region": CTRL_C}, id="ctrl-c-on-a-list"),
    pytest.param({"name": CTRL_C}, id="ctrl-c-while-typing"),
    pytest.param({"name": CTRL_D}, id="ctrl-d-on-an-empty-answer"),
])
def test_cancel_in_the_middle_saves_nothing(cli, catalogue, cancel):
    before = dump(catalogue)
    result = answering(cli, {"company_attr.employees": "12" + ENTER}, cancel)
    assert result.exit_code == 130
    assert result.stderr.strip().endswith("Cancelled: nothing was saved.")
    assert dump(catalogue) == before


def test_cancel_at_the_review_saves_nothing(cli, catalogue):
    before = dump(catalogue)
    result = answering(cli, PERSON_P1, NO_CONTACTS, {"review": UP + ENTER})
    assert result.exit_code == 130
    assert "Review" in result.stdout
    assert dump(catalogue) == before


def test_a_core_rejection_returns_to_its_question_with_the_message(cli, catalogue):
    def registered_meanwhile() -> str:
        register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                        identifier="FIRST", name="First", country="ES",
                                        tax_id="B12345674"), source="test")
        return ENTER                               # finish -> rejected, back at the tax id

    result = answering(
        cli,
        {**PERSON_P1, "identifier": "P-2" + ENTER, "name": "Second" + ENTER,
         "country": "ES" + ENTER, "tax_id": "B12345674" + ENTER},
        NO_CONTACTS,
        {"review": registered_meanwhile},
        {"tax_id": CTRL_U + ENTER},                # every other answer kept; the tax id cleared
        {"review": ENTER},
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
    result = answering(
        cli,
        PERSON_P1,
        {"contacts": ENTER,                        # add a contact
         "contacts.email": ["bo@other.example" + ENTER,   # another company's user: explained
                            CTRL_U + "ana@p1.example" + ENTER],
         "contacts.name": "Ana" + ENTER},
    )
    assert result.exit_code == 0, result.stderr
    assert ("bo@other.example is already the external user of company OTHER; an external user "
            "belongs to one company. Type another e-mail.") in result.stderr
    assert [c["email"] for c in shown(cli, "P-1")["contacts"]] == ["ana@p1.example"]


def test_interactive_edit_saves_through_the_core(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="P-1", name="Ana"), source="test")
    result = answering(cli, {"name": CTRL_U + "Ana Ruiz" + ENTER}, NO_CONTACTS,
                       args=("edit", "P-1"))
    assert result.exit_code == 0, result.stderr
    assert "Saved the changes to client P-1." in result.stdout
    client = shown(cli, "P-1")
    assert client["name"] == "Ana Ruiz"
    assert client["history"][-1]["source"] == "edit"
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
    result = answering(cli)
    assert result.exit_code == 1
    assert "clientreg company-type add" in result.stderr
    assert "clientreg category add" in result.stderr


def test_from_company_must_name_a_company_that_is_not_a_client(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="P-1", name="Ana"), source="test")
    assert answering(cli, args=("new", "--from-company", "NOPE")).exit_code == 1
    result = answering(cli, args=("new", "--from-company", "p-1"))
    assert result.exit_code == 1
    assert "already a client" in result.stderr


def test_from_company_naming_an_inactive_company_stops_before_any_question(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="ANA",
                                               name="Ana Ruiz")], source="test")
    with catalogue.transaction() as conn:  # no command deactivates a company that is no client
        conn.execute("UPDATE companies SET active = 0 WHERE identifier = 'ANA'")
    result = keys(cli, args=("new", "--from-company", "ana"))  # a question would end as Ctrl-D
    assert result.exit_code == 1
    assert result.stderr == ("Error: from_company = 'ana': company ANA is inactive; activate it "
                             "first [inactive-company]\n")


def test_save_as_in_the_wizard_appends_the_registered_client(cli, catalogue, tmp_path):
    import yaml

    seed = tmp_path / "typed-in.yaml"
    result = answering(cli, PERSON_P1, NO_CONTACTS, args=("new", "--save-as", str(seed)))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(seed.read_text(encoding="utf-8")) == {"clients": [
        {"identifier": "P-1", "name": "Ana", "company_type": "PERSON",
         "category": "WHOLESALE"}]}


def test_from_an_existing_company_chosen_in_the_first_step(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="LEGAL", identifier="ACME",
                                               name="ACME Ltd", country="GB")], source="test")
    # the company: ACME, the only one that is not a client; RETAIL; north; finish
    result = answering(cli, {"start": DOWN + ENTER})   # from: an existing company
    assert result.exit_code == 0, result.stderr
    client = shown(cli, "ACME")
    assert (client["name"], client["company_type"], client["category"]) == (
        "ACME Ltd", "LEGAL", "RETAIL")
    assert client["client_attributes"] == {"region": "north"}
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 1


def test_from_company_option_skips_the_choice_of_company(cli, catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="ANA",
                                               name="Ana Ruiz")], source="test")
    result = answering(cli, {"category": DOWN + ENTER}, args=("new", "--from-company", "ana"))
    assert result.exit_code == 0, result.stderr
    assert shown(cli, "ANA")["category"] == "WHOLESALE"
