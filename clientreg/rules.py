"""Field rules: each one normalises a value and rejects what a master-data tool must not store.

Every function takes raw text (or None) and returns the value to store, or raises InvalidValue
carrying the field, the value and its message. The core checks each value once with them; the
wizard's prompts call the same functions for early feedback (clientreg.fields names the rule of
each field).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from clientreg import fast
from clientreg.errors import InvalidValue
from clientreg.fast import plain_email, plain_phone

if TYPE_CHECKING:
    from clientreg.locale_values import ValueLocale

IDENTIFIER_MAX = 50
NAME_MAX = 255
SHORT_TEXT_MAX = 100
EMAIL_MAX = 254
PHONE_INPUT_MAX = 50
WEBSITE_MAX = 255
TAX_ID_MAX = 50
POSTAL_CODE_MAX = 20
LANGUAGE_MAX = 10
MEMO_MAX = 4000

_IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_SPACES_RE = re.compile(r"\s+")
_CONTROL_CATEGORIES = {"Cc", "Cs"}


def clean_text(
    value: object, *, field: str, max_length: int = NAME_MAX, multiline: bool = False
) -> str | None:
    """Trim, NFC-normalise and length-check a free-text value; blank means absent (None).

    One-line text has every run of whitespace (tabs and line breaks included) made one space;
    multi-line text keeps its tabs and line breaks, all stored as LF. Other control characters
    are rejected rather than silently dropped: what is stored is what comes back.
    """
    return _clean_text(value, field=field, max_length=max_length, multiline=multiline)


def _clean_text(value: object, *, field: str, max_length: int, multiline: bool) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if multiline and "\r" in text:
        # Windows (CR LF) and old Mac (CR) line ends, as CSV cells and pasted text carry them,
        # are line breaks like LF, not control characters to refuse.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if not text:
        return None
    if not multiline:
        text = _SPACES_RE.sub(" ", text) if ("  " in text or not text.isprintable()) else text
    _reject_control_characters(text, field=field, multiline=multiline)
    if len(text) > max_length:
        raise InvalidValue("too-long", field=field, value=value, length=len(text),
                           max=max_length)
    return text


# Format characters (category Cf) that real text needs: the zero-width non-joiner and joiner
# spell Persian and Indic words and join emoji sequences (a family, a profession), and a
# prepended concatenation mark (U+0600-U+0605, U+06DD, U+070F, U+0890, U+0891, U+08E2, U+110BD,
# U+110CD) is a visible sign over the digits after it. Every other one is refused:
# bidirectional embeddings, overrides, isolates and marks (LRM, RLM, ALM) reorder or hide what
# is shown, zero-width spaces and word joiners, the BOM and the soft hyphen make equal-looking
# values differ; a field's own letters give right-to-left text its direction. Tag characters
# are kept only where they spell a subdivision flag emoji (England, Scotland, Wales).
_JOINERS = "\u200c\u200d"
_CONCATENATION_MARKS = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
    "\U000110bd\U000110cd")
_CANCEL_TAG = "\U000e007f"
_TAG_FLAG_RE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def _reject_control_characters(text: str, *, field: str, multiline: bool) -> None:
    """Refuse control characters, lone surrogates and invisible format characters.

    A joiner must follow a character that is not ASCII (a Persian, Indic or emoji character),
    where it changes what is drawn; between Latin letters it would only hide a difference. Tag
    characters are allowed only inside a subdivision flag emoji (U+1F3F4, tags, U+E007F).
    """
    if text.isprintable():
        return
    allowed = "\n\t" if multiline else ""
    given = text
    if _CANCEL_TAG in text:
        text = _TAG_FLAG_RE.sub("\U0001f3f4", text)  # what is left of tags is refused below
    for position, char in enumerate(text):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if category in _CONTROL_CATEGORIES:
            raise InvalidValue("invalid-character", field=field, value=given,
                               codepoint=ord(char))
        if category != "Cf" or char in _CONCATENATION_MARKS:
            continue
        if (char in _JOINERS and position > 0 and not text[position - 1].isascii()
                and position + 1 < len(text)):
            continue
        raise InvalidValue("invalid-character/format", field=field, value=given,
                           character=_character_name(char))


def _character_name(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def required_text(value: object, *, field: str, max_length: int = NAME_MAX) -> str:
    """Like clean_text, but a blank value is a missing-value error."""
    text = clean_text(value, field=field, max_length=max_length)
    if text is None:
        raise InvalidValue("missing-value", field=field, value=value)
    return text


def identifier(value: object, *, field: str = "identifier") -> str:
    """A company identifier: 1-50 characters, letters, digits and . _ / - (no spaces)."""
    text = required_text(value, field=field, max_length=IDENTIFIER_MAX)
    if not _IDENTIFIER_RE.fullmatch(text):
        raise InvalidValue("invalid-identifier", field=field, value=value)
    return text


def identifier_key(text: str) -> str:
    """The form identifiers are compared in: trimmed and case-folded."""
    return text.strip().casefold()


def code(value: object, *, field: str = "code") -> str:
    """A catalogue code (company type, category): stored upper-case."""
    return identifier(value, field=field).upper()


def email(value: object, *, field: str = "email") -> str | None:
    """An e-mail address, checked offline by email-validator and stored in its normalised form."""
    text = clean_text(value, field=field, max_length=EMAIL_MAX)
    if text is None:
        return None
    # The library's result for plain ASCII addresses.
    normalised = plain_email.normalise(text) if fast.ENABLED else None
    if normalised is not None:
        return normalised
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        from clientreg.library_reasons import reason

        raise InvalidValue("invalid-email", field=field, value=value,
                           detail=reason(str(exc))) from None
    return result.normalized


def email_key(address: str) -> str:
    """The form e-mails are compared in: the whole address lower-cased.

    Lower-cased, not case-folded: case-folding makes strasse@ and straße@ one address, which
    they are not; lower-casing only joins what differs by letter case (Ana@ and ana@).
    """
    return address.lower()


def phone(value: object, *, country: str | None = None, field: str = "phone") -> str | None:
    """A phone number parsed with phonenumbers (country as default region), stored in E.164."""
    text = clean_text(value, field=field, max_length=PHONE_INPUT_MAX)
    if text is None:
        return None
    # The library's result for plainly written numbers.
    plain = plain_phone.e164(text, country) if fast.ENABLED else None
    if plain is not None:
        return plain
    import phonenumbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if country:
            raise InvalidValue("invalid-phone/country", field=field, value=value, country=country)
        raise InvalidValue("invalid-phone", field=field, value=value)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        formatted += f";ext={number.extension}"
    return formatted


# A file names the same handful of countries on every row, and the first name looked up builds
# the index of names (a tenth of a second): the answers are kept, a few hundred at most.
@lru_cache(maxsize=1024)
def _country_code(text: str) -> str | tuple[str, ...] | None:
    """The alpha-2 code a country's code or name gives; a tuple of codes for a name that
    several countries share; None for no country."""
    import pycountry

    from clientreg.territories import countries_named

    countries = pycountry.countries
    found = (countries.get(alpha_2=text) or countries.get(alpha_3=text)
             or countries.get(numeric=text))
    if found is not None:
        return found.alpha_2
    named = countries_named(text)
    if len(named) > 1:
        return named
    return named[0] if named else None


def country(value: object, *, field: str = "country") -> str | None:
    """A country as ISO 3166-1 alpha-2, from its alpha-2, alpha-3 or numeric code or its name.

    A name is compared without case or accents, in English, Spanish, Portuguese or German
    (CLDR's names, see clientreg.territories): España, Alemania, Brasil and Deutschland are ES,
    DE, BR and DE. A name two countries share is refused, never guessed.
    """
    text = clean_text(value, field=field, max_length=SHORT_TEXT_MAX)
    if text is None:
        return None
    found = _country_code(text.upper() if len(text) <= 3 else text)
    if found is None:
        raise InvalidValue("invalid-country", field=field, value=value)
    if isinstance(found, tuple):
        raise InvalidValue("invalid-country/ambiguous", field=field, value=value,
                           countries=", ".join(found))
    return found


_EU_VAT_PREFIXES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
}  # fmt: skip
# GB left the EU VAT system: "GB..." numbers are checked by stdnum.gb.vat through the country.


def _vat_prefix(compact: str) -> str | None:
    """The country prefix a tax id is written with (ESB12345674, EL094259216, GB980780684)."""
    prefix = compact[:2]
    return prefix if prefix in _EU_VAT_PREFIXES or prefix == "GB" else None


def _tax_module(compact: str, country_code: str | None):
    """The python-stdnum module that knows this tax id, or None where none does."""
    from stdnum import get_cc_module
    from stdnum.eu import vat as eu_vat

    prefix = _vat_prefix(compact)
    if prefix == "GB":
        from stdnum.gb import vat as gb_vat

        return gb_vat
    if prefix is not None:
        return eu_vat
    if country_code == "BR":
        from stdnum.br import cnpj, cpf

        return cpf if len(compact) == 11 else cnpj
    if country_code:
        try:
            return get_cc_module(country_code.lower(), "vat")
        except (ImportError, ValueError):
            return None
    return None


def _compact_tax_id(text: str) -> str:
    return re.sub(r"[\s.\-/]", "", text).upper()


def _checked_tax_id(text: str, country_code: str | None, *, field: str = "tax_id",
                    value: object = None) -> str:
    from stdnum.exceptions import ValidationError

    value = text if value is None else value
    compact = _compact_tax_id(text)
    if country_code is None and _vat_prefix(compact) is None:
        # Without a country a number cannot be checked, and "B12345674" would be a second
        # company beside the "ESB12345674" it is for a Spanish one.
        raise InvalidValue("tax-id-needs-country", field=field, value=value)
    module = _tax_module(compact, country_code)
    if module is None:
        if not compact.isalnum():
            raise InvalidValue("invalid-tax-id/characters", field=field, value=value)
        return compact
    try:
        valid = module.validate(compact)
    except ValidationError as exc:
        name = getattr(module, "__name__", "").removeprefix("stdnum.").replace(".", " ").upper()
        from clientreg.library_reasons import tax_id_reason

        raise InvalidValue("invalid-tax-id", field=field, value=value, scheme=name,
                           detail=tax_id_reason(exc)) from None
    return _with_vat_prefix(valid, compact, country_code)


def _with_vat_prefix(valid: str, compact: str, country_code: str | None) -> str:
    """One stored form per tax id: where the number is a VAT number, with its country prefix.

    stdnum keeps the prefix of "ESB12345674" but drops it from "GB980780684" and never adds one
    to "B12345674" typed for a Spanish company; all three forms must meet the same UNIQUE key.
    """
    prefix = _vat_prefix(compact)
    if prefix is None and country_code:
        prefix = "EL" if country_code == "GR" else country_code
        if prefix not in _EU_VAT_PREFIXES and prefix != "GB":
            return valid
    if prefix is None or valid.startswith(prefix):
        return valid
    return prefix + valid


def tax_id(value: object, *, country: str | None = None, field: str = "tax_id") -> str | None:
    """A tax id checked with python-stdnum where it knows the country's format.

    Its country is the company's, or the VAT prefix it is written with; one with neither is
    refused. Stored compact; a VAT number of an EU country or the UK carries its country prefix.
    """
    text = clean_text(value, field=field, max_length=TAX_ID_MAX)
    if text is None:
        return None
    return _checked_tax_id(text, country, field=field, value=value)


def postal_code(value: object, *, country: str | None = None,
                field: str = "postal_code") -> str | None:
    """A postal code as typed, in its country's format where the company's country has one
    (clientreg.postal_codes: 08001 in Spain, not 8001); free text within the length limit
    without a country or where it has no format."""
    text = clean_text(value, field=field, max_length=POSTAL_CODE_MAX)
    if text is None or country is None:
        return text
    from clientreg.postal_codes import check_postal_code

    return check_postal_code(text, country, field=field, value=value)


def website(value: object, *, field: str = "website") -> str | None:
    """An http(s) URL with a host; ``example.com`` becomes ``https://example.com``."""
    from urllib.parse import urlsplit

    text = clean_text(value, field=field, max_length=WEBSITE_MAX)
    if text is None:
        return None
    candidate = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises for a port that is no number, or out of range
    except ValueError:  # a bracketed host that is no IP address ([red]), an invalid port
        raise InvalidValue("invalid-website", field=field, value=value) from None
    if parts.scheme not in ("http", "https") or "." not in host or " " in candidate:
        raise InvalidValue("invalid-website", field=field, value=value)
    return candidate


def flag(value: object, *, field: str, locale: ValueLocale | None = None) -> bool:
    """A yes/no value as spreadsheets write it.

    VERDADERO and FALSO, the booleans of a sheet in Spanish, mean one thing in any language and
    are read always; with a ``locale`` that names one, the words of its language too (ja, nein,
    wahr, falsch for de: see clientreg.locale_values.FLAG_WORDS). With the strict locale (no
    name), a word refused says which likely locale would read it.
    """
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().casefold()
    if text in ("", "0", "false", "no", "n", "f", "falso"):
        return False
    if text in ("1", "true", "yes", "y", "t", "x", "si", "sí", "verdadero"):
        return True
    if locale is not None:
        from clientreg import locale_values

        if locale.name is None:
            hint = locale_values.flag_reading(text)
            if hint is not None:
                raise InvalidValue("invalid-flag/hint", field=field, value=value,
                                   reading=hint.value, locale=hint.locale)
        else:
            read = locale_values.read_flag(text, locale.name)
            if read is not None:
                return read
            words = locale_values.flag_words(locale.name)
            if words:
                raise InvalidValue("invalid-flag/locale", field=field, value=value,
                                   locale=locale.name, words=words)
    raise InvalidValue("invalid-flag", field=field, value=value)


_LANGUAGE_RE = re.compile(r"([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}))?")


def language(value: object, *, field: str = "language") -> str | None:
    """A language tag such as es, en or pt_BR (stored as ll or ll_CC)."""
    text = clean_text(value, field=field, max_length=LANGUAGE_MAX)
    if text is None:
        return None
    match = _LANGUAGE_RE.fullmatch(text)
    if match is None:
        raise InvalidValue("invalid-language", field=field, value=value)
    lang, region = match.groups()
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()


def tax_id_search_keys(text: str) -> list[str]:
    """Every stored form a tax id typed in a search can have, most likely first.

    A tax id is stored in the compact form ``tax_id`` gives it for the company's country, which
    the text may not spell ('B-41954256' is stored as ESB41954256 for a Spanish company): so the
    forms for its own VAT prefix, for each EU country whose format the number fits, for the UK
    and for Brazil are listed, and the plain compact text, as a country stdnum does not know
    stores it. Empty when the text cannot be a tax id.
    """
    if len(text) > 2 * TAX_ID_MAX:
        return []
    try:
        cleaned = clean_text(text, field="search", max_length=TAX_ID_MAX)
    except InvalidValue:
        return []
    if not cleaned:
        return []
    compact = _compact_tax_id(cleaned)
    if not compact.isalnum():
        return []
    from stdnum.eu import vat

    countries: list[str | None] = [None, *(c.upper() for c in vat.guess_country(compact)),
                                   "GB", "BR"]
    keys: list[str] = []
    for country_code in countries:
        try:
            keys.append(_checked_tax_id(cleaned, "GR" if country_code == "EL" else country_code))
        except InvalidValue:
            continue
    if any(char.isdigit() for char in compact):
        keys.append(compact)
    return list(dict.fromkeys(keys))
