"""The company and contact fields: each one's rule, its length limit and the labels it is asked by.

One table read by the core's checks, the wizard's questions and the import's columns, so a field
is checked the same way wherever its value comes from. Labels are marked for translation here
and translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from clientreg import rules
from clientreg.errors import InvalidValue
from clientreg.messages import N_
from clientreg.model import COMPANY_FIELDS as COMPANY_FIELD_NAMES
from clientreg.model import CONTACT_FIELDS as CONTACT_FIELD_NAMES


@dataclass(frozen=True)
class FieldRule:
    """A field: the rule that normalises and checks its value, and how it is shown."""

    name: str
    label: str
    rule: Callable[..., Any]
    """Called as ``rule(value, field=...)``, with ``country=`` too where ``needs_country``."""
    max_length: int | None
    needs_country: bool = False
    """Read with the company's country (phone numbers, tax ids)."""
    required: bool = False
    prompt: str | None = None
    """The question the wizard asks, where it says more than the label."""

    @property
    def question(self) -> str:
        return self.prompt or self.label

    def check(self, value: object, *, country: str | None = None,
              field: str | None = None) -> Any:
        """The value to store; raises InvalidValue naming ``field`` (by default the name)."""
        where = field or self.name
        if self.needs_country:
            return self.rule(value, country=country, field=where)
        return self.rule(value, field=where)


def _text(max_length: int) -> Callable[..., Any]:
    return partial(rules.clean_text, max_length=max_length)


def _contact_email(value: object, *, field: str) -> str:
    address = rules.email(value, field=field)
    if address is None:
        raise InvalidValue("missing-value/contact-email", field=field, value=value)
    return address


NAME = FieldRule("name", N_("Name"), partial(rules.required_text, max_length=rules.NAME_MAX),
                 rules.NAME_MAX, required=True)
"""A company's name, asked and checked beside its identifier."""

_COMPANY_RULES = {rule.name: rule for rule in (
    FieldRule("trade_name", N_("Trade name"), _text(rules.NAME_MAX), rules.NAME_MAX),
    FieldRule("tax_id", N_("Tax id"), rules.tax_id, rules.TAX_ID_MAX, needs_country=True),
    FieldRule("email", N_("E-mail"), rules.email, rules.EMAIL_MAX),
    FieldRule("phone", N_("Phone"), rules.phone, rules.PHONE_INPUT_MAX, needs_country=True),
    FieldRule("website", N_("Website"), rules.website, rules.WEBSITE_MAX),
    FieldRule("street", N_("Street"), _text(rules.NAME_MAX), rules.NAME_MAX),
    FieldRule("city", N_("City"), _text(rules.SHORT_TEXT_MAX), rules.SHORT_TEXT_MAX),
    FieldRule("region", N_("Region"), _text(rules.SHORT_TEXT_MAX), rules.SHORT_TEXT_MAX),
    FieldRule("postal_code", N_("Postal code"), rules.postal_code, rules.POSTAL_CODE_MAX,
              needs_country=True),
    FieldRule("country", N_("Country"), rules.country, rules.SHORT_TEXT_MAX,
              prompt=N_("Country (ISO code, or its name in English, Spanish, Portuguese or "
                        "German)")),
)}
COMPANY_FIELDS: tuple[FieldRule, ...] = tuple(_COMPANY_RULES[name] for name in COMPANY_FIELD_NAMES)
"""The optional company fields, in the export's column order (model.COMPANY_FIELDS)."""


def _country_first(table: tuple[FieldRule, ...]) -> tuple[FieldRule, ...]:
    others = [rule for rule in table if rule.name != "country"]
    first = next(index for index, rule in enumerate(others) if rule.needs_country)
    return (*others[:first], _COMPANY_RULES["country"], *others[first:])


COMPANY_QUESTIONS = _country_first(COMPANY_FIELDS)
"""The optional company fields in the order they are asked: the country before the fields read
with it."""

_CONTACT_RULES = {rule.name: rule for rule in (
    FieldRule("name", N_("Contact name"),
              partial(rules.required_text, max_length=rules.NAME_MAX), rules.NAME_MAX,
              required=True),
    FieldRule("email", N_("Contact e-mail"), _contact_email, rules.EMAIL_MAX, required=True),
    FieldRule("phone", N_("Contact phone"), rules.phone, rules.PHONE_INPUT_MAX,
              needs_country=True, prompt=N_("Contact phone (optional)")),
    FieldRule("position", N_("Contact position"), _text(rules.SHORT_TEXT_MAX),
              rules.SHORT_TEXT_MAX, prompt=N_("Contact position (optional)")),
    FieldRule("department", N_("Contact department"), _text(rules.SHORT_TEXT_MAX),
              rules.SHORT_TEXT_MAX, prompt=N_("Contact department (optional)")),
    FieldRule("language", N_("Contact language"), rules.language, rules.LANGUAGE_MAX,
              prompt=N_("Contact language: es, en, pt_BR, ... (optional)")),
    FieldRule("default", N_("Default contact"), rules.flag, None),
)}
CONTACT_FIELDS: tuple[FieldRule, ...] = tuple(_CONTACT_RULES[name] for name in CONTACT_FIELD_NAMES)
"""A contact's fields, in the order of model.CONTACT_FIELDS (the import's contact columns)."""


def company_field(name: str) -> FieldRule:
    """The rule of a company field (``name`` or one of COMPANY_FIELDS); KeyError if none."""
    return NAME if name == "name" else _COMPANY_RULES[name]


def contact_field(name: str) -> FieldRule:
    """The rule of a contact field; KeyError if none."""
    return _CONTACT_RULES[name]


def check_field(name: str, value: object, *, country: str | None = None,
                field: str | None = None, contact: bool = False) -> Any:
    """A company field's value (a contact's with ``contact``) as stored; raises InvalidValue."""
    rule = contact_field(name) if contact else company_field(name)
    return rule.check(value, country=country, field=field)
