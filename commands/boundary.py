"""The one place that turns clientreg's errors into messages on stderr and exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer

from clientreg.commands.i18n import _
from clientreg.errors import (
    ClientregError,
    Conflict,
    MissingPrerequisite,
    NotFound,
    Rejected,
    StorageError,
    UnreadableInput,
)

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_CANCELLED = 130


def describe(error: ClientregError) -> str:
    """One line naming where the problem is, the value and why."""
    if error.field:
        value = "" if error.value is None else f" = {error.value!r}"
        return f"{error.field}{value}: {error.reason} [{error.code}]"
    return f"{error.reason} [{error.code}]"


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, StorageError | UnreadableInput):
        return EXIT_ENVIRONMENT
    return EXIT_REJECTED


def print_error(message: str) -> None:
    print(message, file=sys.stderr)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Run a command body; clientreg errors become a message and the exit code of SPEC 3.

    0 done; 1 input rejected (nothing written); 2 wrong usage; 3 environment (database busy,
    unreadable file); 130 cancelled.
    """
    try:
        yield
    except Rejected as exc:
        print_error(_("Rejected, nothing was written:"))
        for problem in exc.problems:
            print_error(f"  {describe(problem)}")
        raise typer.Exit(EXIT_REJECTED) from None
    except (NotFound, Conflict, MissingPrerequisite) as exc:
        print_error(_("Error: {message}").format(message=describe(exc)))
        raise typer.Exit(EXIT_REJECTED) from None
    except ClientregError as exc:
        print_error(_("Error: {message}").format(message=describe(exc)))
        raise typer.Exit(exit_code_for(exc)) from None
    except KeyboardInterrupt:
        print_error(_("Cancelled: nothing was saved."))
        raise typer.Exit(EXIT_CANCELLED) from None
