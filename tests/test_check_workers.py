"""Checking in worker processes gives the same report and the same database as one process.

The workers are a fast path: these tests turn the fast paths on themselves, so that they check
the workers even where CLIENTREG_FAST=0 is set, and check that the switch turns the workers off.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from clientreg import fast
from clientreg.catalogue import add_entry
from clientreg.fast import check_workers
from clientreg.fast.check_workers import WORKERS_ENV, worker_count
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import CHUNK_SIZE, register_many
from clientreg.storage import open_database

CLIENTS = CHUNK_SIZE * 3 + 17  # the first chunk in this process, the rest in workers


@pytest.fixture(autouse=True)
def fast_paths_on(monkeypatch):
    monkeypatch.setattr(fast, "ENABLED", True)


def _drafts(*, mistakes: bool) -> list[ClientDraft]:
    drafts = []
    for n in range(1, CLIENTS + 1):
        email, phone = f"buyer{n}@shop{n}.example", f"91{n % 10} {n % 1000:03d} {n % 997:03d}"
        if mistakes and n % 97 == 0:
            email = f"buyer{n}@@shop.example"  # two at-signs
        if mistakes and n % 89 == 0:
            phone = "12"  # not a phone number
        drafts.append(ClientDraft(
            category="RETAIL", company_type="LEGAL", identifier=f"C-{n:05d}",
            name=f"Tienda Número {n}", country="ES", phone=phone,
            email=f"Info@Shop{n}.example", client_attributes={"region": "north"},
            contacts=[ContactDraft(name=f"Comprador {n}", email=email, default=True)],
            origin=n))
    return drafts


def _register(path, monkeypatch, *, workers: int, mistakes: bool):
    monkeypatch.setenv(WORKERS_ENV, str(workers))
    store = open_database(path)
    with store.transaction():
        add_entry(store, "company_type", {"code": "LEGAL", "name": "Legal entity"}, source="t")
        add_entry(store, "category", {"code": "RETAIL", "name": "Retail", "attributes": [
            {"key": "region", "label": "Region", "type": "list", "values": ["north"]}]},
            source="t")
    report = register_many(store, _drafts(mistakes=mistakes), source="test")
    store.close()
    return report


def _problems(report) -> list[tuple]:
    return [(origin, type(p).__name__, p.field, p.code, p.reason, p.value)
            for origin, p in report.problems]


def _rows(path) -> dict[str, list[tuple]]:
    columns = {  # everything but the timestamps, which differ from run to run
        "companies": "id, identifier, name, email, phone, country, attributes",
        "clients": "id, company_id, category_id, attributes",
        "external_users": "id, email, name, phone, company_id",
        "client_contacts": "client_id, external_user_id, position, is_default",
        "history": "entity, entity_key, action, changes",
    }
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT {cols} FROM {table} ORDER BY 1, 2").fetchall()
                for table, cols in columns.items()}


def test_workers_report_the_same_problems_in_the_same_order(tmp_path, monkeypatch):
    alone = _register(tmp_path / "alone.db", monkeypatch, workers=0, mistakes=True)
    shared = _register(tmp_path / "shared.db", monkeypatch, workers=1, mistakes=True)
    assert len(alone.problems) > 40
    assert _problems(shared) == _problems(alone)
    assert not shared.written and not alone.written


def test_workers_write_the_same_rows(tmp_path, monkeypatch):
    alone = _register(tmp_path / "alone.db", monkeypatch, workers=0, mistakes=False)
    shared = _register(tmp_path / "shared.db", monkeypatch, workers=1, mistakes=False)
    assert alone.written and shared.written
    assert [o.identifier for o in shared.outcomes] == [o.identifier for o in alone.outcomes]
    assert _rows(tmp_path / "shared.db") == _rows(tmp_path / "alone.db")
    assert len(_rows(tmp_path / "alone.db")["companies"]) == CLIENTS


def _import_report(cli, path, monkeypatch, workers: int) -> dict:
    monkeypatch.setenv(WORKERS_ENV, str(workers))
    result = cli("import", str(path), "--format", "json", "--max-errors", "100000")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    del report["seconds"]
    return report


def test_an_imported_file_has_the_same_problems_when_its_rows_are_read_in_workers(
        cli, catalogue, tmp_path, monkeypatch):
    # Several chunks of clients, whose drafts are built in the workers from their rows: the
    # row model's problems, a later row that contradicts its client's first row, and the
    # core's own problems must all come back located, and in the same order.
    lines = ["identifier,name,company_type,category,client_attr.region,contact_name,"
             "contact_email,phone"]
    for n in range(1, 4500):
        email = f"buyer{n}@@shop.example" if n % 401 == 0 else f"buyer{n}@shop{n}.example"
        phone = "12" if n % 409 == 0 else ""
        lines.append(f"C-{n:05d},Shop {n},LEGAL,RETAIL,north,Buyer {n},{email},{phone}")
        if n % 997 == 0:  # a second contact row that gives another name
            lines.append(f"C-{n:05d},Other name,,,,Second {n},second{n}@shop{n}.example,")
    path = tmp_path / "clients.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    alone = _import_report(cli, path, monkeypatch, workers=0)
    shared = _import_report(cli, path, monkeypatch, workers=1)
    codes = {problem["code"] for problem in alone["problems"]}
    assert codes == {"conflicting-value", "invalid-email", "invalid-phone"}
    assert len(alone["problems"]) == 11 + 11 + 4
    assert any(problem["column"] == "contact_email" for problem in alone["problems"])
    assert shared == alone
    assert not alone["written"]


def test_the_switch_turns_the_workers_off(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert worker_count() == 3
    monkeypatch.setattr(fast, "ENABLED", False)
    assert worker_count() == 0


def test_with_the_switch_off_a_batch_is_checked_in_this_process_alike(tmp_path, monkeypatch):
    shared = _register(tmp_path / "shared.db", monkeypatch, workers=1, mistakes=True)
    monkeypatch.setattr(fast, "ENABLED", False)

    def no_pool(*args):
        raise AssertionError("worker processes started with the fast paths off")

    monkeypatch.setattr(check_workers, "_start_pool", no_pool)
    alone = _register(tmp_path / "alone.db", monkeypatch, workers=1, mistakes=True)
    assert _problems(alone) == _problems(shared)
