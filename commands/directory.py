"""The directory views: companies (AD009), clients or not, and external users (AD060)."""

import itertools
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import typer

from clientreg.commands import render
from clientreg.commands.boundary import print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _, ngettext

COMPANY_COLUMNS = ("identifier", "name", "company_type", "tax_id", "city", "country", "client",
                   "active")
USER_COLUMNS = ("email", "name", "company", "phone", "position", "department", "language",
                "active")


ListFormat = render.ListFormat


AllOption = Annotated[bool, typer.Option("--all", help=_("Include inactive ones."))]
SearchOption = Annotated[str | None, typer.Option(
    "--search", help=_("Only the ones matching these words."), show_default=False,
    metavar="WORDS", callback=render.terminal_text)]
ListFormatOption = Annotated[ListFormat, typer.Option(
    "--format", help=_("table for people; json or csv for programs (stdout holds only the "
                       "data)."))]
ShowFormatOption = Annotated[render.ShowFormat, typer.Option(
    "--format", help=_("text for people; json or yaml for programs."))]


def _print_rows(rows: Iterator[dict[str, Any]], columns: tuple[str, ...],
                titles: tuple[str, ...], output: ListFormat, *,
                counted: Callable[[int], str], empty: str) -> None:
    if output is ListFormat.JSON:
        render.print_json(list(rows))
        return
    if output is ListFormat.CSV:
        render.print_csv(rows, columns)
        return
    first = next(rows, None)
    if first is None:
        print_error(empty)
        return
    from clientreg.commands.text_views import phone_shown

    shown = ({**row, "phone": phone_shown(row.get("phone"))} if "phone" in row else row
             for row in itertools.chain([first], rows))
    count = render.print_table(shown, columns, titles)
    print_error(counted(count))


def list_companies(ctx: typer.Context, include_inactive: AllOption = False,
                   search: SearchOption = None,
                   output: ListFormatOption = ListFormat.TABLE) -> None:
    """List every company, client or not."""
    from clientreg.records import iter_companies

    titles = (_("Identifier"), _("Name"), _("Type"), _("Tax id"), _("City"), _("Country"),
              _("Client"), _("Active"))
    with user_errors(), open_store(ctx) as store:
        rows = iter_companies(store, include_inactive=include_inactive, search=search)
        _print_rows(rows, COMPANY_COLUMNS, titles, output,
                    counted=lambda count: ngettext("{count} company", "{count} companies",
                                                   count).format(count=count),
                    empty=_("No companies match this search.") if search else
                    _("No companies found. Companies are registered with their client "
                      "('clientreg new', 'clientreg import'), or listed under companies: in a "
                      "seed file."))


def show_company(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(help=_("The company's identifier (any case)."),
                                              show_default=False,
                                              callback=render.terminal_text)],
    output: ShowFormatOption = render.ShowFormat.TEXT,
) -> None:
    """Show a company: its data, attributes, whether it is a client, and its history."""
    from clientreg.catalogue import Catalogue
    from clientreg.commands.text_views import print_company
    from clientreg.records import company_data

    with user_errors(), open_store(ctx) as store:
        document = company_data(store, identifier)
        catalogue = Catalogue.load(store)
    render.print_document(document, output, lambda: print_company(document, catalogue))


def list_users(ctx: typer.Context, include_inactive: AllOption = False,
               search: SearchOption = None,
               output: ListFormatOption = ListFormat.TABLE) -> None:
    """List the external users: every contact of every client, once."""
    from clientreg.records import iter_external_users

    titles = (_("E-mail"), _("Name"), _("Company"), _("Phone"), _("Position"), _("Department"),
              _("Language"), _("Active"))
    with user_errors(), open_store(ctx) as store:
        rows = iter_external_users(store, include_inactive=include_inactive, search=search)
        _print_rows(rows, USER_COLUMNS, titles, output,
                    counted=lambda count: ngettext("{count} external user",
                                                   "{count} external users",
                                                   count).format(count=count),
                    empty=_("No external users match this search.") if search else
                    _("No external users found. They are the contacts of clients: add "
                      "contacts with 'clientreg new' or 'clientreg import'."))


def show_user(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help=_("The user's e-mail (their identifier, any "
                                                "case)."), show_default=False,
                                         callback=render.terminal_text)],
    output: ShowFormatOption = render.ShowFormat.TEXT,
) -> None:
    """Show an external user: details, company, the clients they are a contact of, history."""
    from clientreg.commands.text_views import print_external_user
    from clientreg.records import external_user_data

    with user_errors(), open_store(ctx) as store:
        document = external_user_data(store, email)
    render.print_document(document, output, lambda: print_external_user(document))


def register(app: typer.Typer) -> None:
    """Add the company and external-user groups to the root app."""
    panel = _("Directory")
    companies = typer.Typer(no_args_is_help=True)
    companies.command("list", help=_("List every company, client or not."))(list_companies)
    companies.command("show", help=_("Show a company: its data, attributes, whether it is a "
                                     "client, and its history."))(show_company)
    app.add_typer(companies, name="company", rich_help_panel=panel,
                  help=_("Companies (AD009): every client is one; some are not clients yet."))
    users = typer.Typer(no_args_is_help=True)
    users.command("list", help=_("List the external users: every contact of every client, "
                                 "once."))(list_users)
    users.command("show", help=_("Show an external user: details, company, the clients they "
                                 "are a contact of, and history."))(show_user)
    app.add_typer(users, name="external-user", rich_help_panel=panel,
                  help=_("External users (AD060): the contacts of clients, one per e-mail."))
