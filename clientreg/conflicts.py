"""Rules that weigh a registration against what the database holds: companies, users, locks.

Each rule is a pure function over rows already looked up, for the write path, which looks rows
up in batches; beside it, a small query for the wizard's early feedback, with the same errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientreg.errors import ClientregError, Conflict, MissingPrerequisite, shown
from clientreg.rules import email_key, identifier_key
from clientreg.storage import client_sql
from clientreg.storage.client_sql import CompanyRow, UserRow

if TYPE_CHECKING:
    from clientreg.storage import Store

LOCKED_FIELDS = ("identifier", "company_type", "category")
"""What a registered client keeps for good."""


def registrable(company: CompanyRow | None, given: str | None, *,
                client_ok: bool = False) -> CompanyRow:
    """The company named by ``from_company``, known and not a client yet (unless ``client_ok``).

    Raises MissingPrerequisite unknown-company, or Conflict already-a-client.
    """
    if company is None:
        raise MissingPrerequisite("unknown-company", field="from_company", value=given)
    if company.client_id is not None and not client_ok:
        raise Conflict("already-a-client", field="from_company", value=given,
                       company=company.identifier)
    return company


def check_active_company(company: CompanyRow, given: str | None) -> None:
    """An inactive company is registered as a client only once it is activated again."""
    if not company.active:
        raise Conflict("inactive-company", field="from_company", value=given,
                       company=company.identifier)


def registrable_company(store: Store, identifier: str) -> CompanyRow:
    """The company a client can be registered from, with the errors registering would give."""
    key = identifier_key(identifier)
    company = registrable(client_sql.companies_by_key(store.conn, [key]).get(key), identifier)
    check_active_company(company, identifier)
    return company


def user_conflict(user: UserRow | None, email: str, *, company_id: int | None,
                  field: str = "email") -> Conflict | None:
    """Why the external user with this e-mail cannot be a contact of the company, if it cannot.

    ``company_id`` is the company being registered or edited (None for a new one): an external
    user belongs to one company, and an inactive one must be reactivated first.
    """
    if user is None:
        return None
    if user.company_id not in (None, company_id):
        return Conflict("email-taken-by-other-company", field=field, value=email,
                        email=shown(email), company=user.company_identifier)
    if not user.active:
        return Conflict("inactive-external-user", field=field, value=email, email=shown(email))
    return None


def contact_conflict(store: Store, email: str, company: str | None) -> ClientregError | None:
    """Why this e-mail cannot be a contact of the client ``company`` (None: a new client)."""
    key = email_key(email)
    user = client_sql.users_by_email(store.conn, [key]).get(key)
    if user is None:
        return None
    company_id = None
    if company is not None:
        company_key = identifier_key(company)
        row = client_sql.companies_by_key(store.conn, [company_key]).get(company_key)
        company_id = row.id if row is not None else None
    return user_conflict(user, email, company_id=company_id)


def tax_id_conflict(tax_id: str | None, owner: str | None,
                    identifier: str | None) -> Conflict | None:
    """Why the company ``identifier`` (None: one not registered yet) cannot have this tax id:
    another company, ``owner``, holds it; a tax id belongs to one company."""
    if not tax_id or owner is None:
        return None
    if identifier is not None and identifier_key(owner) == identifier_key(identifier):
        return None
    return Conflict("duplicate-tax-id", field="tax_id", value=tax_id, tax_id=tax_id,
                    company=owner)


def taken_tax_id(store: Store, tax_id: str | None, company: str | None) -> Conflict | None:
    """Why the company ``company`` (None: a new one) cannot have this tax id, if it cannot."""
    if not tax_id:
        return None
    owner = client_sql.tax_id_owners(store.conn, [tax_id]).get(tax_id)
    return tax_id_conflict(tax_id, owner, company)


def locked_conflicts(identifier: str, *, stored_type: str | None, company_type: str | None,
                     stored_category: str | None = None,
                     category: str | None = None) -> list[Conflict]:
    """The company type and category a draft gives that differ from the registered ones.

    A value not given (None) is left out of the comparison.
    """
    problems = []
    if company_type is not None and company_type != stored_type:
        problems.append(Conflict("company-type-locked", field="company_type",
                                 value=company_type, identifier=identifier,
                                 current=stored_type))
    if category is not None and category != stored_category:
        problems.append(Conflict("category-locked", field="category", value=category,
                                 identifier=identifier, current=stored_category))
    return problems


def locked_setting(name: str, value: object) -> Conflict | None:
    """The conflict of an edit's FIELD=VALUE that names a locked field, else None."""
    if name == "identifier":
        return Conflict("identifier-locked/setting", field=name, value=value)
    if name == "company_type":
        return Conflict("company-type-locked/setting", field=name, value=value)
    if name == "category":
        return Conflict("category-locked/setting", field=name, value=value)
    return None
