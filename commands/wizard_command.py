"""`clientreg new`: the registration wizard, its --no-input form, and the interactive edit."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clientreg.commands.boundary import (
    EXIT_CANCELLED,
    EXIT_REJECTED,
    EXIT_USAGE,
    print_error,
    user_errors,
)
from clientreg.commands.context import open_store
from clientreg.commands.i18n import _

if TYPE_CHECKING:
    from clientreg.catalogue import Catalogue
    from clientreg.commands.wizard_steps import Wizard
    from clientreg.model import ClientDraft, ContactDraft, Outcome
    from clientreg.storage import Store

# A testing aid: the wizard's tests type keys through prompt_toolkit pipe input, where standard
# input is not a terminal. CLIENTREG_FORCE_INTERACTIVE=1 lets the prompts run anyway.
FORCE_INTERACTIVE_ENV = "CLIENTREG_FORCE_INTERACTIVE"
WIZARD_SOURCE = "wizard"
EDIT_SOURCE = "edit"  # the interactive edit's history source, as 'edit --set' writes it
NO_INPUT_SOURCE = "new --no-input"
_CONTACT_KEYS = ("name", "email", "phone", "position", "department", "language", "default")
_NAME_EMAIL_RE = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*")
# A comma starts a new KEY= only when a word and "=" follow, so "position=Head, Sales" keeps its
# comma and a misspelt key is reported rather than swallowed into the previous value.
_KEY_SPLIT_RE = re.compile(r",\s*(?=\w+\s*=)")

_COMPANY = _("Company (a new company)")
_ADDRESS = _("Address")


def _option(flag: str, help_text: str, panel: str = _COMPANY, metavar: str | None = None) -> Any:
    return typer.Option(flag, help=help_text, show_default=False, rich_help_panel=panel,
                        metavar=metavar)


def new(
    ctx: typer.Context,
    from_company: Annotated[str | None, typer.Option(
        "--from-company", metavar="ID", show_default=False,
        help=_("Register an existing company (one that is not a client yet) as a client."))] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help=_("Ask nothing: register from the options below (for scripts and CI). "
                             "Prints the client's identifier on stdout."))] = False,
    save_as: Annotated[Path | None, typer.Option(
        "--save-as", metavar="FILE.yaml", dir_okay=False, show_default=False,
        help=_("After registering, append the client to this YAML file (created if missing) "
               "in the shape 'clientreg import' replays."))] = None,
    company_type: Annotated[str | None, _option("--type", _("Company type (its code)."),
                                                    metavar="CODE")] = None,
    category: Annotated[str | None, _option("--category", _("Client category (its code)."),
                                            _("Client"), metavar="CODE")] = None,
    identifier: Annotated[str | None, _option(
        "--identifier", _("Identifier; leave out to have the type's mask generate it."),
        metavar="ID")] = None,
    name: Annotated[str | None, _option("--name", _("Company name."))] = None,
    trade_name: Annotated[str | None, _option("--trade-name", _("Trade name."))] = None,
    tax_id: Annotated[str | None, _option("--tax-id", _("Tax id (checked per country)."))] = None,
    email: Annotated[str | None, _option("--email", _("Company e-mail."))] = None,
    phone: Annotated[str | None, _option("--phone", _("Company phone."))] = None,
    website: Annotated[str | None, _option("--website", _("Website."))] = None,
    street: Annotated[str | None, _option("--street", _("Street."), _ADDRESS)] = None,
    city: Annotated[str | None, _option("--city", _("City."), _ADDRESS)] = None,
    region: Annotated[str | None, _option("--region", _("Region."), _ADDRESS)] = None,
    postal_code: Annotated[str | None, _option("--postal-code", _("Postal code."),
                                               _ADDRESS)] = None,
    country: Annotated[str | None, _option(
        "--country", _("Country (ISO code, or its name in English, Spanish, Portuguese or "
                       "German)."), _ADDRESS, metavar="COUNTRY")] = None,
    company_attr: Annotated[list[str] | None, typer.Option(
        "--company-attr", metavar="KEY=VALUE", show_default=False, rich_help_panel=_COMPANY,
        help=_("A company attribute of the type, repeatable."))] = None,
    client_attr: Annotated[list[str] | None, typer.Option(
        "--client-attr", metavar="KEY=VALUE", show_default=False, rich_help_panel=_("Client"),
        help=_("A client attribute of the category, repeatable."))] = None,
    contact: Annotated[list[str] | None, typer.Option(
        "--contact", metavar="CONTACT", show_default=False, rich_help_panel=_("Client"),
        help=_("A contact, repeatable: \"Name <email>\", or "
               "\"name=...,email=...,phone=...,position=...,default=true\"."))] = None,
) -> None:
    """Register a client: a step-by-step wizard, or with --no-input from options.

    Without --no-input the options pre-fill the wizard's answers.
    """
    from clientreg.model import ClientDraft

    draft = ClientDraft(
        category=category, company_type=company_type, identifier=identifier, name=name,
        from_company=from_company, trade_name=trade_name, tax_id=tax_id, email=email,
        phone=phone, website=website, street=street, city=city, region=region,
        postal_code=postal_code, country=country,
        company_attributes=_pairs(company_attr, "--company-attr"),
        client_attributes=_pairs(client_attr, "--client-attr"),
        contacts=[parse_contact(text) for text in contact or ()],
        origin="command line",
    )
    if not no_input:
        require_terminal()
    if save_as is not None:
        from clientreg.commands.outputs import refuse_clash

        refuse_clash(ctx, "--save-as", save_as)
    with user_errors():
        if save_as is not None:
            from clientreg.commands.seed_file import check_seed_file

            check_seed_file(save_as)
        with open_store(ctx) as store:
            if no_input:
                identifier = _register_without_prompts(store, draft)
            else:
                identifier = _register_with_wizard(store, draft)
            if save_as is not None:
                _save_as(store, identifier, save_as)


def require_terminal(*, editing: str | None = None) -> None:
    """Prompts need a person at a terminal; say what to use instead (exit 2)."""
    if sys.stdin.isatty() or os.environ.get(FORCE_INTERACTIVE_ENV) == "1":
        return
    if editing is not None:
        print_error(_("clientreg edit asks questions, but standard input is not a terminal. Use "
                      "'clientreg edit {identifier} --set FIELD=VALUE' instead.").format(
                          identifier=editing))
    else:
        print_error(_("clientreg new asks questions, but standard input is not a terminal. Use "
                      "'clientreg new --no-input' with options (see --help), or 'clientreg "
                      "import FILE' for files."))
    raise typer.Exit(EXIT_USAGE)


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(_("{item!r} is not KEY=VALUE").format(item=item),
                                     param_hint=flag)
        pairs[key.strip()] = value.strip()
    return pairs


def parse_contact(text: str) -> ContactDraft:
    """A --contact value: "Name <email>" or name=...,email=...,phone=...,default=true."""
    from clientreg.model import ContactDraft

    found = _NAME_EMAIL_RE.fullmatch(text)
    if found:
        return ContactDraft(name=found["name"] or None, email=found["email"].strip() or None)
    if "=" not in text:
        raise typer.BadParameter(
            _("{text!r} is neither \"Name <email>\" nor name=...,email=...").format(text=text),
            param_hint="--contact")
    values: dict[str, str] = {}
    for part in _KEY_SPLIT_RE.split(text):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in _CONTACT_KEYS:
            raise typer.BadParameter(
                _("{part!r}: a contact takes {keys}").format(part=part,
                                                              keys=", ".join(_CONTACT_KEYS)),
                param_hint="--contact")
        values[key] = value.strip()
    return ContactDraft(**values)


def _register_without_prompts(store: Store, draft: ClientDraft) -> str:
    from clientreg.registration import register

    outcome = register(store, draft, source=NO_INPUT_SOURCE)
    print_error(_("Registered client {identifier}.").format(identifier=outcome.identifier))
    print(outcome.identifier)
    return outcome.identifier


def _register_with_wizard(store: Store, draft: ClientDraft) -> str:
    from clientreg.catalogue import Catalogue
    from clientreg.commands.wizard_prompts import QuestionaryPrompter
    from clientreg.commands.wizard_steps import Wizard
    from clientreg.registration import register

    catalogue = Catalogue.load(store)
    _check_ready(store, catalogue, draft)
    wizard = Wizard(store, QuestionaryPrompter(), draft=draft, catalogue=catalogue)
    outcome = _until_done(wizard, lambda ready: register(store, ready, source=WIZARD_SOURCE))
    print(_("Registered client {identifier}.").format(identifier=outcome.identifier))
    show_client(store, outcome.identifier)
    _offer_client_data(store, outcome.identifier)
    return outcome.identifier


def _until_done(wizard: Wizard, finish: Callable[[ClientDraft], Outcome]) -> Outcome:
    """Run the wizard; Cancel, Ctrl-C and Ctrl-D end it with nothing saved (exit 130)."""
    from clientreg.commands.wizard_questions import Cancelled

    try:
        return wizard.run(finish)
    except (Cancelled, KeyboardInterrupt, EOFError):
        print_error(_("Cancelled: nothing was saved."))
        raise typer.Exit(EXIT_CANCELLED) from None


def _check_ready(store: Store, catalogue: Catalogue, draft: ClientDraft) -> None:
    """Stop before the first question when the registration could not be completed."""
    from clientreg.conflicts import registrable_company
    from clientreg.records import companies_without_client

    if draft.from_company is not None:
        draft.from_company = registrable_company(store, draft.from_company).identifier
    has_type = any(t.active for t in catalogue.types.values())
    has_category = any(c.active for c in catalogue.categories.values())
    if has_category and (has_type or draft.from_company or companies_without_client(store)):
        return
    missing = [what for what, ok in ((_("company type"), has_type),
                                     (_("category"), has_category)) if not ok]
    reason = _("a registration needs an active company type and an active category, and there "
               "is no active {missing} yet. Create them with 'clientreg company-type add' and "
               "'clientreg category add', or load a seed file with company_types: and "
               "categories: using 'clientreg import FILE.yaml'").format(
        missing=_(" or ").join(missing))
    print_error(_("Error: {message}").format(message=f"{reason} [empty-catalogue]"))
    raise typer.Exit(EXIT_REJECTED)


def show_client(store: Store, identifier: str) -> None:
    """The client's data as 'clientreg show' prints it."""
    from clientreg.catalogue import Catalogue
    from clientreg.commands.text_views import print_client
    from clientreg.records import client_data

    print_client(client_data(store, identifier), Catalogue.load(store))


def _save_as(store: Store, identifier: str, path: Path) -> None:
    from clientreg.commands.seed_file import append_client
    from clientreg.records import client_data

    append_client(path, client_data(store, identifier, with_history=False))
    print_error(_("Appended client {identifier} to {path}.").format(identifier=identifier,
                                                                   path=path))


def _offer_client_data(store: Store, identifier: str) -> None:
    """The original screen's "Client data" button: edit the client just registered, or finish.
    The client is saved whatever is answered, so Cancel, Ctrl-C and Ctrl-D mean finish."""
    from clientreg.commands.wizard_prompts import QuestionaryPrompter

    try:
        answer = QuestionaryPrompter().select(
            "client_data", _("Client data: edit it now?"),
            [("finish", _("No, finish")),
             ("edit", _("Yes, edit client {identifier}").format(identifier=identifier))],
            default="finish", back=False)
    except (KeyboardInterrupt, EOFError):
        return
    if answer == "edit":
        _edit_with_wizard(store, identifier, registered=True)


def edit_interactively(ctx: typer.Context, identifier: str) -> None:
    """`clientreg edit ID` without --set: the wizard's steps pre-filled with the client's data;
    type and category are shown but locked."""
    require_terminal(editing=identifier)
    with user_errors(), open_store(ctx) as store:
        _edit_with_wizard(store, identifier)


def _edit_with_wizard(store: Store, identifier: str, *, registered: bool = False) -> None:
    """The interactive edit; its review lists what Finish changes. Right after a registration
    (``registered``), giving up the edit leaves the client as registered and ends the command."""
    from clientreg.commands.wizard_prompts import QuestionaryPrompter
    from clientreg.commands.wizard_questions import Cancelled
    from clientreg.commands.wizard_steps import Wizard
    from clientreg.editing import draft_of
    from clientreg.model import Action
    from clientreg.records import client_data

    document = client_data(store, identifier, with_history=False)
    current = document["identifier"]
    wizard = Wizard(store, QuestionaryPrompter(), draft=draft_of(document), editing=current)
    wizard.prompt.say(_("Editing client {identifier}: company type {type} and category "
                        "{category} cannot change after registration.").format(
        identifier=current, type=document["company_type"], category=document["category"]))
    finish = partial(_save_edit, store, current)
    if registered:
        try:
            outcome = wizard.run(finish)
        except (Cancelled, KeyboardInterrupt, EOFError):
            print_error(_("Edit cancelled: client {identifier} stays as registered.").format(
                identifier=current))
            return
    else:
        outcome = _until_done(wizard, finish)
    if outcome.action is Action.UNCHANGED:
        print(_("Nothing was changed: client {identifier} stays as it was.").format(
            identifier=current))
    else:
        print(_("Saved the changes to client {identifier}.").format(identifier=current))
        show_client(store, current)


def _save_edit(store: Store, identifier: str, ready: ClientDraft) -> Outcome:
    """Finish of the interactive edit: nothing is written when the review listed no change."""
    from clientreg.editing import edit_changes, edit_client
    from clientreg.model import Action, Outcome

    if not edit_changes(store, identifier, ready):
        return Outcome(Action.UNCHANGED, identifier)
    return edit_client(store, identifier, draft=ready, source=EDIT_SOURCE)


def register(app: typer.Typer) -> None:
    app.command("new", help=_("Register a client: a step-by-step wizard, or with --no-input "
                              "from options.\n\nWithout --no-input the options pre-fill the "
                              "wizard's answers."))(new)
