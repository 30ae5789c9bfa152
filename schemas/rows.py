"""The import formats as pydantic models: a table row, a client entry, a seed document.

The models check the shape of the input (which fields exist, text or list or mapping) and the
field rules that need nothing but the value, by calling the core's own rule functions, so a
mistake reads the same here as in the wizard. Rules that need the catalogue, another field or the
database (phones and tax ids by country, attributes, identifiers against a mask, conflicts) are
left to the core, which checks every draft again anyway; a problem found by both is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from clientreg import rules
from clientreg.attributes import ATTRIBUTE_TYPES
from clientreg.errors import InvalidValue


def _core_rule(check: Callable[..., Any], **options: Any) -> AfterValidator:
    """A core rule as a pydantic validator; its error keeps the core's code and reason."""

    def validate(value: Any) -> Any:
        try:
            return check(value, **options)
        except InvalidValue as exc:
            raise PydanticCustomError(exc.code, "{reason}", {"reason": exc.reason}) from None

    return AfterValidator(validate)


def _identifier_or_blank(value: str | None) -> str | None:
    """A typed identifier; blank is allowed here (a type's id mask may generate it)."""
    text = rules.clean_text(value, field="identifier", max_length=rules.IDENTIFIER_MAX)
    return None if text is None else rules.identifier(text)


def _as_text(value: Any) -> Any:
    """YAML and JSON may give a number where text is meant (postal_code: 28001): keep its digits."""
    if isinstance(value, bool):
        raise PydanticCustomError("invalid-type", "must be text, not true or false")
    if isinstance(value, int | float):
        return number_text(value)
    return value


def number_text(value: int | float) -> str:
    """A number read from YAML or JSON as text: 12 -> '12', 12.5 -> '12.5'."""
    return str(value) if isinstance(value, int) else repr(value)


# Table cells are always text; documents may hold numbers and booleans. A table row checks
# only the cells whose rule is cached in the core (or trivial), so the core's second look at a
# big file costs nothing more; the other cells are checked by the core alone.
CellEmail = Annotated[str, _core_rule(rules.email)]
CellCountry = Annotated[str, _core_rule(rules.country)]
CellIdentifier = Annotated[str, _core_rule(_identifier_or_blank)]

Text = Annotated[str | None, BeforeValidator(_as_text)]
Email = Annotated[Text, _core_rule(rules.email)]
Country = Annotated[Text, _core_rule(rules.country)]
Website = Annotated[Text, _core_rule(rules.website)]
Language = Annotated[Text, _core_rule(rules.language)]
Identifier = Annotated[Text, _core_rule(_identifier_or_blank)]
Flag = Annotated[bool, BeforeValidator(_core_rule(rules.flag, field="flag").func)]
AttributeValue = str | int | float | bool | None
Attributes = dict[str, AttributeValue]


class TableRow(TypedDict, total=False):
    """One row of a CSV, TSV or XLSX file (attribute columns are checked by the core)."""

    identifier: CellIdentifier
    name: str
    company_type: str
    category: str
    from_company: str
    trade_name: str
    tax_id: str
    email: CellEmail
    phone: str
    website: str
    street: str
    city: str
    region: str
    postal_code: str
    country: CellCountry
    contact_name: str
    contact_email: CellEmail
    contact_phone: str
    contact_position: str
    contact_department: str
    contact_language: str
    contact_default: str


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ContactEntry(BaseModel):
    """A contact of the client; it becomes (or is linked to) an external user by e-mail."""

    model_config = _STRICT
    name: Text = Field(None, description="Full name (required).")
    email: Email = Field(None, description="E-mail, the external user's login (required).")
    phone: Text = Field(None, description="Phone; stored in E.164 with the company's country.")
    position: Text = None
    department: Text = None
    language: Language = Field(None, description="Language code such as es, en or pt_BR.")
    default: Flag = Field(False, description="The company's default contact (one at most).")


# A rejects file (import --errors) hands entries back with these two keys; import ignores them.
_IGNORED = "Ignored: written by 'import --errors'."


class _CompanyFields(BaseModel):
    model_config = _STRICT
    identifier: Identifier = Field(
        None, description="Company identifier, 1-50 characters; generated from the company "
                          "type's id mask when left out.")
    name: Text = Field(None, description="Company name (required unless from_company).")
    company_type: Text = Field(None, description="Code of an active company type.")
    trade_name: Text = None
    tax_id: Text = Field(None, description="Tax id, checked for the country where known.")
    email: Email = None
    phone: Text = None
    website: Website = None
    street: Text = None
    city: Text = None
    region: Text = None
    postal_code: Text = Field(None, description="Quote it in YAML to keep leading zeros.")
    country: Country = Field(None, description="ISO 3166-1 code (ES, GB, BR) or English name.")
    company_attributes: Attributes = Field(
        default_factory=dict, description="Values of the company type's attributes, by key.")


class CompanyEntry(_CompanyFields):
    """A company that is not a client (yet): a seed document's ``companies:``."""

    error_code: Text = Field(None, description=_IGNORED)
    error_message: Text = Field(None, description=_IGNORED)


class ClientEntry(_CompanyFields):
    """A client: a new company and its registration, or ``from_company`` naming an existing one."""

    from_company: Text = Field(
        None, description="Identifier of an existing company to register as a client; the "
                          "company fields are then left out.")
    category: Text = Field(None, description="Code of an active client category (required).")
    client_attributes: Attributes = Field(
        default_factory=dict, description="Values of the category's attributes, by key.")
    contacts: list[ContactEntry] = Field(default_factory=list)
    active: Flag = Field(True, description="false registers the client deactivated.")
    error_code: Text = Field(None, description=_IGNORED)
    error_message: Text = Field(None, description=_IGNORED)


class AttributeDeclaration(BaseModel):
    """A custom field declared on a company type or a category."""

    model_config = _STRICT
    key: Text = Field(None, description="Lower-case key: a-z, 0-9 and _.")
    label: Text = None
    type: Text = Field("text", json_schema_extra={"enum": list(ATTRIBUTE_TYPES)})
    required: Flag = False
    values: list[AttributeValue] = Field(default_factory=list,
                                         description="Allowed values of a list attribute.")
    min: AttributeValue = None
    max: AttributeValue = None
    decimals: AttributeValue = None


class _CatalogueEntry(BaseModel):
    model_config = _STRICT
    code: Text = Field(None, description="Unique code, stored upper-case.")
    name: Text = None
    parent: Text = Field(None, description="Code of the parent entry, declared before it.")
    active: Flag = True
    attributes: list[AttributeDeclaration] = Field(default_factory=list)


class CategoryEntry(_CatalogueEntry):
    """A client category (CT005)."""

    error_code: Text = Field(None, description=_IGNORED)
    error_message: Text = Field(None, description=_IGNORED)


class CompanyTypeEntry(_CatalogueEntry):
    """A company type (AD022)."""

    id_mask: Text = Field(None, description="Identifier mask with one {seq} field, such as "
                                            "CLI-{seq:05}.")
    allow_id_change: Flag = False
    error_code: Text = Field(None, description=_IGNORED)
    error_message: Text = Field(None, description=_IGNORED)


class SeedDocument(BaseModel):
    """A catalogue, companies and clients, applied together in one transaction."""

    model_config = _STRICT
    company_types: list[CompanyTypeEntry] = Field(default_factory=list)
    categories: list[CategoryEntry] = Field(default_factory=list)
    companies: list[CompanyEntry] = Field(default_factory=list)
    clients: list[ClientEntry] = Field(default_factory=list)


SEED_SECTIONS = tuple(SeedDocument.model_fields)
SECTION_MODELS: dict[str, type[BaseModel]] = {
    "company_types": CompanyTypeEntry, "categories": CategoryEntry,
    "companies": CompanyEntry, "clients": ClientEntry,
}
ImportDocument = Annotated[
    list[ClientEntry] | SeedDocument,
    Field(description="A list of clients, or a seed document."),
]

TABLE_ROWS = TypeAdapter(list[TableRow])
SECTION_ADAPTERS = {name: TypeAdapter(list[model]) for name, model in SECTION_MODELS.items()}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the YAML/JSON import format."""
    schema = TypeAdapter(ImportDocument).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "clientreg import file", **schema}


def table_row_problems(values: list[dict[str, str]]) -> Iterator[tuple[int, str, str, str]]:
    """(position in ``values``, column, code, message) of every problem in a chunk of rows."""
    try:
        TABLE_ROWS.validate_python(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            position, column = error["loc"][0], error["loc"][1]
            yield int(position), str(column), error["type"], _message(error)


def entry_problems(section: str, entries: list[Any],
                   ) -> Iterator[tuple[int, tuple[Any, ...], str, str, Any]]:
    """(position, location inside the entry, code, message, value) of every problem."""
    try:
        SECTION_ADAPTERS[section].validate_python(entries)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            if not loc:
                yield -1, (), "invalid-type", f"'{section}' must be a list", None
                continue
            yield int(loc[0]), tuple(loc[1:]), *_code_and_message(error, section), error.get(
                "input")


_TYPE_MESSAGES = {
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of fields to values",
    "model_attributes_type": "must be a mapping of fields to values",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def _message(error: Any) -> str:
    context = error.get("ctx") or {}
    return context.get("reason") or _TYPE_MESSAGES.get(error["type"]) or error["msg"]


def _code_and_message(error: Any, section: str) -> tuple[str, str]:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown-field", _unknown_field(error["loc"], section)
    if kind in _TYPE_MESSAGES or kind.endswith(("_type", "_parsing")):
        if isinstance(error.get("input"), list | dict) and error["loc"][-1] != "contacts":
            return "invalid-type", "must be a single value, not a list or mapping"
        return "invalid-type", _message(error)
    return kind, _message(error)


def _unknown_field(loc: tuple[Any, ...], section: str) -> str:
    import difflib

    model: type[BaseModel] = SECTION_MODELS[section]
    for part in loc[1:-1]:
        if part == "contacts":
            model = ContactEntry
        elif part == "attributes":
            model = AttributeDeclaration
    fields = [name for name in model.model_fields if not name.startswith("error_")]
    near = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else f" (fields: {', '.join(fields)})"
    return f"is not a field here{hint}"
