"""Imports run one way: commands -> schemas -> clientreg, and commands -> clientreg."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERFACE = ("typer", "questionary", "pydantic", "prompt_toolkit", "click", "rich",
             "clientreg.commands", "clientreg.schemas")
HEAVY = ("pydantic", "questionary", "prompt_toolkit", "phonenumbers", "email_validator",
         "stdnum", "openpyxl")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, wherever it sits."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def offences(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in files for line, module in imported_modules(path)
            if is_within(module, forbidden)]


def test_the_folders_exist():
    for folder in ("clientreg", "commands", "schemas"):
        assert python_files(folder), folder


def test_the_core_imports_no_interface():
    assert offences(python_files("clientreg"), INTERFACE) == []


def test_schemas_import_nothing_from_the_commands():
    assert offences(python_files("schemas"), ("clientreg.commands", "typer", "questionary",
                                              "prompt_toolkit")) == []


@pytest.mark.parametrize("folder", ["clientreg", "commands", "schemas", "tests"])
def test_nobody_imports_the_folders_by_their_own_names(folder):
    assert offences(python_files(folder), ("commands", "schemas")) == []


def test_no_relative_imports_across_the_mapped_folders():
    relative = [f"{p.relative_to(ROOT)}:{node.lineno}"
                for p in python_files("clientreg", "commands", "schemas")
                for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level > 0]
    assert relative == []


def test_help_does_not_load_the_heavy_libraries(tmp_path):
    probe = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from clientreg.commands.app import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)  # the installed package, not ./clientreg
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def names_used(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every name, attribute and definition in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.lineno, node.name))
    return found


def test_one_unit_of_work_and_no_hidden_rehearsal_flag():
    # A dry run is unit_of_work(dry_run=True), seen by what it is given, never a store's state.
    gone = {"rehearsing", "rehearsal", "all_or_nothing"}
    used = [f"{path.relative_to(ROOT)}:{line} {name}"
            for path in python_files("clientreg", "commands", "schemas")
            for line, name in names_used(path) if name in gone]
    assert used == []


def test_the_fast_paths_switch_is_read_in_one_place():
    switch = "CLIENTREG_FAST"
    outside = [f"{path.relative_to(ROOT)}:{node.lineno}"
               for path in python_files("clientreg", "commands", "schemas")
               if "fast" not in path.relative_to(ROOT).parts
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)
               and switch in node.value]
    assert outside == []
    assert (ROOT / "clientreg" / "fast" / "__init__.py").is_file()


def test_commands_type_the_store_drafts_and_wizard():
    # Their types come from TYPE_CHECKING imports, which cost nothing at start-up.
    typed_any = []
    for path in python_files("commands"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                typed_any += [f"{path.relative_to(ROOT)}:{arg.lineno} {arg.arg}: Any"
                              for arg in arguments
                              if (arg.arg in ("store", "wizard") or "draft" in arg.arg)
                              and arg.annotation is not None
                              and "Any" in ast.unparse(arg.annotation)]
    assert typed_any == []
