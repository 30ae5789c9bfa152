"""The wizard's building blocks: Back and Cancel signals, the Prompter it asks through, and a step
as a sequence of questions where Back returns to the previous one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from clientreg.attributes import AttributeDef
from clientreg.commands.i18n import _
from clientreg.errors import ClientregError


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
CORRECTED = Signal("corrected")  # the question Finish sent the person back to is answered

FOCUS: ContextVar[str | None] = ContextVar("clientreg_focus", default=None)
"""The key of the one question a step asks when Finish was refused because of its answer
(``tax_id``, ``company_attr.employees``, ``contacts.email``); None: the whole step."""

Validator = Callable[[str], "str | None"]


class Cancelled(Exception):
    """The person chose Cancel: nothing is saved."""


class Prompter(Protocol):
    """How the wizard asks. Every question has a stable key, the draft field it fills
    (``company_type``, ``trade_name``, ``contacts.email``, ``review``...), whatever its wording.
    select/text return BACK when offered and chosen; select may return CANCEL; Ctrl-C and Ctrl-D
    surface as KeyboardInterrupt and EOFError."""

    def select(self, key: str, message: str, options: Sequence[tuple[Any, str]], *,
               default: Any = None, back: bool = True) -> Any: ...

    def text(self, key: str, message: str, *, default: str = "",
             validate: Validator | None = None, back: bool = True) -> Any: ...

    def say(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass
class Question:
    """One question of a step; ``ask(back)`` returns BACK or stores its answer."""

    ask: Callable[[bool], Any]
    applies: Callable[[], bool] = lambda: True
    key: str = ""
    """The question's key, the field it fills, where the step can start at it (FOCUS)."""


def run_questions(questions: Sequence[Question], *, back: bool, from_end: bool = False) -> Signal:
    """Ask a step's questions in order; Back returns to the previous question, or leaves the step
    when there is none (and is offered there only if ``back``). A step reached by going back
    starts at its last question.

    With a FOCUS naming one of the questions, only that one is asked: CORRECTED once answered;
    Back from it walks the step from the previous question on, as usual."""
    index = 0
    if from_end:
        applicable = [i for i, question in enumerate(questions) if question.applies()]
        index = applicable[-1] if applicable else len(questions)
    focus = FOCUS.get()
    focused = [i for i, question in enumerate(questions)
               if focus and question.key == focus and question.applies()]
    if focused:
        FOCUS.set(None)  # taken: questions asked inside this one (a contact's) are all asked
        earlier = [i for i in range(focused[0]) if questions[i].applies()]
        if questions[focused[0]].ask(back or bool(earlier)) is not BACK:
            return CORRECTED
        if not earlier:
            return BACK
        index = earlier[-1]
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


def attribute_hint(definition: AttributeDef) -> str:
    """What a value of this attribute must look like, for the prompt."""
    parts = {"number": [_("a number")], "currency": [_("an amount")],
             "date": [_("YYYY-MM-DD")], "time": [_("HH:MM")]}.get(definition.type, [])
    if definition.min is not None:
        parts.append(_("at least {value}").format(value=definition.min))
    if definition.max is not None:
        parts.append(_("at most {value}").format(value=definition.max))
    parts.append(_("required") if definition.required else _("optional"))
    return f"({', '.join(parts)})"
