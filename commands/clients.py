"""Client commands: show a client's data, list clients, edit, deactivate and activate them."""

import itertools
import json
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from clientreg.commands import render
from clientreg.commands.boundary import print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _, ngettext

LIST_COLUMNS = ("identifier", "name", "company_type", "category", "city", "country", "email",
                "active")
ListFormat = render.ListFormat


IdentifierArgument = Annotated[str, typer.Argument(help=_("The client's identifier (any case)."),
                                                   show_default=False,
                                                   callback=render.terminal_text)]


def show(
    ctx: typer.Context,
    identifier: IdentifierArgument,
    output: Annotated[render.ShowFormat, typer.Option(
        "--format", help=_("text: a readable view; json or yaml: the import's own shape, "
                           "history included."))] = render.ShowFormat.TEXT,
) -> None:
    """Show a client's data: company, category, attributes, contacts and history."""
    from clientreg.catalogue import Catalogue
    from clientreg.commands.text_views import print_client
    from clientreg.records import client_data

    with user_errors(), open_store(ctx) as store:
        document = client_data(store, identifier)
        catalogue = Catalogue.load(store)
    render.print_document(document, output, lambda: print_client(document, catalogue))


# The filters of `list`, shared with `export`.
CategoryFilter = Annotated[str | None, typer.Option(
    "--category", help=_("Only clients of this category (its code)."), show_default=False,
    metavar="CODE", callback=render.terminal_text)]
TypeFilter = Annotated[str | None, typer.Option(
    "--type", help=_("Only clients whose company is of this type (its code)."),
    show_default=False, metavar="CODE", callback=render.terminal_text)]
SearchFilter = Annotated[str | None, typer.Option(
    "--search", help=_("Words to find in the name, trade name, identifier, e-mail or tax id "
                       "(each word as a prefix; a tax id however it is written)."),
    show_default=False, metavar="WORDS", callback=render.terminal_text)]
InactiveFilter = Annotated[bool, typer.Option("--all", help=_("Include inactive clients."))]


def list_clients(
    ctx: typer.Context,
    category: CategoryFilter = None,
    company_type: TypeFilter = None,
    search: SearchFilter = None,
    include_inactive: InactiveFilter = False,
    output: Annotated[ListFormat, typer.Option(
        "--format", help=_("table for people; json or csv for programs (stdout holds only "
                           "the data). A view of a few columns, not an import file: "
                           "'clientreg export' writes what 'clientreg import' reads."))
    ] = ListFormat.TABLE,
) -> None:
    """Find clients: filter by category, type or words; table, JSON or CSV."""
    from clientreg.catalogue import Catalogue, find_entry
    from clientreg.records import iter_clients

    with user_errors(), open_store(ctx) as store:
        catalogue = Catalogue.load(store)
        if category:
            category = find_entry(catalogue, "category", category).code
        if company_type:
            company_type = find_entry(catalogue, "company_type", company_type).code
        rows = iter_clients(store, category=category, company_type=company_type, search=search,
                            include_inactive=include_inactive)
        if output is ListFormat.JSON:
            render.print_json(list(rows))
        elif output is ListFormat.CSV:
            render.print_csv(rows, LIST_COLUMNS)
        else:
            first = next(rows, None)
            if first is None:
                hidden = not include_inactive and next(iter_clients(
                    store, category=category, company_type=company_type, search=search,
                    include_inactive=True, limit=1), None) is not None
                _explain_no_rows(filtered=bool(category or company_type or search),
                                 hidden=hidden)
            else:
                _print_client_table(itertools.chain([first], rows))


def _explain_no_rows(*, filtered: bool, hidden: bool) -> None:
    if hidden:
        print_error(_("No active clients to show; add --all to include the inactive ones."))
    elif filtered:
        print_error(_("No clients match these filters."))
    else:
        print_error(_("No clients yet. Register one with 'clientreg new', or load a file "
                      "with 'clientreg import FILE' (see 'clientreg template')."))


def _print_client_table(rows: Iterable[dict[str, Any]]) -> None:
    titles = (_("Identifier"), _("Name"), _("Type"), _("Category"), _("City"), _("Country"),
              _("E-mail"), _("Active"))
    count = render.print_table(rows, LIST_COLUMNS, titles)
    print_error(ngettext("{count} client", "{count} clients", count).format(count=count))


def edit(
    ctx: typer.Context,
    identifier: IdentifierArgument,
    settings: Annotated[list[str] | None, typer.Option(
        "--set", metavar="FIELD=VALUE",
        help=_("A change, repeatable: name, a company field (email, phone, city, ...), "
               "company_attr.KEY or client_attr.KEY. An empty VALUE clears the field."),
        show_default=False, callback=render.terminal_text)] = None,
) -> None:
    """Change a client through the same checks as a registration; history keeps old values."""
    if not settings:
        from clientreg.commands.wizard_command import edit_interactively

        edit_interactively(ctx, identifier)
        return
    from clientreg.editing import edit_client
    from clientreg.model import Action

    changes = _parse_settings(settings)
    with user_errors(), open_store(ctx) as store:
        outcome = edit_client(store, identifier, settings=changes, source="edit")
    if outcome.action is Action.UNCHANGED:
        print(_("Client {identifier} already has these values; nothing changed.")
              .format(identifier=outcome.identifier))
        return
    print(_("Updated client {identifier}.").format(identifier=outcome.identifier))
    for line in describe_changes(outcome.changes):
        print(f"  {line}")


def _parse_settings(settings: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for setting in settings:
        field, sep, value = setting.partition("=")
        field = field.strip()
        if not sep or not field:
            raise typer.BadParameter(
                _("{setting!r} is not FIELD=VALUE, as in --set city=Sevilla").format(
                    setting=setting), param_hint="--set")
        if field.lower() in parsed:
            raise typer.BadParameter(_("{field} is given twice").format(field=field),
                                     param_hint="--set")
        parsed[field.lower()] = value
    return parsed


def describe_changes(changes: dict[str, list[Any]]) -> list[str]:
    """One line per changed field: old value -> new value (attributes key by key)."""
    from clientreg.editing import field_changes

    return [f"{change.field}: {_shown(change.old)} -> {_shown(change.new)}"
            for change in field_changes(changes)]


def _shown(value: Any) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return repr(value) if isinstance(value, str) else str(value)


def deactivate(ctx: typer.Context, identifier: IdentifierArgument) -> None:
    """Deactivate a client: its data stays, lists hide it, 'activate' brings it back."""
    _set_active(ctx, identifier, active=False)


def activate(ctx: typer.Context, identifier: IdentifierArgument) -> None:
    """Activate a client that was deactivated."""
    _set_active(ctx, identifier, active=True)


def _set_active(ctx: typer.Context, identifier: str, *, active: bool) -> None:
    from clientreg.editing import set_client_active
    from clientreg.records import client_data

    with user_errors(), open_store(ctx) as store:
        stored = client_data(store, identifier, with_history=False)["identifier"]
        changed = set_client_active(store, stored, active, source="command line")
    if not changed:
        message = (_("Client {identifier} is already active.") if active else
                   _("Client {identifier} is already inactive."))
    elif active:
        message = _("Activated client {identifier}.")
    else:
        message = _("Deactivated client {identifier}: its data is kept; 'clientreg activate "
                    "{identifier}' brings it back.")
    print(message.format(identifier=stored))


def register(app: typer.Typer) -> None:
    """Add the client commands to the root app."""
    panel = _("Clients")
    app.command("show", help=_("Show a client's data: company, category, attributes, contacts "
                               "and history."), rich_help_panel=panel)(show)
    app.command("list", help=_("Find clients: filter by category, type or words; table, JSON "
                               "or CSV. A view, not for re-import: 'clientreg export' writes "
                               "the import's format."), rich_help_panel=panel)(list_clients)
    app.command("edit", help=_("Change a client with --set FIELD=VALUE; the same checks as a "
                               "registration, old values kept in history."),
                rich_help_panel=panel)(edit)
    app.command("deactivate", help=_("Deactivate a client (nothing is deleted)."),
                rich_help_panel=panel)(deactivate)
    app.command("activate", help=_("Activate a deactivated client."),
                rich_help_panel=panel)(activate)
