"""The ``clientreg`` program: chooses the language, then loads the commands in it.

The commands' help texts are translated as their modules are imported, so the language is
chosen from the command line and the environment first (``clientreg.commands.i18n``).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from clientreg.commands import i18n

    i18n.use_language(i18n.chosen_language(sys.argv[1:], os.environ))
    from clientreg.commands.app import app

    app()
