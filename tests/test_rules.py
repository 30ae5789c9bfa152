"""Field rules: what a master-data tool stores, normalises and refuses, value by value."""

import unicodedata

import pytest

from clientreg import attributes, rules
from clientreg.errors import InvalidValue


def rejected(check, *args, **kwargs) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        check(*args, **kwargs)
    return caught.value


# --- text: NFC, trimming, whitespace, control characters, lengths --------------------------


def test_text_is_trimmed_and_nfc_normalised():
    decomposed = "  Cafe\u0301 Peñalara  "
    stored = rules.clean_text(decomposed, field="name")
    assert stored == "Café Peñalara"
    assert unicodedata.is_normalized("NFC", stored)
    assert len(stored) == len("Café Peñalara")


def test_inner_whitespace_is_collapsed_in_one_line_text():
    assert rules.clean_text("ACME \t  Trading\u00a0 Ltd", field="name") == "ACME Trading Ltd"


def test_blank_text_is_absent_and_required_text_says_so():
    assert rules.clean_text("   ", field="city") is None
    error = rejected(rules.required_text, "  ", field="name")
    assert (error.field, error.code) == ("name", "missing-value")


def test_control_characters_are_refused_not_dropped():
    error = rejected(rules.clean_text, "ACME\x07", field="name")
    assert error.code == "invalid-character"
    assert "U+0007" in error.reason


@pytest.mark.parametrize(("field", "limit"), [("name", rules.NAME_MAX)])
def test_names_longer_than_the_limit_are_refused(field, limit):
    assert rules.required_text("x" * limit, field=field) == "x" * limit
    error = rejected(rules.required_text, "x" * (limit + 1), field=field)
    assert error.code == "too-long"
    assert f"at most {limit}" in error.reason


def test_identifier_is_one_to_fifty_characters():
    assert rules.identifier("C" * 50) == "C" * 50
    assert rejected(rules.identifier, "C" * 51).code == "too-long"
    assert rejected(rules.identifier, "").code == "missing-value"


@pytest.mark.parametrize("value", ["ACME LTD", "-ACME", "ACME#1", "ÁCME"])
def test_identifier_charset_is_letters_digits_and_a_few_marks(value):
    assert rejected(rules.identifier, value).code == "invalid-identifier"


def test_identifier_keeps_its_case_and_compares_trimmed_and_case_insensitively():
    assert rules.identifier(" c-0001/a.b_c ") == "c-0001/a.b_c"
    assert rules.identifier_key("  C-0001 ") == rules.identifier_key("c-0001")


def test_catalogue_codes_are_stored_upper_case():
    assert rules.code("retail") == "RETAIL"


# --- e-mail ------------------------------------------------------------------------------


def test_email_is_checked_offline_and_its_domain_normalised():
    assert rules.email("  Maria@Andaluza.EXAMPLE ") == "Maria@andaluza.example"
    assert rules.email("") is None


@pytest.mark.parametrize("value", ["maria", "maria@", "maria@@x.example", "a b@x.example"])
def test_malformed_email_is_refused(value):
    error = rejected(rules.email, value)
    assert (error.field, error.code) == ("email", "invalid-email")


def test_email_key_ignores_case():
    assert rules.email_key("Maria@Andaluza.example") == rules.email_key("maria@andaluza.example")


# --- phone ------------------------------------------------------------------------------


def test_phone_uses_the_country_as_default_region_and_is_stored_e164():
    assert rules.phone("954 123 456", country="ES") == "+34954123456"
    assert rules.phone("0121 496 0345", country="GB") == "+441214960345"
    assert rules.phone("+34 954 123 456") == "+34954123456"


def test_national_phone_without_a_country_is_refused():
    error = rejected(rules.phone, "954 123 456")
    assert error.code == "invalid-phone"
    assert "country" in error.reason


def test_invalid_phone_is_refused():
    assert rejected(rules.phone, "12", country="ES").code == "invalid-phone"


# --- country ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ES", "es", "ESP", "Spain", " spain "])
def test_country_names_and_alpha3_codes_become_alpha2(value):
    assert rules.country(value) == "ES"


def test_unknown_country_is_refused():
    assert rejected(rules.country, "Narnia").code == "invalid-country"


# --- tax id -----------------------------------------------------------------------------


def test_valid_eu_vat_is_stored_compact():
    assert rules.tax_id("ES B-1234567-4") == "ESB12345674"
    assert rules.tax_id("esb12345674") == "ESB12345674"


def test_eu_vat_with_a_wrong_check_digit_is_refused():
    error = rejected(rules.tax_id, "ESB12345670")
    assert (error.field, error.code) == ("tax_id", "invalid-tax-id")


def test_tax_id_is_checked_by_the_company_country():
    assert rules.tax_id("B12345674", country="ES") == "ESB12345674"
    assert rejected(rules.tax_id, "B12345670", country="ES").code == "invalid-tax-id"


def test_a_vat_number_has_one_stored_form_with_or_without_its_prefix():
    assert rules.tax_id("980780684", country="GB") == "GB980780684"
    assert rules.tax_id("GB 980 7806 84") == "GB980780684"
    assert rules.tax_id("501964843", country="PT") == rules.tax_id("PT501964843")


def test_brazilian_cnpj_and_cpf_are_checked():
    assert rules.tax_id("11.222.333/0001-81", country="BR") == "11222333000181"
    assert rules.tax_id("390.533.447-05", country="BR") == "39053344705"
    assert rejected(rules.tax_id, "11.222.333/0001-80", country="BR").code == "invalid-tax-id"


def test_gb_vat_is_checked():
    assert rules.tax_id("GB 980 7806 84").endswith("980780684")
    assert rejected(rules.tax_id, "GB980780685").code == "invalid-tax-id"


# --- website, flags, languages ----------------------------------------------------------


def test_website_gets_a_scheme_and_must_be_http():
    assert rules.website("andaluza.example") == "https://andaluza.example"
    assert rules.website("http://andaluza.example/x") == "http://andaluza.example/x"
    assert rejected(rules.website, "ftp://andaluza.example").code == "invalid-website"
    assert rejected(rules.website, "not a site").code == "invalid-website"


@pytest.mark.parametrize("value", ["[red]", "https://[shop].example", "shop.example:99999",
                                   "http://shop.example:port"])
def test_a_website_the_url_parser_cannot_split_is_refused_not_a_traceback(value):
    assert rejected(rules.website, value).code == "invalid-website"


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("X", True), ("sí", True),
                                                 ("0", False), ("", False), (None, False)])
def test_flags_read_as_spreadsheets_write_them(value, expected):
    assert rules.flag(value, field="default") is expected


def test_unclear_flag_is_refused():
    assert rejected(rules.flag, "maybe", field="default").code == "invalid-flag"


def test_language_tags():
    assert rules.language("ES") == "es"
    assert rules.language("pt-br") == "pt_BR"
    assert rejected(rules.language, "Spanish!").code == "invalid-language"


# --- attribute values -------------------------------------------------------------------

EMPLOYEES = attributes.define({"key": "employees", "type": "number", "min": 0, "max": 1000,
                               "decimals": 0})
REVENUE = attributes.define({"key": "revenue", "type": "currency", "min": 0})
REGION = attributes.define({"key": "region", "type": "list", "values": ["north", "south"],
                            "required": True})
FOUNDED = attributes.define({"key": "founded", "type": "date"})
OPENS = attributes.define({"key": "opens", "type": "time"})


def test_numbers_use_a_dot_and_respect_min_max_and_decimals():
    assert attributes.check_value(EMPLOYEES, "12", field="e") == "12"
    assert attributes.check_value(REVENUE, "1250.5", field="r") == "1250.50"
    for bad in ("12,5", "-1", "1001", "1.5", "twelve"):
        assert rejected(attributes.check_value, EMPLOYEES, bad, field="e").code == \
            "invalid-attribute"


def test_dates_and_times_have_one_written_form():
    assert attributes.check_value(FOUNDED, "1987-09-01", field="f") == "1987-09-01"
    assert rejected(attributes.check_value, FOUNDED, "01/09/1987", field="f").code == \
        "invalid-attribute"
    assert rejected(attributes.check_value, FOUNDED, "2023-02-30", field="f").code == \
        "invalid-attribute"
    assert attributes.check_value(OPENS, "08:30", field="o") == "08:30"
    assert rejected(attributes.check_value, OPENS, "8.30", field="o").code == \
        "invalid-attribute"


def test_list_values_come_from_the_allowed_list_as_declared():
    assert attributes.check_value(REGION, "SOUTH", field="r") == "south"
    error = rejected(attributes.check_value, REGION, "west", field="client_attr.region")
    assert error.field == "client_attr.region"
    assert "north, south" in error.reason


def test_required_attribute_must_have_a_value():
    error = rejected(attributes.check_value, REGION, " ", field="client_attr.region")
    assert error.code == "missing-value"


def test_unknown_attribute_keys_are_reported_with_the_rest():
    stored, problems = attributes.check_values((REGION,), {"colour": "red"}, prefix="client_attr")
    assert stored == {}
    assert sorted(p.code for p in problems) == ["missing-value", "unknown-attribute"]
    assert {p.field for p in problems} == {"client_attr.colour", "client_attr.region"}


@pytest.mark.parametrize(("declaration", "code"), [
    ({"key": "Region", "type": "text"}, "invalid-attribute-key"),
    ({"key": "region", "type": "colour"}, "invalid-attribute-type"),
    ({"key": "region", "type": "list"}, "missing-value"),
    ({"key": "n", "type": "number", "min": 5, "max": 1}, "invalid-range"),
])
def test_attribute_declarations_are_checked(declaration, code):
    assert rejected(attributes.define, declaration).code == code
