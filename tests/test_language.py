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


# -- click's and Typer's own words ---------------------------------------------------------------

# (command line, the library's English template, its fields): each a usage error Typer or its
# click copy words itself, shown in Spanish through the catalogue.
LIBRARY_ERRORS = [
    (("show",), "Missing argument {name}.", {"name": "'identifier'"}),
    (("show", "--fromat", "x"), "No such option: {name} (Possible options: {options})",
     {"name": "--fromat", "options": "--format"}),
    (("show", "--nope"), "No such option: {name}", {"name": "--nope"}),
    (("show", "a", "b"), "Got unexpected extra argument(s) ({arguments})", {"arguments": "b"}),
    (("--db",), "Option {name} requires an argument.", {"name": "'--db'"}),
    (("import", "x.csv", "--dry-run=3"), "Option {name} does not take a value.",
     {"name": "'--dry-run'"}),
    (("shwo",), "No such command {name!r}.", {"name": "shwo"}),
    (("company-type", "lst"), "Missing command.", {}),
]


@pytest.mark.parametrize(("args", "template", "fields"), LIBRARY_ERRORS,
                         ids=[" ".join(case[0]) for case in LIBRARY_ERRORS])
def test_click_and_typer_usage_errors_are_in_spanish(tmp_path, args, template, fields):
    done = run(tmp_path, *args, LANG="es_ES.UTF-8")
    assert done.returncode == 2, done.stderr
    if template == "Missing command.":  # a group's command name not given: no such command
        template, fields = "No such command {name!r}.", {"name": "lst"}
    assert spanish(template).format(**fields).rstrip(".") in done.stderr
    assert template.format(**fields).rstrip(".") not in done.stderr
    assert "Usage: " not in done.stderr and "for help." not in done.stderr
    if args != ("--db",) and "--dry-run=3" not in args:  # the parser's, shown without usage
        assert spanish("Usage: ") in done.stderr
        assert spanish("Try [blue]'{command_path} {help_option}'[/] for help.").split("[")[0] \
            in done.stderr


def test_a_refused_value_is_in_spanish(tmp_path):
    done = run(tmp_path, "show", "X", "--format", "bogus", LANG="es_ES.UTF-8")
    assert done.returncode == 2
    reason = spanish("{value} is not one of {choices}.").format(
        value="'bogus'", choices="'text', 'json', 'yaml'")
    assert spanish("Invalid value for {name}: {reason}").format(
        name="'--format'", reason=reason) in " ".join(done.stderr.replace("│", "").split())
    number = run(tmp_path, "import", "x.csv", "--max-errors", "many", LANG="es_ES.UTF-8")
    assert spanish("Input should be a valid integer, unable to parse string as an "
                   "integer") in number.stderr


def test_suggestions_are_in_spanish(tmp_path):
    done = run(tmp_path, "shwo", LANG="es_ES.UTF-8")
    assert spanish("{message}. Did you mean {suggestions}?").format(
        message=spanish("No such command {name!r}.").format(name="shwo").rstrip("."),
        suggestions="'show'") in done.stderr


def test_help_panels_and_the_help_option_are_in_spanish(tmp_path):
    done = run(tmp_path, "import", "--help", LANG="es_ES.UTF-8")
    assert done.returncode == 0, done.stderr
    for word in ("Arguments", "Options", "Show this message and exit.", "[OPTIONS]"):
        assert spanish(word) in done.stdout
    assert spanish("[default: {}]").format("error") in done.stdout
    assert spanish("[required]") in done.stdout
    root = run(tmp_path, "--help", LANG="es_ES.UTF-8").stdout
    assert spanish("[env var: {}]").format("CLIENTREG_DB") in root
    assert spanish("Commands") in run(tmp_path, "company-type", "--help",
                                      LANG="es_ES.UTF-8").stdout
    assert spanish("COMMAND [ARGS]...") in root
    assert spanish("Install completion for the current shell.") in root


def test_typer_still_words_what_the_catalogue_translates(tmp_path):
    """The English texts of commands.library_messages are the installed Typer's own."""
    import inspect

    import typer.core

    from clientreg.commands import library_messages

    names = list(library_messages.RICH_WORDS)
    probe = ("import json, typer.rich_utils as r; "
             f"print(json.dumps({{n: getattr(r, n) for n in {names}}}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"}, cwd=tmp_path,
                          timeout=60, check=True)
    import json

    assert json.loads(done.stdout) == library_messages.RICH_WORDS
    source = inspect.getsource(typer.core)
    for word in library_messages.TYPER_WORDS:
        assert f"_({word!r})" in source or f'_("{word}")' in source, word
    click_source = "".join(inspect.getsource(module) for module in (
        typer._click.core, typer._click.decorators, typer._click.formatting))
    for word in ("Usage: ", library_messages.HELP_OPTION, library_messages.OPTIONS_METAVAR):
        assert word in click_source, word
    assert library_messages.SUBCOMMAND_METAVAR in source


def test_an_english_run_after_a_spanish_one_in_the_same_process_is_english(cli):
    import gettext as module
    import os

    domain, language = module.textdomain(), os.environ.get("LANGUAGE")
    spanish_run = cli("--lang", "es", "show")
    assert spanish("Missing argument {name}.").format(name="'identifier'") in spanish_run.output
    assert spanish("Usage: ") in spanish_run.output
    english_run = cli("show")
    assert "Missing argument 'identifier'." in english_run.output
    assert "Usage: " in english_run.output and "Try 'clientreg show --help'" in english_run.output
    assert (module.textdomain(), os.environ.get("LANGUAGE")) == (domain, language)


def test_babel_names_follow_the_language(cli, catalogue, tmp_path):
    from clientreg.catalogue import add_entry
    from clientreg.messages import MESSAGES

    add_entry(catalogue, "category", {
        "code": "EVENTS", "name": "Events",
        "attributes": [{"key": "opened", "label": "Opening day", "type": "date"}]},
        source="test")
    path = tmp_path / "clients.csv"
    path.write_text("identifier,name,company_type,category,client_attr.opened\n"
                    "E-1,Feria,PERSON,EVENTS,2024-02-30\n", encoding="utf-8")
    template = MESSAGES["invalid-attribute/no-such-day"]
    assert isinstance(template, str)
    result = cli("--lang", "es", "import", str(path))
    assert result.exit_code == 1
    assert spanish(template).format(month_name="febrero", year=2024, days=29) in result.output
    english = cli("import", str(path))
    assert template.format(month_name="February", year=2024, days=29) in english.output
