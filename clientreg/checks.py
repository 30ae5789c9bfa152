"""Checking a registration draft against the catalogue: every rule that needs no database lookup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clientreg import attributes as attrs
from clientreg import fields, rules
from clientreg.catalogue import Catalogue, inactive_error, mask_sequence
from clientreg.errors import ClientregError, Conflict, InvalidValue, Rejected, shown
from clientreg.locale_values import ValueLocale
from clientreg.model import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    Category,
    ClientDraft,
    CompanyType,
    ContactDraft,
    Step,
)


def step_plan(
    company_type: CompanyType | None, category: Category | None, *, from_company: bool = False
) -> tuple[Step, ...]:
    """The steps of a registration, which decide what it may and must hold.

    The type adds a company-attributes step when it declares attributes and the category a
    client-attributes step likewise; registering an existing company skips the company's own steps.
    """
    steps = [Step.START]
    if not from_company and company_type is not None and company_type.attributes:
        steps.append(Step.COMPANY_ATTRIBUTES)
    if category is not None and category.attributes:
        steps.append(Step.CLIENT_ATTRIBUTES)
    if not from_company:
        steps += [Step.COMPANY_DATA, Step.CONTACTS]
    steps.append(Step.REVIEW)
    return tuple(steps)


@dataclass
class CheckedContact:
    index: int
    name: str
    email: str
    email_key: str
    phone: str | None
    position: str | None
    department: str | None
    language: str | None
    default: bool


@dataclass
class CheckedCompany:
    """A company's values, normalised and valid on their own; the database is next."""

    origin: Any
    company_type: CompanyType
    values: dict[str, Any]
    """The company's columns by name (``identifier`` None where the mask generates it), and
    ``attributes``."""
    identifier_given: bool = True


@dataclass
class CheckedClient:
    """A draft whose values are normalised and valid on their own; the database is next."""

    origin: Any
    category: Category
    client_attributes: dict[str, str]
    contacts: list[CheckedContact]
    company: CheckedCompany | None = None
    """The new or updated company; None for a client registered from an existing company."""
    from_company: str | None = None
    steps: tuple[Step, ...] = field(default=())
    inactive: list[ClientregError] = field(default_factory=list)
    """An inactive type or category: refused for a new registration, not for a client that
    already has it (skip or update of a re-imported export)."""
    kept: frozenset[str] = frozenset()
    """The draft's fields taken from the registered client (ClientDraft.kept): not changes."""
    digest: bytes | None = None
    """The draft's digest (ClientDraft.digest)."""
    input_key: bytes | None = None
    """The digest of the draft's file (ClientDraft.input_key)."""

    @property
    def company_type(self) -> CompanyType | None:
        return self.company.company_type if self.company is not None else None


class Problems:
    """Collects every problem of a draft instead of stopping at the first."""

    def __init__(self) -> None:
        self.found: list[ClientregError] = []

    def attempt(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except Rejected as exc:
            self.found.extend(exc.problems)
        except ClientregError as exc:
            self.found.append(exc)
        return None


def check_client(draft: ClientDraft, catalogue: Catalogue) -> CheckedClient:
    """Normalise and check a draft; raises Rejected listing every problem found."""
    problems = Problems()
    category = problems.attempt(catalogue.active, "category", draft.category, field="category",
                                allow_inactive=True)
    from_company = problems.attempt(rules.clean_text, draft.from_company, field="from_company",
                                    max_length=rules.IDENTIFIER_MAX)
    company_type = values = None
    if from_company is not None:
        _reject_company_fields(draft, problems)
    else:
        company_type = problems.attempt(catalogue.active, "company_type", draft.company_type,
                                        field="company_type", allow_inactive=True)
        values = check_company(draft, company_type, problems)
    steps = step_plan(company_type, category, from_company=from_company is not None)
    client_attributes = _check_attributes(
        category, draft.client_attributes, "client_attr", problems, draft.locale)
    contacts: list[CheckedContact] = []
    if Step.CONTACTS in steps:
        country = values.get("country") if values else None
        contacts = _check_contacts(draft.contacts, country, problems, draft.locale)
    elif draft.contacts:
        problems.found.append(InvalidValue("unexpected-value/contacts-of-existing-company",
                                           field="contacts", value=len(draft.contacts)))
    type_inactive = _inactive("company_type", company_type)
    category_inactive = _inactive("category", category)
    if problems.found:
        raise Rejected(problems.found + type_inactive + category_inactive)
    company = None
    if values is not None:
        assert company_type is not None  # a type that failed its check is in the problems
        company = CheckedCompany(origin=draft.origin, company_type=company_type, values=values,
                                 identifier_given=values["identifier"] is not None)
    return CheckedClient(
        origin=draft.origin, category=category, client_attributes=client_attributes,
        contacts=contacts, company=company, from_company=from_company, steps=steps,
        inactive=type_inactive + category_inactive, kept=draft.kept, digest=draft.digest,
        input_key=draft.input_key,
    )


def _inactive(kind: str, entry: CompanyType | Category | None) -> list[ClientregError]:
    if entry is None or entry.active:
        return []
    return [inactive_error(kind, entry, value=entry.code, field=kind)]


def check_lone_company(draft: ClientDraft, catalogue: Catalogue) -> CheckedCompany:
    """A company registered on its own, not as a client; raises Rejected listing every problem.

    Its type must be active; a draft that gives client parts (category, contacts, client
    attributes, from_company) belongs under clients instead.
    """
    problems = Problems()
    company_type = problems.attempt(catalogue.active, "company_type", draft.company_type,
                                    field="company_type")
    values = check_company(draft, company_type, problems)
    if draft.from_company or draft.category or draft.contacts or draft.client_attributes:
        problems.found.append(InvalidValue("unexpected-value/client-part-of-company",
                                           field="category", value=draft.category))
    if problems.found:
        raise Rejected(problems.found)
    return CheckedCompany(origin=draft.origin, company_type=company_type, values=values,
                          identifier_given=values["identifier"] is not None)


def _reject_company_fields(draft: ClientDraft, problems: Problems) -> None:
    for name in ("identifier", "name", "company_type", *COMPANY_FIELDS):
        value = getattr(draft, name)
        if value is not None and str(value).strip():
            problems.found.append(InvalidValue("unexpected-value/with-from-company",
                                               field=name, value=value))
    if draft.company_attributes:
        problems.found.append(InvalidValue("unexpected-value/with-from-company",
                                           field="company_attr", value=draft.company_attributes))


def check_identifier(value: object, company_type: CompanyType | None) -> str | None:
    """A typed identifier, or None where the type's mask will generate it.

    A type with an id mask that does not allow changing the id accepts only identifiers that fit
    the mask (as an export of that same database holds), never free text.
    """
    text = rules.clean_text(value, field="identifier", max_length=rules.IDENTIFIER_MAX)
    if text is None:
        if company_type is not None and company_type.id_mask:
            return None
        raise InvalidValue("missing-value", field="identifier", value=value)
    text = rules.identifier(text)
    if (company_type is not None and company_type.id_mask and not company_type.allow_id_change
            and mask_sequence(company_type.id_mask, text) is None):
        raise Conflict("identifier-locked", field="identifier", value=value,
                       type_code=company_type.code, mask=company_type.id_mask)
    return text


def check_company(
    draft: ClientDraft, company_type: CompanyType | None, problems: Problems
) -> dict[str, Any]:
    """A company's values by column, each read by its field's rule; problems go to ``problems``.

    The country comes first: the phone and the tax id are read with it.
    """
    attempt = problems.attempt
    country = attempt(fields.company_field("country").check, draft.country)
    company: dict[str, Any] = {
        "identifier": attempt(check_identifier, draft.identifier, company_type),
        "name": attempt(fields.NAME.check, draft.name),
    }
    for rule in fields.COMPANY_FIELDS:
        company[rule.name] = (country if rule.name == "country" else
                              attempt(rule.check, getattr(draft, rule.name), country=country))
    company["attributes"] = _check_attributes(
        company_type, draft.company_attributes, "company_attr", problems, draft.locale)
    return company


def _check_attributes(
    entry: CompanyType | Category | None, values: dict[str, Any], prefix: str,
    problems: Problems, locale: ValueLocale | None = None,
) -> dict[str, str]:
    if entry is None:
        return {}
    stored, found = attrs.check_values(entry.attributes, values or {}, prefix=prefix,
                                       locale=locale)
    problems.found.extend(found)
    return stored


def check_contact(contact: ContactDraft, *, country: str | None, index: int,
                  locale: ValueLocale | None = None) -> CheckedContact:
    """One contact: a name, an e-mail (the external user's login) and optional details; its
    default flag read in ``locale``'s language too, where it names one."""
    problems = Problems()
    # The e-mail first: it names the contact in every other problem's report.
    names = ("email", *(name for name in CONTACT_FIELDS if name != "email"))
    values = {name: problems.attempt(fields.contact_field(name).check,
                                     getattr(contact, name), country=country)
              if name != "default" or locale is None else
              problems.attempt(rules.flag, contact.default, field=name, locale=locale)
              for name in names}
    if problems.found:
        raise Rejected([p.located(f"contacts[{index}]") for p in problems.found])
    email = values.pop("email")
    return CheckedContact(index=index, email=email, email_key=rules.email_key(email),
                          **{**values, "default": bool(values["default"])})


def _check_contacts(
    contacts: list[ContactDraft], country: str | None, problems: Problems,
    locale: ValueLocale | None = None,
) -> list[CheckedContact]:
    checked: list[CheckedContact] = []
    seen: dict[str, int] = {}
    for index, contact in enumerate(contacts):
        result = problems.attempt(check_contact, contact, country=country, index=index,
                                  locale=locale)
        if result is None:
            continue
        if result.email_key in seen:
            problems.found.append(InvalidValue(
                "duplicate-contact", field=f"contacts[{index}].email", value=result.email,
                other=seen[result.email_key] + 1))
            continue
        seen[result.email_key] = index
        checked.append(result)
    defaults = [c for c in checked if c.default]
    for extra in defaults[1:]:
        problems.found.append(InvalidValue(
            "two-default-contacts", field=f"contacts[{extra.index}].default", value=True,
            email=shown(defaults[0].email)))
    return checked
