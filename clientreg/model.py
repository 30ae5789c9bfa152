"""The shapes the core works with: catalogue entries, registration drafts and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from clientreg.attributes import AttributeDef
from clientreg.locale_values import ValueLocale

COMPANY_FIELDS = (
    "trade_name", "tax_id", "email", "phone", "website",
    "street", "city", "region", "postal_code", "country",
)  # fmt: skip
CONTACT_FIELDS = ("name", "email", "phone", "position", "department", "language", "default")


class Step(StrEnum):
    """The steps of a registration, in the order the wizard shows them."""

    START = "start"
    COMPANY_ATTRIBUTES = "company_attributes"
    CLIENT_ATTRIBUTES = "client_attributes"
    COMPANY_DATA = "company_data"
    CONTACTS = "contacts"
    REVIEW = "review"


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    UNCHANGED = "unchanged"


class OnConflict(StrEnum):
    """What to do when a client's identifier is already registered."""

    ERROR = "error"
    SKIP = "skip"
    UPDATE = "update"


@dataclass(frozen=True)
class CompanyType:
    id: int
    code: str
    name: str
    active: bool = True
    parent: str | None = None
    id_mask: str | None = None
    allow_id_change: bool = False
    attributes: tuple[AttributeDef, ...] = ()


@dataclass(frozen=True)
class Category:
    id: int
    code: str
    name: str
    active: bool = True
    parent: str | None = None
    attributes: tuple[AttributeDef, ...] = ()


@dataclass
class ContactDraft:
    """A contact as typed or read from a file; becomes (or links to) an external user."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    position: str | None = None
    department: str | None = None
    language: str | None = None
    default: Any = False


@dataclass
class ClientDraft:
    """Everything one registration needs, as raw values; the core checks and normalises it.

    ``from_company`` names an existing company to register as a client; the company fields are
    then ignored. ``origin`` is opaque to the core: the import uses it to locate problems.
    ``problems`` are what the draft's reader found wrong with the entry, opaque to the core too:
    the core reports them first, then checks the draft all the same, so one run reports
    everything wrong with an entry.
    """

    category: str | None = None
    company_type: str | None = None
    identifier: str | None = None
    name: str | None = None
    from_company: str | None = None
    trade_name: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    company_attributes: dict[str, Any] = field(default_factory=dict)
    client_attributes: dict[str, Any] = field(default_factory=dict)
    contacts: list[ContactDraft] = field(default_factory=list)
    origin: Any = None
    problems: list[Any] = field(default_factory=list)
    locale: ValueLocale | None = None
    """How text values of numbers, dates and yes/no fields are read (``import --locale``); None
    reads them strictly, as the wizard does."""
    kept: frozenset[str] = frozenset()
    """For an update: the fields the entry left blank and took from the registered client
    (``city``, ``client_attr.region``, ``contacts[0].name``), checked but not written."""
    digest: bytes | None = None
    """A digest of the entry as its file gave it and of everything that decides how it is read
    (the reader's options, clientreg's version), made by the reader; None where the entry has
    no identifier to find it by. A client whose stored digest matches is unchanged: the core
    leaves it without checking it again (``clientreg.digests``)."""
    input_key: bytes | None = None
    """The digest of the whole file the entry came from, when its reader made one."""


class DraftChunk(Protocol):
    """Entries whose drafts are built where they are checked: in a worker process, in a large
    batch, so building them takes nothing from the process that writes. Must pickle."""

    @property
    def input(self) -> bytes | None:
        """The digest of the whole file the entries came from (ClientDraft.input_key)."""
        ...

    def drafts(self) -> list[ClientDraft]:
        """One draft per entry, in order."""
        ...

    def keys(self) -> list[str | None]:
        """Per entry, in order: the identifier key it gives, where its digest can be made."""
        ...

    def digest(self, index: int) -> bytes | None:
        """The digest the draft of this entry would have (``ClientDraft.digest``)."""
        ...

    def origin(self, index: int) -> Any:
        """The origin the draft of this entry would have."""
        ...

    def keep(self, indexes: list[int]) -> DraftChunk:
        """A chunk of these entries only (given in order)."""
        ...


@dataclass
class Outcome:
    """What one registration did."""

    action: Action
    identifier: str
    origin: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[str, str, str, dict[str, Any]]] | None = None
    """The history rows the registration wrote (a dry run's too), when its batch was asked
    to note them (``register_many(noting=True)``): (entity, key, action, changes)."""


class Problem(NamedTuple):
    """A problem of a batch, with the ``origin`` of the draft it was found in."""

    origin: Any
    error: Any
    """A ClientregError, or what the draft's reader found (ClientDraft.problems)."""


@dataclass
class BatchReport:
    """What a batch of registrations did, or why it wrote nothing."""

    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    stopped_early: bool = False
    """The problems reached the batch's limit before every draft was checked."""
    checked: int = 0
    """How many drafts had their values checked; a client left unchanged by its digest is not."""

    def count(self, action: Action) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def ok(self) -> bool:
        return not self.problems
