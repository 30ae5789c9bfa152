"""Shared fixtures: a fresh database per test, the real command line, a small catalogue.

A test (or module, with ``pytestmark = pytest.mark.usefixtures("backend")``) that takes the
``backend`` fixture runs twice: on a SQLite file and on PostgreSQL, where its database is a
schema of its own in the test server's database. The server is CLIENTREG_TEST_PG (a
postgresql:// URL); without it, one is started with .ci/postgres when PostgreSQL's binaries are
installed, else the PostgreSQL runs are skipped, except under CI (CI set), where they fail.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
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


ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgresql")


def _postgres_binaries() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[str]:
    """The URL of the test server's database: CLIENTREG_TEST_PG, or a server of this session's
    own (one per pytest-xdist worker), stopped at its end."""
    given = os.environ.get("CLIENTREG_TEST_PG")
    if given:
        yield given
        return
    if not _postgres_binaries() and not os.environ.get("CI"):
        pytest.skip("no PostgreSQL: set CLIENTREG_TEST_PG or install the server")
    # Not under pytest's own temporary folder, which only its owner may enter: as root, the
    # server runs as the user postgres (see .ci/postgres).
    folder = tempfile.mkdtemp(prefix="clientreg-pg-")
    script = str(ROOT / ".ci" / "postgres")
    started = subprocess.run([script, "start", folder], capture_output=True, text=True,
                             timeout=300)
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([script, "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The backend this test runs on; each test taking it runs on both."""
    return request.param


def _reachable(url: str):
    """A connection to the test server; under CI a server that cannot be reached fails the
    test (the PostgreSQL tests must run there), elsewhere it skips it."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the test PostgreSQL server cannot be reached: {exc}")
        pytest.skip(f"the test PostgreSQL server cannot be reached: {exc}")


def postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the test server: a schema of its own, first in search_path,
    with public (where unaccent is) after it. Returns its URL and what drops it."""
    from urllib.parse import quote

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _reachable(server) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    url = f"{server}{separator}options={quote(f'-csearch_path={schema},public', safe='')}"

    def drop() -> None:
        with _reachable(server) as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    return url, drop


def _backend_of(request) -> str:
    """The backend of a test: its ``backend`` parameter; else CLIENTREG_TEST_BACKEND, which
    runs every test that takes a database on PostgreSQL (to find what still differs)."""
    if "backend" in request.fixturenames:
        return request.getfixturevalue("backend")
    return os.environ.get("CLIENTREG_TEST_BACKEND", "sqlite")


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, for tests of PostgreSQL alone."""
    url, drop = postgres_database(postgres_server)
    yield url
    drop()


@pytest.fixture
def db_path(request, tmp_path: Path) -> Iterator[Path | str]:
    """Where this test's database lives; nothing exists there yet. On PostgreSQL (a test
    taking ``backend``), the URL of an empty database of its own."""
    if _backend_of(request) == "sqlite":
        yield tmp_path / "clientreg.db"
        return
    url, drop = postgres_database(request.getfixturevalue("postgres_server"))
    yield url
    drop()


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
def db(request, tmp_path: Path) -> Iterator[Path | str]:
    """A copy of ``seeded`` for this test alone (on PostgreSQL, a database seeded alike)."""
    if _backend_of(request) != "sqlite":
        url, drop = postgres_database(request.getfixturevalue("postgres_server"))
        opened = open_database(url)
        add_entry(opened, "company_type", {"code": "PERSON", "name": "Individual"},
                  source="seed")
        add_entry(opened, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
        opened.close()
        yield url
        drop()
        return
    copy = tmp_path / "clients.db"
    shutil.copy(request.getfixturevalue("seeded"), copy)
    yield copy


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
