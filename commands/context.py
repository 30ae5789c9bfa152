"""Global options, resolved once into a frozen context that commands receive."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from clientreg.storage import Store

ENV_DB = "CLIENTREG_DB"
COMMAND_LINE = "clientreg.command_line"
"""Where the root command keeps the arguments it was given (ctx.meta), for the run ledger."""


def default_database_path() -> Path:
    """A file in the user's data directory (platformdirs), e.g. ~/.local/share/clientreg/."""
    from platformdirs import user_data_path

    return user_data_path("clientreg", appauthor=False) / "clientreg.db"


def is_database_url(value: object) -> bool:
    """Whether a --db value names a PostgreSQL database (postgresql://...) instead of a file."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Settings:
    db_path: Path | str
    """The SQLite file, or a PostgreSQL URL as given (its password, if any, only ever passed to
    libpq: storage shows it masked)."""


def settings(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    found = root.obj if isinstance(root.obj, Settings) else None
    if found is None:
        env = os.environ.get(ENV_DB)
        database: Path | str = default_database_path()
        if env:
            database = env if is_database_url(env) else Path(env)
        found = Settings(database)
    return found


@contextlib.contextmanager
def open_store(ctx: typer.Context, *, writes: bool = False) -> Iterator[Store]:
    """Open the database of this invocation; closes it when the command ends.

    A database that cannot be written is opened read-only, for the commands that only read;
    a command that writes is refused when it tries (exit 3). ``writes`` refuses it at once,
    before the command asks or reads anything.
    """
    import sys

    from clientreg.commands.boundary import print_error, watch
    from clientreg.commands.i18n import _
    from clientreg.runs import RunLedger
    from clientreg.storage import open_database

    store = open_database(settings(ctx).db_path, writes=writes)
    # Every write transaction of the command records it as a run (clientreg.runs).
    store.ledger = RunLedger.of(ctx.meta.get(COMMAND_LINE) or ["clientreg", *sys.argv[1:]])
    watch(store)
    if store.backup_path is not None:
        print_error(_("The database was upgraded; a copy of the previous version is at {path}")
                    .format(path=store.backup_path))
    try:
        yield store
    finally:
        store.close()
