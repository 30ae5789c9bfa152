"""The registration wizard as a step machine: which question comes next, what Back and Cancel do.

Plain Python, no terminal library: it asks through a Prompter (questionary in a terminal, a
scripted one in tests), checks answers with the core's own rules and saves through the core.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from clientreg import rules
from clientreg.attributes import AttributeDef, check_value
from clientreg.catalogue import Catalogue
from clientreg.checks import step_plan
from clientreg.commands.i18n import _
from clientreg.commands.wizard_questions import (
    BACK,
    CANCEL,
    FINISH,
    NEXT,
    Cancelled,
    Prompter,
    Question,
    Signal,
    Validator,
    attribute_hint,
    reason_of,
    run_questions,
)
from clientreg.errors import ClientregError, Rejected, StorageError
from clientreg.model import Category, ClientDraft, CompanyType, Outcome, Step
from clientreg.records import companies_without_client


def step_for_field(field: str | None) -> Step:
    """The step holding a field the core named in a rejection."""
    if not field:
        return Step.REVIEW
    if field.startswith("company_attr"):
        return Step.COMPANY_ATTRIBUTES
    if field.startswith("client_attr"):
        return Step.CLIENT_ATTRIBUTES
    if field.startswith("contacts"):
        return Step.CONTACTS
    if field in ("category", "company_type", "from_company"):
        return Step.START
    return Step.COMPANY_DATA


STEP_TITLES = {
    Step.START: "Company type and category",
    Step.COMPANY_ATTRIBUTES: "Company attributes",
    Step.CLIENT_ATTRIBUTES: "Client attributes",
    Step.COMPANY_DATA: "Company data",
    Step.CONTACTS: "Company contacts",
    Step.REVIEW: "Review",
}



class Wizard:
    """The answers of one registration (or edit) and the step the person is on."""

    def __init__(self, store: Any, prompter: Prompter, *, draft: ClientDraft | None = None,
                 editing: str | None = None, catalogue: Catalogue | None = None) -> None:
        self.store = store
        self.prompt = prompter
        self.catalogue = catalogue or Catalogue.load(store)
        self.draft = draft or ClientDraft()
        self.editing = editing
        self.company_fixed = self.draft.from_company is not None and editing is None
        self.start = "existing" if self.draft.from_company else "new"
        self.linked: set[str] = set()  # e-mail keys of existing external users to link

    # -- what the answers so far imply ------------------------------------------------------

    def company_type(self) -> CompanyType | None:
        return self.catalogue.types.get((self.draft.company_type or "").strip().upper())

    def category(self) -> Category | None:
        return self.catalogue.categories.get((self.draft.category or "").strip().upper())

    def plan(self) -> tuple[Step, ...]:
        """The steps for the type and category chosen so far (recomputed after every step)."""
        existing = self.draft.from_company is not None and not self.editing
        steps = step_plan(None if existing else self.company_type(), self.category(),
                          from_company=existing)
        return steps[1:] if self.editing else steps

    def country(self) -> str | None:
        try:
            return rules.country(self.draft.country)
        except ClientregError:
            return None

    def draft_for_core(self) -> ClientDraft:
        """What Finish hands to the core: only the fields of the chosen path."""
        if self.draft.from_company is not None and not self.editing:
            return ClientDraft(category=self.draft.category, from_company=self.draft.from_company,
                               client_attributes=dict(self.draft.client_attributes),
                               origin="wizard")
        draft = copy.deepcopy(self.draft)
        draft.from_company = None
        draft.origin = "wizard"
        return draft

    # -- asking -----------------------------------------------------------------------------

    def select(self, message: str, options: Sequence[tuple[Any, str]], *, default: Any = None,
               back: bool = True) -> Any:
        answer = self.prompt.select(message, options, default=default, back=back)
        if answer is CANCEL:
            raise Cancelled
        return answer

    def text(self, message: str, *, default: Any = None, validate: Validator | None = None,
             back: bool = True) -> Any:
        shown = "" if default is None else str(default)
        answer = self.prompt.text(message, default=shown, validate=validate, back=back)
        if answer is CANCEL:
            raise Cancelled
        return answer

    # -- the machine ------------------------------------------------------------------------

    def run(self, finish: Callable[[ClientDraft], Outcome]) -> Outcome:
        """Walk the steps until Finish succeeds; a core rejection returns to the step holding the
        field. Raises Cancelled (or KeyboardInterrupt, EOFError) when the person gives up."""
        from clientreg.commands.wizard_company import company_data_step
        from clientreg.commands.wizard_contacts import contacts_step, review_step

        shows: dict[Step, Callable[[bool, bool], Any]] = {
            Step.START: self.start_step,
            Step.COMPANY_ATTRIBUTES: self.company_attributes_step,
            Step.CLIENT_ATTRIBUTES: self.client_attributes_step,
            Step.COMPANY_DATA: partial(company_data_step, self),
            Step.CONTACTS: partial(contacts_step, self),
            Step.REVIEW: partial(review_step, self),
        }
        step, move = self.plan()[0], NEXT
        while True:
            move = shows[step](step != self.plan()[0], move is BACK)
            plan = self.plan()
            if move is FINISH:
                try:
                    return finish(self.draft_for_core())
                except StorageError:
                    raise
                except Rejected as exc:
                    step = self.rejected(exc.problems)
                except ClientregError as exc:
                    step = self.rejected([exc])
            elif isinstance(move, Step):
                step = move
            else:
                position = plan.index(step) if step in plan else 0
                position += -1 if move is BACK else 1
                step = plan[min(max(position, 0), len(plan) - 1)]

    def rejected(self, problems: list[ClientregError]) -> Step:
        """Show what the core rejected; return the earliest step holding one of the fields."""
        from clientreg.commands.boundary import describe

        self.prompt.warn(_("Not saved: please correct the following."))
        for problem in problems:
            self.prompt.warn(f"  {describe(problem)}")
        plan = self.plan()
        steps = [step_for_field(problem.field) for problem in problems]
        steps = [step if step in plan else plan[0] for step in steps]
        return min(steps, key=plan.index)

    # -- step A: start, company type, category ------------------------------------------------

    def start_step(self, back: bool, from_end: bool = False) -> Signal:
        waiting = [] if self.company_fixed else companies_without_client(self.store)
        active_types = [t for t in self.catalogue.types.values() if t.active]
        if not active_types:
            self.start = "existing"
        questions = [
            Question(partial(self._ask_start, bool(active_types)),
                     applies=lambda: bool(waiting) and not self.company_fixed),
            Question(partial(self._ask_company, waiting),
                     applies=lambda: self.start == "existing" and not self.company_fixed),
            Question(partial(self._ask_type, active_types), applies=lambda: self.start == "new"),
            Question(self._ask_category),
        ]
        return run_questions(questions, back=back, from_end=from_end)

    def _ask_start(self, new_allowed: bool, back: bool) -> Any:
        options = [("new", _("A new company"))] if new_allowed else []
        options.append(("existing", _("An existing company that is not a client yet")))
        answer = self.select(_("Register the client from"), options, default=self.start,
                             back=back)
        if answer is not BACK:
            self.start = answer
            if answer == "new":
                self.draft.from_company = None
        return answer

    def _ask_company(self, waiting: list[dict[str, Any]], back: bool) -> Any:
        options = [(row["identifier"], f"{row['identifier']}  {row['name']}") for row in waiting]
        answer = self.select(_("Company"), options, default=self.draft.from_company, back=back)
        if answer is not BACK:
            self.draft.from_company = answer
        return answer

    def _ask_type(self, active_types: list[CompanyType], back: bool) -> Any:
        options = [(t.code, f"{t.code}  {t.name}") for t in active_types]
        current = self.company_type()
        answer = self.select(_("Company type"), options,
                             default=current.code if current else None, back=back)
        if answer is not BACK:
            self.draft.company_type = answer
            self.draft.from_company = None
            kept = {d.key for d in self.company_type().attributes}
            self.draft.company_attributes = {k: v for k, v in
                                             self.draft.company_attributes.items() if k in kept}
        return answer

    def _ask_category(self, back: bool) -> Any:
        options = [(c.code, f"{c.code}  {c.name}") for c in self.catalogue.categories.values()
                   if c.active]
        current = self.category()
        answer = self.select(_("Client category"), options,
                             default=current.code if current else None, back=back)
        if answer is not BACK:
            self.draft.category = answer
            kept = {d.key for d in self.category().attributes}
            self.draft.client_attributes = {k: v for k, v in
                                            self.draft.client_attributes.items() if k in kept}
        return answer

    # -- steps B and C: attributes ------------------------------------------------------------

    def company_attributes_step(self, back: bool, from_end: bool = False) -> Signal:
        company_type = self.company_type()
        assert company_type is not None
        return self._attributes(company_type.attributes, self.draft.company_attributes,
                                "company_attr", back, from_end)

    def client_attributes_step(self, back: bool, from_end: bool = False) -> Signal:
        category = self.category()
        assert category is not None
        return self._attributes(category.attributes, self.draft.client_attributes,
                                "client_attr", back, from_end)

    def _attributes(self, definitions: Sequence[AttributeDef], values: dict[str, Any],
                    prefix: str, back: bool, from_end: bool) -> Signal:
        questions = [Question(partial(self._ask_attribute, d, values, f"{prefix}.{d.key}"))
                     for d in definitions]
        return run_questions(questions, back=back, from_end=from_end)

    def _ask_attribute(self, definition: AttributeDef, values: dict[str, Any], field: str,
                       back: bool) -> Any:
        message = f"{definition.label} {attribute_hint(definition)}"
        current = values.get(definition.key)
        if definition.type == "list":
            options = [(value, value) for value in definition.values]
            if not definition.required:
                options.append(("", _("(none)")))
            default = current if current in definition.values else ""
            answer = self.select(message, options, default=default, back=back)
        else:
            answer = self.text(message, default=current, back=back,
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
