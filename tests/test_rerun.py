"""Instant re-runs: a client imported again from the same content, unchanged since, is reported
unchanged without its values being checked again (the import report's ``checked`` count)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clientreg.editing import draft_of, edit_client
from clientreg.records import client_data
from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

HEADER = ("identifier,name,company_type,category,city,company_attr.employees,client_attr.region,"
          "contact_name,contact_email,contact_phone")
ROWS = [
    "C-1,Ferretería Núñez,LEGAL,RETAIL,Sevilla,12,north,Ana Núñez,ana@nunez.example,"
    "+34 600 111 222",
    "C-1,,,,,,,Luis Núñez,luis@nunez.example,",
    "C-2,Bodega Sur,LEGAL,RETAIL,Jerez,3,south,,,",
    "C-3,Joan Puig,PERSON,WHOLESALE,Girona,,,,,",
]


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def imported(cli, *args: str) -> dict:
    result = cli("import", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def first(cli, catalogue, tmp_path) -> Path:
    path = write(tmp_path / "clients.csv", *ROWS)
    report = imported(cli, str(path))
    assert report["clients"]["created"] == 3 and report["checked"] == 3
    return path


@pytest.mark.parametrize("policy", ["skip", "update"])
def test_an_unchanged_file_imported_again_checks_no_client(cli, first, policy):
    before = show(cli, "C-1")
    report = imported(cli, "--on-conflict", policy, str(first))
    assert report["clients"] == {"created": 0, "updated": 0, "skipped": 0, "unchanged": 3,
                                 "rejected": 0}
    assert report["checked"] == 0
    assert show(cli, "C-1") == before
    # and the next run still finds them unchanged
    assert imported(cli, "--on-conflict", policy, str(first))["checked"] == 0


def test_the_same_rows_in_another_order_and_file_are_unchanged_too(cli, first, tmp_path):
    moved = write(tmp_path / "moved.csv", ROWS[3], ROWS[2], ROWS[0], ROWS[1])
    report = imported(cli, "--on-conflict", "update", str(moved))
    assert report["clients"]["unchanged"] == 3 and report["checked"] == 0


def test_a_changed_row_is_checked_and_written_the_others_are_not_checked(cli, first, tmp_path):
    changed = write(tmp_path / "changed.csv", ROWS[0], ROWS[1],
                    ROWS[2].replace("Jerez", "Cádiz"), ROWS[3])
    report = imported(cli, "--on-conflict", "update", str(changed))
    assert report["clients"]["updated"] == 1 and report["clients"]["unchanged"] == 2
    assert report["checked"] == 1
    assert show(cli, "C-2")["city"] == "Cádiz"
    # the original file now differs from C-2 as registered: checked, and written back
    report = imported(cli, "--on-conflict", "update", str(first))
    assert report["checked"] == 1 and report["clients"]["updated"] == 1
    assert show(cli, "C-2")["city"] == "Jerez"


def test_a_wrong_value_in_a_changed_row_is_still_refused_at_its_cell(cli, first, tmp_path):
    changed = write(tmp_path / "changed.csv", *ROWS[:3], ROWS[3].replace("Girona", "Girona,x"))
    result = cli("import", "--on-conflict", "update", str(changed))
    assert result.exit_code == 1


def test_a_client_edited_since_is_checked_again_and_an_update_restores_the_file(cli, first):
    assert cli("edit", "C-1", "--set", "city=Huelva").exit_code == 0
    report = imported(cli, "--on-conflict", "update", str(first))
    assert report["checked"] == 1
    assert report["clients"]["updated"] == 1 and report["clients"]["unchanged"] == 2
    assert show(cli, "C-1")["city"] == "Sevilla"
    # a skip leaves the edited client alone, and says it skipped it
    assert cli("edit", "C-1", "--set", "city=Huelva").exit_code == 0
    report = imported(cli, "--on-conflict", "skip", str(first))
    assert report["checked"] == 1
    assert report["clients"]["skipped"] == 1 and report["clients"]["unchanged"] == 2
    assert show(cli, "C-1")["city"] == "Huelva"


def test_a_contact_changed_since_makes_its_client_checked_again(cli, first, db_path):
    store = open_database(db_path)
    try:
        document = client_data(store, "C-1", with_history=False)
        document["contacts"][0]["phone"] = "+34 600 999 888"
        edit_client(store, "C-1", draft=draft_of(document))
    finally:
        store.close()
    report = imported(cli, "--on-conflict", "update", str(first))
    assert report["checked"] == 1 and report["clients"]["updated"] == 1
    assert show(cli, "C-1")["contacts"][0]["phone"] == "+34600111222"


def test_a_deactivated_client_is_checked_again(cli, first):
    assert cli("deactivate", "C-3").exit_code == 0
    report = imported(cli, "--on-conflict", "skip", str(first))
    assert report["checked"] == 1 and report["clients"]["skipped"] == 1


def test_a_changed_catalogue_makes_every_client_checked_again(cli, first):
    assert cli("category", "edit", "RETAIL", "--name", "Retail shops").exit_code == 0
    report = imported(cli, "--on-conflict", "update", str(first))
    assert report["checked"] == 3 and report["clients"]["unchanged"] == 3
    assert imported(cli, "--on-conflict", "update", str(first))["checked"] == 0


def test_other_reading_options_check_every_client_again(cli, first):
    report = imported(cli, "--on-conflict", "skip", "--locale", "es", str(first))
    assert report["checked"] == 3


def test_the_default_policy_still_refuses_clients_already_registered(cli, first):
    result = cli("import", str(first))
    assert result.exit_code == 1
    assert "C-1" in result.output


def test_a_dry_run_leaves_no_digest_behind(cli, catalogue, tmp_path):
    path = write(tmp_path / "clients.csv", *ROWS)
    assert imported(cli, "--dry-run", str(path))["checked"] == 3
    report = imported(cli, "--on-conflict", "skip", str(path))
    assert report["clients"]["created"] == 3 and report["checked"] == 3


def test_a_reverted_import_registers_its_clients_again(cli, first):
    runs = json.loads(cli("runs", "list", "--format", "json").stdout)
    assert cli("runs", "revert", str(runs[0]["id"]), "--yes").exit_code == 0
    report = imported(cli, "--on-conflict", "skip", str(first))
    assert report["clients"]["created"] == 3 and report["checked"] == 3


def test_a_seed_file_imported_again_checks_no_client(cli, tmp_path):
    seed = {
        "company_types": [{"code": "COOP", "name": "Cooperative"}],
        "categories": [{"code": "FARM", "name": "Farming"}],
        "clients": [
            {"identifier": "F-1", "name": "Olivar del Sur S.C.A.", "company_type": "COOP",
             "category": "FARM",
             "contacts": [{"name": "Rocío Campos", "email": "rocio@olivar.example"}]},
            {"identifier": "F-2", "name": "Huerta Norte", "company_type": "COOP",
             "category": "FARM", "active": False},
        ],
    }
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert imported(cli, "--on-conflict", "update", str(path))["checked"] == 2
    # F-2 was deactivated after it was written, so its digest went; now both match.
    imported(cli, "--on-conflict", "update", str(path))
    report = imported(cli, "--on-conflict", "update", str(path))
    assert report["checked"] == 0 and report["clients"]["unchanged"] == 2
    assert show(cli, "F-2")["active"] is False
    seed["clients"][0]["name"] = "Olivar del Sur"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = imported(cli, "--on-conflict", "update", str(path))
    assert report["checked"] == 1 and report["clients"]["updated"] == 1


# -- a whole file unchanged since it was imported is not read again ------------------------------

def runs(cli) -> list[dict]:
    return json.loads(cli("runs", "list", "--format", "json").stdout)


def without_timing(report: dict) -> dict:
    report = {**report, "files": [{k: v for k, v in f.items() if k not in ("unchanged_since",
                                                                         "file")}
                                  for f in report["files"]]}
    report.pop("seconds")
    return report


@pytest.mark.parametrize("policy", ["skip", "update"])
def test_an_unchanged_file_is_not_read_again_and_says_since_which_run(cli, first, policy):
    [imported_by] = runs(cli)
    result = cli("import", "--on-conflict", policy, str(first))
    assert result.exit_code == 0, result.output
    assert (f"{first}: 4 rows (unchanged since run {imported_by['id']}: not read again)"
            in result.stdout.splitlines())
    report = imported(cli, "--on-conflict", policy, str(first))
    assert report["files"][0]["unchanged_since"] == imported_by["id"]
    assert report["clients"]["unchanged"] == 3 and report["checked"] == 0
    # the same report as when the rows are read: a file with other bytes, the same rows
    other = first.with_name("other.csv")
    other.write_bytes(first.read_bytes().replace(b"\n", b"\r\n"))
    read_again = imported(cli, "--on-conflict", policy, str(other))
    assert "unchanged_since" not in read_again["files"][0]
    assert without_timing(read_again) == without_timing(report)


def test_the_run_of_an_unchanged_file_lists_its_clients_as_left_unchanged(cli, first):
    assert cli("import", "--on-conflict", "skip", str(first)).exit_code == 0
    latest = runs(cli)[0]
    assert latest["counts"]["unchanged"] == 3
    shown = json.loads(cli("runs", "show", str(latest["id"]), "--format", "json").stdout)
    assert sorted(r["identifier"] for r in shown["records"] if r["action"] == "unchanged") == [
        "C-1", "C-2", "C-3"]


def test_a_file_is_read_again_once_one_of_its_clients_changed(cli, first):
    assert cli("edit", "C-2", "--set", "city=Cádiz").exit_code == 0
    report = imported(cli, "--on-conflict", "update", str(first))
    assert "unchanged_since" not in report["files"][0]
    assert report["checked"] == 1 and show(cli, "C-2")["city"] == "Jerez"
    # written back by this run, the file is whole again: the next run does not read it
    again = imported(cli, "--on-conflict", "update", str(first))
    assert again["files"][0]["unchanged_since"] == runs(cli)[1]["id"]


def test_a_file_changed_in_place_is_read_again(cli, first):
    first.write_text(first.read_text(encoding="utf-8").replace("Jerez", "Cádiz"),
                     encoding="utf-8")
    report = imported(cli, "--on-conflict", "update", str(first))
    assert "unchanged_since" not in report["files"][0]
    assert report["checked"] == 1 and report["clients"]["updated"] == 1


def test_diff_reads_the_file_to_list_each_client(cli, first):
    result = cli("import", "--on-conflict", "skip", "--diff", "--format", "json", str(first))
    report = json.loads(result.stdout)
    assert "unchanged_since" not in report["files"][0]
    assert [(e["identifier"], e["action"]) for e in report["diff"]] == [
        ("C-1", "unchanged"), ("C-2", "unchanged"), ("C-3", "unchanged")]


def test_a_file_whose_clients_were_skipped_is_always_read(cli, catalogue, tmp_path):
    assert cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
               "--identifier", "C-3", "--name", "Joan Puig").exit_code == 0
    path = write(tmp_path / "clients.csv", *ROWS)
    report = imported(cli, "--on-conflict", "skip", str(path))
    assert report["clients"]["skipped"] == 1 and report["clients"]["created"] == 2
    again = imported(cli, "--on-conflict", "skip", str(path))
    assert "unchanged_since" not in again["files"][0]
    assert again["clients"]["skipped"] == 1 and again["clients"]["unchanged"] == 2
    assert again["checked"] == 1
