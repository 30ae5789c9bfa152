"""Ctrl-C and SIGTERM: what clientreg prints tells the truth about what the database holds."""

import contextlib
import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.storage import open_database

ROWS = 8000
# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
NOTHING_SAVED = "nothing was saved"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A folder with a database holding a catalogue, and a CSV file of ROWS clients."""
    folder = tmp_path_factory.mktemp("interrupts")
    store = open_database(folder / "base.db")
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    store.close()
    with (folder / "big.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "email", "phone",
                         "country", "contact_name", "contact_email"])
        for i in range(ROWS):
            writer.writerow([f"K-{i:06d}", f"Cliente {i}", "PERSON", "WHOLESALE",
                             f"info{i}@k{i}.example", f"+34 6{i:08d}", "ES", f"Contacto {i}",
                             f"c{i}@k{i}.example"])
    return folder


def fresh_copy(base: Path, tmp_path: Path) -> Path:
    db = tmp_path / "clients.db"
    shutil.copy(base / "base.db", db)
    return db


def start(db: Path, *args: str, cwd: Path, workers: int | None = None) -> subprocess.Popen:
    # A session of its own, so that a signal can reach the whole group as Ctrl-C at a terminal
    # does, workers included.
    env = {**os.environ, "CLIENTREG_DB": ""}
    if workers is not None:
        # Worker processes are a fast path: CLIENTREG_FAST=0 around the suite would turn them off.
        env.update(CLIENTREG_WORKERS=str(workers), CLIENTREG_FAST="1")
    return subprocess.Popen([*CLI, "--db", str(db), *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, out, err


def client_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    finally:
        conn.close()


def session_ended(process: subprocess.Popen, seconds: float = 5) -> bool:
    """Whether every process of the command's session (its workers too) is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def interrupted_import(db: Path, cwd: Path, *, delay: float | None, sig=signal.SIGINT):
    """Run an import and signal its group: after `delay` seconds, or (None) as soon as another
    connection sees its clients, which is while COMMIT runs or just after."""
    process = start(db, "import", "big.csv", cwd=cwd)
    try:
        if delay is None:
            reader = sqlite3.connect(db, timeout=30)
            deadline = time.monotonic() + 120
            try:
                while process.poll() is None and time.monotonic() < deadline:
                    if reader.execute("SELECT count(*) FROM clients").fetchone()[0]:
                        break
                    time.sleep(0.002)
            finally:
                reader.close()
        else:
            time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    finally:
        code, out, err = finish(process)
    return code, out, err


@pytest.fixture(scope="module")
def import_seconds(base, tmp_path_factory) -> float:
    db = fresh_copy(base, tmp_path_factory.mktemp("whole"))
    began = time.monotonic()
    code, _, err = finish(start(db, "import", "big.csv", cwd=base))
    assert code == 0, err
    return time.monotonic() - began


def test_ctrl_c_never_says_nothing_was_saved_when_the_import_was(base, import_seconds,
                                                                 tmp_path):
    """Signals just after the clients became visible (inside COMMIT or right after), and at
    random moments around the end: the words and the database always agree."""
    rng = random.Random()
    delays: list[float | None] = [None, None, None]
    delays += [rng.uniform(0.6, 1.1) * import_seconds for _ in range(3)]
    seen = []
    for run, delay in enumerate(delays):
        folder = tmp_path / str(run)
        folder.mkdir()
        db = fresh_copy(base, folder)
        code, out, err = interrupted_import(db, base, delay=delay)
        clients = client_count(db)
        where = f"signal at {delay or 'first sight of the clients'}: exit {code}, {err!r}"
        assert "Traceback" not in err, where
        assert clients in (0, ROWS), where
        if clients:
            assert NOTHING_SAVED not in err, where
        if NOTHING_SAVED in err:
            assert clients == 0, where
        if code == -signal.SIGINT:
            # The command had finished and printed its whole report; Python was exiting.
            assert clients == ROWS and f"Clients: {ROWS} created" in out, where
        elif code != 0:
            assert code == 130, where
        seen.append((delay, code, clients, err))
    saved_and_told = [s for s in seen if s[0] is None and s[1] == 130 and s[2] == ROWS]
    assert saved_and_told, f"no signal landed during or after the commit: {seen}"
    for _, _, _, err in saved_and_told:
        assert err.endswith("Interrupted after the changes were saved: all of them are in the "
                            "database, and what is printed above is complete.\n"), err


def test_after_the_commit_the_import_prints_its_whole_report(base, tmp_path):
    db = fresh_copy(base, tmp_path)
    code, out, err = interrupted_import(db, base, delay=None)
    assert client_count(db) == ROWS
    assert code == 130
    assert f"Clients: {ROWS} created" in out
    assert NOTHING_SAVED not in err


@pytest.mark.parametrize("sig, code, message", [
    (signal.SIGTERM, 143, "Terminated: nothing was saved.\n"),
    (signal.SIGINT, 130, "Cancelled: nothing was saved.\n"),
])
def test_a_signal_while_registering_stops_cleanly_workers_included(base, tmp_path, sig, code,
                                                                   message):
    db = fresh_copy(base, tmp_path)
    process = start(db, "import", "big.csv", cwd=base, workers=2)
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if not children.exists():
            pytest.skip("needs Linux's /proc to see the worker processes")
        while process.poll() is None and not children.read_text().split():
            time.sleep(0.005)
        assert process.poll() is None, "the import ended before its workers started"
        time.sleep(0.2)
        os.killpg(process.pid, sig)
    finally:
        returncode, out, err = finish(process)
    assert (returncode, err) == (code, message)
    assert out == ""
    assert client_count(db) == 0
    assert session_ended(process), "a worker process outlived the import"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.db"]


def test_sigterm_during_an_export_leaves_no_partial_file(base, tmp_path):
    db = fresh_copy(base, tmp_path)
    code, _, err = finish(start(db, "import", "big.csv", cwd=base))
    assert code == 0, err
    target = tmp_path / "out" / "clients.csv"
    target.parent.mkdir()
    interrupted = 0
    # The export's file has no name until it is complete, so the signal is sent at delays that
    # fall inside the run: after start-up, while rows are written.
    for delay in (0.4, 0.6, 0.8, 1.0, 1.5, 2.0):
        process = start(db, "export", "--format", "csv", "-o", str(target), cwd=tmp_path)
        try:
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGTERM)
        finally:
            returncode, _, err = finish(process)
        if returncode == 0 or err.startswith("Exported "):
            # Finished before the signal: the file is whole; a late SIGTERM is Python's own.
            target.unlink()
            continue
        if (returncode, err) == (-signal.SIGTERM, ""):
            # On a loaded machine the signal can land before clientreg has even started (the
            # interpreter's own default ends it): nothing may be left behind then either.
            assert list(target.parent.iterdir()) == []
            continue
        interrupted += 1
        assert (returncode, err) == (143, "Terminated: nothing was saved.\n")
        assert list(target.parent.iterdir()) == []
    if not interrupted:
        pytest.skip("every export ended before the signal reached it")

