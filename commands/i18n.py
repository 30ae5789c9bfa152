"""The translation functions every message and prompt goes through (English is the source)."""

from __future__ import annotations

import gettext
from pathlib import Path

from clientreg import messages
from clientreg.messages import N_

__all__ = ["N_", "_", "ngettext", "translated"]

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("clientreg", localedir=_LOCALE_DIR, fallback=True)
# The core's and the file adapters' messages are shown through the same catalogue.
messages.install(_translation.gettext, _translation.ngettext,
                  language=_translation.info().get("language") or "en")


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count``, as the language counts (English: 1 or other)."""
    return _translation.ngettext(singular, plural, count)


def translated(marked: str) -> str:
    """A text marked with ``N_("...")`` where it is defined (a table of labels), translated.

    ``_()`` is given literals only, so that the extractor finds each text where it is called;
    a text chosen from a table was found where ``N_`` marks it, and is translated through here.
    """
    return _translation.gettext(marked)
