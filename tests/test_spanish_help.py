"""--help of every command and subcommand in Spanish, with no English sentence left.

Each help is rendered as the program renders it (the language chosen before the commands load,
as the entry point does), once in English and once in Spanish, in one process per language.
A test fails when a line of prose of a Spanish help (what is left once option names, metavars,
command names, quoted code and values are set aside) equals or contains a sentence of the
English help.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

# Renders every help of the command tree, in the language named by its argument, as JSON
# {"command path": "help text"}; wide enough that each paragraph of help is one line.
RENDER_ALL = """
import json, sys
from clientreg.commands import i18n
i18n.use_language(sys.argv[1])
from typer.main import get_command
from typer.testing import CliRunner
from clientreg.commands.app import app

def walk(command, path):
    yield path
    if hasattr(command, "list_commands"):
        from typer._click import Context
        context = Context(command)
        for name in command.list_commands(context):
            yield from walk(command.get_command(context, name), [*path, name])

runner = CliRunner()
helps = {}
for path in walk(get_command(app), []):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)
    helps[" ".join(path)] = result.output
print(json.dumps(helps))
"""
WIDE = {"COLUMNS": "3000", "TERMINAL_WIDTH": "3000"}


def helps(language: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(WIDE, CLIENTREG_LANG=language)
    done = subprocess.run([sys.executable, "-P", "-c", RENDER_ALL, language],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return helps("en")


@pytest.fixture(scope="module")
def spanish() -> dict[str, str]:
    return helps("es")


# What is not prose: option names, metavars and choices, quoted code, paths, values, numbers.
_NOT_PROSE = re.compile(
    r"'[^']*'|\"[^\"]*\"|`[^`]*`"            # quoted code: 'clientreg import', "Name <email>"
    r"|(?<!\w)--?[\w-]+(?:=\S*)?"            # --on-conflict, -h, --map=...
    r"|\S+=\S+|\w+(?:\|\w+)+"                # HEADER=column, choices: text|json|yaml
    r"|\[[^\]]*\]|\{[^}]*\}|<[^>]*>"         # [default: ...], {identifier}, <email>
    r"|\b[A-Z][A-Z0-9_.]+\b"                 # metavars, codes and formats: FILE, CSV, ES
    r"|\b\w+(?:[._/:][\w.*-]+)+"             # company_attr.KEY, a/b, seed.yaml, pt_BR
    r"|\b\w*\d\w*\b")                        # numbers, CT001
_BOX = "│╭╮╰╯─┃━┏┓┗┛"
_WORD = re.compile(r"[a-z]{2,}")


def prose(line: str, names: frozenset[str] = frozenset()) -> str:
    """The line's words, without its frame, options, metavars, code, values and the names of
    commands."""
    text = line.strip().strip(_BOX).strip()
    return " ".join(word for word in _NOT_PROSE.sub(" ", text).split() if word not in names)


def sentences(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The English sentences of a help text worth looking for: three words or more."""
    found = []
    for line in text.splitlines():
        for sentence in re.split(r"[.;:!?()]\s*|,\s+", prose(line, names)):
            sentence = sentence.strip(" ,")
            if len(_WORD.findall(sentence)) >= 3:
                found.append(sentence)
    return found


def test_every_command_has_a_help_in_both_languages(english, spanish):
    assert set(spanish) == set(english)
    assert len(english) > 30  # the root, its commands and the groups' subcommands


def test_no_spanish_help_keeps_an_english_sentence(english, spanish):
    names = frozenset({"clientreg", *(name for path in english for name in path.split())})
    left = []
    for path, text in english.items():
        spanish_lines = [prose(line, names) for line in spanish[path].splitlines()]
        for sentence in sentences(text, names):
            for line in spanish_lines:
                if sentence in line:
                    left.append(f"clientreg {path} --help: {sentence!r} in {line!r}")
    assert left == [], "English left in the Spanish help:\n" + "\n".join(left)


def test_the_spanish_help_speaks_the_screens_words(spanish):
    root = spanish[""]
    assert "Uso: clientreg [OPCIONES] COMANDO [ARGUMENTOS]..." in root
    assert "Mostrar este mensaje y salir." in root
    assert "Registrar un cliente: con un asistente paso a paso" in root
    new = spanish["new"]
    assert "Empresa (una empresa nueva)" in new
    assert "Tipo de empresa (su código)." in new


def test_the_sentence_finder_finds_english_and_leaves_code_alone():
    line = ("│ --on-conflict  [fail|skip|update]  What to do with a client already registered: "
            "fail (default), skip or update. See 'clientreg import --help'. │")
    assert sentences(line) == ["What to do with a client already registered", "skip or update"]
    assert prose("│ --map  HEADER=column  Leer company_attr.KEY como CODE │") == "Leer como"
