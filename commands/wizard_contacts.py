"""The wizard's contacts step: the company's contacts, each matched with the external users."""

from __future__ import annotations

import copy
import re
from functools import partial
from typing import Any

from clientreg import rules
from clientreg.commands.i18n import _, translated
from clientreg.commands.wizard_questions import (
    BACK,
    CORRECTED,
    FOCUS,
    NEXT,
    Question,
    Signal,
    reason_of,
    run_questions,
)
from clientreg.commands.wizard_state import WizardState
from clientreg.conflicts import contact_conflict
from clientreg.fields import FieldRule, contact_field
from clientreg.model import ContactDraft
from clientreg.records import find_external_user

# What a contact is asked after its e-mail, in this order; a linked external user keeps its own.
_FOCUS_RE = re.compile(r"contacts\[(?P<index>\d+)\]\.(?P<field>\w+)")
_ASKED = tuple(contact_field(name) for name in ("name", "phone", "position", "department",
                                                "language"))


def contact_label(contact: ContactDraft) -> str:
    return f"{contact.name or '?'} <{contact.email or '?'}>"


def contacts_step(wizard: WizardState, back: bool, from_end: bool = False) -> Signal:
    """Add, edit or remove contacts until the person continues. When Finish was refused because
    of a contact's answer (FOCUS ``contacts[1].email``), that question alone is asked again."""
    contacts = wizard.draft.contacts
    focused = _FOCUS_RE.fullmatch(FOCUS.get() or "")
    if focused and int(focused["index"]) < len(contacts):
        index = int(focused["index"])
        token = FOCUS.set(f"contacts.{focused['field']}")
        try:
            changed = ask_contact(wizard, contacts[index], index=index)
        finally:
            FOCUS.reset(token)
        if changed is not None:
            contacts[index] = changed
            return CORRECTED
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
        answer = wizard.select("contacts", message, options,
                               default="done" if contacts else "add", back=back)
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


def ask_contact(wizard: WizardState, current: ContactDraft, *, index: int) -> ContactDraft | None:
    """One contact's questions; None when the person backs out of them."""
    work = copy.copy(current)
    others = [c for i, c in enumerate(wizard.draft.contacts) if i != index]
    state = {"linked": rules.email_key(current.email or "") in wizard.linked}
    questions = [
        Question(partial(_ask_email, wizard, work, current, others, state),
                 key="contacts.email"),
        *(Question(partial(_ask_field, wizard, work, rule), applies=lambda: not state["linked"],
                   key=f"contacts.{rule.name}") for rule in _ASKED),
        Question(partial(_ask_default, wizard, work, others), key="contacts.default"),
    ]
    if run_questions(questions, back=True) is BACK:
        return None
    key = rules.email_key(work.email or "")
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


def _ask_email(wizard: WizardState, work: ContactDraft, current: ContactDraft,
               others: list[ContactDraft], state: dict[str, bool], back: bool) -> Any:
    email = contact_field("email")  # required: it is the contact's login
    while True:
        answer = wizard.text("contacts.email", translated(email.question), default=work.email,
                             back=back, validate=lambda text: reason_of(email.check, text))
        if answer is BACK:
            return BACK
        address = email.check(answer)
        key = rules.email_key(address)
        if any(rules.email_key(other.email or "") == key for other in others):
            wizard.prompt.warn(_("{email} is already a contact of this client.").format(
                email=address))
            continue
        if current.email and rules.email_key(current.email) == key:
            # The same contact, unchanged login: taken meanwhile by another company, or not.
            problem = contact_conflict(wizard.store, address, wizard.editing)
            if problem is not None:
                wizard.prompt.warn(_("{problem}. Type another e-mail.").format(
                    problem=problem.reason))
                continue
            work.email = address
            return address
        if _settle_existing_user(wizard, work, address, state):
            return address


def _settle_existing_user(wizard: WizardState, work: ContactDraft, address: str,
                          state: dict[str, bool]) -> bool:
    """Match the e-mail with the external users; False when another e-mail must be typed."""
    user = find_external_user(wizard.store, address)
    state["linked"] = False
    if user is None:
        work.email = address
        return True
    problem = contact_conflict(wizard.store, address, wizard.editing)
    if problem is not None:
        wizard.prompt.warn(_("{problem}. Type another e-mail.").format(problem=problem.reason))
        return False
    where = _("of this company") if user["company"] else _("without a company")
    question = _("{email} is already registered as the external user {name} ({where}). Link "
                 "that user?").format(email=user["email"], name=user["name"], where=where)
    answer = wizard.select(
        "contacts.link", question,
        [(True, _("Yes, link the existing user")), (False, _("No, type another e-mail"))],
        default=True, back=False)
    if not answer:
        return False
    work.email = user["email"]
    for name in ("name", "phone", "position", "department", "language"):
        setattr(work, name, user[name])
    state["linked"] = True
    return True


def _ask_field(wizard: WizardState, work: ContactDraft, rule: FieldRule, back: bool) -> Any:
    """One of the contact's fields, checked by its rule as typed."""
    def normalise(text: str) -> Any:
        return rule.check(text, country=wizard.country())

    answer = wizard.text(f"contacts.{rule.name}", translated(rule.question),
                         default=getattr(work, rule.name), back=back,
                         validate=lambda text: reason_of(normalise, text))
    if answer is not BACK:
        setattr(work, rule.name, normalise(answer))
    return answer


def _ask_default(wizard: WizardState, work: ContactDraft, others: list[ContactDraft],
                 back: bool) -> Any:
    current = bool(work.default) or not any(other.default for other in others)
    answer = wizard.select("contacts.default", _("Is this the company's default contact?"),
                           [(True, _("Yes")), (False, _("No"))], default=current, back=back)
    if answer is not BACK:
        work.default = answer
    return answer
