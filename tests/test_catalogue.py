"""The catalogue in the core: company types and categories, their attributes, masks and states."""

import pytest

from clientreg.catalogue import (
    Catalogue,
    add_entry,
    describe_entry,
    edit_entry,
    format_mask,
    mask_sequence,
    set_entry_active,
)
from clientreg.errors import ClientregError, Conflict, InvalidValue, NotFound, Rejected
from clientreg.model import ClientDraft
from clientreg.records import client_data
from clientreg.registration import register


def codes_of(error: ClientregError) -> set[str]:
    if isinstance(error, Rejected):
        return {problem.code for problem in error.problems}
    return {error.code}


def test_an_entry_is_stored_with_its_attributes_in_the_seed_shape(store):
    declared = {"code": "retail", "name": " Retail ", "attributes": [
        {"key": "region", "label": "Sales region", "type": "list", "values": ["north", "south"],
         "required": True},
        {"key": "visits", "type": "number", "min": 0, "max": 52, "decimals": 0}]}
    assert add_entry(store, "category", declared, source="test") == "RETAIL"
    entry = Catalogue.load(store).categories["RETAIL"]
    assert describe_entry(entry) == {"code": "RETAIL", "name": "Retail", "attributes": [
        {"key": "region", "label": "Sales region", "type": "list", "required": True,
         "values": ["north", "south"]},
        {"key": "visits", "label": "visits", "type": "number", "min": 0, "max": 52,
         "decimals": 0}]}


def test_codes_are_unique_whatever_their_case(store):
    add_entry(store, "company_type", {"code": "LEGAL", "name": "Legal"}, source="test")
    with pytest.raises(Conflict) as caught:
        add_entry(store, "company_type", {"code": "legal", "name": "Other"}, source="test")
    assert caught.value.code == "duplicate-company-type"


@pytest.mark.parametrize(("declaration", "code"), [
    ({"code": "LEGAL"}, "missing-value"),
    ({"code": "A B", "name": "x"}, "invalid-identifier"),
    ({"code": "X", "name": "x", "parent": "NOPE"}, "unknown-company-type"),
    ({"code": "X", "name": "x", "id_mask": "CLI-"}, "invalid-mask"),
    ({"code": "X", "name": "x", "id_mask": "{seq}-{seq}"}, "invalid-mask"),
    ({"code": "X", "name": "x", "attributes": [{"key": "a", "type": "list"}]}, "missing-value"),
    ({"code": "X", "name": "x", "attributes": [{"key": "a"}, {"key": "a"}]},
     "duplicate-attribute"),
])
def test_bad_declarations_are_refused_and_nothing_is_stored(store, declaration, code):
    with pytest.raises(ClientregError) as caught:
        add_entry(store, "company_type", declaration, source="test")
    assert code in codes_of(caught.value)
    assert Catalogue.load(store).types == {}


def test_masks_generate_and_recognise_identifiers():
    assert format_mask("CLI-{seq:05}", 42) == "CLI-00042"
    assert mask_sequence("CLI-{seq:05}", "cli-00042") == 42
    assert mask_sequence("CLI-{seq:05}", "ACME") is None


def test_edits_change_name_parent_and_mask_with_history(store):
    add_entry(store, "company_type", {"code": "LEGAL", "name": "Legal"}, source="test")
    add_entry(store, "company_type", {"code": "SME", "name": "Small"}, source="test")
    assert edit_entry(store, "company_type", "sme", {"name": "Small company", "parent": "legal",
                                                     "id_mask": "SME-{seq:03}"}, source="t")
    entry = Catalogue.load(store).types["SME"]
    assert (entry.name, entry.parent, entry.id_mask) == ("Small company", "LEGAL", "SME-{seq:03}")
    assert edit_entry(store, "company_type", "SME", {"name": "Small company"}, source="t") is False


def test_an_empty_parent_removes_it(store):
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="test")
    add_entry(store, "category", {"code": "DIST", "name": "Dist", "parent": "WHOLESALE"},
              source="test")
    assert edit_entry(store, "category", "DIST", {"parent": ""}, source="test")
    assert Catalogue.load(store).categories["DIST"].parent is None


def test_a_parent_cannot_make_a_loop(store):
    add_entry(store, "category", {"code": "A", "name": "A"}, source="test")
    add_entry(store, "category", {"code": "B", "name": "B", "parent": "A"}, source="test")
    for code, parent in (("A", "A"), ("A", "B")):
        with pytest.raises(InvalidValue) as caught:
            edit_entry(store, "category", code, {"parent": parent}, source="test")
        assert caught.value.code == "parent-loop"
    assert Catalogue.load(store).categories["A"].parent is None


def test_attributes_cannot_change_while_clients_use_the_entry(catalogue):
    new_attributes = {"attributes": [{"key": "tier", "type": "text"}]}
    assert edit_entry(catalogue, "category", "WHOLESALE", new_attributes, source="test")
    register(catalogue, ClientDraft(identifier="ACME", name="ACME", company_type="PERSON",
                                    category="WHOLESALE"), source="test")
    with pytest.raises(Conflict) as caught:
        edit_entry(catalogue, "category", "WHOLESALE", {"attributes": []}, source="test")
    assert caught.value.code == "entry-in-use"
    assert [d.key for d in Catalogue.load(catalogue).categories["WHOLESALE"].attributes] == \
        ["tier"]


def test_deactivating_an_entry_keeps_it_on_existing_clients(catalogue):
    register(catalogue, ClientDraft(identifier="ACME", name="ACME", company_type="PERSON",
                                    category="WHOLESALE"), source="test")
    assert set_entry_active(catalogue, "category", "WHOLESALE", False, source="test")
    assert set_entry_active(catalogue, "category", "WHOLESALE", False, source="test") is False
    assert client_data(catalogue, "ACME")["category"] == "WHOLESALE"
    assert describe_entry(Catalogue.load(catalogue).categories["WHOLESALE"])["active"] is False
    assert set_entry_active(catalogue, "category", "wholesale", True, source="test")


def test_an_unknown_code_is_not_found(store):
    with pytest.raises(NotFound):
        edit_entry(store, "category", "NOPE", {"name": "x"}, source="test")


def test_entries_written_in_a_callers_unit_of_work_land_or_go_with_it(store):
    from clientreg.storage import unit_of_work

    with unit_of_work(store, dry_run=True) as work:
        add_entry(store, "category", {"code": "TRIAL", "name": "Trial"}, source="t", work=work)
        assert set_entry_active(store, "category", "TRIAL", False, source="t", work=work)
    assert "TRIAL" not in Catalogue.load(store).categories
    with unit_of_work(store, dry_run=False) as work:
        add_entry(store, "category", {"code": "KEPT", "name": "Kept"}, source="t", work=work)
        with pytest.raises(Conflict):
            add_entry(store, "category", {"code": "kept", "name": "Again"}, source="t",
                      work=work)
    assert work.written and Catalogue.load(store).categories["KEPT"].name == "Kept"
