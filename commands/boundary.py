"""The one place that turns clientreg's errors and interruptions into messages and exit codes."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from clientreg.storage import Store

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_CANCELLED = 130
EXIT_TERMINATED = 143
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program was, so that everything cleans up as for Ctrl-C."""


class _StopNow(SystemExit):
    """A second signal after the changes were saved: stop at once; nothing catches it."""


@dataclass
class _Interruptions:
    """What SIGINT and SIGTERM found during one command, and the databases it opened."""

    stores: list[Store] = field(default_factory=list)
    held: int | None = None
    """A signal that came while or after a transaction committed: acted on when the command
    ends, so that it finishes and prints what it did."""
    raised: int | None = None
    """The signal last turned into an exception."""
    told: bool = False

    def committing(self) -> bool:
        return any(store.committing for store in self.stores)

    def saved(self) -> bool:
        return any(store.committed for store in self.stores)


_current = _Interruptions()


def watch(store: Store) -> None:
    """Let interruptions know whether this database's changes are saved (``store.committed``),
    and keep it from committing once one has been raised."""
    _current.stores.append(store)
    store.before_commit = _refuse_after_interruption


def _refuse_after_interruption() -> None:
    # Python drops an exception raised in a finaliser or a weakref callback, and a signal's
    # handler runs wherever the program is; whatever went on after it, nothing is saved.
    signum = _current.raised
    if signum is not None:
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _on_signal(signum: int, frame: object) -> None:
    state = _current
    if state.committing() or (state.saved() and state.held is None):
        state.held = signum
        return
    state.raised = signum
    if state.saved():
        raise _StopNow(128 + signum)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def signals_handled() -> Iterator[None]:
    """For one command: SIGTERM stops it as Ctrl-C does; either says what it left saved.

    A signal before any commit raises where the command is (KeyboardInterrupt, or Terminated),
    so that its transaction rolls back and its files are cleaned up; the exit code is 130 or
    143. One that arrives while or after a transaction commits is held until the command has
    finished and printed what it did, then it exits 130 or 143 all the same, saying that the
    changes are saved; a second one stops it at once.
    """
    global _current
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state, outer = _Interruptions(), _current
    _current = state
    previous = {signum: signal.signal(signum, _on_signal) for signum in _SIGNALS}

    def restore() -> None:
        global _current
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _current = outer

    try:
        yield
    except BaseException as exc:
        restore()
        code = _exit_after(state, exc)
        if code is None:
            raise
        raise SystemExit(code) from None
    restore()
    code = _exit_after(state, None)
    if code is not None:
        raise SystemExit(code)


def _exit_after(state: _Interruptions, failure: BaseException | None) -> int | None:
    """The exit code a signal gives the command, telling what it left saved if not yet told."""
    signum = state.raised if state.raised is not None else state.held
    if signum is not None and state.saved():
        if not state.told:
            finished = state.raised is None and (
                failure is None or getattr(failure, "exit_code", None) == EXIT_OK)
            print_error(_interruption_message(signum, saved=True, finished=finished))
        return 128 + signum
    if state.raised is None:
        return None
    # Told by the boundary, or by a prompt (which takes SIGTERM for Ctrl-C): only the exit code
    # may need mending. Raised outside both, or swallowed on the way: say it here.
    if not state.told and (failure is None or isinstance(failure, KeyboardInterrupt)):
        print_error(_interruption_message(state.raised, saved=False))
    return 128 + state.raised


def _interruption_message(signum: int, *, saved: bool, finished: bool = False) -> str:
    if signum == signal.SIGTERM:
        if not saved:
            return _("Terminated: nothing was saved.")
        if finished:
            return _("Terminated after the changes were saved: all of them are in the database, "
                     "and what is printed above is complete.")
        return _("Terminated after the changes were saved: all of them are in the database; "
                 "only what it printed was cut short.")
    if not saved:
        return _("Cancelled: nothing was saved.")
    if finished:
        return _("Interrupted after the changes were saved: all of them are in the database, "
                 "and what is printed above is complete.")
    return _("Interrupted after the changes were saved: all of them are in the database; only "
             "what it printed was cut short.")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Run a command body; clientreg errors become a message and the exit code of SPEC 3.

    0 done; 1 input rejected (nothing written); 2 wrong usage; 3 environment (database busy,
    read-only or on a full disk, unreadable file); 130 cancelled (Ctrl-C); 143 terminated.
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
    except KeyboardInterrupt as exc:
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        print_error(_interruption_message(signum, saved=_current.saved()))
        _current.told = True
        raise typer.Exit(EXIT_TERMINATED if signum == signal.SIGTERM
                         else EXIT_CANCELLED) from None
