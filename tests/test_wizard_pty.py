"""One registration typed into `clientreg new` in a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect

# The entry point the console script runs, started by this interpreter: it is there wherever the
# tests run (an installed package, an editable one, a CI virtualenv). -P keeps the repository's
# folders off sys.path, so the installed clientreg is the one that runs.
CLIENTREG = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
DOWN = "\x1b[B"


def spawn(*args: str) -> pexpect.spawn:
    # No cursor-position requests: pexpect does not answer them, and each would wait.
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("CLIENTREG_DB", None)
    return pexpect.spawn(CLIENTREG[0], [*CLIENTREG[1:], *args], env=env, encoding="utf-8",
                         timeout=20, dimensions=(40, 120))


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def test_new_in_a_terminal_registers_a_client_that_show_then_finds(catalogue, db_path):
    child = spawn("--db", str(db_path), "new")
    answer(child, "Company type", DOWN + "\r")              # PERSON
    answer(child, "Client category", DOWN + "\r")           # WHOLESALE
    answer(child, "Identifier", "P-100\r")
    answer(child, "Name", "Terminal Test S.L.\r")
    for label in ("Trade name", "Country", "Tax id", "E-mail", "Phone", "Website", "Street",
                  "City", "Region", "Postal code"):
        answer(child, label, "ES\r" if label == "Country" else "\r")
    answer(child, "Company contacts", "\r")                 # add a contact
    answer(child, "Contact e-mail", "eva@terminal.example\r")
    answer(child, "Contact name", "Eva\r")
    for label in ("phone", "position", "department", "language"):
        answer(child, f"Contact {label}", "\r")
    answer(child, "default contact", "\r")                  # yes
    answer(child, "Company contacts (1)", "\r")             # continue to the review
    answer(child, "Finish", "\r")
    child.expect_exact("Registered client P-100.")
    answer(child, "Client data: edit it now?", "\r")  # finish
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    shown = subprocess.run([*CLIENTREG, "--db", str(db_path), "show", "P-100"],
                           capture_output=True, text=True, timeout=30,
                           env={**os.environ, "COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    assert "Terminal Test S.L." in shown.stdout
    assert "eva@terminal.example" in shown.stdout


def test_ctrl_c_in_a_terminal_saves_nothing(catalogue, db_path):
    before = list(catalogue.conn.iterdump())
    child = spawn("--db", str(db_path), "new")
    answer(child, "Company type", "\r")
    answer(child, "Client category", "\r")
    answer(child, "Number of employees", "\x03")
    child.expect_exact("Cancelled: nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(catalogue.conn.iterdump()) == before


def test_client_data_after_finish_opens_the_edit_of_the_registered_client(catalogue, db_path):
    child = spawn("--db", str(db_path), "new")
    child.setwinsize(24, 80)
    answer(child, "Company type", DOWN + "\r")              # PERSON
    answer(child, "Client category", DOWN + "\r")           # WHOLESALE
    answer(child, "Identifier", "P-200\r")
    answer(child, "Name", "Before Edit S.L.\r")
    for label in ("Trade name", "Country", "Tax id", "E-mail", "Phone", "Website", "Street",
                  "City", "Region", "Postal code"):
        answer(child, label, "\r")
    answer(child, "Company contacts", DOWN + "\r")          # continue without contacts
    answer(child, "Finish", "\r")
    child.expect_exact("Registered client P-200.")
    answer(child, "Client data: edit it now?", DOWN + "\r")  # edit
    # The note is wrapped between words at the terminal's 80 columns, not cut inside a word.
    child.expect_exact("Editing client P-200: company type PERSON and category WHOLESALE "
                       "cannot change\r\n  after registration.")
    answer(child, "Name", "\x15After Edit S.L.\r")        # Ctrl-U clears the shown name
    for label in ("Trade name", "Country", "Tax id", "E-mail", "Phone", "Website", "Street",
                  "City", "Region", "Postal code"):
        answer(child, label, "\r")
    answer(child, "Company contacts", DOWN + "\r")
    child.expect_exact("Before Edit S.L. → After Edit S.L.")
    answer(child, "Finish: save the changes", "\r")
    child.expect_exact("Saved the changes to client P-200.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    shown = subprocess.run([*CLIENTREG, "--db", str(db_path), "show", "P-200", "--format",
                            "json"], capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0, shown.stderr
    client = json.loads(shown.stdout)
    assert client["name"] == "After Edit S.L."
    assert [entry["source"] for entry in client["history"]] == ["wizard", "wizard", "edit"]


def test_a_step_opens_with_its_heading_and_a_refused_answer_is_explained_under_it(catalogue,
                                                                                 db_path):
    child = spawn("--db", str(db_path), "new")
    child.setwinsize(24, 80)
    child.expect_exact("Step 1 of 6 · Company type and category")
    answer(child, "Company type", "\r")                     # LEGAL
    answer(child, "Client category", "\r")                  # RETAIL
    child.expect_exact("\x1b[H\x1b[2J")                     # the next step on a clean screen
    child.expect_exact("Step 2 of 6 · Company attributes")
    answer(child, "Number of employees", "-3\r")
    child.expect_exact("-3")                                # the answer on the question's line,
    child.expect_exact("\r\n")                              # then, on the line under it:
    child.expect(r"\s*-3: must be at least 0")
    child.send("\x15" + "7\r")                              # corrected: the next step
    child.expect_exact("Step 3 of 6 · Client attributes")
    child.send("\x03")
    child.expect_exact("Cancelled: nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_back_inside_a_step_redraws_it_without_the_answers_gone_back_over(catalogue, db_path):
    child = spawn("--db", str(db_path), "new")
    answer(child, "Company type", DOWN + "\r")              # PERSON
    answer(child, "Client category", DOWN + "\r")           # WHOLESALE
    answer(child, "Identifier", "P-300\r")
    answer(child, "Name", "Redrawn S.L.\r")
    answer(child, "Trade name", "\x02")                     # Ctrl-B: back to the name
    child.expect_exact("\x1b[H\x1b[2J")                     # the step drawn again, from the top:
    child.expect_exact("Step 2 of 4 · Company data")
    child.expect_exact("P-300")                             # the identifier kept as answered,
    child.expect_exact("Name")                              # the name asked again
    redrawn = child.before
    assert "Trade name" not in redrawn and "Redrawn S.L." not in redrawn
    child.expect_exact("Redrawn S.L.")                      # shown as its answer to change
    child.send("\x03")
    child.expect_exact("Cancelled: nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
