"""Output files: never the database or an input, whole or not at all, owner-only, no traceback."""

import csv
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry
from clientreg.storage import open_database

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]
HEADER = ["identifier", "name", "company_type", "category", "email", "country"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def bad_and_good(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "clients.csv", [
        ["P-1", "Good S.L.", "PERSON", "WHOLESALE", "good@good.example", "ES"],
        ["P-2", "Bad S.L.", "PERSON", "NO-SUCH", "bad@bad.example", "ES"]])


def refused(result, option: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "Traceback" not in result.output


def test_export_refuses_to_overwrite_the_database(cli, catalogue, db_path, tmp_path):
    before = db_path.read_bytes()
    refused(cli("export", "--format", "csv", "-o", str(db_path)), "--output")
    wal = cli("export", "-o", f"{tmp_path}/./{db_path.name}-wal")
    refused(wal, "--output")
    assert f"is the -wal file of the database {db_path}" in " ".join(wal.output.split())
    (tmp_path / "link.db").symlink_to(db_path)
    refused(cli("template", "-o", str(tmp_path / "link.db")), "--output")
    os.link(db_path, tmp_path / "hard.csv")
    result = cli("export", "-o", str(tmp_path / "hard.csv"))
    refused(result, "--output")
    assert "hard.csv is the database" in result.output
    assert db_path.read_bytes() == before


def test_import_errors_may_not_name_an_input(cli, catalogue, tmp_path):
    source = bad_and_good(tmp_path)
    before = source.read_bytes()
    result = cli("import", str(source), "--errors", str(source))
    refused(result, "--errors")
    assert "is read by this command" in result.output
    (tmp_path / "link.csv").symlink_to(source)
    result = cli("import", str(source), "--errors", str(tmp_path / "link.csv"))
    refused(result, "--errors")
    assert f"link.csv is {source}, which this command reads" in result.output
    assert source.read_bytes() == before


def test_save_as_may_not_name_the_database(cli, catalogue, db_path):
    before = db_path.read_bytes()
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--name", "Uno", "--identifier", "U-1", "--save-as", str(db_path))
    refused(result, "--save-as")
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_new_output_files_are_for_their_owner_only(cli, catalogue, tmp_path, umask):
    source = bad_and_good(tmp_path)
    previous = os.umask(umask)
    try:
        assert cli("import", str(source), "--errors", str(tmp_path / "r.csv")).exit_code == 1
        assert cli("export", "-o", str(tmp_path / "e.xlsx")).exit_code == 0
        assert cli("export", "-o", str(tmp_path / "e.csv")).exit_code == 0
        assert cli("template", "-o", str(tmp_path / "t.csv")).exit_code == 0
        assert cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                   "--name", "Uno", "--identifier", "U-1",
                   "--save-as", str(tmp_path / "s.yaml")).exit_code == 0
    finally:
        os.umask(previous)
    for name in ("r.csv", "e.xlsx", "e.csv", "t.csv", "s.yaml"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_an_existing_errors_file_is_replaced_whole(cli, catalogue, tmp_path):
    source = bad_and_good(tmp_path)
    rejects = tmp_path / "r.csv"
    rejects.write_text("old\n")
    rejects.chmod(0o640)
    inode = rejects.stat().st_ino
    assert cli("import", str(source), "--errors", str(rejects)).exit_code == 1
    assert "P-2" in rejects.read_text(encoding="utf-8")
    assert rejects.stat().st_ino != inode  # a new file took its name
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()
                  if not p.name.startswith("clientreg.db")) == ["clients.csv", "r.csv"]


def test_a_full_disk_while_writing_rejects_is_told_plainly(cli, catalogue, tmp_path):
    result = cli("import", str(bad_and_good(tmp_path)), "--errors", "/dev/full")
    assert result.exit_code == 3, result.output
    assert "Error: cannot write /dev/full: No space left on device" in result.output
    assert "Traceback" not in result.output


def test_an_errors_file_in_a_missing_folder_stops_before_the_import(cli, catalogue, tmp_path):
    target = tmp_path / "no" / "such" / "x.csv"
    result = cli("import", str(bad_and_good(tmp_path)), "--errors", str(target))
    assert result.exit_code == 3, result.output
    assert result.output == f"Error: cannot write {target}: No such file or directory\n"


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "CLIENTREG_DB": "", **(env or {})})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_that_cannot_write_says_so_once(catalogue, db_path, tmp_path, fmt):
    (tmp_path / "afile").write_text("")
    variants = [tmp_path / "afile" / f"x.{fmt}"]
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        variants.append(locked / f"x.{fmt}")
    for target in variants:
        process = run("--db", str(db_path), "export", "-o", str(target), cwd=tmp_path)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 3
        assert err.startswith(f"Error: cannot write {target}: ")
        assert err.count("\n") == 1, err
        assert "Traceback" not in err


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("outputs")
    store = open_database(folder / "base.db")
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    store.close()
    write_csv(folder / "big.csv", [[f"K-{i:06d}", f"Secreto{i}", "PERSON", "WHOLESALE",
                                    f"s{i}@k{i}.example", "ES"] for i in range(4000)])
    process = run("--db", str(folder / "base.db"), "import", "big.csv", cwd=folder)
    assert process.communicate(timeout=120)[0] is not None and process.returncode == 0
    return folder


def holding_clients(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and b"Secreto" in path.read_bytes() or path.suffix == ".partial":
            found.append(path.name)
    return found


def writing_into(pid: int, folders: tuple[Path, ...]) -> bool:
    """Whether the process has a file open in one of the folders (its output on the way)."""
    try:
        links = [os.readlink(entry) for entry in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(link.startswith(tuple(str(folder) for folder in folders)) for link in links)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_a_killed_export_leaves_no_client_data_behind(big, tmp_path, fmt):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs Linux's /proc to see when the export is writing")
    db = tmp_path / "clients.db"
    shutil.copy(big / "base.db", db)
    temporary, out = tmp_path / "tmp", tmp_path / "out"
    temporary.mkdir()
    out.mkdir()
    killed = 0
    for pause in (0.0, 0.05, 0.15):
        process = run("--db", str(db), "export", "-o", str(out / f"x.{fmt}"), cwd=tmp_path,
                      env={"TMPDIR": str(temporary)})
        while process.poll() is None and not writing_into(process.pid, (temporary, out)):
            time.sleep(0.001)
        time.sleep(pause)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.communicate(timeout=60)
        assert holding_clients(temporary) == []
        assert [p for p in holding_clients(out) if p != f"x.{fmt}"] == []
    assert killed, "every export ended before it could be killed"
