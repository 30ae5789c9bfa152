"""Shared fixtures: a fresh database file per test, the real command line, a small catalogue."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Rich wraps long lines at the terminal's width and colours output on a terminal; both would
# make assertions on messages depend on where the tests run. Set before anything imports rich.
os.environ["TERMINAL_WIDTH"] = "3000"
os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ.pop("CLIENTREG_DB", None)
# The commands speak English in tests whatever the machine's LANG; a test in Spanish says so
# (--lang es, or CLIENTREG_LANG in the environment it gives).
os.environ["CLIENTREG_LANG"] = "en"
# pytest-xdist's workers get COLUMNS=80 and LINES=24 whatever the terminal; without them a test
# sees what a command sees with no terminal (no width known), in one process as in many.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

from typer.testing import CliRunner  # noqa: E402

from clientreg.catalogue import add_entry  # noqa: E402
from clientreg.storage import Store, open_database  # noqa: E402

# A small catalogue: a type with a generated identifier and a required attribute, a plain type,
# a category with a required list attribute and a plain category.
CATALOGUE = {
    "company_type": [
        {"code": "LEGAL", "name": "Legal entity", "id_mask": "CLI-{seq:05}",
         "allow_id_change": True,
         "attributes": [{"key": "employees", "label": "Number of employees", "type": "number",
                         "min": 0}]},
        {"code": "PERSON", "name": "Individual"},
        {"code": "PUBLIC", "name": "Public body", "id_mask": "PUB-{seq:03}",
         "allow_id_change": False},
    ],
    "category": [
        {"code": "RETAIL", "name": "Retail",
         "attributes": [{"key": "region", "label": "Sales region", "type": "list",
                         "values": ["north", "south"], "required": True}]},
        {"code": "WHOLESALE", "name": "Wholesale"},
    ],
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's database lives; nothing exists there yet."""
    return tmp_path / "clientreg.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """The test's database, opened (and so created and migrated) through the core."""
    opened = open_database(db_path)
    yield opened
    opened.close()


@pytest.fixture
def catalogue(store: Store) -> Store:
    """The store with CATALOGUE loaded through the core, as a seed file would load it."""
    for kind, entries in CATALOGUE.items():
        for entry in entries:
            add_entry(store, kind, entry, source="test catalogue")
    return store


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> Path:
    """A database with one company type (PERSON) and one category (WHOLESALE), made once per
    test session (per worker under pytest-xdist), to be copied by each test (``db``); never
    written to. A module may define its own."""
    path = tmp_path_factory.mktemp("seeded") / "base.db"
    opened = open_database(path)
    add_entry(opened, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(opened, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    opened.close()
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    """A copy of ``seeded`` for this test alone."""
    copy = tmp_path / "clients.db"
    shutil.copy(seeded, copy)
    return copy


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner, db_path: Path) -> Callable[..., object]:
    """Run clientreg with --db set to the test's database; returns the click Result."""
    from clientreg.commands.app import app

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        # rich's tables read COLUMNS; set only while the command runs, so pytest's own
        # output keeps the terminal's width.
        return runner.invoke(app, ["--db", str(db_path), *args], input=input,
                             env={"COLUMNS": "3000", **(env or {})})

    return invoke
