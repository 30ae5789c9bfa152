"""The wizard's company data step: identifier (generated, typed or locked), name, company fields."""

from __future__ import annotations

from functools import partial
from typing import Any

from clientreg.checks import check_identifier
from clientreg.commands.i18n import _, translated
from clientreg.commands.wizard_questions import BACK, Question, Signal, reason_of, run_questions
from clientreg.commands.wizard_state import WizardState
from clientreg.conflicts import taken_tax_id
from clientreg.fields import COMPANY_QUESTIONS, NAME, FieldRule
from clientreg.model import CompanyType
from clientreg.records import find_company
from clientreg.registration import next_identifier
from clientreg.rules import identifier_key


def company_data_step(wizard: WizardState, back: bool, from_end: bool = False) -> Signal:
    """Identifier and name, then the optional company fields, each checked as typed."""
    company_type = wizard.company_type()
    preview = next_identifier(wizard.store, company_type) if company_type else None
    generated = company_type is not None and preview is not None and (
        not company_type.allow_id_change)
    typed = not wizard.editing and not generated
    if wizard.editing:
        wizard.prompt.say(_("Identifier: {identifier} (cannot change)").format(
            identifier=wizard.editing))
    elif generated and company_type is not None:
        # The type does not let people type identifiers: whatever an option pre-filled goes.
        wizard.draft.identifier = None
        wizard.prompt.say(_("Identifier: generated from the mask {mask} (next: {preview})")
                          .format(mask=company_type.id_mask, preview=preview))
    questions = [Question(partial(_ask_identifier, wizard, company_type, preview),
                          applies=lambda: typed, key="identifier"),
                 Question(partial(_ask_field, wizard, NAME, ""), key=NAME.name)]
    questions += [Question(partial(_ask_field, wizard, rule, _(" (optional)")), key=rule.name)
                  for rule in COMPANY_QUESTIONS]
    return run_questions(questions, back=back, from_end=from_end)


def _ask_identifier(wizard: WizardState, company_type: CompanyType | None, preview: str | None,
                    back: bool) -> Any:
    message = _("Identifier") + (_(" (Enter keeps the generated one)") if preview else "")
    while True:
        answer = wizard.text("identifier", message, default=wizard.draft.identifier or preview,
                             back=back, validate=lambda text: reason_of(check_identifier, text,
                                                                        company_type))
        if answer is BACK:
            return BACK
        text = check_identifier(answer, company_type)
        if text is None or (preview and identifier_key(text) == identifier_key(preview)):
            wizard.draft.identifier = None
            return preview
        owner = find_company(wizard.store, text)
        if owner is None:
            wizard.draft.identifier = text
            return text
        wizard.prompt.warn(_("{identifier} is already the identifier of company {name}{what}; "
                             "type another one.").format(
            identifier=owner["identifier"], name=owner["name"],
            what=_(" (a client)") if owner["client"] else
            _(" (not a client yet: go back to the first step to register it)")))


def _ask_field(wizard: WizardState, rule: FieldRule, suffix: str, back: bool) -> Any:
    """One company field, checked by its rule as typed (the country read as answered)."""
    def normalise(text: str) -> Any:
        return rule.check(text, country=wizard.country())

    def verdict(text: str) -> str | None:
        reason = reason_of(normalise, text)
        if reason is None and rule.name == "tax_id":
            taken = taken_tax_id(wizard.store, normalise(text), wizard.editing)
            reason = taken.reason if taken is not None else None
        return reason

    answer = wizard.text(rule.name, translated(rule.question) + suffix,
                         default=getattr(wizard.draft, rule.name), back=back, validate=verdict)
    if answer is not BACK:
        setattr(wizard.draft, rule.name, normalise(answer))
    return answer
