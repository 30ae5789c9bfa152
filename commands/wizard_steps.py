"""The registration wizard as a step machine: which question comes next, what Back and Cancel do.

Plain Python, no terminal library: it asks through a Prompter (questionary in a terminal, a
scripted one in tests), checks answers with the core's own rules and saves through the core.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from clientreg import rules
from clientreg.attributes import AttributeDef, check_value
from clientreg.catalogue import Catalogue
from clientreg.checks import check_identifier, step_plan
from clientreg.commands.i18n import _
from clientreg.errors import ClientregError, Rejected, StorageError
from clientreg.model import Category, ClientDraft, CompanyType, Outcome, Step
from clientreg.records import companies_without_client, find_company
from clientreg.registration import next_identifier
from clientreg.rules import identifier_key


class Signal:
    """A named answer that is not a value: Back, Cancel, or where the machine goes next."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


BACK = Signal("back")
CANCEL = Signal("cancel")
NEXT = Signal("next")
FINISH = Signal("finish")

Validator = Callable[[str], "str | None"]


class Cancelled(Exception):
    """The person chose Cancel: nothing is saved."""


class Prompter(Protocol):
    """How the wizard asks. select/text return BACK when offered and chosen; select may return
    CANCEL; Ctrl-C and Ctrl-D surface as KeyboardInterrupt and EOFError."""

    def select(self, message: str, options: Sequence[tuple[Any, str]], *, default: Any = None,
               back: bool = True) -> Any: ...

    def text(self, message: str, *, default: str = "", validate: Validator | None = None,
             back: bool = True) -> Any: ...

    def say(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass
class Question:
    """One question of a step; ``ask(back)`` returns BACK or stores its answer."""

    ask: Callable[[bool], Any]
    applies: Callable[[], bool] = lambda: True


def run_questions(questions: Sequence[Question], *, back: bool, from_end: bool = False) -> Signal:
    """Ask a step's questions in order; Back returns to the previous question, or leaves the step
    when there is none (and is offered there only if ``back``). A step reached by going back
    starts at its last question."""
    index = 0
    if from_end:
        applicable = [i for i, question in enumerate(questions) if question.applies()]
        index = applicable[-1] if applicable else len(questions)
    while index < len(questions):
        if not questions[index].applies():
            index += 1
            continue
        earlier = [i for i in range(index) if questions[i].applies()]
        if questions[index].ask(back or bool(earlier)) is BACK:
            if not earlier:
                return BACK
            index = earlier[-1]
        else:
            index += 1
    return NEXT


def reason_of(check: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    """None when the core's rule accepts the value, else its reason (for validate-as-you-type)."""
    try:
        check(*args, **kwargs)
    except ClientregError as exc:
        return exc.reason
    return None


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
        from clientreg.commands.wizard_contacts import contacts_step, review_step

        shows: dict[Step, Callable[[bool, bool], Any]] = {
            Step.START: self.start_step,
            Step.COMPANY_ATTRIBUTES: self.company_attributes_step,
            Step.CLIENT_ATTRIBUTES: self.client_attributes_step,
            Step.COMPANY_DATA: self.company_data_step,
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

    # -- step D: company data -----------------------------------------------------------------

    def company_data_step(self, back: bool, from_end: bool = False) -> Signal:
        company_type = self.company_type()
        preview = next_identifier(self.store, company_type) if company_type else None
        typed = not self.editing and not (preview and not company_type.allow_id_change)
        if self.editing:
            self.prompt.say(_("Identifier: {identifier} (cannot change)").format(
                identifier=self.editing))
        elif not typed:
            self.prompt.say(_("Identifier: generated from the mask {mask} (next: {preview})")
                            .format(mask=company_type.id_mask, preview=preview))
        questions = [Question(partial(self._ask_identifier, company_type, preview),
                              applies=lambda: typed),
                     Question(self._ask_name)]
        questions += [Question(partial(self._ask_field, name, label, rule))
                      for name, label, rule in _COMPANY_FIELDS]
        return run_questions(questions, back=back, from_end=from_end)

    def _ask_identifier(self, company_type: CompanyType | None, preview: str | None,
                        back: bool) -> Any:
        message = _("Identifier") + (_(" (Enter keeps the generated one)") if preview else "")
        while True:
            answer = self.text(message, default=self.draft.identifier or preview, back=back,
                               validate=lambda text: reason_of(check_identifier, text,
                                                               company_type))
            if answer is BACK:
                return BACK
            text = check_identifier(answer, company_type)
            if text is None or (preview and identifier_key(text) == identifier_key(preview)):
                self.draft.identifier = None
                return preview
            owner = find_company(self.store, text)
            if owner is None:
                self.draft.identifier = text
                return text
            self.prompt.warn(_("{identifier} is already the identifier of company {name}{what}; "
                               "type another one.").format(
                identifier=owner["identifier"], name=owner["name"],
                what=_(" (a client)") if owner["client"] else
                _(" (not a client yet: go back to the first step to register it)")))

    def _ask_name(self, back: bool) -> Any:
        answer = self.text(_("Name"), default=self.draft.name, back=back,
                           validate=lambda text: reason_of(rules.required_text, text,
                                                           field="name"))
        if answer is not BACK:
            self.draft.name = rules.required_text(answer, field="name")
        return answer

    def _ask_field(self, name: str, label: str, rule: Callable[..., Any], back: bool) -> Any:
        def normalise(text: str) -> Any:
            if name in _NEEDS_COUNTRY:
                return rule(text, country=self.country())
            return rule(text)

        answer = self.text(_(label) + _(" (optional)"), default=getattr(self.draft, name),
                           back=back, validate=lambda text: reason_of(normalise, text))
        if answer is not BACK:
            setattr(self.draft, name, normalise(answer))
        return answer


def attribute_hint(definition: AttributeDef) -> str:
    """What a value of this attribute must look like, for the prompt."""
    parts = {"number": [_("a number")], "currency": [_("an amount")],
             "date": ["YYYY-MM-DD"], "time": ["HH:MM"]}.get(definition.type, [])
    if definition.min is not None:
        parts.append(_("at least {value}").format(value=definition.min))
    if definition.max is not None:
        parts.append(_("at most {value}").format(value=definition.max))
    parts.append(_("required") if definition.required else _("optional"))
    return f"({', '.join(parts)})"
