"""The translation functions every message and prompt goes through (English is the source), and
the language they speak.

The language is chosen as gettext programs choose it: ``--lang`` (before the command), else
``CLIENTREG_LANG``, else the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that
is set. The variable that decides is read as gettext reads ``LANGUAGE``: a colon-separated list
of locale names (``es_ES.UTF-8``, ``es_MX``, ``es``), of which the first language clientreg has
wins; ``C``, ``POSIX`` or only languages clientreg does not have mean English.

Help texts are translated when the command modules are imported (Typer needs them when a
command is declared). So this module chooses the environment's language when it is imported,
and the program's entry point (``clientreg.commands.cli``) chooses again with ``--lang`` before
it imports the commands. Each run chooses again as it starts (the root command), so a run in
the same process (a test's ``CliRunner``) speaks its own ``--lang`` or environment in everything
but the help texts, which were made once, at import.
"""

from __future__ import annotations

import contextlib
import gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path

from clientreg import messages
from clientreg.messages import N_

__all__ = ["N_", "_", "ngettext", "translated"]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "clientreg"
ENV_LANG = "CLIENTREG_LANG"
# Where gettext looks for the language, in its order, after clientreg's own variable.
SYSTEM_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# The root command's options that take a value, so that the one after them is not taken for the
# command's name when --lang is looked for.
ROOT_OPTIONS_WITH_VALUE = ("--db", "--lang")


class Language(StrEnum):
    """The languages clientreg speaks: English, the source, and Spanish."""

    EN = "en"
    ES = "es"


SOURCE = Language.EN
_CODES = {language.value for language in Language}

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language: Language = SOURCE


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count``, as the language counts (English: 1 or other)."""
    return _translation.ngettext(singular, plural, count)


def translated(marked: str) -> str:
    """A text marked with ``N_("...")`` where it is defined (a table of labels), translated.

    ``_()`` is given literals only, so that the extractor finds each text where it is called;
    a text chosen from a table was found where ``N_`` marks it, and is translated through here.
    """
    return _translation.gettext(marked)


def language() -> Language:
    """The language in use."""
    return _language


def language_of(locale_names: str) -> Language | None:
    """The language clientreg has for a list of locale names as ``LANGUAGE`` holds them
    (``fr:es_ES.UTF-8``): the first it has; English for ``C`` and ``POSIX``, which stop the
    search as they stop gettext's; None when it has none of them."""
    for name in locale_names.split(":"):
        base = name.strip().split(".")[0].split("@")[0]
        if base in ("C", "POSIX"):
            return SOURCE
        code = base.replace("-", "_").split("_")[0].lower()
        if code in _CODES:
            return Language(code)
    return None


def language_option(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` (``--lang es``, ``--lang=es``) given before the command's name,
    which is the first argument that is not an option or an option's value."""
    given = None
    words = iter(args)
    for word in words:
        if word == "--" or not word.startswith("-"):
            break
        name, equals, value = word.partition("=")
        if name in ROOT_OPTIONS_WITH_VALUE and not equals:
            value = next(words, "")
        if name == "--lang":
            given = value
    return given


def chosen_language(args: Sequence[str], environ: Mapping[str, str]) -> Language:
    """The language of a run of ``clientreg ARGS`` in this environment.

    ``--lang`` names one of clientreg's languages exactly (another value is refused as a usage
    error when the command line is parsed). ``CLIENTREG_LANG`` and the system's variables are
    read as gettext reads them: the first one set decides, and when it names no language
    clientreg has, the text is English (as gettext shows the source text when it finds no
    catalogue) rather than an error, since the environment is shared with other programs.
    """
    given = language_option(args)
    if given in _CODES:
        return Language(given)
    for variable in (ENV_LANG, *SYSTEM_VARIABLES):
        value = environ.get(variable, "")
        if value:
            return language_of(value) or SOURCE
    return SOURCE


def use_language(chosen: Language | str) -> None:
    """Translate from now on into ``chosen``: clientreg's messages, the core's and the file
    adapters' (through ``clientreg.messages``) and Babel's names (months, countries)."""
    global _translation, _language
    _language = Language(chosen)
    _translation = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[_language],
                                       fallback=True)
    messages.install(_translation.gettext, _translation.ngettext, language=_language.value)


@contextlib.contextmanager
def libraries_speaking() -> Iterator[None]:
    """Typer's own words in the language in use while a run lasts.

    Typer asks gettext's default domain (``gettext.gettext``), which reads its language from
    the environment only. So the run makes clientreg's catalogue that domain and names the
    language in ``LANGUAGE``, then puts both back as they were.
    """
    domain = gettext.textdomain()
    saved = os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = _language.value
    try:
        yield
    finally:
        gettext.textdomain(domain)
        if saved is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = saved


# The environment's language from the start, so that help texts, translated as the command
# modules are imported, follow it however the commands are loaded; --lang is read by the
# program's entry point (clientreg.commands.cli) and by each run (the root command).
use_language(chosen_language((), os.environ))
