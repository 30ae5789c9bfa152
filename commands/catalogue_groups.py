"""The company-type and category command groups: their options, resolved into catalogue calls."""

from pathlib import Path
from typing import Annotated

import typer

from clientreg.commands import catalogue as cat
from clientreg.commands import render
from clientreg.commands.i18n import _

CodeArgument = Annotated[str, typer.Argument(help=_("The entry's code (any case)."),
                                             show_default=False, callback=render.terminal_text)]
AddCodeArgument = Annotated[str | None, typer.Argument(
    help=_("The new entry's code: letters, digits and . _ / - (stored upper-case)."),
    show_default=False, callback=render.terminal_text)]
NameOption = Annotated[str | None, typer.Option("--name", help=_("The name people see."),
                                                show_default=False,
                                                callback=render.terminal_text)]
MaskOption = Annotated[str | None, typer.Option(
    "--id-mask", help=_("Generate identifiers of this type's companies from a mask with one "
                        "{seq} field, as in CLI-{seq:05}."), show_default=False,
    metavar="MASK", callback=render.terminal_text)]
AttributesFileOption = Annotated[Path | None, typer.Option(
    "--attributes-file", dir_okay=False,
    help=_("A YAML file with the new list of attributes (replaces the old ones; allowed only "
           "while nothing uses the entry)."), show_default=False)]
ShowFormatOption = Annotated[cat.EntryFormat, typer.Option(
    "--format", help=_("text for people; json or yaml in the seed document's shape."))]
ListFormatOption = Annotated[cat.ListFormat, typer.Option(
    "--format", help=_("table for people; json or yaml in the seed document's shape (what "
                       "'add --file' reads)."))]
AllOption = Annotated[bool, typer.Option("--all", help=_("Include inactive entries."))]


def _group(kind: cat.Kind) -> typer.Typer:
    """A group with the commands both kinds share: list, show, deactivate, activate."""
    group = typer.Typer(no_args_is_help=True, rich_markup_mode="rich")

    @group.command("list", help=_("List the {kinds} (active ones unless --all).").format(
        kinds=kind.plural))
    def list_entries(ctx: typer.Context, include_inactive: AllOption = False,
                     output: ListFormatOption = cat.ListFormat.TABLE) -> None:
        cat.list_entries(ctx, kind, include_inactive, output)

    @group.command("show", help=_("Show a {kind} and its attributes.").format(kind=kind.label))
    def show(ctx: typer.Context, code: CodeArgument,
             output: ShowFormatOption = cat.EntryFormat.TEXT) -> None:
        cat.show_entry(ctx, kind, code, output)

    @group.command("deactivate", help=_("Deactivate a {kind}: what uses it keeps it, new "
                                        "registrations cannot choose it.").format(
        kind=kind.label))
    def deactivate(ctx: typer.Context, code: CodeArgument) -> None:
        cat.set_active(ctx, kind, code, False)

    @group.command("activate", help=_("Activate a deactivated {kind}.").format(kind=kind.label))
    def activate(ctx: typer.Context, code: CodeArgument) -> None:
        cat.set_active(ctx, kind, code, True)

    return group


def company_type_group() -> typer.Typer:
    group = _group(cat.COMPANY_TYPE)

    @group.command("add", help=_("Add a company type from options, or several from a YAML "
                                 "file with --file."))
    def add(
        ctx: typer.Context,
        code: AddCodeArgument = None,
        name: NameOption = None,
        parent: cat.ParentOption = None,
        id_mask: MaskOption = None,
        allow_id_change: Annotated[bool, typer.Option(
            "--allow-id-change", help=_("With --id-mask: people may type another "
                                        "identifier instead of the generated one."))] = False,
        attribute: cat.AttributeOption = None,
        file: cat.FileOption = None,
    ) -> None:
        fields = {"name": name, "parent": parent, "id_mask": id_mask,
                  "allow_id_change": allow_id_change}
        cat.add(ctx, cat.COMPANY_TYPE, code, file, fields, attribute)

    @group.command("edit", help=_("Change a company type's name, parent, mask or attributes."))
    def edit(
        ctx: typer.Context,
        code: CodeArgument,
        name: NameOption = None,
        parent: Annotated[str | None, typer.Option(
            "--parent", help=_("The parent's code; an empty value removes the parent."),
            show_default=False, metavar="CODE", callback=render.terminal_text)] = None,
        id_mask: Annotated[str | None, typer.Option(
            "--id-mask", help=_("The identifier mask, as in CLI-{seq:05}; an empty value "
                                "removes it."), show_default=False,
            metavar="MASK", callback=render.terminal_text)] = None,
        allow_id_change: Annotated[bool | None, typer.Option(
            "--allow-id-change/--forbid-id-change",
            help=_("Whether people may type over the generated identifier."),
            show_default=False)] = None,
        attributes_file: AttributesFileOption = None,
    ) -> None:
        changes = {"name": name, "parent": parent, "id_mask": id_mask,
                   "allow_id_change": allow_id_change}
        cat.edit(ctx, cat.COMPANY_TYPE, code, changes, attributes_file)

    return group


def category_group() -> typer.Typer:
    group = _group(cat.CATEGORY)

    @group.command("add", help=_("Add a category from options, or several from a YAML file "
                                 "with --file."))
    def add(
        ctx: typer.Context,
        code: AddCodeArgument = None,
        name: NameOption = None,
        parent: cat.ParentOption = None,
        attribute: cat.AttributeOption = None,
        file: cat.FileOption = None,
    ) -> None:
        cat.add(ctx, cat.CATEGORY, code, file, {"name": name, "parent": parent}, attribute)

    @group.command("edit", help=_("Change a category's name, parent or attributes."))
    def edit(
        ctx: typer.Context,
        code: CodeArgument,
        name: NameOption = None,
        parent: Annotated[str | None, typer.Option(
            "--parent", help=_("The parent's code; an empty value removes the parent."),
            show_default=False, metavar="CODE", callback=render.terminal_text)] = None,
        attributes_file: AttributesFileOption = None,
    ) -> None:
        cat.edit(ctx, cat.CATEGORY, code, {"name": name, "parent": parent}, attributes_file)

    return group


def register(app: typer.Typer) -> None:
    """Add the company-type and category groups to the root app."""
    panel = _("Catalogue (prerequisites)")
    app.add_typer(company_type_group(), name=cat.COMPANY_TYPE.command, rich_help_panel=panel,
                  help=_("Company types: what kind of company a client is (AD022); a "
                         "prerequisite of every registration."))
    app.add_typer(category_group(), name=cat.CATEGORY.command, rich_help_panel=panel,
                  help=_("Client categories (CT005), with their client attributes; a "
                         "prerequisite of every registration."))
