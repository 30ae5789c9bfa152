"""The words Typer and the click it carries print themselves, so that the catalogue translates them.

These texts mirror the libraries' own, word for word (typer 0.29, whose ``typer._click`` is a copy
of click 8): pyproject pins typer below its next major version, and tests/test_language.py
fails when the installed Typer no longer prints one of them.

Typer asks gettext's default domain for some words (panel titles, "[default: …]", "Missing
command."): the run makes that domain clientreg's catalogue, in its language
(``clientreg.commands.i18n.libraries_speaking``). Its copy of click writes the others as
literals: the usage line's "Usage: ", the help option's text and the usage errors. The root
command gives the first two through ``_()`` and rewrites each usage error's English text
(``translated_error``), recognising it by the library's wording.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable

from typer._click import Command, Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperOption

from clientreg.commands.i18n import N_, _, translated

# Typer's help panels (typer.rich_utils), read once when that module is imported, through
# gettext: the names of the module's constants, and their English text.
RICH_WORDS = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}

# What typer.core asks gettext for as it runs (usage errors, plain-text help).
TYPER_WORDS = (
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("Aborted!"),
    N_("(dynamic)"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
)

# The help texts of the options click and Typer add to every command or to the root.
HELP_OPTION = N_("Show this message and exit.")
COMPLETION_OPTIONS = {
    "--install-completion": N_("Install completion for the current shell."),
    "--show-completion": N_("Show completion for the current shell, to copy it or customize "
                            "the installation."),
}

# The usage line's names of what follows the command, which click and Typer give every command.
OPTIONS_METAVAR = N_("[OPTIONS]")
SUBCOMMAND_METAVAR = N_("COMMAND [ARGS]...")

# click's usage errors, as its parser and Typer's conversions word them: a pattern of the
# English text, with its template; a field named ``reason`` or ``more`` is itself a library text
# (the reason a value is refused), translated in turn.
_ANY = r"(?s:.+?)"
USAGE_ERRORS: tuple[tuple[str, str], ...] = (
    (rf"(?P<message>{_ANY})\. Did you mean (?P<suggestions>{_ANY})\?",
     N_("{message}. Did you mean {suggestions}?")),
    (rf"Missing argument (?P<name>{_ANY})\.(?: (?P<more>{_ANY}))?",
     N_("Missing argument {name}.")),
    (rf"Missing option (?P<name>{_ANY})\.(?: (?P<more>{_ANY}))?", N_("Missing option {name}.")),
    (rf"Missing parameter (?P<name>{_ANY})\.(?: (?P<more>{_ANY}))?",
     N_("Missing parameter {name}.")),
    (r"Choose from:(?P<choices>(?s:.*))", N_("Choose from:{choices}")),
    (rf"No such option: (?P<name>\S+) \(Possible options: (?P<options>{_ANY})\)",
     N_("No such option: {name} (Possible options: {options})")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (rf"Option (?P<name>{_ANY}) requires an argument\.", N_("Option {name} requires an argument.")),
    (rf"Option (?P<name>{_ANY}) requires (?P<count>\d+) arguments\.",
     N_("Option {name} requires {count} arguments.")),
    (rf"Option (?P<name>{_ANY}) does not take a value\.",
     N_("Option {name} does not take a value.")),
    (rf"Argument (?P<name>{_ANY}) takes (?P<count>\d+) values\.",
     N_("Argument {name} takes {count} values.")),
    (rf"Got unexpected extra argument\(s\) \((?P<arguments>{_ANY})\)",
     N_("Got unexpected extra argument(s) ({arguments})")),
    (rf"Invalid value for (?P<name>'[^']*'(?: / '[^']*')*): (?P<reason>{_ANY})",
     N_("Invalid value for {name}: {reason}")),
    (rf"Invalid value: (?P<reason>{_ANY})", N_("Invalid value: {reason}")),
    # the reasons (pydantic's "Value error, " before them is left out)
    (rf"(?P<value>{_ANY}) is not one of (?P<choices>{_ANY})\.",
     N_("{value} is not one of {choices}.")),
    (rf"Value (?P<value>{_ANY}) is not a valid (?P<kind>{_ANY})\.",
     N_("Value {value} is not a valid {kind}.")),
    (r"Value must be an iterable\.", N_("Value must be an iterable.")),
    (rf"File (?P<path>{_ANY}) does not exist\.", N_("File {path} does not exist.")),
    (rf"Directory (?P<path>{_ANY}) does not exist\.", N_("Directory {path} does not exist.")),
    (rf"Path (?P<path>{_ANY}) does not exist\.", N_("Path {path} does not exist.")),
    (rf"File (?P<path>{_ANY}) is a directory\.", N_("File {path} is a directory.")),
    (rf"Path (?P<path>{_ANY}) is a directory\.", N_("Path {path} is a directory.")),
    (rf"Directory (?P<path>{_ANY}) is a file\.", N_("Directory {path} is a file.")),
    (rf"Path (?P<path>{_ANY}) is a file\.", N_("Path {path} is a file.")),
    (rf"(?P<kind>File|Directory|Path) (?P<path>{_ANY}) is not readable\.",
     N_("{kind} {path} is not readable.")),
    (rf"(?P<kind>File|Directory|Path) (?P<path>{_ANY}) is not writable\.",
     N_("{kind} {path} is not writable.")),
    # pydantic's words, which Typer gives for a value it cannot convert
    (r"Input should be a valid integer, unable to parse string as an integer",
     N_("Input should be a valid integer, unable to parse string as an integer")),
    (r"Input should be a valid number, unable to parse string as a number",
     N_("Input should be a valid number, unable to parse string as a number")),
    (r"Input should be a valid boolean, unable to interpret input",
     N_("Input should be a valid boolean, unable to interpret input")),
)
_KINDS = {"File": N_("File"), "Directory": N_("Directory"), "Path": N_("Path")}


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """USAGE_ERRORS compiled, when a usage error is first shown (not at start-up)."""
    return tuple((re.compile(pattern), template) for pattern, template in USAGE_ERRORS)


def translated_error(text: str, translate: Callable[[str], str] = translated) -> str:
    """A usage error's English text as the libraries word it, in the language in use; a text
    they did not write (one of clientreg's, already translated) is given back as it is."""
    text = text.removeprefix("Value error, ")
    for pattern, template in _patterns():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        fields = {name: value or "" for name, value in found.groupdict().items()}
        for name in ("reason", "message"):
            if name in fields:
                fields[name] = translated_error(fields[name], translate)
        if "kind" in fields and fields["kind"] in _KINDS:
            fields["kind"] = translate(_KINDS[fields["kind"]])
        more = fields.pop("more", "")
        shown = translate(template).format(**fields)
        return f"{shown} {translated_error(more, translate)}" if more else shown
    return text


class TranslatedFormatter(HelpFormatter):
    """Writes the usage line with "Usage: " in the language in use."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)


class TranslatedContext(Context):
    """A command's context, whose help and usage errors say "Usage: " in the language in use."""

    formatter_class = TranslatedFormatter


def speak_in_help(command: Command) -> None:
    """The help option's text of a command and of the commands under it, and the completion
    options' of the root, in the language in use, and their usage lines' words ("Usage: ",
    "[OPTIONS]", "COMMAND [ARGS]...")."""
    help_option = command.get_help_option(Context(command))
    if help_option is not None:
        help_option.help = _("Show this message and exit.")
    for param in command.params:
        for opt in param.opts:
            if opt in COMPLETION_OPTIONS and isinstance(param, TyperOption):
                param.help = translated(COMPLETION_OPTIONS[opt])
    if command.options_metavar == OPTIONS_METAVAR:
        command.options_metavar = _("[OPTIONS]")
    if getattr(command, "subcommand_metavar", None) == SUBCOMMAND_METAVAR:
        command.subcommand_metavar = _("COMMAND [ARGS]...")  # type: ignore[attr-defined]
    command.context_class = TranslatedContext
    for sub in getattr(command, "commands", {}).values():
        speak_in_help(sub)


def refresh_rich_words() -> None:
    """Typer's help panel words in the language in use, when its help module was imported
    already (in another language, by an earlier run in the same process)."""
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        for name, english in RICH_WORDS.items():
            setattr(rich_utils, name, translated(english))
