"""The phone fast path gives exactly phonenumbers' answer on generated, example and real numbers;
rules.phone gives the same answer with the fast paths on and off."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from clientreg import fast, rules
from clientreg.errors import InvalidValue
from clientreg.fast import plain_phone

ROOT = Path(__file__).resolve().parent.parent
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
# Countries clients are often in, regions sharing a calling code (+1, +7, +44, +47, +590...),
# some with national prefixes and carrier codes (BR, AR, MX, CO), Italian leading zeros (IT, SM,
# VA), countries with no phone metadata (AQ) and no country at all.
NEAR = ["ES", "GB", "US", "BR", "PT", "FR", "DE", "IT", "MX", "AR", "CO", "CA", "AG", "JM",
        "RU", "KZ", "IM", "JE", "GG", "NO", "SJ", "GP", "BL", "VA", "SM", "IN", "CN", "AU",
        "JP", "AQ", None]
TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
         PhoneNumberType.PREMIUM_RATE, PhoneNumberType.VOIP, PhoneNumberType.UAN]
FORMATS = [PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL]


def library(text: str, region: str | None) -> str | None:
    """What clientreg stored before the fast path: the library's E.164, or None if invalid."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    found = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return f"{found};ext={number.extension}" if number.extension else found


def assert_same(text: str, region: str | None) -> str | None:
    shortcut = plain_phone.e164(text, region)
    expected = library(text, region)
    if shortcut is not None:
        assert shortcut == expected, (text, region)
    cleaned = rules.clean_text(text, field="phone", max_length=10_000)
    for enabled in (True, False):
        with fast.switched(enabled):
            try:
                stored = rules.phone(text, country=region)
            except InvalidValue:
                stored = None
        if cleaned is not None and len(cleaned) <= rules.PHONE_INPUT_MAX:
            assert stored == library(cleaned, region), (text, region, enabled)
    return shortcut


def _examples() -> list[tuple[str, str | None]]:
    """The library's example number of each type of each region, written as people write it."""
    found = []
    for region in REGIONS:
        for number_type in TYPES:
            number = phonenumbers.example_number_for_type(region, number_type)
            if number is None:
                continue
            for style in FORMATS:
                text = phonenumbers.format_number(number, style)
                found.append((text, region))
                if style is not PhoneNumberFormat.NATIONAL:
                    found.append((text, None))
    return found


EXAMPLES = _examples()


def test_the_example_number_of_every_region_gives_the_library_result():
    assert len(EXAMPLES) > 3000
    for text, region in EXAMPLES:
        assert_same(text, region)


def test_every_valid_number_in_e164_takes_the_fast_path():
    # Regions that share a calling code (+1, +44, +7...) included: the number's own region is
    # found as the library finds it.
    written = {text for text, _ in EXAMPLES if text.startswith("+") and text[1:].isdigit()}
    valid = [text for text in written if library(text, None) is not None]
    assert len(valid) > 800
    for text in valid:
        assert plain_phone.e164(text, None) == library(text, None), text


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLES), st.lists(st.tuples(st.integers(0, 30), st.sampled_from(
    "0123456789"), st.sampled_from(["replace", "insert", "delete"])), max_size=3),
    st.sampled_from(NEAR))
def test_numbers_near_valid_ones_give_the_library_result(example, edits, region):
    # Valid numbers with digits changed, added or taken away: the edges of each pattern.
    text, home = example
    for position, digit, edit in edits:
        position %= len(text) + 1
        if edit == "replace" and position < len(text) and text[position].isdigit():
            text = text[:position] + digit + text[position + 1:]
        elif edit == "insert" and position > 0:
            text = text[:position] + digit + text[position:]
        elif edit == "delete" and position < len(text) and text[position].isdigit():
            text = text[:position] + text[position + 1:]
    assert_same(text, home)
    assert_same(text, region)


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="0123456789 +-.()", max_size=25), st.sampled_from(NEAR))
def test_any_text_of_phone_characters_gives_the_library_result(text, region):
    assert_same(text, region)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(NEAR), st.from_regex(r"\+?\(?[0-9]{1,4}\)?([ .-]?[0-9]{2,4}){1,5}",
                                            fullmatch=True))
def test_plainly_written_numbers_give_the_library_result(region, text):
    assert_same(text, region)


def _benchmark_numbers(count: int = 3000) -> list[tuple[str, str | None]]:
    spec = importlib.util.spec_from_file_location(
        "datagen", ROOT / "tests" / "benchmarks" / "datagen.py")
    assert spec is not None and spec.loader is not None
    datagen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(datagen)
    found = []
    country = None
    for row in datagen.client_rows(count):
        if row["country"]:
            country = rules.country(row["country"])
        found += [(row[column], country) for column in ("phone", "contact_phone")
                  if row[column]]
    return found


def test_real_numbers_give_the_library_result_and_mostly_take_the_fast_path():
    numbers = _benchmark_numbers()
    assert len(numbers) > 3000
    taken = [text for text, region in numbers if assert_same(text, region) is not None]
    assert len(taken) >= 0.95 * len(numbers)


@pytest.mark.parametrize(("text", "region"), [
    ("+34 91 123 45 67 ext. 12", "ES"),   # an extension
    ("0034 911 234 567", "ES"),           # an international call prefix
    ("011 34 911 234 567", "US"),
    ("34 911 234 567", "ES"),             # the country code without its +
    ("tel:+34-91-123-45-67", None),       # RFC 3966
    ("+３４ ９１１ ２３４ ５６７", None),   # full-width digits
    ("1-800-FLOWERS", "US"),              # letters
    ("+34 91 123 45 67 / 68", "ES"),      # a second number
    ("911 234 567", None),                # no country to read it in
    ("+34 12", "ES"),                     # too short: invalid, so the library says why
])
def test_unusual_numbers_go_to_the_library(text, region):
    assert plain_phone.e164(text, region) is None
    assert_same(text, region)


def test_numbers_as_people_write_them_take_the_fast_path():
    assert plain_phone.e164("+34 915 64 98 50", "ES") == "+34915649850"
    assert plain_phone.e164("(617) 623-6982", "US") == "+16176236982"
    assert plain_phone.e164("020 7946 0018", "GB") == "+442079460018"
    assert plain_phone.e164("(11) 98765-4321", "BR") == "+5511987654321"
    assert plain_phone.e164("06 12 34 56 78", "FR") == "+33612345678"
    assert plain_phone.e164("+39 06 1234 5678", None) == "+390612345678"  # a leading zero kept
