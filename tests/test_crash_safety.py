"""A write killed at any moment leaves the database whole: as it was before, or with all of it."""

import contextlib
import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register
from clientreg.storage import open_database

ROWS = 3000
# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
# Registration through the core alone, as a program embedding clientreg would do it.
SCRIPT = """
import sys
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register_many
from clientreg.storage import open_database

store = open_database(sys.argv[1])
drafts = (ClientDraft(identifier=f"S-{i:06d}", name=f"Sociedad {i}", company_type="PERSON",
                      category="WHOLESALE", email=f"info{i}@s{i}.example", country="ES",
                      phone=f"+34 7{i:08d}",
                      contacts=[ContactDraft(name=f"Socio {i}", email=f"socio{i}@s{i}.example")])
          for i in range(int(sys.argv[2])))
report = register_many(store, drafts, source="script")
assert report.written, report.problems[:3]
store.close()
"""
# Left out of the comparison: timestamps, and a run's command line, which names the file.
TIMESTAMPS = {"created_at", "updated_at", "at", "started_at", "ended_at", "command"}


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, timestamps left out, after checking the file's integrity."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        found = {}
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")
                       if row[1] not in TIMESTAMPS]
            listed = ", ".join(f'"{c}"' for c in columns)
            found[table] = sorted(conn.execute(f'SELECT {listed} FROM "{table}"').fetchall(),
                                  key=repr)
        return found
    finally:
        conn.close()


def data_of(state: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The registered data alone: what is left when the run ledger is taken out."""
    return {table: rows for table, rows in state.items() if table not in ("runs", "run_inputs")}


def client_count(state: dict[str, list[tuple]]) -> int:
    return len(state["clients"])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A folder with a database holding a catalogue and two clients, and a large CSV file."""
    folder = tmp_path_factory.mktemp("crash")
    store = open_database(folder / "base.db")
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    for identifier, city in (("E-1", "Sevilla"), ("E-2", "Granada")):
        register(store, ClientDraft(
            identifier=identifier, name=f"Existing {identifier}", company_type="PERSON",
            category="WHOLESALE", city=city, country="ES",
            contacts=[ContactDraft(name="Ana", email=f"ana@{identifier.lower()}.example")]),
            source="seed")
    store.close()
    with (folder / "big.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "email", "phone",
                         "country", "city", "contact_name", "contact_email"])
        for i in range(ROWS):
            writer.writerow([f"K-{i:06d}", f"Cliente número {i}", "PERSON", "WHOLESALE",
                             f"info{i}@k{i}.example", f"+34 6{i:08d}", "ES", "Sevilla",
                             f"Contacto {i}", f"c{i}@k{i}.example"])
    return folder


def fresh_copy(base: Path, tmp_path: Path) -> Path:
    db = tmp_path / "clients.db"
    shutil.copy(base / "base.db", db)
    return db


def start(command: list[str], cwd: Path) -> subprocess.Popen:
    # A session of its own, so that whatever the child starts can be found (and ended) after.
    return subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def end_session(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def run_to_end(command: list[str], cwd: Path) -> float:
    began = time.monotonic()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - began


def kill_after(command: list[str], cwd: Path, delay: float) -> bool:
    """Run the command, SIGKILL it after `delay` seconds; say whether it was still running."""
    process = start(command, cwd)
    try:
        time.sleep(delay)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        end_session(process)
    return running


def import_command(db: Path, *options: str) -> list[str]:
    return [*CLI, "--db", str(db), "import", "big.csv", *options]


@pytest.fixture(scope="module")
def imported(base, tmp_path_factory):
    """The database as a complete import leaves it, and how long the import took."""
    db = tmp_path_factory.mktemp("complete") / "clients.db"
    shutil.copy(base / "base.db", db)
    took = run_to_end(import_command(db), base)
    return contents(db), took


@pytest.mark.parametrize("moment", ["0.2 s", "0.5 s", "1 s", "60 %", "95 %"])
def test_an_import_killed_at_any_moment_leaves_before_or_after(base, imported, tmp_path, moment):
    after, took = imported
    db = fresh_copy(base, tmp_path)
    before = contents(db)
    number = float(moment.split()[0])
    delay = number if moment.endswith(" s") else took * number / 100
    running = kill_after(import_command(db), base, delay)
    state = contents(db)
    assert state in (before, after), "half an import is in the database"
    if running and delay < took / 2:
        assert state == before
    again = subprocess.run(import_command(db, "--on-conflict", "skip"), cwd=base,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    # The re-run is a run of its own (it skipped what the killed one had written, if anything).
    assert data_of(contents(db)) == data_of(after)


def test_an_import_killed_while_its_commit_is_checkpointed_keeps_all_of_it(base, imported,
                                                                          tmp_path):
    """After COMMIT, SQLite copies the WAL into the main file; a kill then loses nothing."""
    after, _ = imported
    db = fresh_copy(base, tmp_path)
    before = contents(db)
    first = db.stat()
    process = start(import_command(db), base)
    try:
        while process.poll() is None:
            now = db.stat()
            if (now.st_mtime_ns, now.st_size) != (first.st_mtime_ns, first.st_size):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        process.wait(timeout=30)
    finally:
        end_session(process)
    state = contents(db)
    assert state != before
    assert state == after


def test_a_killed_import_leaves_no_process_behind(base, imported, tmp_path, monkeypatch):
    _, took = imported
    monkeypatch.setenv("CLIENTREG_FAST", "1")  # its worker processes are a fast path
    db = fresh_copy(base, tmp_path)
    process = start(import_command(db), base)
    try:
        # Killed once its worker processes run (the ones that could be left behind), or at 70 %
        # of its usual time where /proc cannot tell: a fixed delay alone misses on a busy machine.
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if children.exists():
            deadline = time.monotonic() + 30
            while (process.poll() is None and not children.read_text().split()
                   and time.monotonic() < deadline):
                time.sleep(0.005)
        else:
            time.sleep(took * 0.7)
        assert process.poll() is None, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 3
        left = True
        while left and time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
                time.sleep(0.1)
            except ProcessLookupError:
                left = False
    finally:
        end_session(process)
    assert not left, "processes of the killed import were still running 3 s later"


@pytest.fixture(scope="module")
def scripted(base, tmp_path_factory):
    db = tmp_path_factory.mktemp("scripted") / "clients.db"
    shutil.copy(base / "base.db", db)
    took = run_to_end([sys.executable, "-c", SCRIPT, str(db), str(ROWS)], base)
    return contents(db), took


@pytest.mark.parametrize("fraction", [0.3, 0.8])
def test_register_many_killed_leaves_before_or_after(base, scripted, tmp_path, fraction):
    after, took = scripted
    assert client_count(after) == ROWS + 2
    db = fresh_copy(base, tmp_path)
    before = contents(db)
    running = kill_after([sys.executable, "-c", SCRIPT, str(db), str(ROWS)], base,
                         took * fraction)
    state = contents(db)
    assert state in (before, after)
    if running and fraction < 0.5:
        assert state == before
    run_to_end([sys.executable, "-c", SCRIPT.replace('source="script"',
                                                       'source="script", on_conflict="skip"'),
                str(db), str(ROWS)], base)
    assert contents(db) == after


EDIT = ("edit", "E-1", "--set", "city=Cádiz", "--set", "name=Existing One S.L.",
        "--set", "email=ventas@e-1.example")
NEW = ("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE", "--identifier",
       "N-1", "--name", "Nueva", "--city", "Huelva", "--contact", "Eva <eva@nueva.example>")


@pytest.mark.parametrize("arguments", [EDIT, NEW], ids=["edit --set", "new --no-input"])
def test_a_killed_edit_or_registration_is_all_or_nothing(base, tmp_path, arguments):
    reference = fresh_copy(base, tmp_path)
    before = contents(reference)
    took = run_to_end([*CLI, "--db", str(reference), *arguments], tmp_path)
    after = contents(reference)
    assert after != before
    outcomes = set()
    for step in range(4):
        db = tmp_path / f"killed-{step}.db"
        shutil.copy(base / "base.db", db)
        kill_after([*CLI, "--db", str(db), *arguments], tmp_path, took * (0.3 + step * 0.2))
        state = contents(db)
        assert state in (before, after)
        outcomes.add("after" if state == after else "before")
        if state == before:
            run_to_end([*CLI, "--db", str(db), *arguments], tmp_path)
            assert contents(db) == after
    assert "before" in outcomes
