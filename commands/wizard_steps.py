"""The registration wizard as a step machine: which step comes next, what Back and Finish do.

Plain Python, no terminal library: it asks through a Prompter (questionary in a terminal, a
scripted one in tests), checks answers with the core's own rules and saves through the core.
"""

from __future__ import annotations

from collections.abc import Callable

from clientreg.commands.boundary import describe
from clientreg.commands.i18n import _, translated
from clientreg.commands.wizard_company import company_data_step
from clientreg.commands.wizard_contacts import contacts_step
from clientreg.commands.wizard_questions import BACK, CORRECTED, FINISH, FOCUS, NEXT, Signal
from clientreg.commands.wizard_review import review_step
from clientreg.commands.wizard_start import (
    client_attributes_step,
    company_attributes_step,
    start_step,
)
from clientreg.commands.wizard_state import STEP_TITLES, WizardState
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
        """Walk the steps until Finish succeeds; a core rejection returns to the question holding
        the field (the step holding it, when no one question does), then to the review.
        Raises Cancelled (or KeyboardInterrupt, EOFError) when the person gives up."""
        step: Step = self.plan()[0]
        move: Signal | Step = NEXT
        shown = 0
        notes: list[str] = []  # what Finish refused, shown under the heading of the step it opens
        focus: str | None = None
        while True:
            self._begin(step, fresh=shown > 0)
            shown += 1
            for note in notes:
                self.prompt.warn(note)
            notes = []
            token = FOCUS.set(focus)
            try:
                move = _STEPS[step](self, step != self.plan()[0], move is BACK)
            finally:
                FOCUS.reset(token)
            focus = None
            plan = self.plan()
            if move is FINISH:
                try:
                    return finish(self.draft_for_core())
                except StorageError:
                    raise
                except Rejected as exc:
                    step, focus, notes = self.rejected(exc.problems)
                except ClientregError as exc:
                    step, focus, notes = self.rejected([exc])
            elif move is CORRECTED:
                step = Step.REVIEW
            elif isinstance(move, Step):
                step = move
            else:
                position = plan.index(step) if step in plan else 0
                position += -1 if move is BACK else 1
                step = plan[min(max(position, 0), len(plan) - 1)]

    def _begin(self, step: Step, *, fresh: bool) -> None:
        """The step's heading, "Step 3 of 6 · Company attributes", counted in the plan that the
        type and category chosen so far give."""
        plan = self.expected_plan()
        heading = _("Step {number} of {count} · {title}").format(
            number=plan.index(step) + 1 if step in plan else "?", count=len(plan),
            title=translated(STEP_TITLES[step]))
        begin = getattr(self.prompt, "begin_step", None)
        if begin is None:
            self.prompt.say(heading)
        else:
            begin(heading, fresh=fresh)

    def rejected(self, problems: list[ClientregError]) -> tuple[Step, str | None, list[str]]:
        """What the core rejected: the earliest step holding one of the fields, the field of the
        first problem there (its question is asked again), and the lines that explain it."""
        notes = [_("Not saved: please correct the following.")]
        notes += [f"  {describe(problem)}" for problem in problems]
        plan = self.plan()
        placed = [(step_for_field(problem.field), problem.field) for problem in problems]
        placed = [(step, field) if step in plan else (plan[0], None) for step, field in placed]
        step, field = min(placed, key=lambda found: plan.index(found[0]))
        return step, field, notes
