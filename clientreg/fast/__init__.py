"""clientreg's fast paths, each giving exactly the answer of the slower way it stands in for.

Every fast path is measured on the import benchmark (tests/benchmarks) and its figure is in its
own docstring: the phone numbers (plain_phone), the e-mail addresses (plain_email) and the
worker processes that check a large batch (check_workers). ``CLIENTREG_FAST=0`` in the
environment turns every one off: the libraries read every value and every check runs in the
importing process. The switch is read once, here, when clientreg starts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

SWITCH_ENV = "CLIENTREG_FAST"

ENABLED: bool = os.environ.get(SWITCH_ENV, "").strip() != "0"
"""Whether the fast paths run; callers read it when they run, so tests may change it."""


@contextlib.contextmanager
def switched(enabled: bool) -> Iterator[None]:
    """The fast paths on or off for the calls inside, as CLIENTREG_FAST sets them at start."""
    global ENABLED
    saved = ENABLED
    ENABLED = enabled
    try:
        yield
    finally:
        ENABLED = saved
