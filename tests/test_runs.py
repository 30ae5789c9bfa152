"""The run ledger: every command that writes is a run, with its inputs' SHA-256 and counts;
`clientreg runs list` and `clientreg runs show RUN` in every format."""

import csv
import getpass
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import yaml
from sqlite_utils import Database

import clientreg
from clientreg.catalogue import add_entry
from clientreg.model import ClientDraft
from clientreg.registration import register
from clientreg.runs import masked
from clientreg.storage import Store
from clientreg.storage.schema import migrations

HEADER = "identifier,name,company_type,category,country"
SEED = {
    "company_types": [{"code": "COOP", "name": "Cooperative"}],
    "categories": [{"code": "FARM", "name": "Farming"}],
    "companies": [{"identifier": "LONE", "name": "Lone Company S.A.", "company_type": "COOP"}],
    "clients": [
        {"identifier": "F-1", "name": "Olivar del Sur S.C.A.", "company_type": "COOP",
         "category": "FARM",
         "contacts": [{"name": "Rocío Campos", "email": "rocio@olivar.example"}]},
        {"from_company": "LONE", "category": "FARM"},
    ],
}


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def runs(cli) -> list[dict]:
    result = cli("runs", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run(cli, run_id: int) -> dict:
    result = cli("runs", "show", str(run_id), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def records(document: dict) -> dict[tuple[str, str], str]:
    return {(r["entity"], r["identifier"]): r["action"] for r in document["records"]}


def history_runs(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        found = conn.execute("SELECT entity, entity_key, action, run_id FROM history "
                             "ORDER BY id").fetchall()
    conn.close()
    return found


def counts(**given: int) -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 0, **given}


def imported(cli, tmp_path) -> Path:
    path = write_csv(tmp_path / "clients.csv", "C-1,Ferretería Núñez,PERSON,WHOLESALE,ES",
                     "C-2,Joan Puig,PERSON,WHOLESALE,ES")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    return path


# -- a run for each command that writes ----------------------------------------------------------


def test_an_import_is_a_run_with_its_command_line_inputs_and_counts(cli, catalogue, tmp_path,
                                                                     db_path):
    path = imported(cli, tmp_path)
    [listed] = runs(cli)
    assert listed["command"] == ["clientreg", "--db", str(db_path), "import", str(path)]
    assert listed["counts"] == counts(created=2)
    assert listed["version"] == clientreg.__version__
    assert listed["user"] == getpass.getuser()
    assert listed["started_at"] <= listed["ended_at"]
    document = run(cli, listed["id"])
    assert document["inputs"] == [{"path": str(path), "sha256": sha256(path),
                                   "bytes": path.stat().st_size}]
    assert records(document) == {("company", "C-1"): "created", ("company", "C-2"): "created",
                                 ("client", "C-1"): "created", ("client", "C-2"): "created"}
    assert {row[3] for row in history_runs(db_path) if row[0] in ("client", "company")} == {
        listed["id"]}
    shown = json.loads(cli("show", "C-1", "--format", "json").stdout)
    assert [(e["action"], e["run"]) for e in shown["history"]] == [("created", listed["id"])] * 2


def test_an_import_of_a_seed_yaml_is_one_run_with_its_catalogue_and_companies(cli, store,
                                                                              tmp_path,
                                                                              db_path):
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    [listed] = runs(cli)
    assert listed["counts"] == counts(created=2)
    document = run(cli, listed["id"])
    assert document["inputs"][0]["sha256"] == sha256(path)
    assert document["entities"] == {
        "client": {"created": 2}, "company": {"created": 2}, "company_type": {"created": 1},
        "category": {"created": 1}, "external_user": {"created": 1}}
    assert records(document) == {
        ("company_type", "COOP"): "created", ("category", "FARM"): "created",
        ("company", "F-1"): "created", ("company", "LONE"): "created",
        ("client", "F-1"): "created", ("client", "LONE"): "created",
        ("external_user", "rocio@olivar.example"): "created"}
    assert {row[3] for row in history_runs(db_path)} == {listed["id"]}


def test_a_seed_imported_again_lists_every_entry_it_left_as_it_was(cli, store, tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli("import", str(path)).exit_code == 0
    for policy in ("skip", "update"):
        result = cli("import", "--on-conflict", policy, str(path))
        assert result.exit_code == 0, result.output
        latest = runs(cli)[0]
        action = "skipped" if policy == "skip" else "unchanged"
        # The clients are unchanged since the first import (their digests match) with either
        # policy; the catalogue and the lone company are compared only by an update.
        if policy == "skip":
            assert latest["counts"] == counts(skipped=1, unchanged=2)
        else:
            assert latest["counts"] == counts(unchanged=2)  # LONE's company and client: one
        assert records(run(cli, latest["id"])) == {
            ("company_type", "COOP"): action, ("category", "FARM"): action,
            ("company", "LONE"): action, ("client", "F-1"): "unchanged",
            ("client", "LONE"): "unchanged"}


def test_standard_input_is_recorded_with_the_sha256_of_what_was_read(cli, catalogue):
    text = f"{HEADER}\nS-1,Stdin Ltd,PERSON,WHOLESALE,ES\n"
    result = cli("import", "-", "--input-format", "csv", input=text)
    assert result.exit_code == 0, result.output
    [listed] = runs(cli)
    assert run(cli, listed["id"])["inputs"] == [
        {"path": "-", "sha256": hashlib.sha256(text.encode()).hexdigest(),
         "bytes": len(text.encode())}]


def test_new_without_input_is_a_run(cli, catalogue, db_path):
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--identifier", "P-1", "--name", "Ana", "--contact", "Ana <ana@p1.example>")
    assert result.exit_code == 0, result.output
    [listed] = runs(cli)
    assert listed["command"][3:6] == ["new", "--no-input", "--type"]
    assert listed["counts"] == counts(created=1)
    document = run(cli, listed["id"])
    assert document["inputs"] == []
    assert records(document) == {("company", "P-1"): "created", ("client", "P-1"): "created",
                                 ("external_user", "ana@p1.example"): "created"}
    assert {row[3] for row in history_runs(db_path)
            if row[0] != "company_type" and row[0] != "category"} == {listed["id"]}


def test_an_edit_is_a_run_naming_the_fields_it_changed(cli, catalogue, tmp_path, db_path):
    imported(cli, tmp_path)
    result = cli("edit", "C-1", "--set", "city=Sevilla", "--set", "trade_name=Núñez")
    assert result.exit_code == 0, result.output
    latest = runs(cli)[0]
    assert latest["command"][3:] == ["edit", "C-1", "--set", "city=Sevilla", "--set",
                                     "trade_name=Núñez"]
    assert latest["counts"] == counts(updated=1)
    [record] = run(cli, latest["id"])["records"]
    assert (record["entity"], record["identifier"], record["action"]) == (
        "company", "C-1", "updated")
    assert sorted(record["fields"]) == ["city", "trade_name"]
    assert history_runs(db_path)[-1] == ("company", "C-1", "updated", latest["id"])
    again = cli("edit", "C-1", "--set", "city=Sevilla")
    assert again.exit_code == 0, again.output
    assert runs(cli)[0]["counts"] == counts(unchanged=1)


def test_deactivate_and_activate_are_runs(cli, catalogue, tmp_path, db_path):
    imported(cli, tmp_path)
    assert cli("deactivate", "c-1").exit_code == 0
    assert cli("activate", "C-1").exit_code == 0
    assert cli("activate", "C-1").exit_code == 0  # already active: a run that changed nothing
    latest, activated, deactivated, _ = runs(cli)
    assert [r["command"][3:] for r in (latest, activated, deactivated)] == [
        ["activate", "C-1"], ["activate", "C-1"], ["deactivate", "c-1"]]
    assert deactivated["counts"] == activated["counts"] == counts(updated=1)
    assert latest["counts"] == counts(unchanged=1)
    assert records(run(cli, deactivated["id"])) == {("client", "C-1"): "updated"}
    assert records(run(cli, latest["id"])) == {("client", "C-1"): "unchanged"}
    assert history_runs(db_path)[-2:] == [("client", "C-1", "deactivated", deactivated["id"]),
                                          ("client", "C-1", "activated", activated["id"])]


def test_catalogue_changes_are_runs(cli, store, tmp_path, db_path):
    assert cli("category", "add", "FARM", "--name", "Farming").exit_code == 0
    assert cli("category", "deactivate", "FARM").exit_code == 0
    entries = tmp_path / "types.yaml"
    entries.write_text("- code: COOP\n  name: Cooperative\n- code: PERSON\n  name: Individual\n",
                       encoding="utf-8")
    assert cli("company-type", "add", "--file", str(entries)).exit_code == 0
    from_file, deactivated, added = runs(cli)
    assert added["counts"] == counts(created=1)
    assert deactivated["counts"] == counts(updated=1)
    assert from_file["counts"] == counts(created=2)
    assert records(run(cli, deactivated["id"])) == {("category", "FARM"): "updated"}
    assert run(cli, from_file["id"])["inputs"] == [
        {"path": str(entries), "sha256": sha256(entries), "bytes": entries.stat().st_size}]
    assert [row[3] for row in history_runs(db_path)] == [
        added["id"], deactivated["id"], from_file["id"], from_file["id"]]
    attributes = tmp_path / "attributes.yaml"
    attributes.write_text("- key: hectares\n  type: number\n", encoding="utf-8")
    assert cli("category", "edit", "FARM", "--attributes-file", str(attributes)).exit_code == 0
    assert cli("category", "deactivate", "FARM").exit_code == 0  # already inactive
    unchanged, edited = runs(cli)[:2]
    assert edited["counts"] == counts(updated=1)
    assert run(cli, edited["id"])["inputs"][0]["sha256"] == sha256(attributes)
    assert unchanged["counts"] == counts(unchanged=1)
    assert records(run(cli, unchanged["id"])) == {("category", "FARM"): "unchanged"}


def test_a_re_import_that_skips_lists_what_it_left_alone(cli, catalogue, tmp_path):
    imported(cli, tmp_path)
    path = write_csv(tmp_path / "moved.csv", "C-1,Ferretería Núñez,PERSON,WHOLESALE,PT",
                     "C-2,Joan Puig,PERSON,WHOLESALE,FR")
    result = cli("import", "--on-conflict", "skip", str(path))
    assert result.exit_code == 0, result.output
    latest = runs(cli)[0]
    assert latest["counts"] == counts(skipped=2)
    assert records(run(cli, latest["id"])) == {("client", "C-1"): "skipped",
                                               ("client", "C-2"): "skipped"}


def test_a_re_import_of_the_same_file_that_skips_finds_its_clients_unchanged(cli, catalogue,
                                                                             tmp_path):
    path = imported(cli, tmp_path)
    result = cli("import", "--on-conflict", "skip", str(path))
    assert result.exit_code == 0, result.output
    latest = runs(cli)[0]
    assert latest["counts"] == counts(unchanged=2)
    assert records(run(cli, latest["id"])) == {("client", "C-1"): "unchanged",
                                               ("client", "C-2"): "unchanged"}


def test_an_update_counts_what_changed_and_what_did_not(cli, catalogue, tmp_path):
    imported(cli, tmp_path)
    path = write_csv(tmp_path / "again.csv", "C-1,Ferretería Núñez,PERSON,WHOLESALE,PT",
                     "C-2,Joan Puig,PERSON,WHOLESALE,ES", "C-3,Nova,PERSON,WHOLESALE,ES")
    result = cli("import", "--on-conflict", "update", str(path))
    assert result.exit_code == 0, result.output
    latest = runs(cli)[0]
    assert latest["counts"] == counts(created=1, updated=1, unchanged=1)
    assert records(run(cli, latest["id"])) == {
        ("company", "C-3"): "created", ("client", "C-3"): "created",
        ("company", "C-1"): "updated", ("client", "C-2"): "unchanged"}


def test_a_password_in_the_command_line_is_masked(cli, catalogue, tmp_path):
    imported(cli, tmp_path)
    result = cli("edit", "C-1", "--set", "name=postgresql://bob:s3cret@db.example/clients")
    assert result.exit_code == 0, result.output
    latest = runs(cli)[0]
    assert latest["command"][-1] == "name=postgresql://bob:***@db.example/clients"
    assert "s3cret" not in cli("runs", "show", str(latest["id"])).stdout


def test_masking_keeps_urls_without_a_password():
    assert masked("postgresql://bob:pw@db/x") == "postgresql://bob:***@db/x"
    assert masked("--db=postgresql://:pw@db/x") == "--db=postgresql://:***@db/x"
    assert masked("postgresql://bob@db/x") == "postgresql://bob@db/x"
    assert masked("clients.csv") == "clients.csv"


# -- what records no run -------------------------------------------------------------------------


def test_a_rejected_import_records_no_run(cli, catalogue, tmp_path, db_path):
    path = write_csv(tmp_path / "bad.csv", "C-1,Good Ltd,PERSON,WHOLESALE,ES",
                     "C-2,Bad Ltd,PERSON,NO-SUCH-CATEGORY,ES")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert runs(cli) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM run_inputs").fetchone()[0] == 0
    conn.close()


def test_a_dry_run_records_no_run(cli, catalogue, tmp_path):
    path = write_csv(tmp_path / "clients.csv", "C-1,Good Ltd,PERSON,WHOLESALE,ES")
    result = cli("import", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert runs(cli) == []


def test_commands_that_only_read_record_no_run(cli, catalogue, tmp_path):
    imported(cli, tmp_path)
    for args in (("list",), ("show", "C-1"), ("export", "--format", "json"),
                 ("category", "list"), ("runs", "list")):
        assert cli(*args).exit_code == 0, args
    assert len(runs(cli)) == 1


# -- runs list and runs show ---------------------------------------------------------------------


def test_runs_list_in_every_format(cli, catalogue, tmp_path, db_path):
    path = imported(cli, tmp_path)
    assert cli("deactivate", "C-2").exit_code == 0
    table = cli("runs", "list")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert [line.split("│")[1].strip() for line in lines if line.startswith("│ ")
            and line.split("│")[1].strip()] == ["2", "1"]
    assert "2 created" in table.stdout and "1 updated" in table.stdout
    assert "2 runs" in table.stderr
    listed = list(csv.DictReader(io.StringIO(cli("runs", "list", "--format", "csv").stdout)))
    assert [(r["id"], r["created"], r["updated"]) for r in listed] == [("2", "0", "1"),
                                                                       ("1", "2", "0")]
    assert listed[1]["command"] == f"clientreg --db {db_path} import {path}"
    assert [r["id"] for r in runs(cli)] == [2, 1]


def test_runs_list_fits_80_columns(cli, catalogue, tmp_path):
    imported(cli, tmp_path)
    table = cli("runs", "list", env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    for word in ("Run", "Started", "Command", "User", "Counts", "created", getpass.getuser()):
        assert word in table.stdout


def test_no_runs_yet_says_so(cli, store):
    result = cli("runs", "list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No runs yet" in result.stderr


def test_runs_show_in_every_format(cli, catalogue, tmp_path):
    path = imported(cli, tmp_path)
    as_json = run(cli, 1)
    as_yaml = cli("runs", "show", "1", "--format", "yaml")
    assert as_yaml.exit_code == 0, as_yaml.output
    assert yaml.safe_load(as_yaml.stdout) == as_json
    text = cli("runs", "show", "1")
    assert text.exit_code == 0, text.output
    for shown in (str(path), sha256(path), "2 created", "Records", "C-1", "C-2",
                  clientreg.__version__):
        assert shown in text.stdout, shown


def test_an_unknown_run_is_refused_with_exit_1(cli, store):
    for given in ("99", "abc"):
        result = cli("runs", "show", given)
        assert result.exit_code == 1
        assert f"'{given}'" in result.stderr and "[unknown-run]" in result.stderr
        assert "Traceback" not in result.output


# -- an older database ---------------------------------------------------------------------------


def test_a_database_from_before_the_ledger_is_migrated_and_its_history_has_no_run(
        cli, db_path, tmp_path):
    db = Database(db_path)
    migrations.apply(db, stop_before="0004_runs")
    old = Store(db=db, path=db_path)
    add_entry(old, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(old, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    register(old, ClientDraft(identifier="OLD-1", name="Antiguo", company_type="PERSON",
                              category="WHOLESALE"), source="import of old.csv")
    old.close()
    result = cli("list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "upgraded" in result.stderr
    assert runs(cli) == []
    assert {row[3] for row in history_runs(db_path)} == {None}
    path = imported(cli, tmp_path)
    [listed] = runs(cli)
    assert run(cli, listed["id"])["inputs"][0]["sha256"] == sha256(path)
    assert [row[3] for row in history_runs(db_path)][-4:] == [listed["id"]] * 4
    shown = cli("show", "OLD-1", "--format", "json")
    assert [(e["source"], e["run"]) for e in json.loads(shown.stdout)["history"]] == [
        ("import of old.csv", None), ("import of old.csv", None)]


def test_an_interrupted_import_leaves_no_run(catalogue, tmp_path, db_path):
    """Ctrl-C while the import's transaction is open: no clients and no run; had it already
    committed, both (a run is there exactly when what it records is)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    catalogue.close()
    path = tmp_path / "big.csv"
    path.write_text("\n".join([HEADER, *(f"K-{i:05d},Cliente {i},PERSON,WHOLESALE,ES"
                                         for i in range(5000))]) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()",
         "--db", str(db_path), "import", str(path)], stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "CLIENTREG_DB": ""})
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")  # refused while the import's transaction runs
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError:
                os.killpg(process.pid, signal.SIGINT)
                break
            finally:
                probe.close()
            time.sleep(0.005)
        process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    with sqlite3.connect(db_path) as conn:
        clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
        recorded = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    conn.close()
    assert (clients, recorded) in ((0, 0), (5000, 1))
    if process.returncode == 130:
        assert (clients, recorded) == (0, 0)


def test_an_update_that_changes_only_a_contact_counts_its_client_updated(cli, catalogue,
                                                                        tmp_path):
    header = "identifier,name,company_type,category,contact_name,contact_email,contact_phone"
    first = tmp_path / "first.csv"
    first.write_text(f"{header}\nC-1,Uno,PERSON,WHOLESALE,Ana,ana@uno.example,+34 600 111 222\n"
                     "C-2,Dos,PERSON,WHOLESALE,,,\n", encoding="utf-8")
    assert cli("import", str(first)).exit_code == 0
    second = tmp_path / "second.csv"
    second.write_text(first.read_text(encoding="utf-8").replace("111 222", "111 333"),
                      encoding="utf-8")
    result = cli("import", "--on-conflict", "update", str(second))
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 0 skipped, 1 unchanged" in result.output
    latest = runs(cli)[0]
    assert latest["counts"] == counts(updated=1, unchanged=1)
    assert records(run(cli, latest["id"]))[("client", "C-2")] == "unchanged"
