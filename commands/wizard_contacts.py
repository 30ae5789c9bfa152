"""The wizard's last steps: the company's contacts (matched with external users) and the review."""

from __future__ import annotations

import copy
from functools import partial
from typing import TYPE_CHECKING, Any

from clientreg import rules
from clientreg.commands.i18n import _
from clientreg.commands.wizard_company import COMPANY_FIELD_LABELS
from clientreg.commands.wizard_questions import (
    BACK,
    FINISH,
    NEXT,
    Question,
    Signal,
    reason_of,
    run_questions,
)
from clientreg.commands.wizard_steps import STEP_TITLES
from clientreg.errors import InvalidValue
from clientreg.model import COMPANY_FIELDS, ContactDraft, Step
from clientreg.records import find_external_user
from clientreg.registration import next_identifier

if TYPE_CHECKING:
    from clientreg.commands.wizard_steps import Wizard

_OPTIONAL_DETAILS = (
    ("phone", "Contact phone (optional)"), ("position", "Contact position (optional)"),
    ("department", "Contact department (optional)"),
    ("language", "Contact language: es, en, pt_BR, ... (optional)"),
)  # fmt: skip


def contact_label(contact: ContactDraft) -> str:
    return f"{contact.name or '?'} <{contact.email or '?'}>"


def contacts_step(wizard: Wizard, back: bool, from_end: bool = False) -> Signal:
    """Add, edit or remove contacts until the person continues."""
    contacts = wizard.draft.contacts
    while True:
        options: list[tuple[Any, str]] = [("add", _("Add a contact"))]
        if contacts:
            options.append(("done", _("Continue to the review")))
        options += [(("edit", i), _("Edit {contact}").format(contact=contact_label(c)))
                    for i, c in enumerate(contacts)]
        options += [(("remove", i), _("Remove {contact}").format(contact=contact_label(c)))
                    for i, c in enumerate(contacts)]
        if not contacts:
            options.append(("done", _("Continue without contacts")))
        count = len(contacts)
        message = _("Company contacts ({count})").format(count=count)
        answer = wizard.select(message, options, default="done" if contacts else "add",
                               back=back)
        if answer is BACK:
            return BACK
        if answer == "done":
            return NEXT
        if answer == "add":
            added = ask_contact(wizard, ContactDraft(), index=count)
            if added is not None:
                contacts.append(added)
        elif answer[0] == "edit":
            changed = ask_contact(wizard, contacts[answer[1]], index=answer[1])
            if changed is not None:
                contacts[answer[1]] = changed
        else:
            removed = contacts.pop(answer[1])
            wizard.linked.discard(rules.email_key(removed.email or ""))
            wizard.prompt.say(_("Removed {contact}.").format(contact=contact_label(removed)))


def ask_contact(wizard: Wizard, current: ContactDraft, *, index: int) -> ContactDraft | None:
    """One contact's questions; None when the person backs out of them."""
    work = copy.copy(current)
    others = [c for i, c in enumerate(wizard.draft.contacts) if i != index]
    state = {"linked": rules.email_key(current.email or "") in wizard.linked}
    questions = [
        Question(partial(_ask_email, wizard, work, current, others, state)),
        Question(partial(_ask_name, wizard, work), applies=lambda: not state["linked"]),
        *(Question(partial(_ask_detail, wizard, work, name, label),
                   applies=lambda: not state["linked"]) for name, label in _OPTIONAL_DETAILS),
        Question(partial(_ask_default, wizard, work, others)),
    ]
    if run_questions(questions, back=True) is BACK:
        return None
    key = rules.email_key(work.email)
    wizard.linked.discard(rules.email_key(current.email or ""))
    if state["linked"]:
        wizard.linked.add(key)
    if work.default:
        for other in others:
            if other.default:
                other.default = False
                wizard.prompt.say(_("{contact} is no longer the default contact.").format(
                    contact=contact_label(other)))
    return work


def _ask_email(wizard: Wizard, work: ContactDraft, current: ContactDraft,
               others: list[ContactDraft], state: dict[str, bool], back: bool) -> Any:
    def required_email(text: str) -> str:
        address = rules.email(text)
        if address is None:
            raise InvalidValue(_("is required: it is the contact's login"), field="email",
                                     value=text, code="missing-value")
        return address

    while True:
        answer = wizard.text(_("Contact e-mail"), default=work.email, back=back,
                             validate=lambda text: reason_of(required_email, text))
        if answer is BACK:
            return BACK
        address = required_email(answer)
        key = rules.email_key(address)
        if any(rules.email_key(other.email or "") == key for other in others):
            wizard.prompt.warn(_("{email} is already a contact of this client.").format(
                email=address))
            continue
        if current.email and rules.email_key(current.email) == key:
            work.email = address  # the same contact, unchanged login: nothing to look up
            return address
        if _settle_existing_user(wizard, work, address, state):
            return address


def _settle_existing_user(wizard: Wizard, work: ContactDraft, address: str,
                          state: dict[str, bool]) -> bool:
    """Match the e-mail with the external users; False when another e-mail must be typed."""
    user = find_external_user(wizard.store, address)
    state["linked"] = False
    if user is None:
        work.email = address
        return True
    owner = user["company"]
    if owner is not None and (wizard.editing is None
                              or rules.identifier_key(owner) != rules.identifier_key(
                                  wizard.editing)):
        wizard.prompt.warn(_("{email} is already the external user {name} of company {company}; "
                             "an external user belongs to one company. Type another e-mail.")
                           .format(email=user["email"], name=user["name"], company=owner))
        return False
    if not user["active"]:
        wizard.prompt.warn(_("{email} is an inactive external user; reactivate it first or type "
                             "another e-mail.").format(email=user["email"]))
        return False
    where = _("of this company") if owner else _("without a company")
    answer = wizard.select(
        _("{email} is already registered as the external user {name} ({where}). Link that "
          "user?").format(email=user["email"], name=user["name"], where=where),
        [(True, _("Yes, link the existing user")), (False, _("No, type another e-mail"))],
        default=True, back=False)
    if not answer:
        return False
    work.email = user["email"]
    for name in ("name", "phone", "position", "department", "language"):
        setattr(work, name, user[name])
    state["linked"] = True
    return True


def _ask_name(wizard: Wizard, work: ContactDraft, back: bool) -> Any:
    answer = wizard.text(_("Contact name"), default=work.name, back=back,
                         validate=lambda text: reason_of(rules.required_text, text, field="name"))
    if answer is not BACK:
        work.name = rules.required_text(answer, field="name")
    return answer


def _ask_detail(wizard: Wizard, work: ContactDraft, name: str, label: str, back: bool) -> Any:
    def normalise(text: str) -> Any:
        if name == "phone":
            return rules.phone(text, country=wizard.country())
        if name == "language":
            return rules.language(text)
        return rules.clean_text(text, field=name, max_length=rules.SHORT_TEXT_MAX)

    answer = wizard.text(_(label), default=getattr(work, name), back=back,
                         validate=lambda text: reason_of(normalise, text))
    if answer is not BACK:
        setattr(work, name, normalise(answer))
    return answer


def _ask_default(wizard: Wizard, work: ContactDraft, others: list[ContactDraft],
                 back: bool) -> Any:
    current = bool(work.default) or not any(other.default for other in others)
    answer = wizard.select(_("Is this the company's default contact?"),
                           [(True, _("Yes")), (False, _("No"))], default=current, back=back)
    if answer is not BACK:
        work.default = answer
    return answer


def review_step(wizard: Wizard, back: bool, from_end: bool = False) -> Any:
    """Everything the registration holds; Finish, or a jump back to any step."""
    wizard.prompt.say(review_text(wizard))
    finish = _("Finish: save the changes") if wizard.editing else _("Finish: register the client")
    options: list[tuple[Any, str]] = [(FINISH, finish)]
    options += [(step, _("Change: {step}").format(step=_(STEP_TITLES[step]).lower()))
                for step in wizard.plan() if step is not Step.REVIEW]
    return wizard.select(_("Review"), options, default=FINISH, back=back)


def review_text(wizard: Wizard) -> str:
    draft = wizard.draft
    existing = draft.from_company is not None and not wizard.editing
    locked = _(" (cannot change)") if wizard.editing else ""
    lines = [_("Review")]
    if existing:
        lines.append(_("  From the existing company: {company}").format(
            company=draft.from_company))
    else:
        company_type = wizard.company_type()
        lines.append(_("  Company type: {entry}{locked}").format(
            entry=f"{company_type.code} ({company_type.name})" if company_type else "-",
            locked=locked))
    category = wizard.category()
    lines.append(_("  Category: {entry}{locked}").format(
        entry=f"{category.code} ({category.name})" if category else "-", locked=locked))
    if not existing and wizard.company_type() and wizard.company_type().attributes:
        lines += _attribute_lines(_("  Company attributes:"), wizard.company_type().attributes,
                                  draft.company_attributes)
    if category and category.attributes:
        lines += _attribute_lines(_("  Client attributes:"), category.attributes,
                                  draft.client_attributes)
    if not existing:
        identifier = wizard.editing or draft.identifier
        if identifier is None:
            company_type = wizard.company_type()
            preview = next_identifier(wizard.store, company_type) if company_type else None
            identifier = _("{preview} (generated when saved)").format(preview=preview or "?")
        lines.append(_("  Identifier: {identifier}").format(identifier=identifier))
        lines.append(_("  Name: {name}").format(name=draft.name or "-"))
        for name in COMPANY_FIELDS:
            value = getattr(draft, name)
            lines.append(f"  {_(COMPANY_FIELD_LABELS[name])}: "
                         f"{'-' if value in (None, '') else value}")
        lines += _contact_lines(wizard)
    return "\n".join(lines)


def _attribute_lines(title: str, definitions: Any, values: dict[str, Any]) -> list[str]:
    lines = [title]
    for definition in definitions:
        value = values.get(definition.key)
        lines.append(f"    {definition.label}: {'-' if value in (None, '') else value}")
    return lines


def _contact_lines(wizard: Wizard) -> list[str]:
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
