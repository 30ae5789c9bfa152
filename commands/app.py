"""The clientreg command line: the root Typer app, its global options and its command groups."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import Command, Context
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperArgument, TyperGroup, TyperOption

from clientreg import __version__
from clientreg.commands import i18n
from clientreg.commands.context import (
    COMMAND_LINE,
    ENV_DB,
    Settings,
    default_database_path,
    is_database_url,
)
from clientreg.commands.i18n import _
from clientreg.commands.library_messages import refresh_rich_words, speak_in_help, translated_error


class _Argument(TyperArgument):
    """An argument's name column already names its value (identifier, PATH...): no type after
    it."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


_VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "BOOLEAN",
                "file": "FILE", "path": "PATH", "directory": "DIRECTORY",
                "int range": "INTEGER", "float range": "NUMBER"}


def _value_name(typer_label: str) -> str:
    """Typer's label of a value (<str>, <list[str]>, <file>, <a|b>) in click's words (TEXT,
    FILE, a|b); an option given once per value names one."""
    label = typer_label.strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[len("list["):-1]
    return _VALUE_NAMES.get(label, label)


def _name_values(command: Command) -> None:
    """Every value in --help named as click names it (TEXT, FILE, INTEGER, a|b|c), never as a
    Python type (<str>, <list[str]>); a flag takes no value and shows none."""
    context = Context(command)
    for param in [*command.params, command.get_help_option(context)]:
        if isinstance(param, TyperOption):
            if param.is_flag or param.count:
                param.metavar = ""
            elif param.metavar is None:
                param.metavar = _value_name(param.display_type(context))
        elif isinstance(param, TyperArgument):
            param.__class__ = _Argument
    for sub in getattr(command, "commands", {}).values():
        _name_values(sub)


def _in_language(exc: UsageError) -> UsageError:
    """A usage error worded by click or Typer, in the language in use (and without pydantic's
    "Value error, " before a refused choice); clientreg's own are already."""
    if isinstance(exc, NoArgsIsHelpError):
        return exc
    text = exc.format_message()
    shown = translated_error(text)
    if shown == text:
        return exc
    error = UsageError(shown, ctx=exc.ctx)
    error.exit_code = exc.exit_code
    return error


class _Root(TyperGroup):
    """The root command: names the values of every command's help, and answers a global option
    given after the command by saying where it goes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_values(self)

    def get_params(self, ctx: Context) -> list[Any]:
        # Typer adds the shell-completion flags to the root after it is made.
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""
        return params

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        # The language of this run: the entry point chose it before the commands were imported
        # (help texts); a run in the same process (CliRunner) chooses it again here.
        given = list(sys.argv[1:] if args is None else args)
        i18n.use_language(i18n.chosen_language(given, os.environ))
        speak_in_help(self)
        refresh_rich_words()
        with i18n.libraries_speaking():
            return super().main(args, *rest, **options)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        # The command line as given, which the run ledger records (passwords masked).
        ctx.meta[COMMAND_LINE] = ["clientreg", *args]
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:  # a global option's (--lang xx)
            raise _in_language(exc) from None

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except NoSuchOption as exc:
            if exc.option_name in self._global_options():
                raise UsageError(
                    _("{option} is a global option: put it before the command").format(
                        option=exc.option_name),
                    ctx=exc.ctx) from None
            raise _in_language(exc) from None
        except UsageError as exc:
            raise _in_language(exc) from None

    def _global_options(self) -> set[str]:
        return {opt for param in self.params if isinstance(param, TyperOption)
                for opt in (*param.opts, *param.secondary_opts) if opt != "--help"}


app = typer.Typer(
    name="clientreg",
    cls=_Root,
    help=_("Register clients, their companies and contacts in SQLite: interactively with "
           "'clientreg new', in bulk with 'clientreg import'."),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)

# Each module adds its commands with register(app). Heavy libraries (pydantic, questionary,
# phonenumbers, the XLSX reader) are imported inside commands, so --help and --version stay fast.
COMMAND_MODULES = (
    "clientreg.commands.clients",
    "clientreg.commands.catalogue_groups",
    "clientreg.commands.directory",
    "clientreg.commands.importing",
    "clientreg.commands.verify",
    "clientreg.commands.exporting",
    "clientreg.commands.wizard_command",
    "clientreg.commands.runs",
    "clientreg.commands.database",
)


def _database_name(value: str | Path) -> Path | str:
    """--db: a postgresql:// URL, kept as text, or a file (not a folder: Typer's own words)."""
    if isinstance(value, Path):
        return value
    if is_database_url(value):
        return value
    if os.path.isdir(value):
        # The sentence of Typer's own check of a file option, in the run's language.
        raise typer.BadParameter(_("File {path} is a directory.").format(path=repr(value)))
    return Path(value)


def _existing_folder(value: Path | str | None) -> Path | str | None:
    """An explicit database must be in a folder that exists: a typo there is not a new folder."""
    if isinstance(value, str):
        return value  # a PostgreSQL URL
    if value is not None and not value.expanduser().parent.is_dir():
        raise typer.BadParameter(_("the folder {folder} does not exist; create it first, or "
                                   "give another path").format(folder=value.expanduser().parent))
    return value


def _version(value: bool) -> None:
    if value:
        print("clientreg", __version__)
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Any,  # Path | str | None, which Typer cannot read: _database_name makes it
        typer.Option("--db", envvar=ENV_DB, help=_("The database file, or a postgresql:// URL. "
                                                   "Default: a file in the user's data "
                                                   "directory."),
                     parser=_database_name, show_default=False, callback=_existing_folder),
    ] = None,
    lang: Annotated[
        i18n.Language | None,
        typer.Option("--lang", is_eager=True, show_default=False,
                     help=_("The language of what clientreg writes for people. Default: "
                            "CLIENTREG_LANG, else the system's (LANGUAGE, LC_ALL, "
                            "LC_MESSAGES, LANG), else English. JSON, codes and columns do "
                            "not change with it.")),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help=_("Show the version and exit."))
    ] = False,
) -> None:
    """Register clients, their companies and contacts in SQLite."""
    from clientreg.commands.boundary import signals_handled

    ctx.obj = Settings(db_path=db or default_database_path())
    ctx.with_resource(signals_handled())


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    app()
