"""The write path's layers: state and writes <- updates <- registration <- editing, and companies
beside registration; what each layer does is seen through the core and a real database file."""

import ast
import pickle
from pathlib import Path

import pytest

import clientreg
from clientreg.catalogue import Catalogue
from clientreg.checks import CheckedCompany, check_client, check_lone_company
from clientreg.companies import register_companies
from clientreg.editing import edit_client, set_client_active
from clientreg.errors import NotFound, Rejected
from clientreg.model import Action, ClientDraft, ContactDraft, OnConflict
from clientreg.records import client_data
from clientreg.registration import register, register_many
from clientreg.storage import unit_of_work

PACKAGE = Path(clientreg.__file__).parent

# Each module and the modules of the write path it must never import, even inside a function.
LAYERS = {
    "checks": {"writes", "updating", "registration", "editing", "companies"},
    "writes": {"updating", "registration", "editing", "companies"},
    "updating": {"registration", "editing", "companies"},
    "registration": {"editing", "companies"},
    "companies": {"registration", "editing"},
}


def imported_modules(path: Path) -> set[str]:
    """Every clientreg module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_a_layer_never_imports_the_layers_above_it(module):
    imported = imported_modules(PACKAGE / f"{module}.py")
    assert not {f"clientreg.{above}" for above in LAYERS[module]} & imported


def draft(**values) -> ClientDraft:
    base = {"identifier": "ACME", "name": "ACME Trading", "company_type": "PERSON",
            "category": "WHOLESALE", "country": "ES"}
    return ClientDraft(**{**base, **values})


def test_a_checked_client_travels_to_a_worker_and_back(catalogue):
    checked = check_client(draft(contacts=[ContactDraft(name="Ana", email="ana@acme.example")]),
                           Catalogue.load(catalogue))
    again = pickle.loads(pickle.dumps(checked))
    assert again == checked
    assert isinstance(again.company, CheckedCompany)
    assert again.company_type is not None and again.company_type.code == "PERSON"


def test_a_lone_company_is_checked_as_a_company(catalogue):
    company = check_lone_company(ClientDraft(company_type="LEGAL", name="Holding"),
                                 Catalogue.load(catalogue))
    assert company.company_type.code == "LEGAL"
    assert company.values["identifier"] is None and not company.identifier_given
    with pytest.raises(Rejected) as caught:
        check_lone_company(ClientDraft(company_type="PERSON", identifier="H", name="Holding",
                                       category="WHOLESALE"), Catalogue.load(catalogue))
    assert [p.code for p in caught.value.problems] == ["unexpected-value"]
    assert "list it under clients:" in caught.value.problems[0].reason


def test_a_lone_company_and_a_client_of_one_unit_see_each_others_tax_id(catalogue):
    with unit_of_work(catalogue, dry_run=False) as work:
        companies = register_companies(catalogue, [ClientDraft(
            company_type="PERSON", identifier="HOLD", name="Holding", country="ES",
            tax_id="B12345674")], source="test", work=work)
        clients = register_many(catalogue, [draft(tax_id="B12345674")], source="test",
                                work=work)
        work.discard()
    assert not companies.problems
    [(_, problem)] = clients.problems
    assert problem.code == "duplicate-tax-id"
    assert problem.reason == "tax id ESB12345674 already belongs to company HOLD"


def test_a_lone_company_update_keeps_its_type(catalogue):
    register_companies(catalogue, [ClientDraft(company_type="PERSON", identifier="HOLD",
                                               name="Holding")], source="test")
    report = register_companies(catalogue, [ClientDraft(company_type="LEGAL", identifier="HOLD",
                                                        name="Holding II")],
                                source="test", on_conflict=OnConflict.UPDATE)
    [(_, problem)] = report.problems
    assert problem.code == "company-type-locked"
    assert problem.reason == ("the company type of HOLD is PERSON and cannot change after "
                              "registration")
    updated = register_companies(catalogue, [ClientDraft(company_type="PERSON",
                                                         identifier="HOLD", name="Holding II")],
                                 source="test", on_conflict=OnConflict.UPDATE)
    assert [o.action for o in updated.outcomes] == [Action.UPDATED]


def test_an_update_moves_the_default_and_keeps_the_contacts_left_out(catalogue):
    register(catalogue, draft(contacts=[
        ContactDraft(name="Ana", email="ana@acme.example", default=True),
        ContactDraft(name="Juan", email="juan@acme.example")]), source="test")
    report = register_many(catalogue, [draft(contacts=[
        ContactDraft(name="Juan", email="juan@acme.example", position="Buyer", default=True),
        ContactDraft(name="Pepa", email="pepa@acme.example")])],
        source="test", on_conflict=OnConflict.UPDATE)
    assert [o.action for o in report.outcomes] == [Action.UPDATED]
    contacts = {c["email"]: c for c in client_data(catalogue, "ACME")["contacts"]}
    # Not an edit: the contact the file leaves out stays, but gives up the default.
    assert list(contacts) == ["ana@acme.example", "juan@acme.example", "pepa@acme.example"]
    assert [bool(c.get("default")) for c in contacts.values()] == [False, True, False]
    assert contacts["juan@acme.example"]["position"] == "Buyer"


def test_an_edit_names_the_fields_it_can_set(catalogue):
    register(catalogue, draft(), source="test")
    with pytest.raises(Rejected) as caught:
        edit_client(catalogue, "ACME", settings={"colour": "red", "category": "RETAIL"})
    found = {p.field: (p.code, p.reason) for p in caught.value.problems}
    assert found["category"] == ("category-locked", "category cannot change after registration")
    assert found["colour"] == ("unknown-field", (
        "is not a field that can be set (fields: name, trade_name, tax_id, email, phone, "
        "website, street, city, region, postal_code, country, company_attr.KEY, "
        "client_attr.KEY)"))


def test_deactivating_an_unknown_client_names_it(catalogue):
    with pytest.raises(NotFound) as caught:
        set_client_active(catalogue, "NOPE", False, source="test")
    assert caught.value.reason == "no client has the identifier 'NOPE'"
