"""Running one command as a separate process and measuring its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    """What one process took: wall seconds, peak resident memory in MB, and CPU seconds (its own
    and its workers', user and system), which another load on the machine changes less."""

    wall: float
    peak_mb: float
    returncode: int
    stderr: str
    cpu: float = 0.0


def _tree(pid: int) -> list[int]:
    """The process and its descendants, from /proc (Linux)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages are split among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _TreeSampler(threading.Thread):
    """Samples the memory of a process tree, so worker processes count towards the peak.

    getrusage reports the largest single process of a tree, not their sum. While a command has
    worker processes, the sum of their proportional set sizes (which counts a page shared by
    forked processes once, not once per process) is sampled; the peak of that sum is its cost.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            if len(pids) > 1:
                self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in pids))
            self.done.wait(self.interval)


def run(argv: list[str], *, env: dict[str, str] | None = None, stdin: Path | None = None) -> Run:
    """Run argv to completion; wall time includes interpreter start-up, as a user sees it."""
    stdin_handle = stdin.open("rb") if stdin else subprocess.DEVNULL
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=stdin_handle, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    sampler = _TreeSampler(process.pid)
    sampler.start()
    assert process.stderr is not None
    stderr = process.stderr.read()  # drained while it runs: a full pipe would stall the child
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if not isinstance(stdin_handle, int):
        stdin_handle.close()
    peak_kb = max(usage.ru_maxrss, sampler.peak_kb)  # ru_maxrss is in kB on Linux
    # wait4 counts the process and every descendant it waited for: the workers it joined.
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, peak_kb / 1024, process.returncode, stderr.decode(errors="replace"), cpu)
