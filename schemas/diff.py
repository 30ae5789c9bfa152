"""The differences an import's entries make, kept on disk until the import's report is known.

An import hands each entry's difference over as it registers it; keeping them all would grow
with the file, so they are written to a temporary file (in memory while small) and read back,
one at a time, when the report is printed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import IO

from clientreg.diffing import EntryDiff

IN_MEMORY = 1 << 20
"""Bytes of differences kept in memory before they go to a temporary file."""


class DiffSpool:
    """Entry differences in the order they came, and how many of each action."""

    def __init__(self) -> None:
        # Closed by close() (the spool is a context manager).
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=IN_MEMORY)
        self._pickler = pickle.Pickler(self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count = 0
        self.actions: Counter[str] = Counter()

    def __call__(self, diff: EntryDiff) -> None:
        self._pickler.dump(diff)
        self._pickler.clear_memo()
        self.count += 1
        self.actions[diff.action] += 1

    def __iter__(self) -> Iterator[EntryDiff]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            # An unpickler of its own for each: one kept would keep every entry in its memo.
            yield pickle.load(self._file)  # noqa: S301 (written by this process just now)
        self._file.seek(0, 2)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DiffSpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
