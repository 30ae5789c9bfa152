"""Checking a registration draft against the catalogue: every rule that needs no database lookup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clientreg import attributes as attrs
from clientreg import rules
from clientreg.catalogue import Catalogue, inactive_error, mask_sequence
from clientreg.errors import ClientregError, Conflict, InvalidValue, Rejected, shown
from clientreg.model import (
    COMPANY_FIELDS,
    Category,
    ClientDraft,
    CompanyType,
    ContactDraft,
    Step,
)

CONTACT_NAME_MAX = rules.NAME_MAX


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
class CheckedClient:
    """A draft whose values are normalised and valid on their own; the database is next."""

    origin: Any
    category: Category
    client_attributes: dict[str, str]
    contacts: list[CheckedContact]
    company_type: CompanyType | None = None
    company: dict[str, Any] | None = None
    from_company: str | None = None
    identifier_given: bool = True
    steps: tuple[Step, ...] = field(default=())
    inactive: list[ClientregError] = field(default_factory=list)
    """An inactive type or category: refused for a new registration, not for a client that
    already has it (skip or update of a re-imported export)."""


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
    company_type = company = None
    identifier_given = True
    if from_company is not None:
        _reject_company_fields(draft, problems)
    else:
        company_type = problems.attempt(catalogue.active, "company_type", draft.company_type,
                                        field="company_type", allow_inactive=True)
        company = check_company(draft, company_type, problems)
        identifier_given = company.get("identifier") is not None
    steps = step_plan(company_type, category, from_company=from_company is not None)
    client_attributes = _check_attributes(
        category, draft.client_attributes, "client_attr", problems)
    contacts: list[CheckedContact] = []
    if Step.CONTACTS in steps:
        country = company.get("country") if company else None
        contacts = _check_contacts(draft.contacts, country, problems)
    elif draft.contacts:
        problems.found.append(InvalidValue(
            "a client registered from an existing company takes no contacts here; add them "
            "with 'clientreg edit' afterwards", field="contacts", value=len(draft.contacts),
            code="unexpected-value"))
    inactive = [
        inactive_error(kind, entry, value=entry.code, field=kind)
        for kind, entry in (("company_type", company_type), ("category", category))
        if entry is not None and not entry.active
    ]
    if problems.found:
        raise Rejected(problems.found + inactive)
    return CheckedClient(
        origin=draft.origin, category=category, client_attributes=client_attributes,
        contacts=contacts, company_type=company_type, company=company,
        from_company=from_company, identifier_given=identifier_given, steps=steps,
        inactive=inactive,
    )


def _reject_company_fields(draft: ClientDraft, problems: Problems) -> None:
    for name in ("identifier", "name", "company_type", *COMPANY_FIELDS):
        value = getattr(draft, name)
        if value is not None and str(value).strip():
            problems.found.append(InvalidValue(
                "is not used with from_company: the existing company keeps its own data",
                field=name, value=value, code="unexpected-value"))
    if draft.company_attributes:
        problems.found.append(InvalidValue(
            "is not used with from_company: the existing company keeps its own data",
            field="company_attr", value=draft.company_attributes, code="unexpected-value"))


def check_identifier(value: object, company_type: CompanyType | None) -> str | None:
    """A typed identifier, or None where the type's mask will generate it.

    A type with an id mask that does not allow changing the id accepts only identifiers that fit
    the mask (as an export of that same database holds), never free text.
    """
    text = rules.clean_text(value, field="identifier", max_length=rules.IDENTIFIER_MAX)
    if text is None:
        if company_type is not None and company_type.id_mask:
            return None
        raise InvalidValue("is required", field="identifier", value=value, code="missing-value")
    text = rules.identifier(text)
    if (company_type is not None and company_type.id_mask and not company_type.allow_id_change
            and mask_sequence(company_type.id_mask, text) is None):
        raise Conflict(
            f"company type {company_type.code} generates identifiers from its mask "
            f"{company_type.id_mask} and does not allow typing another; leave it blank",
            field="identifier", value=value, code="identifier-locked")
    return text


def check_company(
    draft: ClientDraft, company_type: CompanyType | None, problems: Problems
) -> dict[str, Any]:
    attempt = problems.attempt
    country = attempt(rules.country, draft.country)
    company: dict[str, Any] = {
        "identifier": attempt(check_identifier, draft.identifier, company_type),
        "name": attempt(rules.required_text, draft.name, field="name"),
        "trade_name": attempt(rules.clean_text, draft.trade_name, field="trade_name"),
        "tax_id": attempt(rules.tax_id, draft.tax_id, country=country),
        "email": attempt(rules.email, draft.email),
        "phone": attempt(rules.phone, draft.phone, country=country),
        "website": attempt(rules.website, draft.website),
        "street": attempt(rules.clean_text, draft.street, field="street"),
        "city": attempt(rules.clean_text, draft.city, field="city",
                        max_length=rules.SHORT_TEXT_MAX),
        "region": attempt(rules.clean_text, draft.region, field="region",
                          max_length=rules.SHORT_TEXT_MAX),
        "postal_code": attempt(rules.clean_text, draft.postal_code, field="postal_code",
                               max_length=rules.POSTAL_CODE_MAX),
        "country": country,
    }
    company["attributes"] = _check_attributes(
        company_type, draft.company_attributes, "company_attr", problems)
    return company


def _check_attributes(
    entry: CompanyType | Category | None, values: dict[str, Any], prefix: str,
    problems: Problems,
) -> dict[str, str]:
    if entry is None:
        return {}
    stored, found = attrs.check_values(entry.attributes, values or {}, prefix=prefix)
    problems.found.extend(found)
    return stored


def check_contact(contact: ContactDraft, *, country: str | None, index: int) -> CheckedContact:
    """One contact: a name, an e-mail (the external user's login) and optional details."""
    problems = Problems()
    attempt = problems.attempt
    email = attempt(rules.email, contact.email)
    if email is None and not problems.found:
        problems.found.append(InvalidValue(
            "is required: the e-mail is the contact's login as an external user",
            field="email", value=contact.email, code="missing-value"))
    checked = CheckedContact(
        index=index,
        name=attempt(rules.required_text, contact.name, field="name", max_length=CONTACT_NAME_MAX),
        email=email or "",
        email_key=rules.email_key(email) if email else "",
        phone=attempt(rules.phone, contact.phone, country=country),
        position=attempt(rules.clean_text, contact.position, field="position",
                         max_length=rules.SHORT_TEXT_MAX),
        department=attempt(rules.clean_text, contact.department, field="department",
                           max_length=rules.SHORT_TEXT_MAX),
        language=attempt(rules.language, contact.language),
        default=bool(attempt(rules.flag, contact.default, field="default")),
    )
    if problems.found:
        raise Rejected([p.located(f"contacts[{index}]") for p in problems.found])
    return checked


def _check_contacts(
    contacts: list[ContactDraft], country: str | None, problems: Problems
) -> list[CheckedContact]:
    checked: list[CheckedContact] = []
    seen: dict[str, int] = {}
    for index, contact in enumerate(contacts):
        result = problems.attempt(check_contact, contact, country=country, index=index)
        if result is None:
            continue
        if result.email_key in seen:
            problems.found.append(InvalidValue(
                f"is given twice for this client (also contact {seen[result.email_key] + 1})",
                field=f"contacts[{index}].email", value=result.email, code="duplicate-contact"))
            continue
        seen[result.email_key] = index
        checked.append(result)
    defaults = [c for c in checked if c.default]
    for extra in defaults[1:]:
        problems.found.append(InvalidValue(
            f"only one default contact per company ({shown(defaults[0].email)} already is)",
            field=f"contacts[{extra.index}].default", value=True, code="two-default-contacts"))
    return checked
