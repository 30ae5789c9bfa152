"""The catalogue commands: company types and categories, the prerequisites of a registration."""

import contextlib
import copy
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clientreg.commands import render
from clientreg.commands.boundary import EXIT_USAGE, print_error, user_errors
from clientreg.commands.context import open_store
from clientreg.commands.i18n import N_, _, ngettext, translated
from clientreg.errors import ClientregError, InvalidValue, Rejected

if TYPE_CHECKING:
    from clientreg.model import Category, CompanyType
    from clientreg.storage import Store

SOURCE = "command line"


@dataclass(frozen=True)
class Kind:
    """What differs between the company-type and category groups."""

    name: str  # the core's kind
    command: str
    section: str  # the seed document's key
    singular: str  # marked with N_, translated when shown
    several: str

    @property
    def label(self) -> str:
        return translated(self.singular)

    @property
    def plural(self) -> str:
        return translated(self.several)


COMPANY_TYPE = Kind("company_type", "company-type", "company_types", N_("company type"),
                    N_("company types"))
CATEGORY = Kind("category", "category", "categories", N_("category"), N_("categories"))


EntryFormat = render.ShowFormat
class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


AttributeOption = Annotated[list[str] | None, typer.Option(
    "--attribute", metavar="SPEC",
    help=_("An attribute, repeatable: key:type[:required][:values=a|b][:min=0][:max=9]"
           "[:decimals=2][:label=Text]. Types: text, memo, number, currency, date, time, list."),
    show_default=False, callback=render.terminal_text)]
FileOption = Annotated[Path | None, typer.Option(
    "--file", dir_okay=False,
    help=_("A YAML (or JSON) file holding one entry, a list of entries, or a seed document; "
           "all of them are added together or none."), show_default=False)]
ParentOption = Annotated[str | None, typer.Option(
    "--parent", help=_("The code of the parent entry."), show_default=False, metavar="CODE",
    callback=render.terminal_text)]


def parse_attribute(spec: str) -> dict[str, Any]:
    """Turn key:type[:required][:values=a|b][:min=..][:max=..][:decimals=..][:label=..] into the
    seed document's attribute mapping; the core checks the values themselves."""
    key, _sep, rest = spec.partition(":")
    raw: dict[str, Any] = {"key": key.strip()}
    parts = rest.split(":") if rest else []
    if parts:
        raw["type"] = parts.pop(0).strip()
    while parts:
        part = parts.pop(0)
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if name == "required" and not sep:
            raw["required"] = True
        elif name == "label" and sep:
            raw["label"] = ":".join([value, *parts])  # a label may hold colons
            parts = []
        elif name == "values" and sep:
            raw["values"] = [item.strip() for item in value.split("|")]
        elif name in ("min", "max", "decimals") and sep:
            raw[name] = value.strip()
        else:
            raise typer.BadParameter(
                _("{part!r} in {spec!r} is not one of required, values=a|b, min=N, max=N, "
                  "decimals=N, label=TEXT").format(part=part, spec=spec),
                param_hint="--attribute")
    if not raw["key"]:
        raise typer.BadParameter(_("{spec!r} has no key; write key:type, as in "
                                   "employees:number").format(spec=spec),
                                 param_hint="--attribute")
    return raw


def _read_yaml(path: Path) -> Any:
    """The file as YAML (or JSON), through the import's reader and its limits on size, nesting
    and numbers, so a hostile file gets a message rather than a traceback."""
    from clientreg.schemas.readers import load_document

    input_format = "json" if path.suffix.lower() == ".json" else "yaml"
    return load_document(str(path), input_format=input_format)


def read_entries(path: Path, kind: Kind) -> list[dict[str, Any]]:
    """The entries of a file: one mapping, a list of them, or a seed document's section."""
    data = _read_yaml(path)
    if isinstance(data, dict) and {"company_types", "categories", "clients"} & set(data):
        data = data.get(kind.section) or []
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data or not all(isinstance(x, dict) for x in data):
        raise InvalidValue("invalid-file/catalogue-entries", field=str(path), value=None,
                           kind=kind.label, section=kind.section)
    return data


def read_attributes(path: Path) -> list[dict[str, Any]]:
    """Attribute declarations from a file: a list, or a mapping holding attributes:."""
    data = _read_yaml(path)
    if isinstance(data, dict) and "attributes" in data:
        data = data["attributes"]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise InvalidValue("invalid-file/attributes", field=str(path), value=None)
    return data


def _located(error: ClientregError, where: str | None) -> list[ClientregError]:
    """The error's problems, each placed in the file entry it comes from (when from a file)."""
    if isinstance(error, Rejected):
        return [p for problem in error.problems for p in _located(problem, where)]
    if where is None:
        return [error]
    moved = copy.copy(error)
    moved.field = f"{where}: {error.field}" if error.field else where
    return [moved]


def add_entries(ctx: typer.Context, kind: Kind, entries: list[dict[str, Any]], *,
                source: str, where: str | None, file: Path | None = None) -> list[str]:
    """Add every entry in one transaction; any problem means none is added. The run records
    ``file``, the entries' file, with its SHA-256."""
    from clientreg.catalogue import add_entry

    with (user_errors(), open_store(ctx) as store, _input_noted(store, file),
          store.transaction()):
        added, problems = [], []
        for number, raw in enumerate(entries, start=1):
            try:
                added.append(add_entry(store, kind.name, raw, source=source))
            except ClientregError as exc:
                code = raw.get("code")
                label = (_("{file} entry {number} ({code})") if code else
                         _("{file} entry {number}")).format(file=where, number=number, code=code)
                problems.extend(_located(exc, label if where else None))
        if problems:
            raise Rejected(problems)
    return added


def _input_noted(store: "Store", file: Path | None) -> "contextlib.nullcontext[None]":
    """Tell the run ledger of the file read, with its SHA-256 (before the transaction)."""
    from clientreg.runs import RunLedger, file_input

    if file is not None and isinstance(store.ledger, RunLedger):
        store.ledger.inputs.append(file_input(str(file)))
    return contextlib.nullcontext()


def _print_added(kind: Kind, added: list[str], entries: list[dict[str, Any]]) -> None:
    if len(added) == 1:
        count = len(entries[0].get("attributes") or [])
        print(ngettext("Added {kind} {code} with {count} attribute.",
                       "Added {kind} {code} with {count} attributes.", count).format(
            kind=kind.label, code=added[0], count=count))
    else:
        print(_("Added {count} {kinds}: {codes}.").format(count=len(added), kinds=kind.plural,
                                                          codes=", ".join(added)))


def add(ctx: typer.Context, kind: Kind, code: str | None, file: Path | None,
        fields: dict[str, Any], attributes: list[str] | None) -> None:
    """Add from flags or from a file (not both)."""
    given = {k: v for k, v in fields.items() if v is not None and v is not False}
    if file is not None:
        if code or given or attributes:
            print_error(_("Give either --file or CODE with its options, not both."))
            raise typer.Exit(EXIT_USAGE)
        with user_errors():
            entries = read_entries(file, kind)
        added = add_entries(ctx, kind, entries, source=f"file {file.name}", where=file.name,
                            file=file)
    else:
        if not code or fields.get("name") is None:
            print_error(_("Give a CODE and --name, as in: clientreg {command} add RETAIL "
                          "--name Retail (or --file FILE.yaml)").format(command=kind.command))
            raise typer.Exit(EXIT_USAGE)
        entry = {"code": code, **given,
                 "attributes": [parse_attribute(spec) for spec in attributes or []]}
        entries = [entry]
        added = add_entries(ctx, kind, entries, source=SOURCE, where=None)
    _print_added(kind, added, entries)


def list_entries(ctx: typer.Context, kind: Kind, include_inactive: bool,
                 output: ListFormat) -> None:
    from clientreg.catalogue import Catalogue, describe_entry

    with user_errors(), open_store(ctx) as store:
        everything: list[CompanyType | Category] = [
            *Catalogue.load(store).entries(kind.name).values()]
    shown = [entry for entry in everything if include_inactive or entry.active]
    documents = [describe_entry(entry) for entry in shown]
    if output is ListFormat.JSON:
        render.print_json(documents)
        return
    if output is ListFormat.YAML:
        render.print_yaml(documents)
        return
    if not shown:
        if everything:
            print_error(ngettext("No active {kinds}; add --all to see the {count} inactive one.",
                                 "No active {kinds}; add --all to see the {count} inactive "
                                 "ones.", len(everything))
                        .format(kinds=kind.plural, count=len(everything)))
        else:
            print_error(_("No {kinds} yet. Add one with 'clientreg {command} add CODE --name "
                          "NAME', or several from a YAML file with 'clientreg {command} add "
                          "--file FILE'.").format(kinds=kind.plural, command=kind.command))
        return
    _print_entry_table(kind, documents)


def _print_entry_table(kind: Kind, documents: list[dict[str, Any]]) -> None:
    columns = ["code", "name", "parent"]
    titles = [_("Code"), _("Name"), _("Parent")]
    if kind is COMPANY_TYPE:
        columns.append("id_mask")
        titles.append(_("Identifier mask"))
    columns += ["attribute_keys", "active"]
    titles += [_("Attributes"), _("Active")]
    rows = [{**doc, "active": doc.get("active", True),
             "attribute_keys": ", ".join(a["key"] for a in doc.get("attributes") or [])}
            for doc in documents]
    count = render.print_table(rows, columns, titles)
    print_error(ngettext("{count} {kind}", "{count} {kinds}", count).format(
        count=count, kind=kind.label, kinds=kind.plural))


def show_entry(ctx: typer.Context, kind: Kind, code: str, output: EntryFormat) -> None:
    from clientreg.catalogue import Catalogue, describe_entry, find_entry
    from clientreg.commands.text_views import print_entry

    with user_errors(), open_store(ctx) as store:
        document = describe_entry(find_entry(Catalogue.load(store), kind.name, code))
    render.print_document(document, output, lambda: print_entry(document, kind.label))


def edit(ctx: typer.Context, kind: Kind, code: str, changes: dict[str, Any],
         attributes_file: Path | None) -> None:
    from clientreg.catalogue import edit_entry

    raw = {key: value for key, value in changes.items() if value is not None}
    with user_errors():
        if attributes_file is not None:
            raw["attributes"] = read_attributes(attributes_file)
    if not raw:
        print_error(_("Nothing to change: give at least one option (see 'clientreg {command} "
                      "edit --help').").format(command=kind.command))
        raise typer.Exit(EXIT_USAGE)
    with user_errors(), open_store(ctx) as store, _input_noted(store, attributes_file):
        changed = edit_entry(store, kind.name, code, raw, source=SOURCE)
    message = (_("Updated {kind} {code}.") if changed else
               _("The {kind} {code} already has these values; nothing changed."))
    print(message.format(kind=kind.label, code=code.strip().upper()))


def set_active(ctx: typer.Context, kind: Kind, code: str, active: bool) -> None:
    from clientreg.catalogue import set_entry_active

    with user_errors(), open_store(ctx) as store:
        changed = set_entry_active(store, kind.name, code, active, source=SOURCE)
    if not changed:
        message = (_("The {kind} {code} is already active.") if active else
                   _("The {kind} {code} is already inactive."))
    elif active:
        message = _("Activated {kind} {code}: new registrations can use it again.")
    else:
        message = _("Deactivated {kind} {code}: what uses it keeps it; new registrations "
                    "cannot choose it.")
    print(message.format(kind=kind.label, code=code.strip().upper()))

