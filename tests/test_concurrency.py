"""Several clientreg processes on one database: each writer lands whole or says it was busy."""

import contextlib
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.model import ClientDraft
from clientreg.registration import register
from clientreg.storage import open_database

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
BUSY = ("busy", "nothing was written")


def write_csv(path: Path, identifiers: list[str], *, tag: str, company_type: str = "PERSON"):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "email", "city",
                         "contact_name", "contact_email"])
        for n, identifier in enumerate(identifiers):
            writer.writerow([identifier, f"{tag} {n}", company_type, "WHOLESALE",
                             f"info{n}@{tag}.example", "Sevilla", f"Contact {n}",
                             f"c{n}@{tag}.example"])
    return path


def seed(store) -> None:
    """A catalogue and one client."""
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(store, "company_type", {"code": "LEGAL", "name": "Legal entity",
                                      "id_mask": "CLI-{seq:05}"}, source="seed")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    register(store, ClientDraft(identifier="E-1", name="Existing", company_type="PERSON",
                                category="WHOLESALE"), source="seed")
    store.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """A SQLite database seeded (``seed``), to be copied by each test."""
    db = tmp_path_factory.mktemp("seeded") / "base.db"
    seed(open_database(db))
    return db


@pytest.fixture
def db(request, backend, tmp_path) -> Path | str:
    """The test's seeded database: a copy of ``seeded``, or a PostgreSQL database seeded alike."""
    if backend == "sqlite":
        copy = tmp_path / "clients.db"
        shutil.copy(request.getfixturevalue("seeded"), copy)
        return copy
    url = request.getfixturevalue("pg_url")
    seed(open_database(url))
    return url


def launch(db: Path | str, *args: str, timeout: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "CLIENTREG_DB": ""}
    if timeout is not None:
        env["CLIENTREG_BUSY_TIMEOUT"] = timeout
    return subprocess.Popen([*CLI, "--db", str(db), *args],
                            cwd=db.parent if isinstance(db, Path) else None, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in out + err, err
    return process.returncode, out, err


def query(db: Path | str, sql: str) -> list[tuple]:
    """Rows of a query, read through clientreg's storage (a SQLite file or PostgreSQL)."""
    store = open_database(db)
    try:
        return [tuple(row) for row in store.conn.execute(sql).fetchall()]
    finally:
        store.close()


def count(db: Path | str, table: str = "clients") -> int:
    return query(db, f"SELECT count(*) FROM {table}")[0][0]


def integrity(db: Path | str) -> None:
    if isinstance(db, Path):
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert query(db, "SELECT count(*) - count(DISTINCT identifier_key) FROM companies"
                 ) == [(0,)]
    assert query(db, "SELECT count(*) - count(DISTINCT email_key) FROM external_users"
                 ) == [(0,)]


@contextlib.contextmanager
def write_lock_held(db: Path | str) -> Iterator[None]:
    """Another program (or clientreg in the middle of a long import) holds the write lock."""
    if isinstance(db, Path):
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    import psycopg

    from clientreg.storage.postgres import SESSION_LOCK_SQL

    with psycopg.connect(db, autocommit=True) as session:
        session.execute(SESSION_LOCK_SQL)
        yield


class Reader(threading.Thread):
    """Lists and shows clients over and over while the writers run; keeps what it saw."""

    def __init__(self, db: Path | str) -> None:
        super().__init__(daemon=True)
        self.db, self.stop, self.seen, self.failures = db, threading.Event(), [], []

    def run(self) -> None:
        while not self.stop.is_set():
            for args in (("list", "--format", "json"), ("show", "E-1", "--format", "json")):
                code, out, err = finish(launch(self.db, *args))
                if code != 0:
                    self.failures.append((args, code, err))
                elif args[0] == "list":
                    self.seen.append(len(json.loads(out)))


def test_disjoint_imports_at_once_all_land_while_others_read(db, tmp_path):
    sizes = [700, 500, 900, 300]
    files = [write_csv(tmp_path / f"part{i}.csv", [f"P{i}-{n:05d}" for n in range(size)],
                       tag=f"part{i}") for i, size in enumerate(sizes)]
    reader = Reader(db)
    reader.start()
    writers = [launch(db, "import", str(path)) for path in files]
    results = [finish(process) for process in writers]
    reader.stop.set()
    reader.join(timeout=60)
    landed = 0
    for (code, _, err), size in zip(results, sizes, strict=True):
        assert code in (0, 3), err
        if code == 3:
            assert all(word in err for word in BUSY), err
        else:
            landed += size
    assert landed, "no import succeeded"
    assert count(db) == 1 + landed
    assert count(db, "external_users") == landed
    integrity(db)
    assert reader.failures == []
    assert reader.seen, "the reader never listed the clients"
    # A reader sees whole imports only, never part of one.
    possible = {1 + sum(s for bit, s in enumerate(sizes) if mask >> bit & 1)
                for mask in range(1 << len(sizes))}
    assert set(reader.seen) <= possible
    assert reader.seen == sorted(reader.seen)


def test_a_writer_that_waits_past_the_busy_timeout_exits_3_and_writes_nothing(db, tmp_path):
    small = write_csv(tmp_path / "small.csv", ["S-1", "S-2"], tag="small")
    with write_lock_held(db):
        began = time.monotonic()
        waiting = [launch(db, "import", str(small), timeout="0.3"),
                   launch(db, "edit", "E-1", "--set", "city=Cádiz", timeout="0.3")]
        results = [finish(process) for process in waiting]
        assert time.monotonic() - began < 20
    for code, out, err in results:
        assert code == 3, (out, err)
        assert all(word in err for word in BUSY), err
        assert "0.3 s" in err
    assert count(db) == 1
    assert query(db, "SELECT city FROM companies WHERE identifier = 'E-1'") == [(None,)]
    code, _, err = finish(launch(db, "import", str(small), timeout="0.3"))
    assert code == 0, err
    assert count(db) == 3
    integrity(db)


def test_imports_racing_with_a_short_timeout_each_land_whole_or_exit_3(db, tmp_path):
    sizes = [2000, 1500, 1000]
    files = [write_csv(tmp_path / f"race{i}.csv", [f"Q{i}-{n:05d}" for n in range(size)],
                       tag=f"race{i}") for i, size in enumerate(sizes)]
    results = [finish(p) for p in [launch(db, "import", str(f), timeout="0.05") for f in files]]
    landed = 0
    for (code, out, err), size in zip(results, sizes, strict=True):
        assert code in (0, 3), (out, err)
        if code == 3:
            assert all(word in err for word in BUSY), err
        else:
            landed += size
    assert landed, results
    assert count(db) == 1 + landed
    assert count(db, "external_users") == landed
    integrity(db)


def test_two_imports_of_overlapping_identifiers_one_wins_the_other_reports_conflicts(db, tmp_path):
    shared = [f"O-{n:04d}" for n in range(300)]
    left = write_csv(tmp_path / "left.csv", shared + [f"L-{n:04d}" for n in range(300)],
                     tag="left")
    right = write_csv(tmp_path / "right.csv", [f"R-{n:04d}" for n in range(300)] + shared,
                      tag="right")
    results = [finish(p) for p in [launch(db, "import", str(left)),
                                   launch(db, "import", str(right))]]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser = next(out + err for code, out, err in results if code == 1)
    assert "duplicate-identifier" in loser
    assert "O-0000" in loser and "O-0299" in loser
    assert "nothing was written" in loser
    assert count(db) == 1 + 600
    integrity(db)
    prefixes = {row[0] for row in query(
        db, "SELECT DISTINCT substr(identifier, 1, 1) FROM companies WHERE identifier <> 'E-1'")}
    assert prefixes in ({"O", "L"}, {"O", "R"})


def test_identifiers_generated_by_two_imports_at_once_never_collide(db, tmp_path):
    files = [write_csv(tmp_path / f"gen{i}.csv", [""] * 400, tag=f"gen{i}",
                       company_type="LEGAL") for i in range(3)]
    results = [finish(p) for p in [launch(db, "import", str(f)) for f in files]]
    assert [code for code, _, _ in results] == [0, 0, 0], results
    generated = sorted(row[0] for row in query(
        db, "SELECT identifier FROM companies WHERE identifier LIKE 'CLI-%'"))
    assert generated == [f"CLI-{n:05d}" for n in range(1, 1201)]
    integrity(db)


def test_many_processes_opening_a_new_database_at_once_create_it_once(tmp_path):
    db = tmp_path / "new.db"
    processes = [launch(db, "company-type", "list") for _ in range(6)]
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0] * 6, results
    with sqlite3.connect(db) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    conn.close()
    assert names == ["0001_initial", "0002_search", "0003_email_lower", "0004_runs",
                     "0005_digests"]
    integrity(db)


def test_many_processes_opening_a_new_postgres_database_at_once_create_it_once(pg_url):
    processes = [launch(pg_url, "company-type", "list") for _ in range(6)]
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0] * 6, results
    names = [n for (n,) in query(pg_url, "SELECT name FROM clientreg_migrations ORDER BY name")]
    assert names == ["0001_initial", "0002_search", "0003_email_lower", "0004_runs",
                     "0005_digests"]
    integrity(pg_url)


# -- many writers: imports and clerks at once (issue #17, item 4) -----------------------------

RETRY_WORDS = ("serializ", "deadlock", "could not serialize", "Traceback")


def clerk(db: Path | str, name: str, count: int, results: list) -> None:
    """A clerk registering clients one after another with new --no-input."""
    for n in range(count):
        code, out, err = finish(launch(
            db, "new", "--no-input", "--type", "LEGAL", "--category", "WHOLESALE",
            "--name", f"{name} {n}", "--email", f"{name}{n}@clerks.example",
            "--contact", f"Desk {n} <desk{n}@{name}.example>", timeout="60"))
        results.append((code, err))


def test_four_imports_and_two_clerks_at_once_land_exactly(db, tmp_path):
    sizes = [300, 200, 250, 150]
    files = [write_csv(tmp_path / f"team{i}.csv", [""] * size, tag=f"team{i}",
                       company_type="LEGAL") for i, size in enumerate(sizes)]
    runs_before = count(db, "runs")
    clerks: list = []
    threads = [threading.Thread(target=clerk, args=(db, name, 6, clerks))
               for name in ("ana", "bo")]
    imports = [launch(db, "import", str(file), timeout="60") for file in files]
    for thread in threads:
        thread.start()
    results = [finish(process) for process in imports]
    for thread in threads:
        thread.join(timeout=300)
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    assert [code for code, _ in clerks] == [0] * 12, clerks
    for text in [err for _, _, err in results] + [err for _, err in clerks]:
        assert not any(word in text for word in RETRY_WORDS), text
    # Exact totals: every row of every file and every clerk's client, each identifier of the
    # mask given once, in sequence; every contact; a run per command.
    total = sum(sizes) + 12
    assert count(db) == 1 + total
    generated = sorted(row[0] for row in query(
        db, "SELECT identifier FROM companies WHERE identifier LIKE 'CLI-%'"))
    assert generated == [f"CLI-{n:05d}" for n in range(1, total + 1)]
    assert count(db, "external_users") == total
    assert count(db, "client_contacts") == total
    assert count(db, "runs") == runs_before + 4 + 12
    integrity(db)


def test_a_transaction_the_server_asks_to_run_again_is_run_again(pg_url, monkeypatch):
    from clientreg.storage.postgres import PgConnection

    seed(open_database(pg_url))
    original = PgConnection.copy_rows
    refusals = []

    def refuse_twice(self, table, columns, rows):
        if table == "companies" and len(refusals) < 2:
            refusals.append(table)
            # What the server says to a transaction it cannot serialize (or a deadlock's victim).
            self.execute("DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' "
                         "USING ERRCODE = 'serialization_failure'; END $$")
        return original(self, table, columns, rows)

    monkeypatch.setattr(PgConnection, "copy_rows", refuse_twice)
    store = open_database(pg_url)
    try:
        register(store, ClientDraft(identifier="R-1", name="Retried", company_type="PERSON",
                                    category="WHOLESALE"), source="test")
    finally:
        store.close()
    monkeypatch.setattr(PgConnection, "copy_rows", original)
    assert len(refusals) == 2
    assert query(pg_url, "SELECT identifier FROM companies ORDER BY identifier") == [
        ("E-1",), ("R-1",)]


def test_a_transaction_refused_again_and_again_exits_3_and_writes_nothing(pg_url, monkeypatch):
    from typer.testing import CliRunner

    from clientreg.commands.app import app
    from clientreg.storage.postgres import PgConnection

    seed(open_database(pg_url))
    original = PgConnection.copy_rows

    def always_refuse(self, table, columns, rows):
        if table == "companies":
            self.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' "
                         "USING ERRCODE = 'deadlock_detected'; END $$")
        return original(self, table, columns, rows)

    monkeypatch.setattr(PgConnection, "copy_rows", always_refuse)
    result = CliRunner().invoke(app, ["--db", pg_url, "new", "--no-input", "--type", "PERSON",
                                      "--category", "WHOLESALE", "--identifier", "R-2",
                                      "--name", "Refused"])
    monkeypatch.setattr(PgConnection, "copy_rows", original)
    assert result.exit_code == 3, result.output
    assert "asked 5 times for the transaction to be run again" in result.output
    assert "nothing was written" in result.output and "Traceback" not in result.output
    assert count(pg_url) == 1


def test_a_clerk_whose_server_is_down_exits_3_with_the_url_without_its_password():
    code, out, err = finish(launch("postgresql://clerk:pa55word@127.0.0.1:1/register",
                                   "new", "--no-input", "--type", "PERSON", "--category",
                                   "WHOLESALE", "--name", "Nobody"))
    assert code == 3
    assert "postgresql://clerk@127.0.0.1:1/register" in err
    assert "pa55word" not in out + err
