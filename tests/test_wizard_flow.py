"""The wizard's flow as a person follows it, typed through prompt_toolkit pipe input: the heading
of each step, a refused answer explained under its question, conflicts caught as typed, and a
conflict found at Finish sending the person back to that one question."""

from __future__ import annotations

import io
import re
import threading

from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from clientreg.catalogue import add_entry
from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register
from tests.test_wizard_keys import CTRL_B, CTRL_U, DOWN, ENTER, PERSON_P1, Typist, shown

_LATER = 0.5  # seconds: long enough for the screen to show what the keys before did


def typed_in(cli, *parts: dict, args: tuple[str, ...] = ("new",), columns: int | None = None):
    """Run clientreg and type, at each question, the keys given for its key (Enter at the
    others). With ``columns``, the questions are drawn on a terminal that wide, 24 lines high,
    and the screen it ends with is returned too. Returns (result, keys asked, screen lines)."""
    answers = [(key, one) for part in parts for key, given in part.items()
               for one in (given if isinstance(given, list) else [given])]
    drawn = io.StringIO()
    output = DummyOutput() if columns is None else Vt100_Output(
        drawn, lambda: Size(rows=24, columns=columns), term="xterm", enable_cpr=False)
    with create_pipe_input() as pipe:
        typist = LaterTypist(pipe, answers, drawn)
        try:
            with create_app_session(input=pipe, output=output):
                result = cli(*args, env={FORCE_INTERACTIVE_ENV: "1"})
        finally:
            typist.stop()
    assert not typist.answers, f"never asked for {typist.answers}; asked {typist.asked}"
    screens = [screen_of(stream, columns or 80) for stream in typist.snapshots]
    return result, typist.asked, screens + [screen_of(drawn.getvalue(), columns or 80)]


class then:  # noqa: N801  (reads as the answer it types: then("x" + ENTER, CTRL_C))
    """Keys typed as the question opens, then each of ``later`` a moment after the one before,
    once the screen shows its effect (a refused answer keeps its question open)."""

    def __init__(self, keys: str, *later: str) -> None:
        self.keys, self.later = keys, later

    def __call__(self) -> str:
        return self.keys


class LaterTypist(Typist):
    """A Typist whose answers may go on typing into the same question later (see ``then``),
    keeping what the screen showed just before each of those later keys."""

    def __init__(self, pipe, answers: list, drawn: io.StringIO) -> None:
        super().__init__(pipe, answers)
        self.drawn = drawn
        self.snapshots: list[str] = []

    def opened(self, key: str | None) -> None:
        if self.answers and self.answers[0][0] == key and isinstance(self.answers[0][1], then):
            for number, keys in enumerate(self.answers[0][1].later, start=1):
                timer = threading.Timer(number * _LATER, self.type_later, [keys])
                timer.daemon = True
                timer.start()
        super().opened(key)

    def type_later(self, keys: str) -> None:
        self.snapshots.append(self.drawn.getvalue())
        self.pipe.send_text(keys)


def screen_of(stream: str, columns: int) -> list[str]:
    """The lines a terminal shows after this output: text, line breaks, cursor moves and
    erasing (what prompt_toolkit writes); colours and modes are left out."""
    lines: list[list[str]] = [[]]
    row = col = 0
    for token in re.finditer(r"\x1b\[([?0-9;]*)([A-Za-z])|\r|\n|[^\x1b\r\n]", stream):
        text = token.group(0)
        if text == "\r":
            col = 0
        elif text == "\n":
            row += 1
        elif token.group(2):
            count = int(token.group(1) or 1) if token.group(1).isdigit() else 1
            final = token.group(2)
            if final == "A":
                row = max(row - count, 0)
            elif final == "B":
                row += count
            elif final == "C":
                col = min(col + count, columns - 1)
            elif final == "D":
                col = max(col - count, 0)
            elif final == "J":
                del lines[row + 1:]
                lines[row] = lines[row][:col] if row < len(lines) else []
            elif final == "K" and row < len(lines):
                lines[row] = lines[row][:col]
            continue
        else:
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (col - len(line)))
            line[col:col + 1] = [text]
            col = min(col + 1, columns - 1)  # prompt_toolkit turns autowrap off, and wraps
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


def headings(stdout: str) -> list[str]:
    return re.findall(r"^Step \d+ of \d+ · .*$", stdout, flags=re.MULTILINE)


NO_CONTACTS = {"contacts": DOWN + ENTER}


def test_each_step_opens_with_its_heading_counted_in_the_steps_chosen(cli, catalogue):
    result, _asked, _screen = typed_in(cli, {"company_attr.employees": "12" + ENTER,
                                             "name": "ACME Ltd" + ENTER}, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert headings(result.stdout) == [
        "Step 1 of 6 · Company type and category", "Step 2 of 6 · Company attributes",
        "Step 3 of 6 · Client attributes", "Step 4 of 6 · Company data",
        "Step 5 of 6 · Company contacts", "Step 6 of 6 · Review"]
    assert "\x1b[" not in result.stdout  # off a terminal: no clear-screen escapes


def test_a_type_and_category_without_attributes_count_four_steps(cli, catalogue):
    result, _asked, _screen = typed_in(cli, PERSON_P1, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert headings(result.stdout) == [  # the first counts the choices Enter would make there
        "Step 1 of 6 · Company type and category", "Step 2 of 4 · Company data",
        "Step 3 of 4 · Company contacts", "Step 4 of 4 · Review"]


def test_back_that_changes_the_category_changes_the_count(cli, catalogue):
    result, _asked, _screen = typed_in(
        cli,
        {"company_attr.employees": "12" + ENTER, "client_attr.region": ENTER},  # LEGAL, RETAIL
        {"identifier": CTRL_B, "client_attr.region": CTRL_B, "company_attr.employees": CTRL_B,
         "category": DOWN + ENTER},                                             # WHOLESALE
        {"name": "ACME Ltd" + ENTER}, NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert headings(result.stdout) == [
        "Step 1 of 6 · Company type and category", "Step 2 of 6 · Company attributes",
        "Step 3 of 6 · Client attributes", "Step 4 of 6 · Company data",
        "Step 3 of 6 · Client attributes", "Step 2 of 6 · Company attributes",
        "Step 1 of 6 · Company type and category",
        "Step 2 of 5 · Company attributes", "Step 3 of 5 · Company data",
        "Step 4 of 5 · Company contacts", "Step 5 of 5 · Review"]


def test_the_interactive_edit_counts_its_own_steps(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="P-1", name="Ana"), source="test")
    result, _asked, _screen = typed_in(cli, NO_CONTACTS, args=("edit", "P-1"))
    assert result.exit_code == 0, result.stderr
    assert headings(result.stdout) == [
        "Step 1 of 3 · Company data", "Step 2 of 3 · Company contacts", "Step 3 of 3 · Review"]


def test_a_date_that_does_not_exist_is_explained_under_its_question(cli, catalogue):
    add_entry(catalogue, "category", {
        "code": "EVENTS", "name": "Events",
        "attributes": [{"key": "opened", "label": "Opening day", "type": "date"}]},
        source="test")
    result, _asked, (screen, *_after) = typed_in(
        cli, {"company_type": DOWN + ENTER, "category": ENTER,  # PERSON, EVENTS (first by code)
              "client_attr.opened": then("2025-02-30" + ENTER, "\x03")},      # then Ctrl-C
        columns=80)
    assert result.exit_code == 130
    question = next(i for i, line in enumerate(screen) if line.startswith("? Opening day"))
    assert screen[question].endswith("2025-02-30")
    assert screen[question + 1] == "  2025-02-30: February 2025 has 28 days"


def test_a_long_reason_wraps_under_its_question_at_80_columns_between_words(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="FIRST", name="First", country="ES",
                                    tax_id="B12345674"), source="test")
    result, _asked, (screen, *_after) = typed_in(
        cli, PERSON_P1, {"country": "ES" + ENTER,
                         "tax_id": then("ES-B12345674" + ENTER, "\x03")},
        columns=80)
    assert result.exit_code == 130
    question = next(i for i, line in enumerate(screen) if line.startswith("? Tax id"))
    under = screen[question + 1:question + 3]
    assert all(line.startswith("  ") and len(line) <= 80 for line in under)
    assert " ".join(line.strip() for line in under) == (
        "ES-B12345674: tax id ESB12345674 already belongs to company FIRST")


def test_a_tax_id_another_company_has_is_refused_at_its_question(cli, catalogue):
    register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                    identifier="FIRST", name="First", country="ES",
                                    tax_id="B12345674"), source="test")
    result, asked, _screen = typed_in(
        cli, PERSON_P1,
        {"country": "ES" + ENTER,
         "tax_id": then("B12345674" + ENTER, CTRL_U + "A58818501" + ENTER)},
        NO_CONTACTS)
    assert result.exit_code == 0, result.stderr
    assert "already belongs" not in result.stderr  # never reached Finish
    assert asked.count("review") == 1
    assert shown(cli, "P-1")["tax_id"] == "ESA58818501"


def test_a_conflict_found_at_finish_returns_to_that_question_only(cli, catalogue):
    def registered_meanwhile() -> str:
        register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                        identifier="FIRST", name="First", country="ES",
                                        tax_id="B12345674"), source="test")
        return ENTER

    result, asked, _screen = typed_in(
        cli, PERSON_P1, {"country": "ES" + ENTER, "tax_id": "B12345674" + ENTER},
        {"contacts": ENTER, "contacts.email": "ana@p1.example" + ENTER,  # one contact
         "contacts.name": "Ana" + ENTER},
        {"review": registered_meanwhile},
        {"tax_id": CTRL_U + ENTER}, {"review": ENTER})
    assert result.exit_code == 0, result.stderr
    assert "tax id ESB12345674 already belongs to company FIRST" in result.stderr
    first_review = asked.index("review")
    assert asked[first_review:first_review + 3] == ["review", "tax_id", "review"]
    assert headings(result.stdout)[-2:] == ["Step 2 of 4 · Company data", "Step 4 of 4 · Review"]
    client = shown(cli, "P-1")
    assert "tax_id" not in client
    assert [c["email"] for c in client["contacts"]] == ["ana@p1.example"]


def test_a_contact_email_taken_at_finish_returns_to_that_email_not_the_menu(cli, catalogue):
    def taken_meanwhile() -> str:
        register(catalogue, ClientDraft(company_type="PERSON", category="WHOLESALE",
                                        identifier="OTHER", name="Other", contacts=[
                                            ContactDraft(name="Bo", email="bo@p1.example")]),
                 source="test")
        return ENTER

    result, asked, _screen = typed_in(
        cli, PERSON_P1,
        {"contacts": ENTER, "contacts.email": "bo@p1.example" + ENTER,
         "contacts.name": "Bo" + ENTER},
        {"review": taken_meanwhile},
        {"contacts.email": CTRL_U + "ana@p1.example" + ENTER}, {"review": ENTER})
    assert result.exit_code == 0, result.stderr
    first_review = asked.index("review")
    assert asked[first_review:first_review + 3] == ["review", "contacts.email", "review"]
    assert [(c["name"], c["email"]) for c in shown(cli, "P-1")["contacts"]] == [
        ("Bo", "ana@p1.example")]


def test_an_import_gets_the_same_reason_for_a_date_that_does_not_exist(cli, catalogue,
                                                                       tmp_path):
    add_entry(catalogue, "category", {
        "code": "EVENTS", "name": "Events",
        "attributes": [{"key": "opened", "label": "Opening day", "type": "date"}]},
        source="test")
    path = tmp_path / "clients.csv"
    path.write_text("identifier,name,company_type,category,client_attr.opened\n"
                    "E-1,Feria,PERSON,EVENTS,2024-02-30\n"
                    "E-2,Feria Dos,PERSON,EVENTS,2025-13-01\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "February 2024 has 29 days" in result.output
    assert "there is no month 13" in result.output


def test_the_month_is_named_in_the_language_messages_are_shown_in():
    from clientreg import messages
    from clientreg.attributes import AttributeDef, check_value
    from clientreg.errors import InvalidValue

    definition = AttributeDef(key="opened", label="Opened", type="date")
    try:
        check_value(definition, "2025-02-30", field="client_attr.opened")
    except InvalidValue as exc:
        refused = exc
    before = messages.language()
    messages.install(messages._gettext, messages._ngettext, language="es")
    try:
        assert refused.reason == "febrero 2025 has 28 days"  # the template is not translated
    finally:
        messages.install(messages._gettext, messages._ngettext, language=before)
    assert refused.reason == "February 2025 has 28 days"
