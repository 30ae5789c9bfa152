"""The wheel: one top-level package, clientreg, holding the core, the commands and the schemas."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Where each folder of the repository lands inside the installed package.
FOLDERS = {"clientreg": "clientreg", "commands": "clientreg/commands",
           "schemas": "clientreg/schemas"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from a copy of the sources, so the build leaves the checkout alone."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
         str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_the_only_top_level_package_is_clientreg(wheel):
    top = {name.split("/")[0] for name in wheel.namelist()}
    assert {name for name in top if not name.endswith(".dist-info")} == {"clientreg"}


def test_commands_and_schemas_are_inside_clientreg(wheel):
    names = set(wheel.namelist())
    for module in ("clientreg/commands/__init__.py", "clientreg/commands/app.py",
                   "clientreg/schemas/__init__.py", "clientreg/storage/__init__.py"):
        assert module in names
    assert not any(name.startswith(("commands/", "schemas/")) for name in names)


def test_every_source_module_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    expected = {f"{target}/{path.relative_to(ROOT / folder).as_posix()}"
                for folder, target in FOLDERS.items()
                for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts}
    assert expected - names == set()


def test_the_console_script_is_clientreg(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "clientreg = clientreg.commands.cli:main" in text
