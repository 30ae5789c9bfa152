"""What one run of the wizard holds: the draft answered so far, the step plan it implies, and
the two ways every step asks (a choice or a typed answer)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientreg import rules
from clientreg.catalogue import Catalogue
from clientreg.checks import step_plan
from clientreg.commands.wizard_questions import CANCEL, Cancelled, Prompter, Validator
from clientreg.errors import ClientregError
from clientreg.messages import N_
from clientreg.model import Category, ClientDraft, CompanyType, Step

if TYPE_CHECKING:
    from clientreg.storage import Store

STEP_TITLES = {
    Step.START: N_("Company type and category"),
    Step.COMPANY_ATTRIBUTES: N_("Company attributes"),
    Step.CLIENT_ATTRIBUTES: N_("Client attributes"),
    Step.COMPANY_DATA: N_("Company data"),
    Step.CONTACTS: N_("Company contacts"),
    Step.REVIEW: N_("Review"),
}


class WizardState:
    """The answers of one registration (or edit) and how the steps ask for them."""

    def __init__(self, store: Store, prompter: Prompter, *, draft: ClientDraft | None = None,
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
        found = self.catalogue.find("company_type", self.draft.company_type)
        return found if isinstance(found, CompanyType) else None

    def category(self) -> Category | None:
        found = self.catalogue.find("category", self.draft.category)
        return found if isinstance(found, Category) else None

    def from_existing(self) -> bool:
        """Registering a company that exists already (never while editing)."""
        return self.draft.from_company is not None and not self.editing

    def plan(self) -> tuple[Step, ...]:
        """The steps for the type and category chosen so far (recomputed after every step)."""
        existing = self.from_existing()
        steps = step_plan(None if existing else self.company_type(), self.category(),
                          from_company=existing)
        return steps[1:] if self.editing else steps

    def expected_plan(self) -> tuple[Step, ...]:
        """The plan, where the type or the category is not chosen yet taken as the one the
        first step offers first (what Enter chooses there): the count a heading shows."""
        if self.company_type() and self.category() or self.editing:
            return self.plan()
        first_type = next((t for t in self.catalogue.types.values() if t.active), None)
        first_category = next((c for c in self.catalogue.categories.values() if c.active), None)
        existing = self.from_existing() or self.start == "existing"
        steps = step_plan(None if existing else self.company_type() or first_type,
                          self.category() or first_category, from_company=existing)
        return steps

    def country(self) -> str | None:
        try:
            return rules.country(self.draft.country)
        except ClientregError:
            return None

    def draft_for_core(self) -> ClientDraft:
        """What Finish hands to the core: only the fields of the chosen path."""
        if self.from_existing():
            return ClientDraft(category=self.draft.category, from_company=self.draft.from_company,
                               client_attributes=dict(self.draft.client_attributes),
                               origin="wizard")
        draft = copy.deepcopy(self.draft)
        draft.from_company = None
        draft.origin = "wizard"
        return draft

    # -- asking -----------------------------------------------------------------------------

    def select(self, key: str, message: str, options: Sequence[tuple[Any, str]], *,
               default: Any = None, back: bool = True) -> Any:
        answer = self.prompt.select(key, message, options, default=default, back=back)
        if answer is CANCEL:
            raise Cancelled
        return answer

    def text(self, key: str, message: str, *, default: Any = None,
             validate: Validator | None = None, back: bool = True) -> Any:
        shown = "" if default is None else str(default)
        answer = self.prompt.text(key, message, default=shown, validate=validate, back=back)
        if answer is CANCEL:
            raise Cancelled
        return answer
