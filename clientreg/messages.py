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
    # rules.py, fields.py
    "too-long": N_("is {length} characters long; at most {max} are allowed"),
    "invalid-character": N_("contains the control character {character}"),
    "invalid-character/format": N_("contains {character}, an invisible formatting character"),
    "missing-value": N_("is required"),
    "missing-value/contact-email": N_(
        "is required: the e-mail is the contact's login as an external user"),
    "invalid-identifier": N_(
        "may hold only letters A-Z, digits and . _ / - and must start with a letter or digit"),
    "invalid-email": N_("{detail}"),
    "invalid-phone": N_("is not a valid phone number (give +country code or a country)"),
    "invalid-phone/country": N_("is not a valid phone number for country {country}"),
    "invalid-country": N_("is not a country: use an ISO 3166 code such as ES, GB or BR"),
    "tax-id-needs-country": N_(
        "give the company's country (or a VAT prefix such as ES…) so the tax id can be checked"),
    "invalid-tax-id": N_("is not a valid tax id ({scheme}: {detail})"),
    "invalid-tax-id/characters": N_("may hold only letters and digits"),
    "invalid-website": N_("is not an http(s) web address"),
    "invalid-flag": N_("must be true or false"),
    "invalid-language": N_("must be a language code such as es, en or pt_BR"),
    # -- registration.py, editing.py, companies.py, records.py, storage/ --------------------------
    # conflicts.py
    "unknown-company": N_("is not a known company identifier"),
    "already-a-client": N_("company {company} is already a client"),
    "inactive-company": N_("company {company} is inactive; activate it first"),
    "email-taken-by-other-company": N_(
        "{email} is already the external user of company {company}; an external user belongs "
        "to one company"),
    "inactive-external-user": N_("{email} is an inactive external user; reactivate it first"),
    "company-type-locked": N_(
        "the company type of {identifier} is {current} and cannot change after registration"),
    "category-locked": N_(
        "the category of {identifier} is {current} and cannot change after registration"),
    "identifier-locked/setting": N_("identifier cannot change after registration"),
    "company-type-locked/setting": N_("company_type cannot change after registration"),
    "category-locked/setting": N_("category cannot change after registration"),
    # -- schemas/ --------------------------------------------------------------------------------
}
