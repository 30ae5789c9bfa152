"""Checking drafts in worker processes, so a large batch uses every core; results keep input order.

check_client needs nothing but a draft and the catalogue, and most of its time goes to the phone,
tax id and e-mail libraries. In a batch of more than one chunk, chunks are checked in worker
processes (and in this one, whenever the workers are behind) while this process reads the input
and writes the database. A chunk is a list of drafts, or a DraftChunk whose drafts are built
where it is checked. Each draft goes through the same check_client as in a single process; only
where it runs changes, and the results come back in the order the drafts came in.

On the import benchmark (20,000 clients, two cores, one worker), the import takes 1.19 to 1.21
times as long in wall time when everything is checked in the importing process.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from clientreg import fast
from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedClient, check_client
from clientreg.errors import ClientregError, Rejected
from clientreg.model import ClientDraft, DraftChunk
from clientreg.storage import HELD_SIGNALS, signals_held

WORKERS_ENV = "CLIENTREG_WORKERS"
"""Number of worker processes; 0 checks everything in the importing process."""

Checked = tuple[Any, list[Any], CheckedClient | list[ClientregError]]
"""A draft's result: its origin, the problems its reader found, and then the checked client or
every problem the core found in it."""
Chunk = list[ClientDraft] | DraftChunk

_AHEAD = 2  # chunks queued per worker, so none waits for the next one
_HELD = 4  # chunks held at most (queued, being checked or checked), so memory stays flat

_worker_catalogue: Catalogue | None = None


def worker_count() -> int:
    """How many worker processes a large batch uses: one per other core, unless configured;
    none while the fast paths are off."""
    if not fast.ENABLED:
        return 0
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit():
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max((cores or 1) - 1, 0)


def check_chunk(chunk: Chunk, catalogue: Catalogue) -> list[Checked]:
    """Check each draft; a rejected draft gives its list of problems instead of a client."""
    drafts = chunk if isinstance(chunk, list) else chunk.drafts()
    results: list[Checked] = []
    for draft in drafts:
        try:
            results.append((draft.origin, draft.problems, check_client(draft, catalogue)))
        except Rejected as exc:
            results.append((draft.origin, draft.problems, exc.problems))
    return results


def checked_chunks(chunks: Iterable[Chunk], catalogue: Catalogue, *,
                   workers: int | None = None) -> Generator[list[Checked], None, None]:
    """The results of each chunk, in input order; chunks after the first go to workers.

    While the batch runs, what existed before it (modules, the catalogue) is kept out of the
    garbage collector's scans and young objects are collected less often: a batch makes and
    drops millions of objects that reference counting frees, and scanning the rest again and
    again is time spent for nothing (see _fewer_collections).
    """
    with _fewer_collections():
        yield from _checked_chunks(chunks, catalogue, workers=workers)


_YOUNG_THRESHOLD = 50_000
"""Allocations between two collections of the youngest generation while a batch runs (Python's
default is 700)."""


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Freeze what exists now out of the collector's way and collect the young less often; put
    both back after. Cycles made meanwhile are still collected.

    On the one-row-client file of the import benchmark (100,000 clients, two cores), the import
    takes 1.10 to 1.12 times as long in wall time without it (fastest and median of three runs).
    Off with the other fast paths (CLIENTREG_FAST=0).
    """
    if not fast.ENABLED or gc.get_freeze_count():
        yield  # a batch inside a batch: the outer one has done it
        return
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _checked_chunks(chunks: Iterable[Chunk], catalogue: Catalogue, *,
                    workers: int | None = None) -> Generator[list[Checked], None, None]:
    chunks = iter(chunks)
    workers = worker_count() if workers is None else workers
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None) if workers else None
    if second is None:
        yield check_chunk(first, catalogue)
        for chunk in chunks:
            yield check_chunk(chunk, catalogue)
        return
    with _start_pool(catalogue, workers) as pool:
        pending: collections.deque[Future[list[Any]] | list[Checked]] = collections.deque()
        # Forked workers share this process's memory until they write to it; the garbage
        # collector writes to every object it scans, so what exists now is kept out of its way
        # (frozen by checked_chunks, and again in each worker). The first submit starts the
        # workers, and the pool's threads, with SIGINT and SIGTERM held: a worker sets its own
        # handling before taking them (see _start_worker), and the threads leave them to this
        # process's main thread.
        with signals_held():
            pending.append(pool.submit(_check_in_worker, second))
        # The first chunk is checked here while the workers start.
        yield check_chunk(first, catalogue)
        try:
            yield from _in_order(pool, chunks, pending, catalogue, workers)
        finally:
            for result in pending:
                if isinstance(result, Future):
                    result.cancel()


def _in_order(pool: ProcessPoolExecutor, chunks: Iterator[Chunk],
              pending: collections.deque[Future[list[Any]] | list[Checked]],
              catalogue: Catalogue, workers: int) -> Iterator[list[Checked]]:
    exhausted = False
    while True:
        while not exhausted and _queued(pending) < workers * _AHEAD and len(pending) < _HELD:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            else:
                pending.append(pool.submit(_check_in_worker, chunk))
        if not pending:
            return
        result = pending[0]
        if (isinstance(result, Future) and not result.done() and not exhausted
                and len(pending) < _HELD):
            # The workers are behind: check the next chunk here rather than wait.
            extra = next(chunks, None)
            if extra is None:
                exhausted = True
            else:
                pending.append(check_chunk(extra, catalogue))
            continue
        pending.popleft()
        yield _restore(result.result(), catalogue) if isinstance(result, Future) else result


def _queued(pending: collections.deque[Future[list[Any]] | list[Checked]]) -> int:
    """Chunks a worker has yet to finish."""
    return sum(1 for result in pending if isinstance(result, Future) and not result.done())


def _start_pool(catalogue: Catalogue, workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    # On Linux, workers are forked from this process: they start at once, share its loaded
    # modules, and are its own children (no server process left behind if it is killed).
    # Elsewhere fork is unsafe or missing, and workers are spawned.
    method = "fork" if sys.platform == "linux" else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(catalogue, os.getpid()))


def _start_worker(catalogue: Catalogue, parent: int) -> None:
    global _worker_catalogue
    # Ctrl-C and SIGTERM reach the whole process group; the importing process handles them and
    # stops the workers, which must neither print tracebacks of their own nor die on the spot: a
    # worker killed while it sends a result leaves half a message in the pipe, and the pool's
    # thread that reads it would wait for the rest forever, holding the importing process up
    # as it exits. So a worker ignores both, finishes the chunk in hand and is stopped by the
    # pool; a worker whose importing process is gone exits by itself (_exit_with_parent).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)
    _worker_catalogue = catalogue
    if fast.ENABLED:  # as _fewer_collections does in the importing process
        gc.freeze()
        gc.set_threshold(_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose importing process died (killed, say) has nothing left to do: it exits.

    Left alone it would wait for work forever, as it holds its own end of the task queue.
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _check_in_worker(chunk: Chunk) -> list[Any]:
    """Check a chunk in a worker; catalogue entries travel back as their codes."""
    assert _worker_catalogue is not None
    results: list[Any] = check_chunk(chunk, _worker_catalogue)
    for _, _, result in results:
        if isinstance(result, CheckedClient):
            result.category = result.category.code  # type: ignore[assignment]
            if result.company is not None:
                result.company.company_type = result.company.company_type.code  # type: ignore[assignment]
    return results


def _restore(results: list[Any], catalogue: Catalogue) -> list[Checked]:
    """Put back this process's catalogue entries."""
    for _, _, result in results:
        if isinstance(result, CheckedClient):
            result.category = catalogue.categories[result.category]  # type: ignore[index]
            if result.company is not None:
                result.company.company_type = catalogue.types[result.company.company_type]  # type: ignore[index]
    return results
