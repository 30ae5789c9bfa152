"""The database file on a full disk, its permissions, and a database that cannot be written.

A full disk and a read-only file system are made for real: a small tmpfs mounted in a mount
namespace of its own (`unshare -rm`), or, failing that, mounted directly when the tests run as
root. Permission bits alone would prove nothing as root, which CI is.
"""

import contextlib
import csv
import json
import os
import shlex
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from clientreg.catalogue import add_entry
from clientreg.errors import StorageError
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register, register_many
from clientreg.storage import Store, open_database
from clientreg.storage.schema import migrations

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
ROWS = 3000
MiB = 1024 * 1024


def write_csv(path: Path, rows: int, prefix: str = "K") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier", "name", "company_type", "category", "email", "country",
                         "contact_name", "contact_email"])
        for i in range(rows):
            writer.writerow([f"{prefix}-{i:06d}", f"Cliente {i}", "PERSON", "WHOLESALE",
                             f"info{i}@{prefix}{i}.example", "ES", f"Contacto {i}",
                             f"c{i}@{prefix}{i}.example"])
    return path


def catalogue_database(path: Path, clients: int = 0) -> Path:
    store = open_database(path)
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    if clients:
        register_many(store, (ClientDraft(
            identifier=f"E-{i}", name=f"Existing {i}", company_type="PERSON",
            category="WHOLESALE", country="ES",
            contacts=[ContactDraft(name=f"Ana {i}", email=f"ana{i}@e{i}.example")])
            for i in range(clients)), source="seed")
    store.close()
    return path


def clients_in(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    finally:
        conn.close()


class Mounted:
    """A shell script run with a fresh tmpfs at ``mnt``; each `run NAME ARGS` is a clientreg
    command whose exit code and output are kept in ``out`` (outside the mount) for the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.mnt = tmp_path / "mnt"
        self.out = tmp_path / "out"
        self.mnt.mkdir()
        self.out.mkdir()

    def prelude(self, size: str) -> str:
        cli = " ".join(shlex.quote(part) for part in CLI)
        return (f"set -e\nmount -t tmpfs -o size={size},mode=0755 tmpfs {self.mnt}\n"
                f"run() {{ name=$1; shift; set +e; {cli} \"$@\" >{self.out}/$name.out "
                f"2>{self.out}/$name.err </dev/null; echo $? >{self.out}/$name.rc; set -e; }}\n")

    def script(self, size: str, body: str) -> None:
        script = self.prelude(size) + body
        env = {**os.environ, "CLIENTREG_DB": "", "CLIENTREG_WORKERS": "0", "COLUMNS": "3000"}
        for launcher in _launchers(self.mnt):
            done = subprocess.run([*launcher, "sh", "-c", script], capture_output=True,
                                  text=True, timeout=120, env=env)
            if os.path.ismount(self.mnt):
                subprocess.run(["umount", "-l", str(self.mnt)], check=False)
            assert done.returncode == 0, done.stderr
            return
        pytest.skip("needs a tmpfs of its own: neither 'unshare -rm' + 'mount -t tmpfs' nor "
                    "'mount -t tmpfs' as root works here")

    def result(self, name: str) -> tuple[int, str, str]:
        return (int((self.out / f"{name}.rc").read_text()),
                (self.out / f"{name}.out").read_text(), (self.out / f"{name}.err").read_text())


def _launchers(target: Path) -> list[list[str]]:
    """How a script can mount a tmpfs here: in a mount namespace of its own, or as root."""
    probe = f"mount -t tmpfs -o size=1m tmpfs {target} && umount {target}"
    found = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        if subprocess.run(["unshare", "-rm", "sh", "-c", probe], capture_output=True,
                          timeout=30).returncode == 0:
            found.append(["unshare", "-rm"])
    if not found and os.geteuid() == 0:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if subprocess.run(["sh", "-c", probe], capture_output=True,
                              timeout=30).returncode == 0:
                found.append([])
    return found


# -- a full disk -------------------------------------------------------------------------------


def test_an_import_on_a_full_disk_says_so_and_leaves_the_database_usable(tmp_path):
    base = catalogue_database(tmp_path / "base.db", clients=2)
    big = write_csv(tmp_path / "big.csv", ROWS)
    mounted = Mounted(tmp_path)
    db = mounted.mnt / "clients.db"
    # The tmpfs holds the database, and ballast that leaves too little room for the import.
    ballast_size = 16 * MiB - base.stat().st_size - MiB
    mounted.script("16m", f"""
cp {base} {db}
head -c {ballast_size} /dev/zero > {mounted.mnt}/ballast
run full --db {db} import {big}
run list --db {db} list --format json
ls -A {mounted.mnt} > {mounted.out}/files
cp {db} {mounted.out}/after-full.db
rm {mounted.mnt}/ballast
run again --db {db} import {big}
cp {db} {mounted.out}/after-again.db
""")
    code, out, err = mounted.result("full")
    assert (code, out) == (3, "")
    assert err == f"Error: the disk holding {db} is full; nothing was written [disk-full]\n"
    assert clients_in(mounted.out / "after-full.db") == 2
    code, out, err = mounted.result("list")
    assert code == 0, err
    assert len(json.loads(out)) == 2
    assert (mounted.out / "files").read_text().split() == ["ballast", "clients.db"]
    code, out, err = mounted.result("again")
    assert code == 0, err
    assert clients_in(mounted.out / "after-again.db") == 2 + ROWS


def test_a_database_that_reaches_its_page_limit_says_the_disk_is_full(tmp_path):
    """SQLite's page limit fails a write as a full disk does, without a mount."""
    db = catalogue_database(tmp_path / "clients.db", clients=2)
    store = open_database(db)
    try:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        drafts = (ClientDraft(identifier=f"K-{i}", name=f"Cliente {i}", company_type="PERSON",
                              category="WHOLESALE", country="ES")
                  for i in range(ROWS))
        with pytest.raises(StorageError) as raised:
            register_many(store, drafts, source="test")
        assert raised.value.code == "disk-full"
        assert str(raised.value) == f"the disk holding {db} is full; nothing was written"
        assert not store.conn.in_transaction
        register(store, ClientDraft(identifier="K-ONE", name="One more", company_type="PERSON",
                                    category="WHOLESALE", country="ES"), source="test")
    finally:
        store.close()
    assert clients_in(db) == 3


# -- permissions -------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_readable_by_the_owner_only(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("company_types:\n  - code: PERSON\n    name: Individual\n"
                    "categories:\n  - code: WHOLESALE\n    name: Wholesale\n", encoding="utf-8")
    big = write_csv(tmp_path / "big.csv", ROWS)
    # The default database, in a data folder that does not exist yet: clientreg creates both.
    db = tmp_path / "data" / "clientreg" / "clientreg.db"
    process = subprocess.Popen([*CLI, "import", str(seed), str(big)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "CLIENTREG_DB": "",
                                    "XDG_DATA_HOME": str(tmp_path / "data")},
                               preexec_fn=lambda: os.umask(0))
    sidecars = {}
    try:
        while process.poll() is None and len(sidecars) < 2:
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    sidecars.setdefault(suffix, mode(db.with_name(db.name + suffix)))
            time.sleep(0.001)
    finally:
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    assert mode(db.parent.parent) == 0o700
    assert sidecars == {"-wal": 0o600, "-shm": 0o600}


def test_an_existing_database_keeps_its_mode(tmp_path):
    db = catalogue_database(tmp_path / "clients.db")
    db.chmod(0o640)
    done = subprocess.run([*CLI, "--db", str(db), "category", "add", "RETAIL", "--name",
                           "Retail"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CLIENTREG_DB": ""})
    assert done.returncode == 0, done.stderr
    assert mode(db) == 0o640


def old_database(path: Path) -> None:
    """A database as the first clientreg release left it: schema 0001 only, one client in it."""
    db = Database(path)
    migrations.apply(db, stop_before="0002_search")
    old = Store(db=db, path=path)
    add_entry(old, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(old, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    register(old, ClientDraft(identifier="OLD-1", name="Almacenes Antiguos",
                              company_type="PERSON", category="WHOLESALE", country="ES"),
             source="seed")
    old.close()


def test_an_explicit_database_in_a_folder_that_does_not_exist_is_refused(tmp_path):
    for args, env in (((["--db", str(tmp_path / "typo" / "clients.db")]), {}),
                      ([], {"CLIENTREG_DB": str(tmp_path / "typo" / "clients.db")})):
        done = subprocess.run([*CLI, *args, "list"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "CLIENTREG_DB": "", **env})
        assert done.returncode == 2, done.stderr
        assert f"the folder {tmp_path / 'typo'} does not exist" in " ".join(done.stderr.split())
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_copy_made_before_a_migration_is_readable_by_the_owner_only(tmp_path):
    db = tmp_path / "clients.db"
    old_database(db)
    done = subprocess.run([*CLI, "--db", str(db), "list"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "CLIENTREG_DB": ""},
                          preexec_fn=lambda: os.umask(0))
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "clients.db.0001_initial.bak") == 0o600


# -- a database that cannot be written ---------------------------------------------------------

READING = {
    "list": ["list", "--format", "json"],
    "show": ["show", "E-1", "--format", "json"],
    "export": ["export", "--format", "json"],
    "company-list": ["company", "list"],
    "external-user-list": ["external-user", "list"],
    "category-list": ["category", "list"],
    "type-list": ["company-type", "list"],
}
WRITING = {
    "category-add": ["category", "add", "RETAIL", "--name", "Retail"],
    "import": ["import", "{csv}"],
    "new": ["new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
            "--identifier", "N-1", "--name", "Nuevo", "--country", "ES"],
    "deactivate": ["deactivate", "E-1"],
}
# A writer stopped without closing: its -wal holds committed clients, and the -shm is there.
UNCLOSED_WRITER = """
import os, sys
from clientreg.model import ClientDraft
from clientreg.registration import register
from clientreg.storage import open_database
store = open_database(sys.argv[1])
store.conn.execute("PRAGMA wal_autocheckpoint = 0")
register(store, ClientDraft(identifier="W-1", name="Only in the WAL", company_type="PERSON",
                            category="WHOLESALE", country="ES"), source="test")
os._exit(0)
"""


def read_only_script(mounted: Mounted, db: Path, small_csv: Path) -> str:
    lines = []
    for name, args in {**READING, **WRITING}.items():
        args = [arg.format(csv=small_csv) for arg in args]
        lines.append(f"run {name} --db {db} " + " ".join(shlex.quote(a) for a in args))
    return "\n".join(lines) + f"\nls -A {mounted.mnt} > {mounted.out}/files\n"


@pytest.mark.parametrize("leftover_wal", [False, True], ids=["closed", "wal-left-over"])
def test_a_read_only_database_can_be_read_and_refuses_writes(tmp_path, leftover_wal):
    base = catalogue_database(tmp_path / "base.db", clients=3)
    small = write_csv(tmp_path / "small.csv", 5, prefix="S")
    mounted = Mounted(tmp_path)
    db = mounted.mnt / "clients.db"
    writer = ""
    if leftover_wal:
        (tmp_path / "writer.py").write_text(UNCLOSED_WRITER, encoding="utf-8")
        writer = f"{shlex.quote(sys.executable)} {tmp_path / 'writer.py'} {db}\n"
    mounted.script("16m", f"cp {base} {db}\n{writer}mount -o remount,ro {mounted.mnt}\n"
                   + read_only_script(mounted, db, small))
    expected = 4 if leftover_wal else 3
    for name in READING:
        code, out, err = mounted.result(name)
        assert code == 0, (name, err)
        assert "Traceback" not in err
    assert len(json.loads(mounted.result("list")[1])) == expected
    assert json.loads(mounted.result("show")[1])["identifier"] == "E-1"
    assert len(json.loads(mounted.result("export")[1])["clients"]) == expected
    assert "ana1@e1.example" in mounted.result("external-user-list")[1]
    for name in WRITING:
        assert mounted.result(name) == (
            3, "", f"Error: the database {db} is read-only; nothing was written [read-only]\n")
    files = ["clients.db", "clients.db-shm", "clients.db-wal"] if leftover_wal else ["clients.db"]
    assert sorted((mounted.out / "files").read_text().split()) == files


def test_a_read_only_database_that_needs_an_upgrade_says_so(tmp_path):
    old = tmp_path / "old.db"
    old_database(old)
    mounted = Mounted(tmp_path)
    db = mounted.mnt / "clients.db"
    mounted.script("4m", f"cp {old} {db}\nmount -o remount,ro {mounted.mnt}\n"
                         f"run list --db {db} list\nls -A {mounted.mnt} > {mounted.out}/files\n")
    assert mounted.result("list") == (
        3, "", f"Error: the database {db} is read-only and needs an upgrade to this version of "
               "clientreg before it can be read; open it once where it can be written "
               "[read-only]\n")
    assert (mounted.out / "files").read_text().split() == ["clients.db"]


@pytest.mark.parametrize("size, rows", [("64k", ROWS), ("1m", 10 * ROWS)],
                         ids=["at-once", "half-way"])
def test_an_import_whose_temporary_files_fill_their_disk_says_which_disk(tmp_path, size, rows):
    """Staged rows and SQLite's sorting go to temporary files, often on another disk."""
    db = catalogue_database(tmp_path / "clients.db", clients=2)
    big = write_csv(tmp_path / "big.csv", rows)
    mounted = Mounted(tmp_path)
    mounted.script(size, f"SQLITE_TMPDIR={mounted.mnt} run full --db {db} import {big}\n")
    assert mounted.result("full") == (
        3, "", f"Error: the disk holding temporary files ({mounted.mnt}) is full; nothing was "
               "written [disk-full]\n")
    assert clients_in(db) == 2
