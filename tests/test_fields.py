"""The field table: one rule and one limit per company and contact field, wherever a value comes
from, in the order the export writes the columns."""

import pytest
from babel.messages.extract import extract_from_file

from clientreg import fields
from clientreg.errors import InvalidValue

COMPANY = ("--type", "PERSON", "--category", "WHOLESALE", "--identifier", "ACME", "--name",
           "ACME Ltd")


def new(cli, *args):
    return cli("new", "--no-input", *args)


def test_the_company_fields_are_the_export_columns_in_their_order(cli):
    header = cli("template", "--format", "csv").stdout.splitlines()[0].split(",")
    names = [rule.name for rule in fields.COMPANY_FIELDS]
    assert header[4:4 + len(names)] == names


def test_the_contact_fields_are_the_import_contact_columns(cli):
    header = cli("template", "--format", "csv").stdout.splitlines()[0].split(",")
    assert [c for c in header if c.startswith("contact_")] == [
        f"contact_{rule.name}" for rule in fields.CONTACT_FIELDS]


@pytest.mark.parametrize("rule", [r for r in fields.COMPANY_FIELDS if r.max_length],
                         ids=lambda rule: rule.name)
def test_each_company_field_refuses_a_value_over_its_limit(cli, catalogue, rule):
    result = new(cli, *COMPANY, f"--{rule.name.replace('_', '-')}", "a" * (rule.max_length + 1))
    assert result.exit_code == 1
    assert (f"is {rule.max_length + 1} characters long; at most {rule.max_length} are allowed "
            "[too-long]") in result.stderr
    assert f"  {rule.name} = " in result.stderr


def test_a_value_at_the_limit_is_kept(cli, catalogue):
    city = "S" * fields.company_field("city").max_length
    result = new(cli, *COMPANY, "--city", city)
    assert result.exit_code == 0, result.stderr
    assert f"city: {city}" in cli("show", "ACME", "--format", "yaml").stdout


def test_the_phone_and_the_tax_id_are_read_with_the_company_country(cli, catalogue):
    result = new(cli, *COMPANY, "--country", "Spain", "--phone", "954 123 456", "--tax-id",
                 "B-12345674", "--contact", "name=Ana,email=ana@acme.example,phone=600123456")
    assert result.exit_code == 0, result.stderr
    shown = cli("show", "ACME", "--format", "yaml").stdout
    assert "phone: '+34954123456'" in shown
    assert "tax_id: ESB12345674" in shown
    assert "phone: '+34600123456'" in shown


def test_check_field_names_the_field_it_is_given():
    assert fields.check_field("phone", "954 123 456", country="ES") == "+34954123456"
    with pytest.raises(InvalidValue) as caught:
        fields.check_field("phone", "954 123 456", field="contacts[0].phone", contact=True)
    assert (caught.value.code, caught.value.field) == ("invalid-phone", "contacts[0].phone")
    assert caught.value.reason == "is not a valid phone number (give +country code or a country)"


def test_a_contact_needs_an_e_mail_a_company_does_not(cli, catalogue):
    assert fields.check_field("email", " ", contact=False) is None
    result = new(cli, *COMPANY, "--contact", "name=Ana")
    assert result.exit_code == 1
    assert ("contacts[0].email: is required: the e-mail is the contact's login as an external "
            "user [missing-value]") in result.stderr


def test_the_country_is_asked_before_the_fields_read_with_it():
    asked = [rule.name for rule in fields.COMPANY_QUESTIONS]
    assert sorted(asked) == sorted(rule.name for rule in fields.COMPANY_FIELDS)
    country = asked.index("country")
    assert all(asked.index(rule.name) > country
               for rule in fields.COMPANY_QUESTIONS if rule.needs_country)


def test_every_label_and_question_can_be_translated():
    with open(fields.__file__, "rb") as source:
        extracted = {message for _line, message, _comments, _context
                     in extract_from_file("python", source.name, keywords={"N_": None})}
    shown = {text for rule in (fields.NAME, *fields.COMPANY_FIELDS, *fields.CONTACT_FIELDS)
             for text in (rule.label, rule.question)}
    assert shown - extracted == set()
