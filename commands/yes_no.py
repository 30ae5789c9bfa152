"""A yes-or-no question in the language in use: questionary's confirm, with its words translated.

questionary's own confirm shows "(Y/n)" and "Yes"/"No" in English and takes only y and n. This
one shows the language's words, "(S/n)" and "Sí" in Spanish, and takes the first letter of
the language's Yes and No (s and n in Spanish) as well as y and n, so that either language's
keys answer. Enter gives the default; Ctrl-C cancels, as elsewhere.
"""

from __future__ import annotations

from typing import Any

from clientreg.commands.i18n import _


def answer_keys() -> tuple[set[str], set[str]]:
    """The keys that answer yes and those that answer no, in the language in use (and in
    English): the first letter of each word, in either case."""
    yes = {"y", _("Yes")[:1].lower()}
    no = {"n", _("No")[:1].lower()} - yes
    return {*yes, *(key.upper() for key in yes)}, {*no, *(key.upper() for key in no)}


def confirm(message: str, *, default: bool) -> Any:
    """A questionary Question asking ``message``; ``unsafe_ask()`` gives True or False."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import to_formatted_text
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.keys import Keys
    from questionary.constants import DEFAULT_QUESTION_PREFIX
    from questionary.question import Question
    from questionary.styles import merge_styles_default

    yes_keys, no_keys = answer_keys()
    status: dict[str, Any] = {"answer": None, "complete": False}

    def tokens() -> Any:
        shown: list[Any] = [("class:qmark", DEFAULT_QUESTION_PREFIX),
                            ("class:question", f" {message} ")]
        if not status["complete"]:
            shown.append(("class:instruction", (_("(Y/n)") if default else _("(y/N)")) + " "))
        if status["answer"] is not None:
            shown.append(("class:answer", _("Yes") if status["answer"] else _("No")))
        return to_formatted_text(shown)

    def finish(event: KeyPressEvent) -> None:
        status["complete"] = True
        event.app.exit(result=status["answer"])

    bindings = KeyBindings()

    @bindings.add(Keys.ControlQ, eager=True)
    @bindings.add(Keys.ControlC, eager=True)
    def cancel(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    def answer_with(value: bool) -> Any:
        def answered(event: KeyPressEvent) -> None:
            status["answer"] = value
            finish(event)
        return answered

    for key in sorted(yes_keys):
        bindings.add(key)(answer_with(True))
    for key in sorted(no_keys):
        bindings.add(key)(answer_with(False))

    @bindings.add(Keys.ControlM, eager=True)
    def enter(event: KeyPressEvent) -> None:
        if status["answer"] is None:
            status["answer"] = default
        finish(event)

    @bindings.add(Keys.Any)
    def other(event: KeyPressEvent) -> None:
        """Any other key types nothing."""

    return Question(PromptSession(tokens, key_bindings=bindings,
                                  style=merge_styles_default([None])).app)
