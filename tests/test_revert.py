"""`clientreg runs revert RUN`: what a run created is removed, what it changed gets its old values
back, the revert is a run of its own; refused when later runs changed the same fields."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from clientreg.commands.app import app
from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

HEADER = "identifier,name,company_type,category,country,email"
CLIENTREG = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    """Rows of a query, read through clientreg's storage (a SQLite file or PostgreSQL)."""
    store = open_database(db)
    try:
        return [tuple(row) for row in store.conn.execute(sql, params).fetchall()]
    finally:
        store.close()


def cli(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input,
                              env={"COLUMNS": "3000"})


def ok(db: Path, *args: str):
    result = cli(db, *args)
    assert result.exit_code == 0, result.output
    return result


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def last_run(db: Path) -> int:
    return json.loads(ok(db, "runs", "list", "--format", "json").stdout)[0]["id"]


def shown(db: Path, identifier: str) -> dict:
    document = json.loads(ok(db, "show", identifier, "--format", "json").stdout)
    return {key: document.get(key) for key in ("name", "country", "email", "active")}


def exported(db: Path) -> bytes:
    return ok(db, "export").stdout_bytes


def imported(db: Path, tmp_path: Path) -> int:
    path = write_csv(tmp_path / "first.csv", "C-1,Ferretería Núñez,PERSON,WHOLESALE,ES,a@x.example",
                     "C-2,Joan Puig,PERSON,WHOLESALE,ES,")
    ok(db, "import", str(path))
    return last_run(db)


def test_revert_of_an_import_leaves_export_as_before_the_import(db, tmp_path):
    before = exported(db)
    run = imported(db, tmp_path)
    assert exported(db) != before
    result = ok(db, "runs", "revert", str(run), "--yes")
    assert f"Reverted run {run}." in result.stderr
    assert exported(db) == before
    assert cli(db, "show", "C-1").exit_code == 1
    sources = query(db, "SELECT DISTINCT source FROM history WHERE run_id = ?", last_run(db))
    assert sources == [("revert",)]
    document = json.loads(ok(db, "runs", "show", str(run + 1), "--format", "json").stdout)
    assert {(r["entity"], r["identifier"], r["action"]) for r in document["records"]} >= {
        ("client", "C-1", "removed"), ("company", "C-2", "removed")}
    assert last_run(db) == run + 1


def test_revert_of_an_update_restores_the_old_values(db, tmp_path):
    imported(db, tmp_path)
    before = shown(db, "C-1")
    update = write_csv(tmp_path / "update.csv", "C-1,Ferretería Núñez S.L.,PERSON,WHOLESALE,FR,",
                       "C-3,Nueva,PERSON,WHOLESALE,ES,")
    ok(db, "import", "--on-conflict", "update", str(update))
    assert shown(db, "C-1")["country"] == "FR"
    ok(db, "runs", "revert", str(last_run(db)), "--yes")
    assert shown(db, "C-1") == before
    assert cli(db, "show", "C-3").exit_code == 1


def test_revert_of_an_edit_and_of_a_deactivate(db, tmp_path):
    imported(db, tmp_path)
    before = shown(db, "C-2")
    ok(db, "edit", "C-2", "--set", "email=joan@x.example", "--set", "name=Joan Puig i Fills")
    edit = last_run(db)
    ok(db, "deactivate", "C-1")
    ok(db, "runs", "revert", str(last_run(db)), "--yes")
    assert shown(db, "C-1")["active"] is True
    ok(db, "runs", "revert", str(edit), "--yes")
    assert shown(db, "C-2") == before


def test_a_later_edit_refuses_the_revert_and_force_reverts_the_rest(db, tmp_path):
    imported(db, tmp_path)
    update = write_csv(tmp_path / "update.csv", "C-1,Ferretería Núñez S.L.,PERSON,WHOLESALE,FR,")
    ok(db, "import", "--on-conflict", "update", str(update))
    run = last_run(db)
    ok(db, "edit", "C-1", "--set", "country=PT")
    result = cli(db, "runs", "revert", str(run), "--yes")
    assert result.exit_code == 1
    assert "company C-1.country" in result.stderr
    assert "C-1.name" not in result.stderr
    assert shown(db, "C-1")["name"] == "Ferretería Núñez S.L."
    result = cli(db, "runs", "revert", str(run), "--yes", "--force")
    assert result.exit_code == 0, result.output
    assert "Left company C-1 country as it is" in result.stderr
    assert shown(db, "C-1")["name"] == "Ferretería Núñez"
    assert shown(db, "C-1")["country"] == "PT"


def test_a_revert_of_a_revert_restores_the_run_and_a_second_revert_is_refused(db, tmp_path):
    before = exported(db)
    run = imported(db, tmp_path)
    after = exported(db)
    ok(db, "runs", "revert", str(run), "--yes")
    revert = last_run(db)
    assert exported(db) == before
    second = cli(db, "runs", "revert", str(run), "--yes")
    assert second.exit_code == 1
    assert f"was reverted by run {revert} already" in second.stderr
    ok(db, "runs", "revert", str(revert), "--yes")
    assert exported(db) == after
    assert shown(db, "C-1")["email"] == "a@x.example"


def test_without_a_terminal_the_revert_needs_yes(db, tmp_path):
    run = imported(db, tmp_path)
    result = cli(db, "runs", "revert", str(run))
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert shown(db, "C-1")["name"] == "Ferretería Núñez"
    assert cli(db, "runs", "revert", "99", "--yes").exit_code == 1


def spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("CLIENTREG_DB", None)
    return pexpect.spawn(CLIENTREG[0], [*CLIENTREG[1:], *args], env=env, encoding="utf-8",
                         timeout=20, dimensions=(40, 120))


def test_on_a_terminal_the_revert_asks_and_defaults_to_no(db, tmp_path):
    run = imported(db, tmp_path)
    child = spawn("--db", str(db), "runs", "revert", str(run))
    child.expect_exact("client: 2 to remove")
    child.expect_exact(f"Revert run {run}?")
    child.send("\r")  # the default: no
    child.expect_exact("Cancelled: nothing was reverted.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert shown(db, "C-1")["name"] == "Ferretería Núñez"
    child = spawn("--db", str(db), "runs", "revert", str(run))
    child.expect_exact(f"Revert run {run}?")
    child.send("y")
    child.expect_exact(f"Reverted run {run}.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert cli(db, "show", "C-1").exit_code == 1


def test_a_change_made_while_the_revert_asks_is_found_before_anything_is_undone(db, tmp_path):
    imported(db, tmp_path)
    update = write_csv(tmp_path / "update.csv", "C-1,Ferretería Núñez S.L.,PERSON,WHOLESALE,FR,")
    ok(db, "import", "--on-conflict", "update", str(update))
    run = last_run(db)
    child = spawn("--db", str(db), "runs", "revert", str(run))
    child.expect_exact(f"Revert run {run}?")
    ok(db, "edit", "C-1", "--set", "country=PT")   # someone else, while the question waits
    child.send("y")
    child.expect_exact("company C-1.country")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert shown(db, "C-1") == {"name": "Ferretería Núñez S.L.", "country": "PT",
                                "email": "a@x.example", "active": True}


def contents(db: Path) -> dict[str, list[tuple]]:
    return {table: query(db, f"SELECT * FROM {table} ORDER BY 1")
            for table in ("companies", "clients", "history", "runs", "client_contacts",
                          "external_users")}


# SQLite only for now: the revert is timed on a copy of the file (PostgreSQL's crash tests are
# still to come).
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_revert_killed_midway_leaves_the_database_as_before_it(db, tmp_path):
    rows = [f"K-{n:05},Cliente {n},PERSON,WHOLESALE,ES,k{n}@x.example" for n in range(4000)]
    ok(db, "import", str(write_csv(tmp_path / "large.csv", *rows)))
    run = last_run(db)
    before = contents(db)
    # Time a whole revert on a copy, then kill one at moments inside that span.
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    started = time.monotonic()
    subprocess.run([*CLIENTREG, "--db", str(copy), "runs", "revert", str(run), "--yes"],
                   check=True, capture_output=True, timeout=120)
    span = time.monotonic() - started
    for fraction in (0.5, 0.8):
        process = subprocess.Popen([*CLIENTREG, "--db", str(db), "runs", "revert", str(run),
                                    "--yes"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(span * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        after = contents(db)
        assert after == before or not after["clients"], fraction
        if not after["clients"]:  # it committed before the kill: all of it, nothing less
            break


SEED = """\
company_types:
  - code: COOP
    name: Cooperative
    attributes: [{key: members, label: Members, type: number, min: 0}]
categories:
  - {code: FARM, name: Farming}
companies:
  - {identifier: LONE, name: Lone Company S.A., company_type: COOP}
clients:
  - identifier: F-1
    name: Olivar del Sur
    company_type: COOP
    category: FARM
    company_attributes: {members: 12}
    contacts: [{name: Rocío Campos, email: rocio@olivar.example}]
  - {from_company: LONE, category: FARM}
"""


def test_a_seed_with_catalogue_and_contacts_is_removed_and_put_back(db_path, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    before = exported(db_path)
    ok(db_path, "import", str(seed))
    after = exported(db_path)
    ok(db_path, "runs", "revert", str(last_run(db_path)), "--yes")
    assert exported(db_path) == before
    assert contents(db_path)["external_users"] == []
    ok(db_path, "runs", "revert", str(last_run(db_path)), "--yes")
    assert exported(db_path) == after
    assert "rocio@olivar.example" in ok(db_path, "show", "F-1").stdout


def test_revert_of_an_update_that_added_a_contact_removes_that_contact(db_path, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    ok(db_path, "import", str(seed))
    before = exported(db_path)
    more = tmp_path / "more.yaml"
    more.write_text(SEED.replace(
        "contacts: [{name: Rocío Campos, email: rocio@olivar.example}]",
        "contacts: [{name: Rocío Campos, email: rocio@olivar.example},"
        " {name: Ana Gil, email: ana@olivar.example}]"), encoding="utf-8")
    ok(db_path, "import", "--on-conflict", "update", str(more))
    assert "ana@olivar.example" in ok(db_path, "show", "F-1").stdout
    ok(db_path, "runs", "revert", str(last_run(db_path)), "--yes")
    assert "ana@olivar.example" not in ok(db_path, "show", "F-1").stdout
    assert exported(db_path) == before


def test_a_catalogue_entry_that_later_clients_use_is_left(db_path, tmp_path):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("company_types: [{code: COOP, name: Cooperative}]\n"
                         "categories: [{code: FARM, name: Farming}]\n", encoding="utf-8")
    ok(db_path, "import", str(catalogue))
    run = last_run(db_path)
    clients = tmp_path / "clients.csv"
    clients.write_text(f"{HEADER}\nF-9,Granja,COOP,FARM,ES,\n", encoding="utf-8")
    ok(db_path, "import", str(clients))
    result = ok(db_path, "runs", "revert", str(run), "--yes")
    assert "Left company type COOP as it is: records of other runs use it." in result.stderr
    assert shown(db_path, "F-9")["name"] == "Granja"


def test_revert_of_an_update_that_changed_a_contacts_details_gives_them_back(db_path, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    ok(db_path, "import", str(seed))
    before = exported(db_path)
    changed = tmp_path / "changed.yaml"
    changed.write_text(SEED.replace(
        "contacts: [{name: Rocío Campos, email: rocio@olivar.example}]",
        "contacts: [{name: Rocío Campos Gil, email: rocio@olivar.example,"
        " phone: '+34 600 111 222', position: Gerente}]"), encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != SEED
    ok(db_path, "import", "--on-conflict", "update", str(changed))
    contact = json.loads(ok(db_path, "show", "F-1", "--format", "json").stdout)["contacts"][0]
    assert (contact["name"], contact["phone"], contact["position"]) == (
        "Rocío Campos Gil", "+34600111222", "Gerente")
    ok(db_path, "runs", "revert", str(last_run(db_path)), "--yes")
    contact = json.loads(ok(db_path, "show", "F-1", "--format", "json").stdout)["contacts"][0]
    assert (contact["name"], contact.get("phone"), contact.get("position")) == (
        "Rocío Campos", None, None)
    assert exported(db_path) == before
