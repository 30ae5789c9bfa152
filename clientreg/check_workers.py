"""Checking drafts in worker processes, so a large batch uses every core; results keep input order.

check_client needs nothing but a draft and the catalogue, and most of its time goes to the phone,
tax id and e-mail libraries. In a batch of more than one chunk, chunks are checked in worker
processes (and in this one, whenever the workers are behind) while this process reads the input
and writes the database. Each draft goes through the same check_client as in a single process;
only where it runs changes, and the results come back in the order the drafts came in.
"""

from __future__ import annotations

import collections
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedClient, check_client
from clientreg.errors import ClientregError, Rejected
from clientreg.model import ClientDraft

WORKERS_ENV = "CLIENTREG_WORKERS"
"""Number of worker processes; 0 checks everything in the importing process."""

Checked = CheckedClient | list[ClientregError]
"""A draft's result: the checked client, or every problem found in it."""

_AHEAD = 2  # chunks queued per worker, so none waits for the next one
_HELD = 4  # chunks held at most (queued, being checked or checked), so memory stays flat

_worker_catalogue: Catalogue | None = None


def worker_count() -> int:
    """How many worker processes a large batch uses: one per other core, unless configured."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit():
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max((cores or 1) - 1, 0)


def check_chunk(drafts: list[ClientDraft], catalogue: Catalogue) -> list[Checked]:
    """Check each draft; a rejected draft gives its list of problems instead of a client."""
    results: list[Checked] = []
    for draft in drafts:
        try:
            results.append(check_client(draft, catalogue))
        except Rejected as exc:
            results.append(exc.problems)
    return results


def checked_chunks(chunks: Iterable[list[ClientDraft]], catalogue: Catalogue, *,
                   workers: int | None = None,
                   ) -> Iterator[tuple[list[ClientDraft], list[Checked]]]:
    """Each chunk with its results, in input order; chunks after the first go to workers."""
    chunks = iter(chunks)
    workers = worker_count() if workers is None else workers
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None) if workers else None
    if second is None:
        yield first, check_chunk(first, catalogue)
        for chunk in chunks:
            yield chunk, check_chunk(chunk, catalogue)
        return
    with _start_pool(catalogue, workers) as pool:
        pending: collections.deque[tuple[list[ClientDraft], Any]] = collections.deque()
        # Forked workers share this process's memory until they write to it; the garbage
        # collector writes to every object it scans, so what exists now is kept out of its way.
        gc.freeze()
        try:
            pending.append((second, pool.submit(_check_in_worker, second)))
        finally:
            gc.unfreeze()
        # The first chunk is checked here while the workers start.
        yield first, check_chunk(first, catalogue)
        try:
            yield from _in_order(pool, chunks, pending, catalogue, workers)
        finally:
            for _, result in pending:
                if isinstance(result, Future):
                    result.cancel()


def _in_order(pool: ProcessPoolExecutor, chunks: Iterator[list[ClientDraft]],
              pending: collections.deque[tuple[list[ClientDraft], Any]], catalogue: Catalogue,
              workers: int) -> Iterator[tuple[list[ClientDraft], list[Checked]]]:
    exhausted = False
    while True:
        while not exhausted and _queued(pending) < workers * _AHEAD and len(pending) < _HELD:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            else:
                pending.append((chunk, pool.submit(_check_in_worker, chunk)))
        if not pending:
            return
        chunk, result = pending[0]
        if (isinstance(result, Future) and not result.done() and not exhausted
                and len(pending) < _HELD):
            # The workers are behind: check the next chunk here rather than wait.
            extra = next(chunks, None)
            if extra is None:
                exhausted = True
            else:
                pending.append((extra, check_chunk(extra, catalogue)))
            continue
        pending.popleft()
        if isinstance(result, Future):
            result = _restore(result.result(), chunk, catalogue)
        yield chunk, result


def _queued(pending: collections.deque[tuple[list[ClientDraft], Any]]) -> int:
    return sum(1 for _, result in pending if isinstance(result, Future))


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
    # Ctrl-C reaches the whole process group; the importing process handles it and stops the
    # workers, which must not print tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_catalogue = catalogue
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose importing process died (killed, say) has nothing left to do: it exits.

    Left alone it would wait for work forever, as it holds its own end of the task queue.
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _check_in_worker(drafts: list[ClientDraft]) -> list[Any]:
    """Check a chunk in a worker; catalogue entries and origins travel back as codes and None."""
    assert _worker_catalogue is not None
    results: list[Any] = check_chunk(drafts, _worker_catalogue)
    for result in results:
        if isinstance(result, CheckedClient):
            result.origin = None
            result.category = result.category.code  # type: ignore[assignment]
            if result.company_type is not None:
                result.company_type = result.company_type.code  # type: ignore[assignment]
    return results


def _restore(results: list[Any], drafts: list[ClientDraft], catalogue: Catalogue,
             ) -> list[Checked]:
    """Put back this process's catalogue entries and each draft's own origin object."""
    for draft, result in zip(drafts, results, strict=True):
        if isinstance(result, CheckedClient):
            result.origin = draft.origin
            result.category = catalogue.categories[result.category]  # type: ignore[index]
            if result.company_type is not None:
                result.company_type = catalogue.types[result.company_type]  # type: ignore[index]
    return results
