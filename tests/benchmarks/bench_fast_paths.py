"""What each fast path of clientreg.fast buys: the import with that one turned off, against all on.

    python tests/benchmarks/bench_fast_paths.py                  # 20,000 clients, 3 rounds
    python tests/benchmarks/bench_fast_paths.py --size 100000 --repeat 2 --one-contact

Every variant imports the same generated CSV into a fresh copy of the same catalogue database,
as its own process. The variants run in turn, round after round, so that noise on a shared
machine falls on all of them alike; each keeps its fastest round. The table gives each
variant's wall time divided by the all-on import's (1.25: that fast path saves a fifth of the
time the import would take without it), and the same for CPU time, the import's and its
workers', which another load on the machine disturbs far less than wall time. A fast path that
saves work shows in both; worker processes save waiting, in wall time only, and cost CPU time.
"all off" is CLIENTREG_FAST=0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import bench_import
import datagen
import measure

# Each variant turns one fast path off before clientreg runs, in the process (and so in its
# forked workers): the shortcut function gives "not sure" and the library answers.
_OFF = {
    "phone": "from clientreg.fast import plain_phone\n"
             "plain_phone.e164 = lambda text, region: None\n",
    "e-mail": "from clientreg.fast import plain_email\n"
              "plain_email.normalise = lambda text: None\n",
}
_RUN = ("import sys\n"
        "from clientreg.commands.app import main\n"
        "sys.argv = ['clientreg', *sys.argv[1:]]\n"
        "main()\n")


def variants() -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each variant's command line prefix and its extra environment."""
    python = [sys.executable, "-P", "-c"]
    found = {"all on": ([*python, _RUN], {}),
             "all off": ([*python, _RUN], {"CLIENTREG_FAST": "0"}),
             "workers": ([*python, _RUN], {"CLIENTREG_WORKERS": "0"})}
    for name, code in _OFF.items():
        found[name] = ([*python, code + _RUN], {})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="clients (default 20000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--one-contact", action="store_true",
                        help="one row a client, each with a contact e-mail and mobile phone")
    parser.add_argument("--only", help="comma-separated variants to run besides 'all on'")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "clientreg-bench")
    args = parser.parse_args()
    print(bench_import.machine())
    bench_import.compile_clientreg()
    catalogue, clients_csv, rows = datagen.write_files(
        args.workdir, args.size, seed=args.seed, one_contact=args.one_contact)
    template = bench_import._catalogue_database(args.workdir, catalogue)
    chosen = variants()
    if args.only:
        wanted = {"all on", *args.only.split(",")}
        chosen = {name: found for name, found in chosen.items() if name in wanted}
    runs: dict[str, list[measure.Run]] = {name: [] for name in chosen}
    for round_number in range(args.repeat):
        print(f"... round {round_number + 1} of {args.repeat}", file=sys.stderr, flush=True)
        for name, (argv, env) in chosen.items():
            db = bench_import._fresh_copy(template, args.workdir / "fast-paths.db")
            done = measure.run([*argv, "--db", str(db), "import", str(clients_csv)],
                               env={"CLIENTREG_FAST": "1", **env})
            if done.returncode != 0:
                bench_import._fail(f"clientreg import ({name} off)", done)
            runs[name].append(done)
    wall = min(run.wall for run in runs["all on"])
    cpu = min(run.cpu for run in runs["all on"])
    print(f"\n{clients_csv.name}: {args.size:,} clients, {rows:,} CSV rows, "
          f"fastest of {args.repeat} rounds")
    print(f"{'turned off':<16} {'wall s':>8} {'÷ all on':>9} {'CPU s':>8} {'÷ all on':>9}"
          f"   wall of every round")
    for name, found in runs.items():
        fastest, least = min(run.wall for run in found), min(run.cpu for run in found)
        rounds = " ".join(f"{run.wall:.2f}" for run in found)
        print(f"{name:<16} {fastest:>8.2f} {fastest / wall:>9.2f} {least:>8.2f} "
              f"{least / cpu:>9.2f}   {rounds}")


if __name__ == "__main__":
    main()
