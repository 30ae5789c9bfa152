"""Field rules: each one normalises a value and rejects what a master-data tool must not store.

Every function takes raw text (or None) and returns the value to store, or raises InvalidValue
carrying the field, the value and the reason. The wizard's prompts, the import models and the core
all call these same functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from clientreg import plain_email, plain_phone
from clientreg.errors import InvalidValue

IDENTIFIER_MAX = 50
NAME_MAX = 255
SHORT_TEXT_MAX = 100
EMAIL_MAX = 254
PHONE_INPUT_MAX = 50
WEBSITE_MAX = 255
TAX_ID_MAX = 50
POSTAL_CODE_MAX = 20
MEMO_MAX = 4000

# Checked values kept per rule: enough to meet a value again within a chunk or two (a file's rows
# are checked by the import's models and then by the core), bounded so memory stays flat.
_CACHED_VALUES = 4096

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
    if type(value) is str and value.isascii() and value.isprintable():
        # Most values are plain ASCII: nothing to normalise, no line breaks or controls, so
        # trimming is all _clean_text would do to one without double spaces.
        text = value.strip()
        if text and "  " not in text and len(text) <= max_length:
            return text
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
        raise InvalidValue(
            f"is {len(text)} characters long; at most {max_length} are allowed",
            field=field,
            value=value,
            code="too-long",
        )
    return text


def _reject_control_characters(text: str, *, field: str, multiline: bool) -> None:
    if text.isprintable():
        return
    allowed = "\n\t" if multiline else ""
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in _CONTROL_CATEGORIES:
            raise InvalidValue(
                f"contains the control character U+{ord(char):04X}",
                field=field,
                value=text,
                code="invalid-character",
            )


def required_text(value: object, *, field: str, max_length: int = NAME_MAX) -> str:
    """Like clean_text, but a blank value is a missing-value error."""
    text = clean_text(value, field=field, max_length=max_length)
    if text is None:
        raise InvalidValue("is required", field=field, value=value, code="missing-value")
    return text


def identifier(value: object, *, field: str = "identifier") -> str:
    """A company identifier: 1-50 characters, letters, digits and . _ / - (no spaces)."""
    text = required_text(value, field=field, max_length=IDENTIFIER_MAX)
    if not _IDENTIFIER_RE.fullmatch(text):
        raise InvalidValue(
            "may hold only letters A-Z, digits and . _ / - and must start with a letter or digit",
            field=field,
            value=value,
            code="invalid-identifier",
        )
    return text


def identifier_key(text: str) -> str:
    """The form identifiers are compared in: trimmed and case-folded."""
    return text.strip().casefold()


def code(value: object, *, field: str = "code") -> str:
    """A catalogue code (company type, category): stored upper-case."""
    return identifier(value, field=field).upper()


@lru_cache(maxsize=_CACHED_VALUES)
def _validated_email(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    normalised = plain_email.normalise(text)  # the library's result for plain ASCII addresses
    if normalised is not None:
        return normalised
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(str(exc), field="email", value=text, code="invalid-email") from None
    return result.normalized


def email(value: object, *, field: str = "email") -> str | None:
    """An e-mail address, checked offline by email-validator and stored in its normalised form."""
    text = clean_text(value, field=field, max_length=EMAIL_MAX)
    if text is None:
        return None
    try:
        return _validated_email(text)
    except InvalidValue as exc:
        raise InvalidValue(exc.reason, field=field, value=value, code=exc.code) from None


def email_key(address: str) -> str:
    """The form e-mails are compared in: the whole address case-folded."""
    return address.casefold()


@lru_cache(maxsize=_CACHED_VALUES)
def _parsed_phone(text: str, region: str | None) -> str:
    plain = plain_phone.e164(text, region)  # the library's result for plainly written numbers
    if plain is not None:
        return plain
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = f" for country {region}" if region else " (give +country code or a country)"
        raise InvalidValue(
            f"is not a valid phone number{hint}", field="phone", value=text, code="invalid-phone"
        )
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        formatted += f";ext={number.extension}"
    return formatted


def phone(value: object, *, country: str | None = None, field: str = "phone") -> str | None:
    """A phone number parsed with phonenumbers (country as default region), stored in E.164."""
    text = clean_text(value, field=field, max_length=PHONE_INPUT_MAX)
    if text is None:
        return None
    try:
        return _parsed_phone(text, country)
    except InvalidValue as exc:
        raise InvalidValue(exc.reason, field=field, value=value, code=exc.code) from None


@lru_cache(maxsize=4096)
def _country_code(text: str) -> str | None:
    import pycountry

    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def country(value: object, *, field: str = "country") -> str | None:
    """A country as ISO 3166-1 alpha-2; an alpha-3 code or an English name is accepted too."""
    text = clean_text(value, field=field, max_length=SHORT_TEXT_MAX)
    if text is None:
        return None
    found = _country_code(text.upper() if len(text) <= 3 else text)
    if found is None:
        raise InvalidValue(
            "is not a country: use an ISO 3166 code such as ES, GB or BR",
            field=field,
            value=value,
            code="invalid-country",
        )
    return found


_EU_VAT_PREFIXES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
}  # fmt: skip
# GB left the EU VAT system: "GB..." numbers are checked by stdnum.gb.vat through the country.


def _tax_module(compact: str, country_code: str | None):
    """The python-stdnum module that knows this tax id, or None where none does."""
    from stdnum import get_cc_module
    from stdnum.eu import vat as eu_vat

    if compact[:2] in _EU_VAT_PREFIXES:
        return eu_vat
    if compact[:2] == "GB":
        from stdnum.gb import vat as gb_vat

        return gb_vat
    if country_code == "BR":
        from stdnum.br import cnpj, cpf

        return cpf if len(compact) == 11 else cnpj
    if country_code:
        try:
            return get_cc_module(country_code.lower(), "vat")
        except (ImportError, ValueError):
            return None
    return None


@lru_cache(maxsize=_CACHED_VALUES)
def _checked_tax_id(text: str, country_code: str | None) -> str:
    from stdnum.exceptions import ValidationError

    compact = re.sub(r"[\s.\-/]", "", text).upper()
    module = _tax_module(compact, country_code)
    if module is None:
        if not compact.isalnum():
            raise InvalidValue(
                "may hold only letters and digits", field="tax_id", value=text,
                code="invalid-tax-id",
            )
        return compact
    try:
        valid = module.validate(compact)
    except ValidationError as exc:
        name = getattr(module, "__name__", "").removeprefix("stdnum.").replace(".", " ").upper()
        raise InvalidValue(
            f"is not a valid tax id ({name}: {exc})",
            field="tax_id",
            value=text,
            code="invalid-tax-id",
        ) from None
    return _with_vat_prefix(valid, compact, country_code)


def _with_vat_prefix(valid: str, compact: str, country_code: str | None) -> str:
    """One stored form per tax id: where the number is a VAT number, with its country prefix.

    stdnum keeps the prefix of "ESB12345674" but drops it from "GB980780684" and never adds one
    to "B12345674" typed for a Spanish company; all three forms must meet the same UNIQUE key.
    """
    prefix = compact[:2] if compact[:2] in _EU_VAT_PREFIXES or compact[:2] == "GB" else None
    if prefix is None and country_code:
        prefix = "EL" if country_code == "GR" else country_code
        if prefix not in _EU_VAT_PREFIXES and prefix != "GB":
            return valid
    if prefix is None or valid.startswith(prefix):
        return valid
    return prefix + valid


def tax_id(value: object, *, country: str | None = None, field: str = "tax_id") -> str | None:
    """A tax id checked with python-stdnum where it knows the country's format.

    Stored compact; a VAT number of an EU country or the UK carries its country prefix.
    """
    text = clean_text(value, field=field, max_length=TAX_ID_MAX)
    if text is None:
        return None
    try:
        return _checked_tax_id(text, country)
    except InvalidValue as exc:
        raise InvalidValue(exc.reason, field=field, value=value, code=exc.code) from None


def website(value: object, *, field: str = "website") -> str | None:
    """An http(s) URL with a host; ``example.com`` becomes ``https://example.com``."""
    from urllib.parse import urlsplit

    text = clean_text(value, field=field, max_length=WEBSITE_MAX)
    if text is None:
        return None
    candidate = text if "://" in text else f"https://{text}"
    parts = urlsplit(candidate)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or " " in candidate:
        raise InvalidValue(
            "is not an http(s) web address", field=field, value=value, code="invalid-website"
        )
    return candidate


def flag(value: object, *, field: str) -> bool:
    """A yes/no value as spreadsheets write it."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().casefold()
    if text in ("", "0", "false", "no", "n", "f"):
        return False
    if text in ("1", "true", "yes", "y", "t", "x", "si", "sí"):
        return True
    raise InvalidValue("must be true or false", field=field, value=value, code="invalid-flag")


_LANGUAGE_RE = re.compile(r"([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}))?")


def language(value: object, *, field: str = "language") -> str | None:
    """A language tag such as es, en or pt_BR (stored as ll or ll_CC)."""
    text = clean_text(value, field=field, max_length=10)
    if text is None:
        return None
    match = _LANGUAGE_RE.fullmatch(text)
    if match is None:
        raise InvalidValue("must be a language code such as es, en or pt_BR", field=field,
                           value=value, code="invalid-language")
    lang, region = match.groups()
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()
