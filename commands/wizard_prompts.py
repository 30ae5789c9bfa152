"""The wizard's questions in a terminal: questionary prompts with Back and Cancel.

questionary and prompt_toolkit are imported inside the methods, so that loading the command line
(for --help, or any other command) never pays for them.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from clientreg.commands.i18n import _
from clientreg.commands.wizard_questions import BACK, CANCEL, Validator

# Long lists (companies, big catalogues) can be filtered by typing.
_SEARCH_FROM = 12
_CLEAR_SCREEN = "\x1b[H\x1b[2J"  # cursor home, erase the screen (the scrollback keeps it)
_ERROR_INDENT = "  "

ASKING: ContextVar[str | None] = ContextVar("clientreg_asking", default=None)
"""The key of the question on the screen, while it is asked: what drives the prompts from
outside (the keystroke tests type each question's answer as it opens) reads it."""


class QuestionaryPrompter:
    """Asks the wizard's questions with questionary; Back is a choice on lists and Ctrl-B on
    typed answers, Cancel a choice on lists; Ctrl-C and Ctrl-D raise and cancel everything.

    On a terminal the prompter keeps what the step shows (its heading, notes, the questions
    answered): a question asked again (Back to it, or a refused e-mail) redraws the step from a
    clean screen without its old answer and those after it, so answers never pile up."""

    def __init__(self) -> None:
        self._redraws = sys.stdout.isatty()
        self._shown: list[tuple[str, Any]] = []  # (question key, or _NOTE/_WARNING/_HEADING)

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
        instruction = _("(arrows to move, Enter to choose{filter})").format(
            filter=_(", type to filter") if search else "")
        if self._redraws and len(f"? {message} {instruction}") >= shutil.get_terminal_size(
                ).columns:  # on a line of its own, rather than cut by the terminal in a word
            instruction = "\n" + instruction
        question = questionary.select(
            message, choices=choices, default=chosen, use_search_filter=search,
            use_jk_keys=not search, instruction=instruction)

        def title_of(answer: Any) -> str:
            return next((title for value, title in options if value == answer
                         and type(value) is type(answer)), str(answer))

        return self._asked(key, message, question, back, title_of)

    def text(self, key: str, message: str, *, default: str = "",
             validate: Validator | None = None, back: bool = True) -> Any:
        import questionary

        hint = _("(Ctrl-B back, Ctrl-C cancel)") if back else _("(Ctrl-C cancel)")
        question = questionary.Question(text_prompt(message, hint, default, validate))
        return self._asked(key, message, question, back, str)

    def begin_step(self, heading: str, *, fresh: bool) -> None:
        """A step's heading; on a terminal a step after the first starts on a clean screen, so
        the answers of a step left (by Back, or Next) do not pile up above the new ones."""
        if fresh and self._redraws:
            print(_CLEAR_SCREEN, end="")
            self._shown = []
        self._shown.append((_HEADING, heading))
        print(heading, flush=True)

    def say(self, message: str) -> None:
        if self._redraws:  # on a terminal, a line too long for it wrapped between words
            width = shutil.get_terminal_size().columns
            message = "\n".join(line if len(line) <= width else _wrapped(line, width)
                                 for line in message.splitlines())
        self._shown.append((_NOTE, message))
        print(message, flush=True)

    def warn(self, message: str) -> None:
        if self._redraws:  # on a terminal, wrapped between words at its width
            message = _wrapped(message, shutil.get_terminal_size().columns)
        self._shown.append((_WARNING, message))
        print(message, file=sys.stderr, flush=True)

    def _asked(self, key: str, message: str, question: Any, back: bool,
               shown: Callable[[Any], str]) -> Any:
        if not self._redraws:
            return _ask(key, question, back=back)
        self._again(key)
        question.application.erase_when_done = True  # its answered line is printed below
        answer = _ask(key, question, back=back)
        if answer is not BACK and answer is not CANCEL:
            line = [("class:qmark", "?"), ("class:question", f" {message} "),
                    ("class:answer", shown(answer))]
            self._shown.append((key, line))
            _print_line(line)
        return answer

    def _again(self, key: str) -> None:
        """Before a question asked again: redraw the step without its old answer and what came
        after it, but for the notes and warnings since the last answer (why it is asked)."""
        found = next((i for i, (shown, _line) in enumerate(self._shown) if shown == key), None)
        if found is None:
            return
        since = len(self._shown)
        while since > found + 1 and self._shown[since - 1][0] in _NOT_ANSWERS:
            since -= 1
        self._shown = self._shown[:found] + self._shown[since:]
        print(_CLEAR_SCREEN, end="", flush=True)
        for shown, line in self._shown:
            if shown == _WARNING:
                print(line, file=sys.stderr, flush=True)
            elif shown in _NOT_ANSWERS:
                print(line, flush=True)
            else:
                _print_line(line)


_HEADING, _NOTE, _WARNING = "#heading", "#note", "#warning"


def _wrapped(message: str, width: int) -> str:
    """Each line of the message cut between words to the width, its indent kept."""
    from clientreg.commands.render import word_wrapped

    return word_wrapped(message, max(width - 1, 20))


_NOT_ANSWERS = (_HEADING, _NOTE, _WARNING)


def _print_line(fragments: list[tuple[str, str]]) -> None:
    """An answered question, styled as questionary shows it, wrapped between words."""
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.application import get_app_session
    from prompt_toolkit.formatted_text import FormattedText
    from questionary.styles import merge_styles_default

    width = get_app_session().output.get_size().columns
    styled: list[tuple[str, str]] = []
    for line in _word_lines(fragments, width):
        styled += [*line, ("", "\n")]
    print_formatted_text(FormattedText(styled[:-1]), style=merge_styles_default([]))


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


def text_prompt(message: str, hint: str, default: str, validate: Validator | None) -> Any:
    """A typed answer as a prompt_toolkit application: the question and the answer on one line,
    and, right under them, why the rules refuse what was typed (wrapped at the terminal's width
    between words). prompt_toolkit's own prompt shows that in a toolbar at the bottom of the
    terminal, one line high, so a long reason was cut and a short one far from its question."""
    from prompt_toolkit.application import Application, get_app
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.document import Document
    from prompt_toolkit.filters import Condition, is_done
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.key_binding.defaults import load_key_bindings
    from prompt_toolkit.layout import ConditionalContainer, HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.lexers import SimpleLexer
    from prompt_toolkit.styles import Style
    from prompt_toolkit.validation import ValidationError
    from prompt_toolkit.validation import Validator as Rules
    from questionary.constants import DEFAULT_QUESTION_PREFIX
    from questionary.styles import merge_styles_default

    class _Rules(Rules):
        def validate(self, document: Document) -> None:
            reason = validate(document.text) if validate else None
            if reason is not None:
                typed = document.text.strip()
                raise ValidationError(message=_("{value}: {reason}").format(
                    value=typed, reason=reason) if typed else reason,
                                      cursor_position=len(document.text))

    def accept(buffer: Buffer) -> bool:
        get_app().exit(result=buffer.text)
        return True  # the answer stays on the screen after the question

    buffer = Buffer(document=Document(default, len(default)), multiline=False,
                    validator=_Rules(), accept_handler=accept)
    question = [("class:qmark", DEFAULT_QUESTION_PREFIX), ("class:question", f" {message} "),
                ("class:instruction", f"{hint} ")]

    def question_lines() -> list[list[tuple[str, str]]]:
        # Room is kept for the answer on the question's last line (up to a third of it).
        columns = get_app().output.get_size().columns
        return _word_lines(question, columns - min(len(buffer.text) + 1, columns // 3))

    def line_prefix(line: int, wrapped: int) -> Any:
        return question_lines()[-1] if line == 0 and wrapped == 0 else []

    def lines_above() -> Any:
        above: list[tuple[str, str]] = []
        for line in question_lines()[:-1]:
            above += [*line, ("", "\n")]
        return above[:-1]

    def error_lines() -> Any:
        error = buffer.validation_error
        if error is None:
            return []
        width = max(get_app().output.get_size().columns - 1, 20)
        text = textwrap.fill(error.message, width=width, initial_indent=_ERROR_INDENT,
                             subsequent_indent=_ERROR_INDENT, break_long_words=False,
                             break_on_hyphens=False)
        return [("class:error", text)]

    showing_error = Condition(lambda: buffer.validation_error is not None) & ~is_done
    layout = HSplit([
        ConditionalContainer(Window(FormattedTextControl(lines_above), dont_extend_height=True),
                             filter=Condition(lambda: len(question_lines()) > 1)),
        Window(BufferControl(buffer, lexer=SimpleLexer("class:answer")),
               get_line_prefix=line_prefix, wrap_lines=True, dont_extend_height=True),
        ConditionalContainer(Window(FormattedTextControl(error_lines), dont_extend_height=True),
                             filter=showing_error),
    ])
    bindings = KeyBindings()

    @bindings.add("c-c")
    @bindings.add("<sigint>")
    def _interrupt(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    @bindings.add("c-d", filter=Condition(lambda: not buffer.text))
    def _end(event: Any) -> None:
        event.app.exit(exception=EOFError(), style="class:exiting")

    return Application(layout=Layout(layout), key_bindings=merge_key_bindings(
        [load_key_bindings(), bindings]), style=merge_styles_default(
        [Style([("error", "fg:ansired")])]), erase_when_done=False)


def _word_lines(fragments: list[tuple[str, str]], width: int) -> list[list[tuple[str, str]]]:
    """Styled text cut into lines of at most ``width`` characters between words (a word longer
    than a line has a line of its own), as the terminal would otherwise cut it anywhere. The
    key hint is cut only after its commas, so that a key stays with what it does ("Ctrl-B
    volver")."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0
    for style, text in fragments:
        units = r"\s*[^,]+,?\s*|\s+" if style == "class:instruction" else r"\s*\S+\s*|\s+"
        for word in re.findall(units, text):
            if used and used + len(word.rstrip()) > width:
                lines.append([])
                used = 0
                word = word.lstrip()
            lines[-1].append((style, word))
            used += len(word)
    return lines
