"""Countries by name: CLDR's English, Spanish, Portuguese and German names, as ISO alpha-2.

Babel carries CLDR's territory names; only the ISO 3166-1 countries pycountry knows count, not
CLDR's regions (001 World, 419 Latin America, EU, UN, XK). A name two countries share, in any
of the languages, is no country: the caller refuses it rather than pick one.
"""

from __future__ import annotations

from functools import lru_cache

from clientreg.folding import folded

LOCALES = ("en", "en_GB", "es", "es_419", "pt", "pt_PT", "de", "de_CH")
"""The CLDR locales whose names are read: a language, and the regional variant whose names
differ most often (Irã and Irão, Arabia Saudí and Arabia Saudita)."""


def countries_named(name: str) -> tuple[str, ...]:
    """The alpha-2 codes of the countries called ``name``, compared folded: (), one, or more
    when the name is ambiguous."""
    return _index().get(folded(name), ())


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    """Every folded name, with the codes of the countries it names; built once, when a name
    is first looked up (a tenth of a second)."""
    import pycountry
    from babel import Locale

    iso = {country.alpha_2 for country in pycountry.countries}
    found: dict[str, set[str]] = {}
    for tag in LOCALES:
        for code, name in Locale.parse(tag).territories.items():
            if code in iso:
                found.setdefault(folded(name), set()).add(code)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                found.setdefault(folded(name), set()).add(country.alpha_2)
    return {name: tuple(sorted(codes)) for name, codes in found.items()}
