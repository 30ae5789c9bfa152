"""The README's commands run, top to bottom, as a new user would type them.

Every ```sh block of README.md is read in order and each of its commands is run in-process
(CliRunner) on one fresh database, the default one, in a temporary HOME and XDG_DATA_HOME,
from a working folder holding a copy of examples/. A command that exits non-zero fails its
case unless its own line says so (a comment naming "exit code N" or "rejected on purpose").

What is run and what is not, by rule:

- Only ``clientreg`` commands run (``.venv/bin/clientreg`` counts as ``clientreg``). The other
  commands of a block (``python3 -m venv``, ``pip``, ``pytest``, ``ruff``, ``.ci/...``) set up a
  development environment and are not run; of ``a && b && c`` the clientreg parts run.
- Blocks that are not ``sh`` (YAML, sample output, benchmark commands) are not commands to type.
- A command that needs a person at a terminal is not run: ``clientreg new`` without
  ``--no-input`` (the wizard), ``clientreg edit ID`` without ``--set`` (the interactive edit),
  and ``--install-completion`` (it changes the shell's start-up files). Each is listed as a
  skipped case naming the rule, so none is left out silently.
- ``a | b`` feeds the output of a to b; ``> FILE`` writes it to FILE in the working folder; a
  path under /tmp/ is moved into the temporary folder; ``NAME=value`` words before
  ``clientreg`` are that command's environment (``COLUMNS=80 clientreg list``).

A command the README gets wrong is marked ``xfail(strict=True)`` with the fix in its reason, so
that it shows in every run and turns into a failure once the README is fixed.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CLIENTREG = ("clientreg", ".venv/bin/clientreg")
# README line: the fix it needs. Filled in when a README block does not run.
README_FIXES: dict[int, str] = {}


@dataclass
class Command:
    line: int
    text: str
    words: list[list[str]] = field(default_factory=list)  # the commands of a pipeline
    redirect: str | None = None
    skipped: str | None = None
    expected_exit: int = 0
    env: dict[str, str] = field(default_factory=dict)  # NAME=value words before the command


def interactive(words: list[str]) -> str | None:
    """Why a command cannot run without a person at a terminal, or None."""
    if words[:1] == ["new"] and "--no-input" not in words:
        return "'clientreg new' without --no-input is the wizard"
    if words[:1] == ["edit"] and "--set" not in words:
        return "'clientreg edit ID' without --set is the interactive edit"
    if "--install-completion" in words:
        return "--install-completion changes the shell's start-up files"
    return None


def expected_exit(comment: str) -> int:
    found = re.search(r"exit(?: code)? (\d+)", comment)
    if found:
        return int(found.group(1))
    return 1 if "rejected on purpose" in comment else 0


def sh_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command line) of every ```sh block, continuation lines joined."""
    lines, found, inside, pending, start = text.splitlines(), [], False, "", 0
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            inside = not inside and line.strip() == "```sh"
            continue
        if not inside:
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        found.append((start, pending + line))
        pending = ""
    return found


def commands(text: str, tmp: Path) -> list[Command]:
    result = []
    for number, line in sh_lines(text):
        code, _, comment = line.partition("  #") if "  #" in line else (line, "", "")
        for part in code.split("&&"):
            words = shlex.split(part)
            env: dict[str, str] = {}
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            if not words or words[0] not in CLIENTREG:
                continue
            command = Command(number, part.strip(), expected_exit=expected_exit(comment),
                              env=env)
            stage: list[str] = []
            tokens = iter(words)
            for word in tokens:
                if word == "|":
                    command.words.append(stage)
                    stage = []
                elif word == ">":
                    command.redirect = next(tokens)
                elif word in CLIENTREG and not stage:
                    continue
                else:
                    stage.append(str(tmp / word[len("/tmp/"):]) if word.startswith("/tmp/")
                                 else word)
            command.words.append(stage)
            reasons = [interactive(stage) for stage in command.words]
            command.skipped = next((reason for reason in reasons if reason), None)
            result.append(command)
    return result


@dataclass
class Run:
    exit_code: int
    output: str


def run_all(text: str, work: Path) -> dict[int, Run]:
    """Every command of ``text`` run in order, in ``work`` holding a copy of examples/, on the
    default database of a fresh HOME; keyed by its position."""
    from clientreg.commands.app import app

    shutil.copytree(ROOT / "examples", work / "examples")
    home = work / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "CLIENTREG_DB": None, "COLUMNS": "120"}
    runner = CliRunner()
    runs: dict[int, Run] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        for position, command in enumerate(commands(text, work)):
            if command.skipped:
                continue
            stdin: str | None = None
            for stage in command.words:
                result = runner.invoke(app, stage, input=stdin, env={**env, **command.env})
                stdin = result.stdout
                if result.exit_code != 0:
                    break
            if command.redirect and result.exit_code == 0:
                (work / command.redirect).write_bytes(result.stdout_bytes)
            runs[position] = Run(result.exit_code, result.output + (
                f"\n{result.exception!r}" if result.exception
                and not isinstance(result.exception, SystemExit) else ""))
    return runs


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory) -> dict[int, Run]:
    return run_all(README.read_text(encoding="utf-8"), tmp_path_factory.mktemp("readme"))


def _cases() -> list[object]:
    cases = []
    for position, command in enumerate(commands(README.read_text(encoding="utf-8"),
                                                Path("/tmp"))):
        marks = []
        if command.skipped:
            marks.append(pytest.mark.skip(reason=f"needs a terminal: {command.skipped}"))
        elif command.line in README_FIXES:
            marks.append(pytest.mark.xfail(strict=True, reason=README_FIXES[command.line]))
        cases.append(pytest.param(position, command, marks=marks,
                                  id=f"line{command.line}: {command.text[:60]}"))
    return cases


@pytest.mark.parametrize(("position", "command"), _cases())
def test_readme_command_runs(readme_runs, position, command):
    run = readme_runs[position]
    assert run.exit_code == command.expected_exit, (
        f"README line {command.line}: {command.text}\nexit {run.exit_code}\n{run.output}")


def test_the_rules_find_the_readme_s_commands():
    found = commands(README.read_text(encoding="utf-8"), Path("/tmp"))
    assert len(found) > 40
    assert [c for c in found if c.skipped], "the interactive commands are listed as skipped"
    assert all(c.words[0] for c in found)
    narrow = [c for c in found if c.env.get("COLUMNS") == "80"]
    assert narrow and narrow[0].words == [["list"]], "a NAME=value prefix is the command's own"


EXAMPLES_README = ROOT / "examples" / "README.md"


def test_the_examples_readme_runs_in_order(tmp_path):
    text = EXAMPLES_README.read_text(encoding="utf-8")
    found = commands(text, tmp_path)
    runs = run_all(text, tmp_path)
    assert len(runs) >= 5
    wrong = [(command.line, command.text, runs[position].exit_code, runs[position].output)
             for position, command in enumerate(found)
             if position in runs and runs[position].exit_code != command.expected_exit]
    assert wrong == []


def test_the_examples_readme_names_the_rejects_file_s_real_columns(tmp_path):
    """The columns examples/README.md says --errors adds are the ones the file has."""
    text = EXAMPLES_README.read_text(encoding="utf-8")
    sentence = re.search(r"--errors rejected\.csv`(.*?)\n\n", text, re.S)
    assert sentence, "examples/README.md tells what --errors rejected.csv gives"
    runs = run_all("```sh\nclientreg import examples/seed.yaml\n"
                   "clientreg import examples/mistakes.csv --errors rejected.csv  # exit 1\n"
                   "```\n", tmp_path)
    assert [run.exit_code for run in runs.values()] == [0, 1]
    rejects = (tmp_path / "rejected.csv").read_text(encoding="utf-8").splitlines()
    source = (tmp_path / "examples" / "mistakes.csv").read_text(encoding="utf-8").splitlines()
    header, source_header = rejects[0].split(","), source[0].split(",")
    added = [column for column in header if column not in source_header]
    assert header[:len(source_header)] == source_header
    named = [name for name in re.findall(r"`([a-z_]+)`", sentence.group(1))
             if name.startswith("error")]
    assert named == added == ["error_code", "error_message"]
    said = re.search(r"get the (\w+) bad rows back", sentence.group(1))
    assert said and said.group(1) == {4: "four"}.get(len(rejects) - 1)
