"""Rules against what the database holds: the company a client is registered from, external users
that belong to another company or are inactive, and the type and category a client keeps.

Each is asked through the command line, and through the query the wizard asks as it goes, which
must give the same error.
"""

import pytest

from clientreg.conflicts import contact_conflict, registrable_company
from clientreg.errors import Conflict, MissingPrerequisite


def new(cli, *args):
    return cli("new", "--no-input", *args)


@pytest.fixture
def registered(cli, catalogue):
    """ANA, a client with the contact ana@ana.example; BOB, a company that is not a client."""
    result = new(cli, "--type", "PERSON", "--category", "WHOLESALE", "--identifier", "ANA",
                 "--name", "Ana", "--contact", "Ana <ana@ana.example>")
    assert result.exit_code == 0, result.stderr
    path = catalogue.path.parent / "companies.yaml"
    path.write_text("companies:\n  - {identifier: BOB, name: Bob Ltd, company_type: PERSON}\n",
                    encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    return catalogue


def deactivate(store, sql):
    # Outside clientreg: another tool sharing the register turned the row off.
    with store.transaction() as conn:
        conn.execute(sql)


def test_an_unknown_company_is_a_missing_prerequisite(cli, registered):
    result = new(cli, "--from-company", "NOPE", "--category", "WHOLESALE")
    assert result.exit_code == 1
    assert ("from_company = 'NOPE': is not a known company identifier [unknown-company]"
            in result.stderr)
    with pytest.raises(MissingPrerequisite) as caught:
        registrable_company(registered, "NOPE")
    assert (caught.value.code, caught.value.field) == ("unknown-company", "from_company")


def test_a_company_that_is_a_client_is_a_conflict(cli, registered):
    result = new(cli, "--from-company", "ana", "--category", "WHOLESALE")
    assert result.exit_code == 1
    assert ("from_company = 'ana': company ANA is already a client [already-a-client]"
            in result.stderr)
    with pytest.raises(Conflict) as caught:
        registrable_company(registered, "ana")
    assert caught.value.reason == "company ANA is already a client"


def test_an_inactive_company_is_registered_only_once_activated(cli, registered):
    deactivate(registered, "UPDATE companies SET active = 0 WHERE identifier = 'BOB'")
    result = new(cli, "--from-company", "bob", "--category", "WHOLESALE")
    assert result.exit_code == 1
    assert ("from_company = 'bob': company BOB is inactive; activate it first "
            "[inactive-company]" in result.stderr)
    with pytest.raises(Conflict) as caught:
        registrable_company(registered, "bob")
    assert caught.value.code == "inactive-company"


def test_a_company_that_is_not_a_client_can_be_registered(registered):
    assert registrable_company(registered, " bob ").identifier == "BOB"


def test_an_external_user_belongs_to_one_company(cli, registered):
    result = new(cli, "--type", "PERSON", "--category", "WHOLESALE", "--identifier", "CAROL",
                 "--name", "Carol", "--contact", "Ana <ANA@ana.example>")
    assert result.exit_code == 1
    assert ("contacts[0].email = 'ANA@ana.example': ANA@ana.example is already the external "
            "user of company ANA; an external user belongs to one company "
            "[email-taken-by-other-company]") in result.stderr
    problem = contact_conflict(registered, "ANA@ana.example", None)
    assert problem is not None and problem.code == "email-taken-by-other-company"
    assert contact_conflict(registered, "ana@ana.example", "Ana") is None
    assert contact_conflict(registered, "ana@ana.example", "BOB") is not None


def test_an_inactive_external_user_is_reactivated_first(cli, registered):
    deactivate(registered, "UPDATE external_users SET active = 0")
    result = cli("edit", "ANA", "--set", "city=Leeds")
    assert result.exit_code == 1
    assert ("ana@ana.example is an inactive external user; reactivate it first "
            "[inactive-external-user]") in result.stderr
    problem = contact_conflict(registered, "ana@ana.example", "ANA")
    assert problem is not None and problem.reason == (
        "ana@ana.example is an inactive external user; reactivate it first")


def test_an_unknown_e_mail_is_free(registered):
    assert contact_conflict(registered, "new@ana.example", None) is None


@pytest.mark.parametrize(("setting", "shown"), [
    ("category=RETAIL", "category = 'RETAIL': category cannot change after registration "
                        "[category-locked]"),
    ("company_type=LEGAL", "company_type = 'LEGAL': company_type cannot change after "
                           "registration [company-type-locked]"),
    ("identifier=OTHER", "identifier = 'OTHER': identifier cannot change after registration "
                         "[identifier-locked]"),
])
def test_an_edit_cannot_set_a_locked_field(cli, registered, setting, shown):
    result = cli("edit", "ANA", "--set", setting)
    assert result.exit_code == 1
    assert shown in result.stderr


def test_an_update_cannot_change_the_type_or_the_category(cli, registered):
    path = registered.path.parent / "again.yaml"
    path.write_text("- {identifier: ANA, name: Ana, company_type: LEGAL, category: RETAIL, "
                    "client_attributes: {region: north}, contacts: [{name: Ana, "
                    "email: ana@ana.example}]}\n", encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 1
    assert ("the company type of ANA is PERSON and cannot change after registration "
            "[company-type-locked]") in result.output
    assert ("the category of ANA is WHOLESALE and cannot change after registration "
            "[category-locked]") in result.output


def test_an_update_of_a_company_cannot_change_its_type(cli, registered):
    path = registered.path.parent / "retyped.yaml"
    path.write_text("companies:\n  - {identifier: BOB, name: Bob Ltd, company_type: LEGAL}\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "update")
    assert result.exit_code == 1
    assert ("the company type of BOB is PERSON and cannot change after registration "
            "[company-type-locked]") in result.output
