"""The wizard's review: everything the registration holds, then Finish or a jump to a step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clientreg import rules
from clientreg.attributes import AttributeDef, declared_text
from clientreg.commands.i18n import _, translated
from clientreg.commands.wizard_contacts import contact_label
from clientreg.commands.wizard_questions import FINISH
from clientreg.commands.wizard_state import STEP_TITLES, WizardState
from clientreg.fields import COMPANY_FIELDS
from clientreg.model import CompanyType, Step
from clientreg.registration import next_identifier


def review_step(wizard: WizardState, back: bool, from_end: bool = False) -> Any:
    """Everything the registration holds; Finish, or a jump back to any step."""
    wizard.prompt.say(review_text(wizard))
    finish = _("Finish: save the changes") if wizard.editing else _("Finish: register the client")
    options: list[tuple[Any, str]] = [(FINISH, finish)]
    options += [(step, _("Change: {step}").format(step=translated(STEP_TITLES[step]).lower()))
                for step in wizard.plan() if step is not Step.REVIEW]
    return wizard.select("review", _("Review"), options, default=FINISH, back=back)


def review_text(wizard: WizardState) -> str:
    """The review as the person reads it: type and category, attributes, company, contacts."""
    draft = wizard.draft
    existing = wizard.from_existing()
    locked = _(" (cannot change)") if wizard.editing else ""
    company_type = None if existing else wizard.company_type()
    category = wizard.category()
    lines = [_("Review")]
    if existing:
        lines.append(_("  From the existing company: {company}").format(
            company=draft.from_company))
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
