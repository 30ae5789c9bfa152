"""PostgreSQL import benchmark (issue #17): clientreg import into PostgreSQL beside psql's \\copy
of the same file into one table, and beside clientreg's own SQLite import. Not a test.

    python tests/benchmarks/bench_postgres.py                  # 10,000 clients
    python tests/benchmarks/bench_postgres.py --sizes 100000   # the issue's size (an idle machine)

The server is CLIENTREG_TEST_PG (or --url), else one started with .ci/postgres for the run. Each
database is a schema of its own in it, holding the benchmark's catalogue (loaded by clientreg,
not timed). Each tool runs as its own process on the same generated CSV (cached in --workdir);
the table gives wall time (interpreter start-up included), CSV rows per second, peak resident
memory, and the ratios: PostgreSQL import / \\copy (the floor: it validates nothing and writes
one table) and PostgreSQL import / SQLite import (the target: at most 1).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import datagen
import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
CLIENTREG = str(BIN / "clientreg")
PSQL = shutil.which("psql") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))),
                                    "psql")


def _fail(what: str, run: measure.Run) -> None:
    sys.exit(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")


def _schema_url(server: str) -> str:
    """A new schema on the server, first in search_path (unaccent in public after it)."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options={quote(f'-csearch_path={schema},public', safe='')}"


def _drop_schemas(server: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT nspname FROM pg_namespace "
                                    "WHERE nspname LIKE 'bench\\_%'").fetchall():
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def _count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM clients").fetchone()[0]


def bench_size(folder: Path, server: str, count: int, seed: int) -> list[tuple[str, measure.Run]]:
    catalogue, clients_csv, rows = datagen.write_files(folder, count, seed=seed)
    results: list[tuple[str, measure.Run]] = []

    # The floor: psql's \copy of the same file into one table of text columns.
    floor_url = _schema_url(server)
    with clients_csv.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)
    subprocess.run([PSQL, "-q", "-X", floor_url, "-c", f"CREATE TABLE floor ({columns})"],
                   check=True)
    done = measure.run([PSQL, "-q", "-X", floor_url, "-c",
                        f"\\copy floor FROM '{clients_csv}' csv header"])
    if done.returncode != 0:
        _fail("psql \\copy", done)
    results.append(("psql \\copy (one table, no checks)", done))

    # clientreg import into PostgreSQL.
    url = _schema_url(server)
    loaded = subprocess.run([CLIENTREG, "--db", url, "import", str(catalogue)],
                            capture_output=True, text=True)
    if loaded.returncode != 0:
        sys.exit(f"loading the catalogue into PostgreSQL failed:\n{loaded.stderr}")
    done = measure.run([CLIENTREG, "--db", url, "import", str(clients_csv)])
    if done.returncode != 0:
        _fail("clientreg import (PostgreSQL)", done)
    if _count(url) != count:
        sys.exit(f"clientreg import wrote {_count(url)} clients into PostgreSQL, not {count}")
    results.append(("clientreg import, PostgreSQL", done))

    # clientreg import into SQLite, the same file.
    db = folder / f"sqlite-{count}.db"
    for stale in folder.glob(db.name + "*"):
        stale.unlink()
    loaded = subprocess.run([CLIENTREG, "--db", str(db), "import", str(catalogue)],
                            capture_output=True, text=True)
    if loaded.returncode != 0:
        sys.exit(f"loading the catalogue into SQLite failed:\n{loaded.stderr}")
    done = measure.run([CLIENTREG, "--db", str(db), "import", str(clients_csv)])
    if done.returncode != 0:
        _fail("clientreg import (SQLite)", done)
    with sqlite3.connect(db) as conn:
        written = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    if written != count:
        sys.exit(f"clientreg import wrote {written} clients into SQLite, not {count}")
    results.append(("clientreg import, SQLite", done))
    print_table(count, rows, results)
    return results


def print_table(count: int, rows: int, results: list[tuple[str, measure.Run]]) -> None:
    runs = dict(results)
    floor = runs["psql \\copy (one table, no checks)"].wall
    pg = runs["clientreg import, PostgreSQL"].wall
    lite = runs["clientreg import, SQLite"].wall
    print(f"\n{count:,} clients, {rows:,} CSV rows")
    print(f"{'tool':38} {'wall s':>8} {'rows/s':>10} {'peak MB':>8} {'CPU s':>7}")
    for name, run in results:
        print(f"{name:38} {run.wall:8.2f} {rows / run.wall:10,.0f} {run.peak_mb:8.0f} "
              f"{run.cpu:7.2f}")
    print(f"ratio PostgreSQL import / \\copy:          {pg / floor:6.1f}  (the floor)")
    print(f"ratio PostgreSQL import / SQLite import:  {pg / lite:6.2f}  (target: at most 1)")
    print(f"per client: PostgreSQL import {pg / count * 1e6:,.0f} µs, \\copy "
          f"{floor / rows * 1e6:,.1f} µs a row, SQLite import {lite / count * 1e6:,.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="client counts, comma-separated")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--url", default=os.environ.get("CLIENTREG_TEST_PG"),
                        help="a postgresql:// URL of a server to use (default: "
                             "CLIENTREG_TEST_PG, else a server of the run's own)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "clientreg-bench")
    args = parser.parse_args()
    sizes = [int(size.replace("_", "").replace(",", "")) for size in args.sizes.split(",")]
    started = None
    server = args.url
    if not server:
        started = tempfile.mkdtemp(prefix="clientreg-bench-pg-")
        server = subprocess.run([str(ROOT / ".ci" / "postgres"), "start", started],
                                capture_output=True, text=True, check=True
                                ).stdout.strip().splitlines()[-1]
    try:
        for count in sizes:
            bench_size(args.workdir, server, count, args.seed)
    finally:
        _drop_schemas(server)
        if started:
            subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", started], check=False)
            shutil.rmtree(started, ignore_errors=True)


if __name__ == "__main__":
    main()
