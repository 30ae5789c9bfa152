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


def test_the_spanish_catalogue_is_in_the_wheel(wheel):
    assert "clientreg/commands/locale/es/LC_MESSAGES/clientreg.mo" in wheel.namelist()


def test_the_installed_wheel_speaks_spanish_under_a_spanish_lang(wheel, tmp_path):
    import gettext

    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(target), wheel.filename], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    help_text = ("Register clients, their companies and contacts in SQLite: interactively "
                 "with 'clientreg new', in bulk with 'clientreg import'.")
    spanish = gettext.translation("clientreg", ROOT / "commands" / "locale",
                                  languages=["es"]).gettext(help_text)
    probe = ("import sys, clientreg; assert clientreg.__file__.startswith(sys.argv[1]), "
             "clientreg.__file__; sys.argv[1:] = ['--help']; "
             "from clientreg.commands.cli import main; main()")
    run = subprocess.run(
        [sys.executable, "-c", probe, str(target)], capture_output=True, text=True, timeout=60,
        cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin",
                           "LANG": "es_ES.UTF-8", "TERMINAL_WIDTH": "3000",
                           "_TYPER_FORCE_DISABLE_TERMINAL": "1"})
    assert run.returncode == 0, run.stderr
    assert spanish != help_text and spanish in run.stdout
