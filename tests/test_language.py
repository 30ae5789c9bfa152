"""The language clientreg speaks: --lang, else CLIENTREG_LANG, else LANGUAGE, LC_ALL, LC_MESSAGES,
LANG, as gettext programs choose it; C, POSIX or a language clientreg lacks mean English.

Each step runs the real program in a new process (its help texts are translated when the
commands are imported) with an environment of its own, and looks for the Spanish catalogue's
text of a real message.
"""

from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

import pytest

from clientreg.commands import i18n

PROGRAM = [sys.executable, "-P", "-c", "from clientreg.commands.cli import main; main()"]
UNKNOWN = "no client has the identifier {given!r}"
ROOT_HELP = ("Register clients, their companies and contacts in SQLite: interactively with "
             "'clientreg new', in bulk with 'clientreg import'.")


def spanish(msgid: str) -> str:
    """The Spanish catalogue's text of a message (which must have one)."""
    text = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["es"]).gettext(msgid)
    assert text != msgid, f"the Spanish catalogue does not translate {msgid!r}"
    return text


def run(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TERMINAL_WIDTH": "3000",
           "_TYPER_FORCE_DISABLE_TERMINAL": "1", "CLIENTREG_DB": str(tmp_path / "x.db"),
           **environ}
    return subprocess.run([*PROGRAM, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60, check=False)


def unknown_client(tmp_path: Path, *args: str, **environ: str) -> str:
    """What `clientreg ARGS show NOPE` says, in the language it chose: 'es' or 'en'."""
    done = run(tmp_path, *args, "show", "NOPE", **environ)
    assert done.returncode == 1, done.stderr
    if spanish(UNKNOWN).format(given="NOPE") in done.stderr:
        return "es"
    assert UNKNOWN.format(given="NOPE") in done.stderr, done.stderr
    return "en"


@pytest.mark.parametrize(("args", "environ", "expected"), [
    ((), {}, "en"),
    ((), {"LANG": "es_ES.UTF-8"}, "es"),
    ((), {"LANG": "es_MX"}, "es"),
    ((), {"LANG": "es"}, "es"),
    ((), {"LC_MESSAGES": "es_AR.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    ((), {"LC_ALL": "es_ES.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "es"),
    ((), {"LC_ALL": "C", "LANG": "es_ES.UTF-8"}, "en"),
    ((), {"LANGUAGE": "fr:es", "LC_ALL": "en_US.UTF-8"}, "es"),
    ((), {"LANGUAGE": "en_GB:es", "LANG": "es_ES.UTF-8"}, "en"),
    ((), {"LANG": "C"}, "en"),
    ((), {"LANG": "POSIX"}, "en"),
    ((), {"LANG": "C.UTF-8"}, "en"),
    ((), {"LANG": "fr_FR.UTF-8"}, "en"),
    ((), {"LANG": ""}, "en"),
    ((), {"CLIENTREG_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
    ((), {"CLIENTREG_LANG": "en", "LANGUAGE": "es", "LANG": "es_ES.UTF-8"}, "en"),
    # An unknown CLIENTREG_LANG is read as gettext reads a language it has no catalogue for.
    ((), {"CLIENTREG_LANG": "xx", "LANG": "es_ES.UTF-8"}, "en"),
    (("--lang", "es"), {"CLIENTREG_LANG": "en", "LANG": "C"}, "es"),
    (("--lang=en",), {"CLIENTREG_LANG": "es", "LANG": "es_ES.UTF-8"}, "en"),
    (("--db", "DB", "--lang", "es"), {}, "es"),
])
def test_the_language_is_chosen_in_gettext_order(tmp_path, args, environ, expected):
    assert i18n.chosen_language(args, environ) == expected
    given = [str(tmp_path / "x.db") if arg == "DB" else arg for arg in args]
    assert unknown_client(tmp_path, *given, **environ) == expected


def test_help_is_spanish_under_a_spanish_lang(tmp_path):
    done = run(tmp_path, "--help", LANG="es_ES.UTF-8")
    assert done.returncode == 0, done.stderr
    assert spanish(ROOT_HELP)[:40] in done.stdout
    assert "--lang" in done.stdout


def test_help_is_english_by_default_and_names_the_option(tmp_path):
    done = run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert ROOT_HELP[:40] in done.stdout
    assert "--lang" in done.stdout and "en|es" in done.stdout


@pytest.mark.parametrize("args", [("--lang", "fr"), ("--lang=es_ES",), ("--lang", "")])
def test_an_unknown_lang_is_a_usage_error_naming_the_choices(tmp_path, args):
    done = run(tmp_path, *args, "show", "NOPE")
    assert done.returncode == 2
    assert "'--lang'" in done.stderr and "'en', 'es'" in done.stderr


def test_lang_after_the_command_is_the_global_option_error(tmp_path):
    done = run(tmp_path, "show", "NOPE", "--lang", "es", LANG="es_ES.UTF-8")
    assert done.returncode == 2
    assert spanish("{option} is a global option: put it before the command").format(
        option="--lang") in done.stderr


def test_lang_is_looked_for_before_the_command_only():
    assert i18n.language_option(["--db", "x.db", "--lang", "es", "show", "A"]) == "es"
    assert i18n.language_option(["show", "--lang", "es"]) is None
    assert i18n.language_option(["--db", "--lang", "show"]) is None
    assert i18n.language_option(["--", "--lang", "es"]) is None


def test_the_root_options_that_take_a_value_are_the_ones_skipped():
    from typer.main import get_command

    from clientreg.commands.app import app

    root = get_command(app)
    taking = {opt for param in root.params if not getattr(param, "is_flag", True)
              for opt in param.opts}
    assert taking == set(i18n.ROOT_OPTIONS_WITH_VALUE)


def test_a_run_in_the_same_process_speaks_its_own_language(cli):
    # CliRunner: help texts were made at import (English here), everything else follows --lang.
    spanish_run = cli("--lang", "es", "show", "NOPE")
    assert spanish(UNKNOWN).format(given="NOPE") in spanish_run.output
    english_run = cli("show", "NOPE")
    assert UNKNOWN.format(given="NOPE") in english_run.output
    assert cli("show", "NOPE", env={"CLIENTREG_LANG": "es"}).output == spanish_run.output
