"""The clientreg command line: the root Typer app, its global options and its command groups."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from clientreg import __version__
from clientreg.commands.context import ENV_DB, Settings, default_database_path
from clientreg.commands.i18n import _

app = typer.Typer(
    name="clientreg",
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
    "clientreg.commands.exporting",
    "clientreg.commands.wizard_command",
)


def _existing_folder(value: Path | None) -> Path | None:
    """An explicit database must be in a folder that exists: a typo there is not a new folder."""
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
        Path | None,
        typer.Option("--db", envvar=ENV_DB, help=_("The database file. Default: a file in the "
                                                   "user's data directory."),
                     dir_okay=False, show_default=False, callback=_existing_folder),
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
