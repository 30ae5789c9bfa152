"""`clientreg --help` and `--version` start without loading the libraries only commands need."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Validation, prompting and spreadsheet libraries: each costs tens of milliseconds to import, and
# only the command that needs them may load them.
HEAVY = ("pydantic", "questionary", "prompt_toolkit", "phonenumbers", "email_validator",
         "stdnum", "openpyxl")

# Runs the real entry point with argv set, then reports the modules loaded when it exits.
_PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES=" + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["clientreg", *sys.argv[1:]]
from clientreg.commands.cli import main
main()
"""


def _run(args: list[str], tmp_path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *options, "-c", _PROBE, *args], capture_output=True, text=True,
        env={"CLIENTREG_DB": str(tmp_path / "never-opened.db"), "PATH": "/usr/bin:/bin",
             "COLUMNS": "100"},
        timeout=60, check=False, cwd=tmp_path,  # not the repository: its clientreg/ folder
    )                                           # would shadow the installed package


def _loaded(stderr: str) -> set[str]:
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES="))
    return {name.split(".")[0] for name in json.loads(line.removeprefix("MODULES="))}


def import_chain(importtime_log: str, module: str) -> list[str]:
    """The chain of imports that loaded ``module``, outermost first, from ``-X importtime``.

    Python prints each import after the ones it triggered, indented by nesting depth, so the
    importer of a line is the next line below it with a smaller indent.
    """
    entries = []
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            name_part = line.rsplit("|", 1)[1]
            entries.append((len(name_part) - len(name_part.lstrip()), name_part.strip()))
    for position, (depth, name) in enumerate(entries):
        if name == module or name.startswith(module + "."):
            chain, current = [name], depth
            for later_depth, later_name in entries[position + 1:]:
                if later_depth < current:
                    chain.append(later_name)
                    current = later_depth
            return chain[::-1]
    return []


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_startup_loads_no_heavy_library(args, tmp_path):
    done = _run(args, tmp_path)
    assert done.returncode == 0, done.stderr
    heavy = _loaded(done.stderr) & set(HEAVY)
    if heavy:
        log = _run(args, tmp_path, "-X", "importtime").stderr
        chains = {name: " -> ".join(import_chain(log, name)) for name in sorted(heavy)}
        pytest.fail(f"clientreg {' '.join(args)} imports {sorted(heavy)}: {chains}")


def test_version_prints_the_version(tmp_path):
    done = _run(["--version"], tmp_path)
    assert done.stdout.startswith("clientreg ")


def test_import_chain_names_the_module_that_imported_a_library():
    log = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       10 |         10 |       phonenumbers.util\n"
        "import time:       20 |         30 |     phonenumbers\n"
        "import time:        5 |         35 |   clientreg.commands.clients\n"
        "import time:        5 |          5 |   rich\n"
        "import time:        1 |         41 | clientreg.commands.app\n"
    )
    assert import_chain(log, "phonenumbers") == [
        "clientreg.commands.app", "clientreg.commands.clients", "phonenumbers",
        "phonenumbers.util"]
