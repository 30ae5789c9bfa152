"""Numbers, dates and yes/no words as a locale writes them: how ``import --locale`` reads values.

Separators, date formats and month names are CLDR's, through Babel. Babel's locale data loads
slowly, so each locale is parsed once per process and what is built from it is kept: the number
shape, the date formats compiled to patterns (``value_locale`` builds them before worker
processes are forked, which start with them; a spawned worker builds them once for itself). Only
an import given ``--locale``, or a value the strict reading refuses, ever calls Babel: the
strict path imports nothing of it.

A number is read with Babel's ``parse_decimal(strict=True)``: the locale's decimal symbol, its
group symbol only where groups go (``1.580.240,46`` under es, ``1,580,240.46`` under en_US;
``1.58.0240,46`` is refused), nothing else but digits and a leading minus. A date is read in the
locale's short and medium formats, with one- or two-digit days and months and two- or four-digit
years; a two-digit year is 1930 to 2029, the window LibreOffice and Excel use when they read
one. ISO dates (YYYY-MM-DD) are read under every locale, as without one: no locale's format
puts a four-digit year first and then the day.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from clientreg.errors import InvalidValue

LIKELY_LOCALES = ("es", "pt", "de", "fr", "en_US", "en_GB")
"""The locales a refused value is tried in, in this order, to say which one would read it."""

TWO_DIGIT_YEARS = 1930
"""A two-digit year is read as the year from here to 99 years later (56 -> 1956, 29 -> 2029)."""


@dataclass(frozen=True)
class ValueLocale:
    """How an import reads numbers, dates and yes/no words: strictly, or as a locale writes them.

    Travels with each draft (to worker processes too): it is only the locale's name.
    """

    name: str | None = None
    """A CLDR locale as Babel names it (es, es_AR, pt_BR); None reads values strictly, and a
    value refused says how a likely locale would read it."""


STRICT = ValueLocale()
"""Values read strictly, a refused value naming the locale that would read it."""


def value_locale(text: str) -> ValueLocale:
    """The locale a user named (es, es_ES, es-AR, pt_BR); raises InvalidValue when Babel has none
    by that name."""
    from babel import Locale, UnknownLocaleError

    given = text.strip()
    try:
        if not given or given.lower() in ("c", "posix"):
            raise ValueError(given)
        name = str(Locale.parse(given.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        raise InvalidValue("unknown-locale", field="locale", value=text, name=text) from None
    # Parsed here, once: worker processes forked later start with it.
    _number_shape(name)
    _date_formats(name)
    return ValueLocale(name)


@lru_cache(maxsize=64)
def _locale(name: str) -> Any:
    from babel import Locale

    return Locale.parse(name)


# -- numbers --------------------------------------------------------------------------------------

_SPACES = "\u0020\u00a0\u2007\u2009\u202f"


class _NumberShape(NamedTuple):
    group: str
    decimal: str
    minus: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=64)
def _number_shape(name: str) -> _NumberShape:
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

    locale = _locale(name)
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    minus = get_minus_sign_symbol(locale)
    pattern = re.compile(rf"-?[0-9]+(?:{re.escape(group)}[0-9]+)*(?:{re.escape(decimal)}[0-9]+)?")
    return _NumberShape(group, decimal, minus, pattern)


def read_number(text: str, name: str) -> Decimal | None:
    """The number ``text`` is as locale ``name`` writes numbers; None when it is none.

    Where the locale groups digits with a space (fr: U+202F), any space groups them: a person
    types a plain one.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    shape = _number_shape(name)
    if shape.minus != "-" and text.startswith(shape.minus):
        text = "-" + text[len(shape.minus):]
    if shape.group in _SPACES:
        text = re.sub(f"[{_SPACES}]", shape.group, text)
    if not shape.pattern.fullmatch(text):
        return None
    try:
        return parse_decimal(text, _locale(name), strict=True)
    except NumberFormatError:
        return None


def number_text(number: Decimal) -> str:
    """A number as clientreg writes it: a dot decimal, no groups, no exponent."""
    return format(number, "f")


def number_cell_text(text: str, name: str) -> str:
    """A spreadsheet's number cell (read as 1234.5) written as locale ``name`` shows it (1234,5),
    so the locale reads back the same number: under es, 1.234 as a number cell is not 1234."""
    if "." not in text or "e" in text.lower():
        return text
    return text.replace(".", _number_shape(name).decimal)


def number_example(name: str) -> str:
    """A number as the locale writes it, for messages: 1.234.567,89 under es."""
    from babel.numbers import format_decimal

    return str(format_decimal(Decimal("1234567.89"), locale=_locale(name)))


# -- dates ----------------------------------------------------------------------------------------


class NoSuchDate(ValueError):
    """Text written as a date in the locale's format, naming a day the calendar lacks."""

    def __init__(self, year: int, month: int, day: int) -> None:
        super().__init__(year, month, day)
        self.year, self.month, self.day = year, month, day


class _DateFormat(NamedTuple):
    pattern: re.Pattern[str]
    months: dict[str, int]
    """Month names (case-folded, without a final dot) and their numbers."""


@lru_cache(maxsize=64)
def _date_formats(name: str) -> tuple[_DateFormat, ...]:
    """The locale's short and medium date formats, as patterns; a format with parts other than
    the day, the month and the year (a weekday, an era) is left out."""
    from babel.dates import get_date_format, tokenize_pattern

    locale = _locale(name)
    months: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for size in ("abbreviated", "wide"):
            for number, month in locale.months[context][size].items():
                months.setdefault(_month_key(month), number)
    names = "|".join(re.escape(month) for month in sorted(months, key=len, reverse=True))
    formats: list[_DateFormat] = []
    width: Literal["short", "medium"]
    for width in ("short", "medium"):
        parts: list[str] = []
        token: Any
        for kind, token in tokenize_pattern(get_date_format(width, locale=locale).pattern):
            if kind == "chars":
                parts += [r"\s+" if char.isspace() else re.escape(char) for char in str(token)]
                continue
            letter, count = token
            if letter == "d":
                parts.append(r"(?P<day>[0-9]{1,2})")
            elif letter in "ML" and count <= 2:
                parts.append(r"(?P<month>[0-9]{1,2})")
            elif letter in "ML":
                parts.append(rf"(?P<month_name>{names})\.?")
            elif letter == "y":
                parts.append(r"(?P<year>[0-9]{4}|[0-9]{2})")
            else:
                break
        else:
            pattern = re.compile("".join(parts), re.IGNORECASE)
            if all(f.pattern.pattern != pattern.pattern for f in formats):
                formats.append(_DateFormat(pattern, months))
    return tuple(formats)


def _month_key(month: str) -> str:
    return unicodedata.normalize("NFC", month).casefold().rstrip(".")


def read_date(text: str, name: str) -> dt.date | None:
    """The date ``text`` is in one of locale ``name``'s short and medium formats; None when it
    is in none. Raises NoSuchDate for a day that does not exist (30/02/2024)."""
    for form in _date_formats(name):
        match = form.pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        month = (int(parts["month"]) if parts.get("month") is not None
                 else form.months[_month_key(parts["month_name"])])
        year = int(parts["year"])
        if len(parts["year"]) == 2:
            year += TWO_DIGIT_YEARS - TWO_DIGIT_YEARS % 100
            if year < TWO_DIGIT_YEARS:
                year += 100
        day = int(parts["day"])
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise NoSuchDate(year, month, day) from None
    return None


def date_example(name: str) -> str:
    """A date as the locale's short format writes it, for messages: 31/1/24 under es."""
    from babel.dates import format_date

    return str(format_date(dt.date(2024, 1, 31), "short", locale=_locale(name)))


# -- hints for values the strict reading refuses --------------------------------------------------


class Reading(NamedTuple):
    """How a likely locale reads a value the strict reading refused."""

    locale: str
    value: str


@lru_cache(maxsize=1024)
def number_readings(text: str) -> tuple[Reading, ...]:
    """How the likely locales read ``text`` as a number: the first locale of each different
    reading, two at most (1,580 is 1.58 under es and 1580 under en_US)."""
    found = [(name, read_number(text, name)) for name in LIKELY_LOCALES]
    return _distinct((name, number_text(number.normalize())) for name, number in found
                     if number is not None)


@lru_cache(maxsize=1024)
def date_readings(text: str) -> tuple[Reading, ...]:
    """How the likely locales read ``text`` as a date, as ``number_readings`` (03/04/2020 is
    3 April under es and 4 March under en_US); a day that does not exist is no reading."""
    readings: list[tuple[str, str]] = []
    for name in LIKELY_LOCALES:
        try:
            date = read_date(text, name)
        except NoSuchDate:
            continue
        if date is not None:
            readings.append((name, date.isoformat()))
    return _distinct(readings)


def _distinct(readings: Any) -> tuple[Reading, ...]:
    kept: dict[str, Reading] = {}
    for name, value in readings:
        kept.setdefault(value, Reading(name, value))
    return tuple(kept.values())[:2]


# -- yes and no -----------------------------------------------------------------------------------

FLAG_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "es": (("sí", "verdadero"), ("no", "falso")),
    "ca": (("sí", "cert"), ("no", "fals")),
    "gl": (("si", "verdadeiro"), ("non", "falso")),
    "eu": (("bai", "egia"), ("ez", "gezurra")),
    "pt": (("sim", "verdadeiro"), ("não", "falso")),
    "fr": (("oui", "vrai"), ("non", "faux")),
    "it": (("sì", "vero"), ("no", "falso")),
    "de": (("ja", "wahr"), ("nein", "falsch")),
    "nl": (("ja", "waar"), ("nee", "onwaar")),
    "sv": (("ja", "sant"), ("nej", "falskt")),
    "da": (("ja", "sand"), ("nej", "falsk")),
    "nb": (("ja", "sann"), ("nei", "usann")),
    "nn": (("ja", "sann"), ("nei", "usann")),
    "fi": (("kyllä", "tosi"), ("ei", "epätosi")),
    "pl": (("tak", "prawda"), ("nie", "fałsz")),
    "cs": (("ano", "pravda"), ("ne", "nepravda")),
    "hu": (("igen", "igaz"), ("nem", "hamis")),
    "ro": (("da", "adevărat"), ("nu", "fals")),
    "tr": (("evet", "doğru"), ("hayır", "yanlış")),
    "ru": (("да", "истина"), ("нет", "ложь")),
}
"""Yes and no in each language, by its code: the word for yes and no, then the names
spreadsheet programs give the functions TRUE() and FALSE() in that language (LibreOffice Calc's
and Excel's localized function names: VERDADERO/FALSO, VERDADEIRO/FALSO, WAHR/FALSCH,
VRAI/FAUX, ...), which is how a sheet in that language shows a boolean cell. Read without case
and accents (não, nao, NÃO). No library keeps these words per language."""


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=64)
def _flag_words(language: str) -> dict[str, bool]:
    yes, no = FLAG_WORDS.get(language, ((), ()))
    return {**{_folded(word): True for word in yes}, **{_folded(word): False for word in no}}


def read_flag(text: str, name: str) -> bool | None:
    """The yes/no ``text`` is in the language of locale ``name``; None when it is neither."""
    return _flag_words(name.partition("_")[0]).get(_folded(text.strip()))


def flag_reading(text: str) -> Reading | None:
    """How the first likely locale whose language has ``text`` for yes or no reads it."""
    for name in LIKELY_LOCALES:
        read = read_flag(text, name)
        if read is not None:
            return Reading(name, "true" if read else "false")
    return None


def flag_words(name: str) -> str:
    """The yes/no words of the locale's language, for messages: sí, no, verdadero, falso."""
    yes, no = FLAG_WORDS.get(name.partition("_")[0], ((), ()))
    return ", ".join(word for pair in zip(yes, no, strict=True) for word in pair)
