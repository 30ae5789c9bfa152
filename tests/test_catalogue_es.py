"""The Spanish catalogue holds every message of the code, translated, and nothing else.

The messages of the code are what ``pybabel extract`` finds with the repository's own
configuration (commands/locale/babel.cfg); the catalogue is
commands/locale/es/LC_MESSAGES/clientreg.po, and the compiled file beside it, which the wheel
ships, must be what ``pybabel compile`` makes of it.
"""

from __future__ import annotations

import gettext
import string
from configparser import RawConfigParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tests.test_messages import FOLDERS, KEYWORDS

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "commands" / "locale"
CONFIG = LOCALE / "babel.cfg"
SOURCE = LOCALE / "es" / "LC_MESSAGES" / "clientreg.po"
COMPILED = SOURCE.with_suffix(".mo")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The template pybabel extract makes of the code now, as the README runs it."""
    out = tmp_path_factory.mktemp("pot") / "clientreg.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(CONFIG), "-o", str(out),
                                "--no-wrap", *(str(ROOT / folder) for folder in FOLDERS)])
    with out.open("rb") as file:
        return read_po(file)


@pytest.fixture(scope="module")
def catalogue():
    with SOURCE.open("rb") as file:
        return read_po(file, locale="es")


def ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def fields(text: str) -> list[tuple[str, str | None, str]]:
    """The {fields} of a template: name, conversion and format spec, in order."""
    return sorted((name, conversion, spec or "") for _literal, name, spec, conversion
                  in string.Formatter().parse(text) if name is not None)


def test_the_extraction_uses_the_keywords_the_message_tests_use():
    parser = RawConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    words = parser.get("python: **.py", "keywords").split()
    declared = {word.partition(":")[0]: tuple(int(n) for n in word.partition(":")[2].split(","))
                if ":" in word else None for word in words}
    assert declared == KEYWORDS


def test_every_message_of_the_code_is_translated(template, catalogue):
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        if found is None:
            problems.append(f"missing: {message.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(forms(found)) or len(forms(found)) != catalogue.num_plurals ** (
                len(ids(message)) > 1):
            problems.append(f"not translated: {message.id!r}")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_catalogue_holds_no_message_the_code_no_longer_has(template, catalogue):
    # Obsolete entries (#~) are not used; a live one the code lost is.
    gone = [message.id for message in catalogue
            if message.id and template.get(message.id) is None]
    assert gone == []


def test_translations_keep_every_placeholder(catalogue):
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        sources = ids(message)
        for number, text in enumerate(forms(message)):
            if not text:
                continue
            source = sources[min(number, len(sources) - 1)]
            try:
                if fields(text) != fields(source):
                    problems.append(f"{message.id!r} form {number}: {text!r}")
            except ValueError as error:
                problems.append(f"{message.id!r} form {number}: {error}: {text!r}")
    assert problems == []


def test_spanish_counts_as_one_or_other(catalogue):
    assert catalogue.num_plurals == 2
    assert catalogue.plural_expr == "(n != 1)"


def test_the_compiled_catalogue_is_the_source_compiled():
    with COMPILED.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    with SOURCE.open("rb") as file:
        source = read_po(file, locale="es")
    # What pybabel compile writes: the entries that are not fuzzy and have a translation (a
    # plural entry's empty form falls back to the English one).
    expected: dict[object, str] = {}
    for message in source:
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple):
            for number, text in enumerate(forms(message)):
                expected[(message.id[0], number)] = text or message.id[min(number, 1)]
        else:
            expected[message.id] = message.string
    held = {key: value for key, value in compiled._catalog.items() if key != ""}
    assert held == expected, ("the .mo is stale: run pybabel compile -D clientreg "
                              "-d commands/locale --statistics")
