"""The registration wizard as a step machine: which step comes next, what Back and Finish do.

Plain Python, no terminal library: it asks through a Prompter (questionary in a terminal, a
scripted one in tests), checks answers with the core's own rules and saves through the core.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from clientreg.commands.boundary import describe
from clientreg.commands.i18n import _
from clientreg.commands.wizard_company import company_data_step
from clientreg.commands.wizard_contacts import contacts_step
from clientreg.commands.wizard_questions import BACK, FINISH, NEXT, Signal
from clientreg.commands.wizard_review import review_step
from clientreg.commands.wizard_start import (
    client_attributes_step,
    company_attributes_step,
    start_step,
)
from clientreg.commands.wizard_state import WizardState
from clientreg.errors import ClientregError, Rejected, StorageError
from clientreg.model import ClientDraft, Outcome, Step

_STEPS: dict[Step, Callable[[WizardState, bool, bool], Signal | Step]] = {
    Step.START: start_step,
    Step.COMPANY_ATTRIBUTES: company_attributes_step,
    Step.CLIENT_ATTRIBUTES: client_attributes_step,
    Step.COMPANY_DATA: company_data_step,
    Step.CONTACTS: contacts_step,
    Step.REVIEW: review_step,
}


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


class Wizard(WizardState):
    """One registration (or edit), walked step by step until the core saves it."""

    def run(self, finish: Callable[[ClientDraft], Outcome]) -> Outcome:
        """Walk the steps until Finish succeeds; a core rejection returns to the step holding the
        field. Raises Cancelled (or KeyboardInterrupt, EOFError) when the person gives up."""
        step: Step = self.plan()[0]
        move: Signal | Step = NEXT
        while True:
            show = partial(_STEPS[step], self)
            move = show(step != self.plan()[0], move is BACK)
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
        self.prompt.warn(_("Not saved: please correct the following."))
        for problem in problems:
            self.prompt.warn(f"  {describe(problem)}")
        plan = self.plan()
        steps = [step_for_field(problem.field) for problem in problems]
        steps = [step if step in plan else plan[0] for step in steps]
        return min(steps, key=plan.index)
