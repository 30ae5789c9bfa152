"""``clientreg db``: the register as a whole; ``db copy`` moves a SQLite register up to
PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

from clientreg.commands.boundary import print_error, user_errors
from clientreg.commands.context import is_database_url, open_store
from clientreg.commands.i18n import _


def _target_url(value: str) -> str:
    if not is_database_url(value):
        raise typer.BadParameter(_("give a postgresql:// URL (the database to copy into)"))
    return value


def copy_database(
    ctx: typer.Context,
    to: Annotated[str, typer.Option(
        "--to", help=_("The PostgreSQL database to copy into, as a postgresql:// URL; it must "
                       "hold no register yet (a new one is migrated first)."),
        show_default=False, callback=_target_url)],
) -> None:
    """Copy the register of --db (catalogue, companies, clients, contacts, history, runs) into
    an empty PostgreSQL database, in one transaction."""
    from clientreg.storage import open_database
    from clientreg.storage.copying import copy_register

    with user_errors(), open_store(ctx) as source:
        target = open_database(to, writes=True)
        try:
            counts = copy_register(source, target)
        finally:
            target.close()
        shown = target.path
    print_error(_("Copied the register into {url}: {clients} clients, {companies} companies, "
                  "{users} external users, {history} history entries, {runs} runs.").format(
        url=shown, clients=counts["clients"], companies=counts["companies"],
        users=counts["external_users"], history=counts["history"], runs=counts["runs"]))


def register(app: typer.Typer) -> None:
    """Add the db group to the root app."""
    group = typer.Typer(no_args_is_help=True)
    group.command("copy", help=_("Copy the register of --db (catalogue, companies, clients, "
                                 "contacts, history, runs) into an empty PostgreSQL database, "
                                 "in one transaction; export then gives the same bytes from "
                                 "both."))(copy_database)
    app.add_typer(group, name="db", rich_help_panel=_("Import and export"),
                  help=_("The register as a whole: copy it into PostgreSQL."))
