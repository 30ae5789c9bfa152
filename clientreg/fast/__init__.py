"""clientreg's fast paths, each giving exactly the answer of the slower way it stands in for.

Every fast path is measured on the import benchmark (tests/benchmarks) and its figure is in its
own docstring. ``CLIENTREG_FAST=0`` in the environment turns every one off: the libraries read
every value, checks run in the importing process alone, and the garbage collector and thread
switch interval keep Python's defaults. The switch is read once, here, when clientreg starts.
"""

from __future__ import annotations

import os

SWITCH_ENV = "CLIENTREG_FAST"

ENABLED: bool = os.environ.get(SWITCH_ENV, "").strip() != "0"
"""Whether the fast paths run; callers read it when they run, so tests may change it."""
