"""The one translation function every message and prompt goes through (English is the source)."""

from __future__ import annotations

import gettext
from pathlib import Path

from clientreg import messages

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("clientreg", localedir=_LOCALE_DIR, fallback=True)
# The core's and the file adapters' messages are shown through the same catalogue.
messages.install(_translation.gettext, _translation.ngettext)


def _(message: str) -> str:
    return _translation.gettext(message)
