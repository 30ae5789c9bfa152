"""Every message an error of the core or of the file adapters can show, in one table.

An error carries a Message: a key of this table and the values to put in it, never finished
text. The text is made only when something shows the error, through the translation the
command line installs, so a catalogue can translate each template. A key is the error's stable
code, or the code, a slash and a variant where one code has several wordings
(``missing-value/contact-email``): the code alone is what reports and JSON give.

Templates are ``str.format`` strings with named fields. A field holding a Message is shown as
that message. Counts use a Plural, so that each language can give its own forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a template for extraction; it is translated when shown, not here."""
    return message


@dataclass(frozen=True)
class Plural:
    """A template with a singular and a plural form, chosen by the parameter ``count``."""

    singular: str
    plural: str
    count: str = "count"


def Nn_(singular: str, plural: str) -> Plural:
    """Marks a singular and plural template pair for extraction (keyword ``Nn_:1,2``)."""
    return Plural(singular, plural)


@dataclass(frozen=True)
class Message:
    """A message to show: a key of MESSAGES and the values of its fields."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The stable code: the key without its variant."""
        return self.key.partition("/")[0]

    def __str__(self) -> str:
        return render(self)


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


_gettext: Callable[[str], str] = _english
_ngettext: Callable[[str, str, int], str] = _english_plural


def install(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Show messages through these translation functions from now on."""
    global _gettext, _ngettext
    _gettext, _ngettext = gettext, ngettext


def render(message: Message) -> str:
    """The message as text, in the installed language."""
    template = MESSAGES[message.key]
    params = {name: str(value) if isinstance(value, Message) else value
              for name, value in message.params.items()}
    if isinstance(template, Plural):
        text = _ngettext(template.singular, template.plural, int(params[template.count]))
    else:
        text = _gettext(template)
    return text.format(**params)


MESSAGES: dict[str, str | Plural] = {
    # -- errors.py ------------------------------------------------------------------------------
    "rejected": Nn_("{count} problem found", "{count} problems found"),
    # -- rules.py, attributes.py, checks.py, catalogue.py, model.py -------------------------------
    # -- registration.py, editing.py, companies.py, records.py, storage/ --------------------------
    # -- schemas/ --------------------------------------------------------------------------------
}
