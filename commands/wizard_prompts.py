"""The wizard's questions in a terminal: questionary prompts with Back and Cancel.

questionary and prompt_toolkit are imported inside the methods, so that loading the command line
(for --help, or any other command) never pays for them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from clientreg.commands.i18n import _
from clientreg.commands.wizard_questions import BACK, CANCEL, Validator

# Long lists (companies, big catalogues) can be filtered by typing.
_SEARCH_FROM = 12

ASKING: ContextVar[str | None] = ContextVar("clientreg_asking", default=None)
"""The key of the question on the screen, while it is asked: what drives the prompts from
outside (the keystroke tests type each question's answer as it opens) reads it."""


class QuestionaryPrompter:
    """Asks the wizard's questions with questionary; Back is a choice on lists and Ctrl-B on
    typed answers, Cancel a choice on lists; Ctrl-C and Ctrl-D raise and cancel everything."""

    def select(self, key: str, message: str, options: Sequence[tuple[Any, str]], *,
               default: Any = None, back: bool = True) -> Any:
        import questionary

        choices = [questionary.Choice(title, value=value) for value, title in options]
        if back:
            choices.append(questionary.Choice(_("<- Back"), value=BACK))
        choices.append(questionary.Choice(_("x  Cancel"), value=CANCEL))
        values = [value for value, _title in options]
        # questionary rejects a default that is not one of the choices (an answer given for a
        # type or category that has since been deactivated, say): start at the top instead.
        chosen = default if any(default == value and type(default) is type(value)
                                for value in values) else None
        search = len(options) >= _SEARCH_FROM
        question = questionary.select(
            message, choices=choices, default=chosen, use_search_filter=search,
            use_jk_keys=not search,
            instruction=_("(arrows to move, Enter to choose{filter})").format(
                filter=_(", type to filter") if search else ""))
        return _ask(key, question, back=back)

    def text(self, key: str, message: str, *, default: str = "",
             validate: Validator | None = None, back: bool = True) -> Any:
        import questionary

        def verdict(text: str) -> bool | str:
            reason = validate(text) if validate else None
            return True if reason is None else reason

        hint = _("(Ctrl-B back, Ctrl-C cancel)") if back else _("(Ctrl-C cancel)")
        question = questionary.text(message, default=default, validate=verdict, instruction=hint)
        return _ask(key, question, back=back)

    def say(self, message: str) -> None:
        print(message, flush=True)

    def warn(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)


def _ask(key: str, question: Any, *, back: bool) -> Any:
    """Run one question; unsafe_ask lets Ctrl-C and Ctrl-D through instead of answering None."""
    if back:
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        bindings = KeyBindings()

        @bindings.add("c-b", eager=True)
        def _back(event: Any) -> None:
            event.app.erase_when_done = True  # the abandoned question leaves no answer behind
            event.app.exit(result=BACK)

        application = question.application
        application.key_bindings = merge_key_bindings(
            [application.key_bindings or KeyBindings(), bindings])
    token = ASKING.set(key)
    try:
        return question.unsafe_ask()
    finally:
        ASKING.reset(token)
