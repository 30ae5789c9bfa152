"""Readable text views of a client, a company, an external user and a catalogue entry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from clientreg.commands.i18n import N_, _, translated

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from clientreg.catalogue import Catalogue
    from clientreg.model import Category, CompanyType

# Labels of the company fields, in the order a record shows them.
FIELD_LABELS = (
    ("trade_name", N_("Trade name")), ("tax_id", N_("Tax id")), ("email", N_("E-mail")),
    ("phone", N_("Phone")), ("website", N_("Website")), ("street", N_("Street")),
    ("city", N_("City")), ("region", N_("Region")), ("postal_code", N_("Postal code")),
    ("country", N_("Country")),
)  # fmt: skip
# What a history entry is about and what happened to it, as the history table shows them.
_HISTORY_ENTITIES = {"client": N_("client"), "company": N_("company"),
                     "external_user": N_("external user"), "company_type": N_("company type"),
                     "category": N_("category")}
_HISTORY_ACTIONS = {"created": N_("created"), "updated": N_("updated"), "edited": N_("edited"),
                    "linked": N_("linked"), "unlinked": N_("unlinked"),
                    "activated": N_("activated"), "deactivated": N_("deactivated"),
                    "deleted": N_("deleted")}
# Where a history entry came from, as stored (the history's JSON keeps these words).
_HISTORY_SOURCES = {"wizard": N_("wizard"), "edit": N_("edit"),
                    "command line": N_("command line"), "revert": N_("revert")}


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _text(value: Any) -> Text:
    """User data as plain rich Text, so brackets in a name are never read as markup."""
    from rich.text import Text

    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    return Text("" if value is None else str(value))


def print_fields(rows: Iterable[tuple[str, Any]], *, title: str | None = None) -> None:
    """A two-column grid of label and value; rows without a value are left out."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="ellipsis")
    shown = 0
    for label, value in rows:
        if value is None or value == "" or value == {}:
            continue
        grid.add_row(_text(label), _text(value))
        shown += 1
    if shown:
        console = _console()
        if title:
            console.print()
            console.print(_text(title), style="bold underline")
        console.print(grid)


def _heading(identifier: str, name: str, active: bool) -> None:
    from rich.text import Text

    state = (_("active"), "green") if active else (_("inactive"), "red")
    _console().print(Text.assemble((identifier, "bold"), "  ", name, "  (", state, ")"))


def _entry_label(code: str | None,
                 entries: Mapping[str, CompanyType | Category]) -> str | None:
    if code is None:
        return None
    entry = entries.get(code)
    return f"{code} ({entry.name})" if entry is not None else code


def _attribute_rows(values: dict[str, Any],
                    entry: CompanyType | Category | None) -> list[tuple[str, Any]]:
    labels = {d.key: d.label for d in entry.attributes} if entry is not None else {}
    return [(labels.get(key, key), value) for key, value in values.items()]


def print_client(document: dict[str, Any], catalogue: Catalogue) -> None:
    """The client's data as a person reads it: company, attributes, contacts, history."""
    _heading(document["identifier"], document["name"], document["active"])
    print_fields([
        (_("Company type"), _entry_label(document["company_type"], catalogue.types)),
        (_("Category"), _entry_label(document["category"], catalogue.categories)),
        *((translated(label), phone_shown(document.get(name)) if name == "phone"
           else document.get(name)) for name, label in FIELD_LABELS),
        (_("Registered"), document.get("created_at")),
        (_("Last changed"), document.get("updated_at")),
    ])
    company_type = catalogue.types.get(document["company_type"])
    category = catalogue.categories.get(document["category"])
    print_fields(_attribute_rows(document.get("company_attributes") or {}, company_type),
                 title=_("Company attributes"))
    print_fields(_attribute_rows(document.get("client_attributes") or {}, category),
                 title=_("Client attributes"))
    print_contacts(document.get("contacts") or [])
    print_history(document.get("history") or [])


def print_contacts(contacts: list[dict[str, Any]]) -> None:
    from clientreg.commands.render import print_table

    console = _console()
    console.print()
    if not contacts:
        console.print(_text(_("No contacts.")))
        return
    marked = any(contact.get("default") for contact in contacts)
    columns = [*(["default"] if marked else []), "name", "email", "phone", "position",
               "department", "language"]
    titles = [*([_("Default")] if marked else []), _("Name"), _("E-mail"), _("Phone"),
              _("Position"), _("Department"), _("Language")]
    rows = [{**contact, "default": "*" if contact.get("default") else "",
             "phone": phone_shown(contact.get("phone"))} for contact in contacts]
    print_table(rows, columns, titles, title=_("Contacts"), title_style="bold underline")
    if marked:
        console.print(_text(_("* = the company's default contact")), style="dim")


def phone_shown(phone: str | None) -> str | None:
    """A stored E.164 phone in international format (+34 954 12 34 56), for people to read."""
    if not phone:
        return phone
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def print_history(history: list[dict[str, Any]]) -> None:
    """History entries, oldest first and newest last, each with what it changed."""

    if not history:
        return
    from clientreg.commands.render import print_table

    rows = [{"at": entry["at"],
             "what": _("{entity} {key}").format(
                 entity=_known(_HISTORY_ENTITIES, entry["entity"]), key=entry["key"]),
             "action": _known(_HISTORY_ACTIONS, entry["action"]),
             "source": _source(entry["source"]),
             "changes": _summary(entry)} for entry in history]
    _console().print()
    print_table(rows, ("at", "what", "action", "source", "changes"),
                (_("When"), _("What"), _("Action"), _("Source"), _("Changes")),
                title=_("History"), title_style="bold underline")


def _known(words: dict[str, str], word: str) -> str:
    """A word of the history in the user's language; one clientreg does not know, as stored."""
    return translated(words[word]) if word in words else word.replace("_", " ")


def _source(source: str) -> str:
    """Where a history entry came from, in the user's language: the import of which files,
    a catalogue file, the wizard...; a source clientreg does not know, as stored."""
    if source in _HISTORY_SOURCES:
        return translated(_HISTORY_SOURCES[source])
    if source.startswith("import of "):
        return _("import of {files}").format(files=source.removeprefix("import of "))
    if source.startswith("file "):
        return _("file {name}").format(name=source.removeprefix("file "))
    return source


def _summary(entry: dict[str, Any]) -> str:
    changes = entry.get("changes") or {}
    if entry["action"] == "created":
        return ", ".join(changes)
    return "; ".join(f"{field}: {_brief(change.get('old'))} -> {_brief(change.get('new'))}"
                     for field, change in changes.items())


def _brief(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def print_company(document: dict[str, Any], catalogue: Catalogue) -> None:
    """A company (client or not) with its attributes and history."""
    _heading(document["identifier"], document["name"], document["active"])
    print_fields([
        (_("Company type"), _entry_label(document["company_type"], catalogue.types)),
        (_("Client"), _entry_label(document.get("category"), catalogue.categories)
         if document.get("client") else _("no")),
        *((translated(label), phone_shown(document.get(name)) if name == "phone"
           else document.get(name)) for name, label in FIELD_LABELS),
        (_("Created"), document.get("created_at")),
        (_("Last changed"), document.get("updated_at")),
    ])
    print_fields(_attribute_rows(document.get("company_attributes") or {},
                                 catalogue.types.get(document["company_type"])),
                 title=_("Company attributes"))
    print_history(document.get("history") or [])


def print_external_user(document: dict[str, Any]) -> None:
    """An external user: who they are, their company and the clients they are a contact of."""
    _heading(document["email"], document["name"], document["active"])
    print_fields([
        (_("Company"), document.get("company")),
        (_("Contact of"), ", ".join(document.get("clients") or []) or None),
        (_("Phone"), phone_shown(document.get("phone"))),
        (_("Position"), document.get("position")),
        (_("Department"), document.get("department")),
        (_("Language"), document.get("language")),
        (_("Created"), document.get("created_at")),
        (_("Last changed"), document.get("updated_at")),
    ])
    print_history(document.get("history") or [])


def print_entry(entry: dict[str, Any], kind_label: str) -> None:
    """A company type or category: its settings and its attribute declarations."""

    _heading(entry["code"], entry["name"], entry.get("active", True))
    print_fields([
        (_("Kind"), kind_label),
        (_("Parent"), entry.get("parent")),
        (_("Identifier mask"), entry.get("id_mask")),
        (_("Identifier may be typed over"), entry.get("allow_id_change")
         if entry.get("id_mask") else None),
    ])
    console = _console()
    console.print()
    attributes = entry.get("attributes") or []
    if not attributes:
        console.print(_text(_("No attributes.")))
        return
    from clientreg.commands.render import print_table

    rows = [{**attribute, "required": attribute.get("required", False),
             "values": ", ".join(attribute.get("values") or [])} for attribute in attributes]
    print_table(rows, ("key", "label", "type", "required", "values", "min", "max", "decimals"),
                (_("Key"), _("Label"), _("Type"), _("Required"), _("Allowed values"), _("Min"),
                 _("Max"), _("Decimals")), title=_("Attributes"), title_style="bold underline")
