"""One unit of work: a dry run writes nothing, discard and errors roll back, a commit is written."""

import sqlite3

import pytest

from clientreg.companies import register_companies
from clientreg.editing import set_client_active
from clientreg.errors import DatabaseBusy
from clientreg.model import ClientDraft
from clientreg.registration import register_many
from clientreg.storage import open_database, unit_of_work

TABLES = ("companies", "clients", "external_users", "client_contacts", "history")


def counts(path) -> dict[str, int]:
    """Row counts read through a connection of their own: what the file holds."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def draft(identifier: str = "ACME", **values) -> ClientDraft:
    return ClientDraft(**{"identifier": identifier, "name": f"{identifier} Trading",
                          "company_type": "PERSON", "category": "WHOLESALE", "country": "ES",
                          **values})


@pytest.fixture
def before(catalogue, db_path):
    return counts(db_path)


def test_a_dry_run_writes_nothing_and_leaves_no_history(catalogue, db_path, before):
    with unit_of_work(catalogue, dry_run=True) as work:
        report = register_many(catalogue, [draft()], source="test", work=work)
        assert not report.problems
        # Inside, the rows are there, so the constraints saw them; the history is left out.
        inside = {t: work.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in TABLES}
        assert inside["companies"] == before["companies"] + 1
        assert inside["history"] == before["history"]
    assert work.written is False
    assert counts(db_path) == before


def test_a_dry_run_leaves_the_search_index_as_it_was(catalogue, db_path):
    register_many(catalogue, [draft("FIRST")], source="test")
    with unit_of_work(catalogue, dry_run=True) as work:
        register_many(catalogue, [draft("SECOND")], source="test", work=work)
    register_many(catalogue, [draft("THIRD")], source="test")
    found = {row[0] for row in catalogue.conn.execute(
        "SELECT identifier FROM companies_fts WHERE companies_fts MATCH 'trading'")}
    assert found == {"FIRST", "THIRD"}


def test_register_many_dry_run_is_not_written(catalogue, db_path, before):
    report = register_many(catalogue, [draft()], source="test", dry_run=True)
    assert not report.problems and report.written is False
    assert counts(db_path) == before


def test_discard_rolls_back_without_an_error(catalogue, db_path, before):
    with unit_of_work(catalogue, dry_run=False) as work:
        register_many(catalogue, [draft()], source="test", work=work)
        work.discard()
    assert work.written is False
    assert counts(db_path) == before


def test_an_exception_rolls_back_and_propagates(catalogue, db_path, before):
    with pytest.raises(KeyError), unit_of_work(catalogue, dry_run=False) as work:
        register_many(catalogue, [draft()], source="test", work=work)
        raise KeyError("stop")
    assert work.written is False
    assert counts(db_path) == before


def test_written_is_true_only_after_the_commit(catalogue, db_path, before):
    with unit_of_work(catalogue, dry_run=False) as work:
        report = register_many(catalogue, [draft()], source="test", work=work)
        assert work.written is False and report.written is False
        assert counts(db_path) == before  # not committed yet: another connection sees nothing
    assert work.written is True
    after = counts(db_path)
    assert after["companies"] == before["companies"] + 1
    assert after["history"] > before["history"]


def test_writers_inside_one_unit_land_together(catalogue, db_path, before):
    with unit_of_work(catalogue, dry_run=False) as work:
        companies = register_companies(catalogue, [ClientDraft(
            identifier="HOLD", name="Holding", company_type="PERSON")], source="test", work=work)
        clients = register_many(catalogue, [ClientDraft(from_company="HOLD",
                                                        category="WHOLESALE")],
                                source="test", work=work)
        assert not companies.problems and not clients.problems
        assert set_client_active(catalogue, "HOLD", False, source="test", work=work) is True
    assert work.written
    after = counts(db_path)
    assert after["companies"] == before["companies"] + 1
    assert after["clients"] == before["clients"] + 1


def test_a_writer_given_a_unit_never_ends_it(catalogue, db_path, before):
    """Problems are the caller's to judge: the unit is neither discarded nor committed."""
    with unit_of_work(catalogue, dry_run=False) as work:
        report = register_many(catalogue, [draft(), draft(name="")], source="test", work=work)
        assert report.problems and report.written is False
        assert not work.discarded
        work.discard()
    assert counts(db_path) == before


def test_problems_discard_a_unit_of_its_own(catalogue, db_path, before):
    report = register_many(catalogue, [draft("GOOD"), draft("BAD", name="")], source="test")
    assert report.problems and report.written is False
    assert counts(db_path) == before


def test_storage_errors_are_translated(catalogue, db_path):
    other = open_database(db_path)
    try:
        other.conn.execute("PRAGMA busy_timeout = 0")
        catalogue.conn.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusy), unit_of_work(other, dry_run=False):
                pass
        finally:
            catalogue.conn.execute("ROLLBACK")
    finally:
        other.close()


def test_a_unit_inside_an_open_one_is_a_savepoint(catalogue, db_path, before):
    with unit_of_work(catalogue, dry_run=False) as outer:
        register_many(catalogue, [draft("KEPT")], source="test", work=outer)
        with unit_of_work(catalogue, dry_run=False) as inner:
            register_many(catalogue, [draft("UNDONE")], source="test", work=inner)
            inner.discard()
        assert inner.written is False
    assert outer.written
    conn = sqlite3.connect(db_path)
    try:
        identifiers = {row[0] for row in conn.execute("SELECT identifier FROM companies")}
    finally:
        conn.close()
    assert "KEPT" in identifiers and "UNDONE" not in identifiers
