"""The wizard's company data step: identifier (generated, typed or locked), name, company fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from clientreg import rules
from clientreg.checks import check_identifier
from clientreg.commands.i18n import _
from clientreg.commands.wizard_questions import BACK, Question, Signal, reason_of, run_questions
from clientreg.model import CompanyType
from clientreg.records import find_company
from clientreg.registration import next_identifier
from clientreg.rules import identifier_key

if TYPE_CHECKING:
    from clientreg.commands.wizard_steps import Wizard

# (draft field, label, rule) of the company data step, after identifier and name. The country
# comes first: phone numbers and tax ids are read with it.
_COMPANY_FIELDS: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("trade_name", "Trade name", partial(rules.clean_text, field="trade_name")),
    ("country", "Country (ISO code or English name)", rules.country),
    ("tax_id", "Tax id", rules.tax_id),
    ("email", "E-mail", rules.email),
    ("phone", "Phone", rules.phone),
    ("website", "Website", rules.website),
    ("street", "Street", partial(rules.clean_text, field="street")),
    ("city", "City", partial(rules.clean_text, field="city", max_length=rules.SHORT_TEXT_MAX)),
    ("region", "Region", partial(rules.clean_text, field="region",
                                 max_length=rules.SHORT_TEXT_MAX)),
    ("postal_code", "Postal code", partial(rules.clean_text, field="postal_code",
                                           max_length=rules.POSTAL_CODE_MAX)),
)
_NEEDS_COUNTRY = ("tax_id", "phone")
COMPANY_FIELD_LABELS = {name: label.split(" (")[0] for name, label, _rule in _COMPANY_FIELDS}


def company_data_step(wizard: Wizard, back: bool, from_end: bool = False) -> Signal:
    """Identifier and name, then the optional company fields, each checked as typed."""
    company_type = wizard.company_type()
    preview = next_identifier(wizard.store, company_type) if company_type else None
    typed = not wizard.editing and not (preview and not company_type.allow_id_change)
    if wizard.editing:
        wizard.prompt.say(_("Identifier: {identifier} (cannot change)").format(
            identifier=wizard.editing))
    elif not typed:
        # The type does not let people type identifiers: whatever an option pre-filled goes.
        wizard.draft.identifier = None
        wizard.prompt.say(_("Identifier: generated from the mask {mask} (next: {preview})")
                          .format(mask=company_type.id_mask, preview=preview))
    questions = [Question(partial(_ask_identifier, wizard, company_type, preview),
                          applies=lambda: typed),
                 Question(partial(_ask_name, wizard))]
    questions += [Question(partial(_ask_field, wizard, name, label, rule))
                  for name, label, rule in _COMPANY_FIELDS]
    return run_questions(questions, back=back, from_end=from_end)


def _ask_identifier(wizard: Wizard, company_type: CompanyType | None, preview: str | None,
                    back: bool) -> Any:
    message = _("Identifier") + (_(" (Enter keeps the generated one)") if preview else "")
    while True:
        answer = wizard.text(message, default=wizard.draft.identifier or preview, back=back,
                             validate=lambda text: reason_of(check_identifier, text,
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


def _ask_name(wizard: Wizard, back: bool) -> Any:
    answer = wizard.text(_("Name"), default=wizard.draft.name, back=back,
                         validate=lambda text: reason_of(rules.required_text, text, field="name"))
    if answer is not BACK:
        wizard.draft.name = rules.required_text(answer, field="name")
    return answer


def _ask_field(wizard: Wizard, name: str, label: str, rule: Callable[..., Any], back: bool) -> Any:
    def normalise(text: str) -> Any:
        if name in _NEEDS_COUNTRY:
            return rule(text, country=wizard.country())
        return rule(text)

    answer = wizard.text(_(label) + _(" (optional)"), default=getattr(wizard.draft, name),
                         back=back, validate=lambda text: reason_of(normalise, text))
    if answer is not BACK:
        setattr(wizard.draft, name, normalise(answer))
    return answer
