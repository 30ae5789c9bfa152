"""Custom attributes declared on company types and categories, and the check of their values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from clientreg import locale_values, rules
from clientreg.errors import InvalidValue, shown
from clientreg.locale_values import STRICT, ValueLocale

ATTRIBUTE_TYPES = ("text", "memo", "number", "currency", "date", "time", "list")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
_TIME_RE = re.compile(r"\d{2}:\d{2}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class AttributeDef:
    """One custom field: its key, label, type and the limits its values must respect."""

    key: str
    label: str
    type: str = "text"
    required: bool = False
    values: tuple[str, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    decimals: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The attribute in the seed document's shape (only the keys that are set)."""
        out: dict[str, Any] = {"key": self.key, "label": self.label, "type": self.type}
        if self.required:
            out["required"] = True
        if self.values:
            out["values"] = list(self.values)
        for name in ("min", "max"):
            limit = getattr(self, name)
            if limit is not None:
                out[name] = int(limit) if limit == limit.to_integral_value() else float(limit)
        if self.decimals is not None:
            out["decimals"] = self.decimals
        return out


def _decimal_or_none(value: object, *, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidValue("invalid-number", field=field, value=value) from None
    if not number.is_finite():
        raise InvalidValue("invalid-number/finite", field=field, value=value)
    return number


def define(raw: dict[str, Any], *, field: str = "attributes") -> AttributeDef:
    """Check one attribute declaration (from a seed file or the command line)."""
    where = f"{field}.{shown(str(raw.get('key', '?')))}"
    key = rules.required_text(raw.get("key"), field=f"{where}.key", max_length=50)
    if not _KEY_RE.fullmatch(key):
        raise InvalidValue("invalid-attribute-key", field=f"{where}.key", value=key)
    kind = (rules.clean_text(raw.get("type"), field=f"{where}.type") or "text").lower()
    if kind not in ATTRIBUTE_TYPES:
        raise InvalidValue("invalid-attribute-type", field=f"{where}.type", value=kind,
                           types=", ".join(ATTRIBUTE_TYPES))
    values = tuple(
        v for v in (rules.clean_text(x, field=f"{where}.values") for x in raw.get("values") or ())
        if v is not None
    )
    if kind == "list" and not values:
        raise InvalidValue("missing-value/list-values", field=f"{where}.values", value=None)
    decimals = raw.get("decimals")
    if decimals is not None:
        try:
            decimals = int(decimals)
        except (TypeError, ValueError):
            decimals = -1
        if not 0 <= decimals <= 10:
            raise InvalidValue("invalid-number/decimals", field=f"{where}.decimals",
                               value=raw.get("decimals"))
    elif kind == "currency":
        decimals = 2
    minimum = _decimal_or_none(raw.get("min"), field=f"{where}.min")
    maximum = _decimal_or_none(raw.get("max"), field=f"{where}.max")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidValue("invalid-range", field=f"{where}.min", value=minimum)
    label = rules.clean_text(raw.get("label"), field=f"{where}.label") or key.replace("_", " ")
    return AttributeDef(
        key=key, label=label, type=kind, required=rules.flag(raw.get("required"),
                                                              field=f"{where}.required"),
        values=values, min=minimum, max=maximum, decimals=decimals,
    )


def check_value(definition: AttributeDef, value: object, *, field: str,
                locale: ValueLocale | None = None) -> str | None:
    """Normalise one attribute value to the text stored for it; None when blank.

    Numbers use a dot decimal and respect min, max and decimals; dates are YYYY-MM-DD; times HH:MM;
    list values must be one of the allowed values (matched ignoring case, stored as declared).
    With a ``locale`` naming one, text of a number or date is read as that locale writes it
    (1.580.240,46 and 27/02/1956 under es; ISO dates too); a number given as a number (YAML,
    JSON) is one already. With the strict locale (``STRICT``, no name), a number or date refused
    says how a likely locale would read it; without any (the wizard), it does not.
    """
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, int | float | Decimal) and locale is not None and locale.name:
        locale = STRICT  # a number already: no locale writes it
    multiline = definition.type == "memo"
    text = rules.clean_text(value, field=field, max_length=rules.MEMO_MAX if multiline else
                            rules.NAME_MAX, multiline=multiline)
    if text is None:
        if definition.required:
            raise InvalidValue("missing-value/attribute", field=field, value=value,
                               label=definition.label)
        return None
    check = _CHECKS.get(definition.type)
    return check(definition, text, field, locale) if check else text


def _check_number(definition: AttributeDef, text: str, field: str,
                  locale: ValueLocale | None) -> str:
    canonical = text if re.fullmatch(r"-?\d+(\.\d+)?", text) else None
    if locale is not None and locale.name:
        number = locale_values.read_number(text, locale.name)
        if number is None:
            raise InvalidValue("invalid-attribute/number-locale", field=field, value=text,
                               locale=locale.name,
                               example=locale_values.number_example(locale.name))
        canonical = locale_values.number_text(number)
    elif canonical is None:
        raise _refused_number(text, field, locale)
    number = Decimal(canonical)
    if definition.min is not None and number < definition.min:
        raise InvalidValue("invalid-attribute/min", field=field, value=text,
                           min=str(definition.min))
    if definition.max is not None and number > definition.max:
        raise InvalidValue("invalid-attribute/max", field=field, value=text,
                           max=str(definition.max))
    if definition.decimals is not None:
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)  # the text is digits, so the number is finite
        places = max(0, -exponent)
        if places > definition.decimals:
            raise InvalidValue("invalid-attribute/decimals", field=field, value=text,
                               count=definition.decimals)
        return f"{number:.{definition.decimals}f}"
    if "." in canonical:
        return locale_values.number_text(number.normalize())  # 1000.0 is 1000, not 1E+3
    return canonical.lstrip("0") or "0"


def _refused_number(text: str, field: str, locale: ValueLocale | None) -> InvalidValue:
    readings = locale_values.number_readings(text) if locale is not None else ()
    if len(readings) == 1:
        return InvalidValue("invalid-attribute/number-hint", field=field, value=text,
                            number=readings[0].value, locale=readings[0].locale)
    if readings:
        return InvalidValue("invalid-attribute/number-hints", field=field, value=text,
                            number=readings[0].value, locale=readings[0].locale,
                            other_number=readings[1].value, other_locale=readings[1].locale)
    return InvalidValue("invalid-attribute/number", field=field, value=text)


def _check_date(definition: AttributeDef, text: str, field: str,
                locale: ValueLocale | None) -> str:
    if _DATE_RE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise _no_such_date(text, field) from None
    elif locale is not None and locale.name:
        try:
            date = locale_values.read_date(text, locale.name)
        except locale_values.NoSuchDate as exc:
            raise InvalidValue("invalid-attribute/no-such-date", field=field, value=text,
                               year=exc.year, month=exc.month, day=exc.day) from None
        if date is not None:
            return date.isoformat()
        raise InvalidValue("invalid-attribute/date-locale", field=field, value=text,
                           locale=locale.name, example=locale_values.date_example(locale.name))
    elif locale is not None:
        readings = locale_values.date_readings(text)
        if len(readings) == 1:
            raise InvalidValue("invalid-attribute/date-hint", field=field, value=text,
                               date=readings[0].value, locale=readings[0].locale)
        if readings:
            raise InvalidValue("invalid-attribute/date-hints", field=field, value=text,
                               date=readings[0].value, locale=readings[0].locale,
                               other_date=readings[1].value, other_locale=readings[1].locale)
    raise InvalidValue("invalid-attribute/date", field=field, value=text)


@dataclass(frozen=True)
class MonthName:
    """A month's name, as Babel gives it in the language messages are shown in."""

    month: int

    def __format__(self, spec: str) -> str:
        from babel.dates import get_month_names

        from clientreg.messages import language

        names = get_month_names("wide", context="stand-alone", locale=language())
        return format(names[self.month], spec)

    def __str__(self) -> str:
        return format(self)


def _no_such_date(text: str, field: str) -> InvalidValue:
    """Why a date written YYYY-MM-DD does not exist: its month has fewer days, or is none."""
    import calendar

    year, month = int(text[:4]), int(text[5:7])
    if year < 1:
        return InvalidValue("invalid-attribute/date", field=field, value=text)
    if not 1 <= month <= 12:
        return InvalidValue("invalid-attribute/no-such-month", field=field, value=text,
                            month=text[5:7])
    return InvalidValue("invalid-attribute/no-such-day", field=field, value=text,
                        month_name=MonthName(month), year=year,
                        days=calendar.monthrange(year, month)[1])


def _check_time(definition: AttributeDef, text: str, field: str,
                locale: ValueLocale | None) -> str:
    try:
        if not _TIME_RE.fullmatch(text):
            raise ValueError
        dt.time.fromisoformat(text)
    except ValueError:
        raise InvalidValue("invalid-attribute/time", field=field, value=text) from None
    return text


def _check_list(definition: AttributeDef, text: str, field: str,
                locale: ValueLocale | None) -> str:
    for allowed in definition.values:
        if allowed.casefold() == text.casefold():
            return allowed
    raise InvalidValue("invalid-attribute/list", field=field, value=text,
                       allowed=", ".join(definition.values))


_CHECKS = {
    "number": _check_number,
    "currency": _check_number,
    "date": _check_date,
    "time": _check_time,
    "list": _check_list,
}


def check_values(
    definitions: tuple[AttributeDef, ...], values: dict[str, Any], *, prefix: str,
    locale: ValueLocale | None = None,
) -> tuple[dict[str, str], list[InvalidValue]]:
    """Check a set of attribute values against their declarations (read with ``locale``, as
    ``check_value`` reads them).

    Returns the values to store and every problem found (unknown keys included), so one call
    reports everything wrong with the set.
    """
    known = {d.key: d for d in definitions}
    stored: dict[str, str] = {}
    problems: list[InvalidValue] = []
    for key in values:
        if key not in known:
            where = f"{prefix}.{shown(str(key))}"
            problems.append(
                InvalidValue("unknown-attribute", field=where, value=values[key],
                             known=", ".join(known)) if known
                else InvalidValue("unknown-attribute/none", field=where, value=values[key]))
    for definition in definitions:
        try:
            text = check_value(definition, values.get(definition.key),
                               field=f"{prefix}.{definition.key}", locale=locale)
        except InvalidValue as exc:
            problems.append(exc)
            continue
        if text is not None:
            stored[definition.key] = text
    return stored, problems


class DeclaredNumber(float):
    """A number attribute's value as a float that keeps the digits it is stored with.

    ``str`` and ``repr`` give the stored text (``1234.50``, never ``1234.5``), so every view and
    writer that shows it as text shows the declared decimals; JSON and YAML writers write that
    text as the number.
    """

    text: str

    def __new__(cls, text: str) -> DeclaredNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def typed(definition: AttributeDef | None, text: str) -> Any:
    """A stored value as it should appear in JSON/YAML output: numbers as numbers, a number
    with decimals as a ``DeclaredNumber`` that keeps them."""
    if definition is not None and definition.type in ("number", "currency"):
        number = Decimal(text)
        if number == number.to_integral_value() and "." not in text:
            return int(number)
        return DeclaredNumber(text)
    return text


def declared_text(definition: AttributeDef, value: Any) -> str:
    """A value as its declaration stores it (1234.5 as 1234.50 with two decimals); a value the
    declaration refuses, or text, as given."""
    try:
        text = check_value(definition, value, field=definition.key)
    except InvalidValue:
        text = None
    return str(value) if text is None else text
