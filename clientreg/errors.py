"""The errors clientreg raises: a small tree of classes that carry data, never formatted text."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from clientreg.messages import MESSAGES, Message, render

SHOWN_MAX = 80
"""The most characters of a value an error repeats; a longer one is shown by its start."""
_SHOWN_START = 50


class Shortened(str):
    """A text too long to repeat, as an error shows it: its start, then how long it is. As a
    str it is the English "start… (N characters)", which machine output (JSON) carries; a
    message, or a report for people, shows it in its own language (``shown``)."""

    start: str
    length: int

    def __new__(cls, start: str, length: int) -> Shortened:
        self = super().__new__(cls, render(cls._message(start, length), source=True))
        self.start, self.length = start, length
        return self

    def __getnewargs__(self) -> tuple[str, int]:  # type: ignore[override]
        return (self.start, self.length)

    @staticmethod
    def _message(start: str, length: int) -> Message:
        return Message("shortened", {"start": start, "count": length})

    def shown(self, language: str) -> str:
        """The text in ``language``: English, or the language messages are shown in."""
        return render(self._message(self.start, self.length), source=language == "en")


def shown(value: Any) -> Any:
    """The value as an error repeats it: unchanged up to SHOWN_MAX characters, else its start.

    A longer text becomes its first characters, then "… (N characters)", so that a 50 MB cell
    gives a line of message, not 50 MB of it; the result is itself short, so showing it again
    changes nothing. A list or mapping too long to write out is shown the same way, as text.
    """
    if isinstance(value, str):
        if len(value) <= SHOWN_MAX:
            return value
        return Shortened(value[:_SHOWN_START], len(value))
    if isinstance(value, dict | list | tuple | set):
        text = repr(value)
        return value if len(text) <= SHOWN_MAX else shown(text)
    return value


class ClientregError(Exception):
    """Base of every error clientreg raises on purpose.

    Carries the field it concerns (a column name such as ``email``, ``company_attr.employees`` or
    ``contacts[1].email``), the offending value, and its message: a key of the message table
    (``clientreg.messages``) with the values to show in it. The key's code is the error's stable
    code; the text is made only when the error is shown, in the user's language.
    """

    code = "error"

    def __init__(
        self,
        key: str,
        *,
        field: str | None = None,
        value: Any = None,
        **params: Any,
    ) -> None:
        if key not in MESSAGES:
            raise KeyError(f"{key!r} is not a key of clientreg.messages.MESSAGES")
        super().__init__(key)
        self.message = Message(key, params)
        self.field = field
        self.value = shown(value)
        self.code = self.message.code

    @property
    def reason(self) -> str:
        """The message as text, in the installed language."""
        return str(self.message)

    def located(self, prefix: str) -> ClientregError:
        """The same error with its field placed under ``prefix`` (``contacts[0]`` + ``email``)."""
        moved = copy.copy(self)
        moved.field = f"{prefix}.{self.field}" if self.field else prefix
        return moved

    def __str__(self) -> str:
        return self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors travel back from the check workers; their constructors take keywords.
        return _rebuilt, (type(self), self.__dict__)


def _rebuilt(kind: type[ClientregError], state: dict[str, Any]) -> ClientregError:
    error = kind.__new__(kind)
    Exception.__init__(error, state["message"].key)
    error.__dict__.update(state)
    return error


class InvalidValue(ClientregError):
    """A value breaks a field rule: syntax, length, type, allowed values."""

    code = "invalid-value"


class MissingPrerequisite(ClientregError):
    """Something the registration needs does not exist or is inactive (type, category, company)."""

    code = "missing-prerequisite"


class Conflict(ClientregError):
    """The value clashes with what the database already holds (unique keys, locked fields)."""

    code = "conflict"


class NotFound(ClientregError):
    """The record asked for does not exist."""

    code = "not-found"


class Rejected(ClientregError):
    """Several problems found in one piece of input; nothing was written."""

    code = "rejected"

    def __init__(self, problems: list[ClientregError]) -> None:
        super().__init__("rejected", count=len(problems))
        self.problems = problems


class StorageError(ClientregError):
    """The database cannot be used: busy past the timeout, not a clientreg file, too new."""

    code = "storage"


class DatabaseBusy(StorageError):
    code = "database-busy"


class UnreadableInput(ClientregError):
    """A file cannot be read at all (missing, not the format it claims, over a limit)."""

    code = "unreadable-file"


@dataclass(frozen=True)
class RowError:
    """One problem located in an input file, as reports and rejects files show it."""

    file: str
    row: int | None
    column: str | None
    value: Any
    code: str
    message: Message | str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, file: str, row: int | None, column: str | None, value: Any, key: str,
           **params: Any) -> RowError:
        """A problem whose message is the table's ``key`` with these values."""
        message = Message(key, params)
        return cls(file, row, column, value, message.code, message)

    @classmethod
    def from_error(cls, file: str, row: int | None, column: str | None, value: Any,
                   error: ClientregError) -> RowError:
        """A core error, located in a file."""
        return cls(file, row, column, value, error.code, error.message)

    @property
    def text(self) -> str:
        """The message as text, in the installed language."""
        return str(self.message)

    def __post_init__(self) -> None:
        # The rows themselves keep every value as given; a report repeats only a short form.
        object.__setattr__(self, "value", shown(self.value))
        if self.column is not None:
            object.__setattr__(self, "column", shown(self.column))

    def as_dict(self) -> dict[str, Any]:
        """The problem as machine output gives it: its message in English whatever the
        language in use, so that a program reading JSON sees the same text in every language
        (the code is the stable key; people read the translated text report)."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": (render(self.message, source=True) if isinstance(self.message, Message)
                        else self.message),
        }
