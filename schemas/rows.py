"""The import formats as pydantic models: a client entry, a seed document, and their shape.

The models check the shape of a YAML or JSON entry (which fields exist, text or list or mapping)
and turn it into values the core's drafts take: a number where text is meant becomes its digits.
They check no value: e-mail syntax, countries, flags and the rest are the core's rules, checked
once, by the core. A table's shape is its header (see ``columns``): its cells are all text.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from clientreg.attributes import ATTRIBUTE_TYPES
from clientreg.messages import MESSAGES, Message


def _as_text(value: Any) -> Any:
    """YAML and JSON may give a number where text is meant (postal_code: 28001): keep its digits."""
    if isinstance(value, bool):
        raise PydanticCustomError("invalid-type/text-not-flag", "must be text, not true or false")
    if isinstance(value, int | float):
        return number_text(value)
    return value


def _single_value(value: Any) -> Any:
    """An attribute value is one scalar; a list or mapping is refused once, not once per type."""
    if isinstance(value, list | dict):
        raise PydanticCustomError("invalid-type/single-value",
                                  "must be a single value, not a list or mapping")
    if value is not None and not isinstance(value, str | int | float | bool):
        raise PydanticCustomError("invalid-type/text", "must be text")
    return value


def number_text(value: int | float) -> str:
    """A number read from YAML or JSON as text: 12 -> '12', 12.5 -> '12.5'."""
    return str(value) if isinstance(value, int) else repr(value)


Text = Annotated[str | None, BeforeValidator(_as_text)]
Flag = Annotated[Any, WithJsonSchema({"type": "boolean"})]
"""A yes/no value as given; the core's flag rule reads it (true, no, 1, x, ...)."""
AttributeValue = Annotated[str | int | float | bool | None, BeforeValidator(_single_value)]
Attributes = dict[str, AttributeValue]


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ContactEntry(BaseModel):
    """A contact of the client; it becomes (or is linked to) an external user by e-mail."""

    model_config = _STRICT
    name: Text = Field(None, description="Full name (required).")
    email: Text = Field(None, description="E-mail, the external user's login (required).")
    phone: Text = Field(None, description="Phone; stored in E.164 with the company's country.")
    position: Text = None
    department: Text = None
    language: Text = Field(None, description="Language code such as es, en or pt_BR.")
    default: Flag = Field(False, description="The company's default contact (one at most).")


# A rejects file (import --errors) hands entries back with these two keys; import ignores them.
_IGNORED = "Ignored: written by 'import --errors'."


class _CompanyFields(BaseModel):
    model_config = _STRICT
    identifier: Text = Field(
        None, description="Company identifier, 1-50 characters; generated from the company "
                          "type's id mask when left out.")
    name: Text = Field(None, description="Company name (required unless from_company).")
    company_type: Text = Field(None, description="Code of an active company type.")
    trade_name: Text = None
    tax_id: Text = Field(None, description="Tax id, checked for the country where known.")
    email: Text = None
    phone: Text = None
    website: Text = None
    street: Text = None
    city: Text = None
    region: Text = None
    postal_code: Text = Field(None, description="Quote it in YAML to keep leading zeros.")
    country: Text = Field(None, description="ISO 3166-1 code (ES, GB, BR), or name in "
                          "English, Spanish, Portuguese or German (España, Brasil, Deutschland).")
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


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the YAML/JSON import format."""
    schema = TypeAdapter(ImportDocument).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "clientreg import file", **schema}


Location = tuple[str | int, ...]
"""A place inside an entry, as pydantic gives it: ("contacts", 1, "email")."""


class EntryProblem(NamedTuple):
    """A problem of an entry's shape: where inside the entry, what, and the value found there."""

    location: Location
    message: Message
    value: Any


class ShapedEntry(NamedTuple):
    """An entry as its model reads it: the model (None when the entry is not a mapping), the
    problems of its shape, and the places whose values were left out for them."""

    model: BaseModel | None
    problems: list[EntryProblem]
    left_out: list[Location]


def shaped_entry(section: str, entry: Any) -> ShapedEntry:
    """An entry of a section, read by its model; a value of the wrong shape is left out, so the
    rest of the entry still reaches the core."""
    model = SECTION_MODELS[section]
    try:
        return ShapedEntry(model.model_validate(entry), [], [])
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    problems = [EntryProblem(tuple(error["loc"]), _problem(error, section), error.get("input"))
                for error in errors]
    left_out: list[Location] = []
    for error in errors:
        entry, place = _without(entry, tuple(error["loc"]), error["type"])
        if entry is None:
            return ShapedEntry(None, problems, left_out)
        left_out.append(place)
    try:
        return ShapedEntry(model.model_validate(entry), problems, left_out)
    except ValidationError:
        return ShapedEntry(None, problems, left_out)


def _without(data: Any, location: Location, kind: str) -> tuple[Any, Location]:
    """The data with the value at ``location`` left out, and where that value was.

    pydantic may name a place below the value (the member of a union it tried), so the value
    left out is the deepest one that exists. A list keeps its length, so that the places after
    it keep their numbers: a contact that is not a mapping becomes an empty one.
    """
    path: list[str | int] = []
    node = data
    for part in location:
        if not _holds(node, part):
            break
        node = node[part]
        path.append(part)
    if not path:
        return None, ()
    empty: Any = {} if kind in ("model_type", "model_attributes_type") else None
    return _replaced(data, path, empty), tuple(path)


def _holds(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _replaced(data: Any, path: list[str | int], empty: Any) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy: Any = dict(data)
        if rest:
            copy[head] = _replaced(data[head], rest, empty)
        else:
            del copy[head]
        return copy
    copy = list(data)
    copy[head] = _replaced(data[head], rest, empty) if rest else empty
    return copy


_TYPE_KEYS = {
    "string_type": "invalid-type/text",
    "list_type": "invalid-type/list",
    "dict_type": "invalid-type/mapping",
    "model_type": "invalid-type/fields",
    "model_attributes_type": "invalid-type/fields",
    "bool_type": "invalid-type/flag",
    "bool_parsing": "invalid-type/flag",
}


def _problem(error: Any, section: str) -> Message:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"], section)
    if kind in MESSAGES:  # raised by a validator of this module, already a key
        return Message(kind)
    if isinstance(error.get("input"), list | dict) and error["loc"][-1] != "contacts":
        return Message("invalid-type/single-value")
    if kind in _TYPE_KEYS:
        return Message(_TYPE_KEYS[kind])
    return Message("invalid-type/detail", {"detail": error["msg"]})


def _unknown_field(loc: Location, section: str) -> Message:
    model: type[BaseModel] = SECTION_MODELS[section]
    for part in loc[:-1]:
        if part == "contacts":
            model = ContactEntry
        elif part == "attributes":
            model = AttributeDeclaration
    fields = [name for name in model.model_fields if not name.startswith("error_")]
    near = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.6)
    if near:
        return Message("unknown-field/did-you-mean", {"suggestion": near[0]})
    return Message("unknown-field/fields", {"fields": ", ".join(fields)})
