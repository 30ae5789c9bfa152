"""The wizard's review: everything the registration holds, then Finish or a jump to a step."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientreg import rules
from clientreg.attributes import AttributeDef, declared_text
from clientreg.commands.boundary import describe
from clientreg.commands.i18n import _, translated
from clientreg.commands.wizard_contacts import contact_label
from clientreg.commands.wizard_questions import FINISH
from clientreg.commands.wizard_state import STEP_TITLES, WizardState
from clientreg.errors import ClientregError, Rejected, StorageError
from clientreg.fields import COMPANY_FIELDS, company_field, contact_field
from clientreg.model import CompanyType, ContactDraft, Step
from clientreg.registration import next_identifier

if TYPE_CHECKING:
    from clientreg.editing import Change


def review_step(wizard: WizardState, back: bool, from_end: bool = False) -> Any:
    """Everything the registration holds; Finish, or a jump back to any step."""
    wizard.prompt.say(_fitted(review_text(wizard)))
    finish = _("Finish: save the changes") if wizard.editing else _("Finish: register the client")
    options: list[tuple[Any, str]] = [(FINISH, finish)]
    options += [(step, _change_label(wizard, step)) for step in wizard.plan()
                if step is not Step.REVIEW]
    return wizard.select("review", _("Review"), options, default=FINISH, back=back)


def _fitted(text: str) -> str:
    """Each line within the terminal's width, broken between words only (an e-mail stays whole),
    continued under its own text; as it is where no width is known (output not a terminal)."""
    width = shutil.get_terminal_size((0, 0)).columns
    if width <= 0:
        return text
    from clientreg.commands.render import word_wrapped

    return word_wrapped(text, width)


def _change_label(wizard: WizardState, step: Step) -> str:
    if step is Step.START and wizard.from_existing():
        # The company keeps its type: what the first step changes here is the company chosen.
        return _("Change: company or category")
    return _("Change: {step}").format(step=translated(STEP_TITLES[step]).lower())


def review_text(wizard: WizardState) -> str:
    """The review as the person reads it: type and category, attributes, company, contacts."""
    draft = wizard.draft
    existing = wizard.from_existing()
    locked = _(" (cannot change)") if wizard.editing else ""
    company_type = None if existing else wizard.company_type()
    category = wizard.category()
    lines = [_("Review")]
    if wizard.editing:
        lines += _change_lines(wizard)
    if existing:
        lines += _existing_company_lines(wizard)
    else:
        lines.append(_("  Company type: {entry}{locked}").format(
            entry=f"{company_type.code} ({company_type.name})" if company_type else "-",
            locked=locked))
    lines.append(_("  Category: {entry}{locked}").format(
        entry=f"{category.code} ({category.name})" if category else "-", locked=locked))
    if company_type and company_type.attributes:
        lines += _attribute_lines(_("  Company attributes:"), company_type.attributes,
                                  draft.company_attributes)
    if category and category.attributes:
        lines += _attribute_lines(_("  Client attributes:"), category.attributes,
                                  draft.client_attributes)
    if not existing:
        lines += _company_lines(wizard, company_type)
        lines += _contact_lines(wizard)
    return "\n".join(lines)


def _existing_company_lines(wizard: WizardState) -> list[str]:
    """The company the client is made from, as it is registered (it is reused unchanged)."""
    from clientreg.records import company_data

    company = company_data(wizard.store, wizard.draft.from_company or "")
    found = wizard.catalogue.types.get(company["company_type"])
    company_type = f"{found.code} ({found.name})" if found else company["company_type"]
    return [_("  From the existing company: {company}").format(company=company["identifier"]),
            _("  Name: {name}").format(name=company["name"]),
            _("  Company type: {entry}").format(entry=company_type),
            _("  Tax id: {tax_id}").format(tax_id=company.get("tax_id") or "-"),
            _("  Country: {country}").format(country=company.get("country") or "-")]


def _change_lines(wizard: WizardState) -> list[str]:
    """What Finish would change in the client being edited, as the edit would write it."""
    from clientreg.editing import edit_changes

    assert wizard.editing is not None
    try:
        changes = edit_changes(wizard.store, wizard.editing, wizard.draft_for_core())
    except StorageError:
        raise
    except ClientregError as exc:
        first = exc.problems[0] if isinstance(exc, Rejected) and exc.problems else exc
        return [_("  Changes: cannot be listed until this is corrected: {problem}").format(
            problem=describe(first))]
    if not changes:
        return [_("  Changes: none")]
    lines = [_("  Changes:")]
    for change in changes:
        lines.append(f"    {_change_text(wizard, change)}")
    return lines


def _change_text(wizard: WizardState, change: Change) -> str:
    if change.field == "contacts":
        if change.old is None:
            return _("Contact added: {contact}").format(contact=_contact_of(change.new))
        return _("Contact removed: {contact}").format(contact=_contact_of(change.old))
    old, new = _value_of(wizard, change.field, change.old), _value_of(wizard, change.field,
                                                                       change.new)
    if change.contact is not None:
        label = translated(contact_field(change.field.removeprefix("contacts.")).label)
        return _("{label} of {contact}: {old} → {new}").format(
            label=label, contact=change.contact, old=old, new=new)
    return _("{label}: {old} → {new}").format(label=_label_of(wizard, change.field),
                                                   old=old, new=new)


def _contact_of(contact: dict[str, Any]) -> str:
    return contact_label(ContactDraft(name=contact.get("name"), email=contact.get("email")))


def _definition(wizard: WizardState, field: str) -> AttributeDef | None:
    prefix, _dot, key = field.partition(".")
    owner = (wizard.company_type() if prefix == "company_attr" else
             wizard.category() if prefix == "client_attr" else None)
    return next((d for d in owner.attributes if d.key == key), None) if owner else None


def _label_of(wizard: WizardState, field: str) -> str:
    definition = _definition(wizard, field)
    if field.startswith("company_attr."):
        return _("{label} (company attribute)").format(
            label=definition.label if definition else field.removeprefix("company_attr."))
    if field.startswith("client_attr."):
        return _("{label} (client attribute)").format(
            label=definition.label if definition else field.removeprefix("client_attr."))
    return translated(company_field(field).label)


def _value_of(wizard: WizardState, field: str, value: Any) -> str:
    from clientreg.commands.text_views import phone_shown

    if field.endswith("default"):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return _("(empty)")
    if field.endswith("phone"):
        return phone_shown(str(value)) or str(value)
    definition = _definition(wizard, field)
    return declared_text(definition, value) if definition else str(value)


def _company_lines(wizard: WizardState, company_type: CompanyType | None) -> list[str]:
    draft = wizard.draft
    identifier = wizard.editing or draft.identifier
    if identifier is None:
        preview = next_identifier(wizard.store, company_type) if company_type else None
        identifier = _("{preview} (generated when saved)").format(preview=preview or "?")
    lines = [_("  Identifier: {identifier}").format(identifier=identifier),
             _("  Name: {name}").format(name=draft.name or "-")]
    for rule in COMPANY_FIELDS:
        value = getattr(draft, rule.name)
        lines.append(f"  {translated(rule.label)}: {'-' if value in (None, '') else value}")
    return lines


def _attribute_lines(title: str, definitions: Sequence[AttributeDef],
                     values: dict[str, Any]) -> list[str]:
    lines = [title]
    for definition in definitions:
        value = values.get(definition.key)
        shown = "-" if value in (None, "") else declared_text(definition, value)
        lines.append(f"    {definition.label}: {shown}")
    return lines


def _contact_lines(wizard: WizardState) -> list[str]:
    contacts = wizard.draft.contacts
    if not contacts:
        return [_("  Contacts: none")]
    lines = [_("  Contacts:")]
    for number, contact in enumerate(contacts, start=1):
        details = [d for d in (contact.phone, contact.position, contact.department,
                               contact.language) if d]
        notes = [_("default")] if contact.default else []
        if rules.email_key(contact.email or "") in wizard.linked:
            notes.append(_("existing external user, linked"))
        text = contact_label(contact)
        if details:
            text += ", " + ", ".join(details)
        if notes:
            text += f" [{'; '.join(notes)}]"
        lines.append(f"    {number}. {text}")
    return lines
