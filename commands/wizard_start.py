"""The wizard's first steps: where the client comes from, its type and category, and the
attributes the type and the category declare."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from clientreg.attributes import AttributeDef, check_value
from clientreg.commands.i18n import _
from clientreg.commands.wizard_questions import (
    BACK,
    Question,
    Signal,
    attribute_hint,
    reason_of,
    run_questions,
)
from clientreg.commands.wizard_state import WizardState
from clientreg.model import CompanyType
from clientreg.records import companies_without_client, iter_companies


def start_step(wizard: WizardState, back: bool, from_end: bool = False) -> Signal:
    """A new or an existing company; the company, or the type; the category."""
    waiting = [] if wizard.company_fixed else companies_without_client(wizard.store)
    active_types = [t for t in wizard.catalogue.types.values() if t.active]
    if not active_types:
        wizard.start = "existing"
    if not waiting and not wizard.company_fixed:
        _say_no_company_waits(wizard)
    questions = [
        Question(partial(_ask_start, wizard, bool(active_types)),
                 applies=lambda: bool(waiting) and not wizard.company_fixed),
        Question(partial(_ask_company, wizard, waiting),
                 applies=lambda: wizard.start == "existing" and not wizard.company_fixed),
        Question(partial(_ask_type, wizard, active_types),
                 applies=lambda: wizard.start == "new"),
        Question(partial(_ask_category, wizard)),
    ]
    return run_questions(questions, back=back, from_end=from_end)


def _say_no_company_waits(wizard: WizardState) -> None:
    """Why the choice of an existing company is not offered: no company could become a client."""
    if any(True for _row in iter_companies(wizard.store)):
        wizard.prompt.say(_("No existing company can become a client: all of them are clients."))
    else:
        wizard.prompt.say(_("No existing company can become a client: there is no company yet."))


def _ask_start(wizard: WizardState, new_allowed: bool, back: bool) -> Any:
    options = [("new", _("A new company"))] if new_allowed else []
    options.append(("existing", _("An existing company that is not a client yet")))
    answer = wizard.select("start", _("Register the client from"), options,
                           default=wizard.start, back=back)
    if answer is not BACK:
        wizard.start = answer
        if answer == "new":
            wizard.draft.from_company = None
    return answer


def _ask_company(wizard: WizardState, waiting: list[dict[str, Any]], back: bool) -> Any:
    options = [(row["identifier"], f"{row['identifier']}  {row['name']}") for row in waiting]
    answer = wizard.select("from_company", _("Company"), options,
                           default=wizard.draft.from_company, back=back)
    if answer is not BACK:
        wizard.draft.from_company = answer
    return answer


def _ask_type(wizard: WizardState, active_types: list[CompanyType], back: bool) -> Any:
    options = [(t.code, f"{t.code}  {t.name}") for t in active_types]
    current = wizard.company_type()
    answer = wizard.select("company_type", _("Company type"), options,
                           default=current.code if current else None, back=back)
    if answer is not BACK:
        wizard.draft.company_type = answer
        wizard.draft.from_company = None
        chosen = wizard.company_type()
        kept = {d.key for d in chosen.attributes} if chosen else set()
        wizard.draft.company_attributes = {k: v for k, v in
                                           wizard.draft.company_attributes.items() if k in kept}
    return answer


def _ask_category(wizard: WizardState, back: bool) -> Any:
    options = [(c.code, f"{c.code}  {c.name}") for c in wizard.catalogue.categories.values()
               if c.active]
    current = wizard.category()
    answer = wizard.select("category", _("Client category"), options,
                           default=current.code if current else None, back=back)
    if answer is not BACK:
        wizard.draft.category = answer
        chosen = wizard.category()
        kept = {d.key for d in chosen.attributes} if chosen else set()
        wizard.draft.client_attributes = {k: v for k, v in
                                          wizard.draft.client_attributes.items() if k in kept}
    return answer


def company_attributes_step(wizard: WizardState, back: bool, from_end: bool = False) -> Signal:
    company_type = wizard.company_type()
    assert company_type is not None
    return _attributes(wizard, company_type.attributes, wizard.draft.company_attributes,
                       "company_attr", back, from_end)


def client_attributes_step(wizard: WizardState, back: bool, from_end: bool = False) -> Signal:
    category = wizard.category()
    assert category is not None
    return _attributes(wizard, category.attributes, wizard.draft.client_attributes,
                       "client_attr", back, from_end)


def _attributes(wizard: WizardState, definitions: Sequence[AttributeDef], values: dict[str, Any],
                prefix: str, back: bool, from_end: bool) -> Signal:
    questions = [Question(partial(_ask_attribute, wizard, d, values, f"{prefix}.{d.key}"),
                          key=f"{prefix}.{d.key}") for d in definitions]
    return run_questions(questions, back=back, from_end=from_end)


def _ask_attribute(wizard: WizardState, definition: AttributeDef, values: dict[str, Any],
                   field: str, back: bool) -> Any:
    message = f"{definition.label} {attribute_hint(definition)}"
    current = values.get(definition.key)
    if definition.type == "list":
        options = [(value, value) for value in definition.values]
        if not definition.required:
            options.append(("", _("(none)")))
        default = current if current in definition.values else ""
        answer = wizard.select(field, message, options, default=default, back=back)
    else:
        answer = wizard.text(field, message, default=current, back=back,
                             validate=lambda text: reason_of(check_value, definition, text,
                                                             field=field))
    if answer is BACK:
        return BACK
    stored = check_value(definition, answer, field=field)
    if stored is None:
        values.pop(definition.key, None)
    else:
        values[definition.key] = stored
    return stored
