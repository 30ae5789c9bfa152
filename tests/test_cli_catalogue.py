"""The company-type and category commands, and the directory views, through the command line."""

import json
from pathlib import Path

import pytest
import yaml

from clientreg.catalogue import Catalogue, describe_entry
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register


def test_empty_catalogue_lists_say_how_to_add_entries(cli):
    for group in ("company-type", "category"):
        result = cli(group, "list")
        assert result.exit_code == 0
        assert result.stdout == ""
        assert f"clientreg {group} add CODE --name NAME" in result.stderr


def test_add_a_company_type_with_options_and_attributes(cli, store):
    result = cli("company-type", "add", "legal", "--name", "Legal entity",
                 "--id-mask", "CLI-{seq:05}", "--allow-id-change",
                 "--attribute", "employees:number:min=0:decimals=0:label=Number of employees",
                 "--attribute", "size:list:required:values=small|large:label=Size: rough")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Added company type LEGAL with 2 attributes."
    assert describe_entry(Catalogue.load(store).types["LEGAL"]) == {
        "code": "LEGAL", "name": "Legal entity", "id_mask": "CLI-{seq:05}",
        "allow_id_change": True, "attributes": [
            {"key": "employees", "label": "Number of employees", "type": "number", "min": 0,
             "decimals": 0},
            {"key": "size", "label": "Size: rough", "type": "list", "required": True,
             "values": ["small", "large"]}]}


def test_add_a_category_with_a_parent(cli, store):
    assert cli("category", "add", "WHOLESALE", "--name", "Wholesale").exit_code == 0
    result = cli("category", "add", "DIST", "--name", "Distributor", "--parent", "wholesale")
    assert result.exit_code == 0
    assert Catalogue.load(store).categories["DIST"].parent == "WHOLESALE"


@pytest.mark.parametrize("args", [
    ["company-type", "add", "X"],
    ["company-type", "add", "--name", "X"],
    ["category", "add", "X", "--name", "X", "--attribute", "k:number:colour=red"],
    ["category", "add", "X", "--name", "X", "--attribute", ":number"],
])
def test_incomplete_or_malformed_options_are_usage_errors(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_bad_attribute_is_rejected_with_its_reason(cli, store):
    result = cli("category", "add", "X", "--name", "X", "--attribute", "Region:list")
    assert result.exit_code == 1
    assert "attributes.Region.key = 'Region': must start with a lower-case letter" in \
        result.stderr
    assert Catalogue.load(store).categories == {}


def test_a_duplicate_code_is_a_conflict(cli):
    cli("category", "add", "RETAIL", "--name", "Retail")
    result = cli("category", "add", "retail", "--name", "Retail again")
    assert result.exit_code == 1
    assert "category RETAIL already exists" in result.stderr


def test_add_from_a_file_of_one_entry_or_a_list(cli, store, tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("code: PERSON\nname: Individual\n")
    many = tmp_path / "many.yaml"
    many.write_text(yaml.safe_dump([
        {"code": "LEGAL", "name": "Legal entity"},
        {"code": "SME", "name": "Small company", "parent": "LEGAL",
         "attributes": [{"key": "employees", "type": "number"}]}]))
    assert cli("company-type", "add", "--file", str(one)).stdout.strip() == \
        "Added company type PERSON with 0 attributes."
    result = cli("company-type", "add", "--file", str(many))
    assert result.stdout.strip() == "Added 2 company types: LEGAL, SME."
    assert sorted(Catalogue.load(store).types) == ["LEGAL", "PERSON", "SME"]


def test_add_from_a_seed_document_takes_its_section(cli, store, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump({
        "company_types": [{"code": "LEGAL", "name": "Legal entity"}],
        "categories": [{"code": "RETAIL", "name": "Retail"}, {"code": "VIP", "name": "VIP"}],
        "clients": []}))
    assert cli("category", "add", "--file", str(seed)).exit_code == 0
    assert sorted(Catalogue.load(store).categories) == ["RETAIL", "VIP"]
    assert Catalogue.load(store).types == {}


def test_a_file_with_problems_adds_nothing_and_names_each_entry(cli, store, tmp_path):
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump([
        {"code": "LEGAL", "name": "Legal entity"},
        {"code": "bad code", "name": "x"},
        {"code": "GOV", "name": "Gov", "id_mask": "GOV-"}]))
    result = cli("company-type", "add", "--file", str(path))
    assert result.exit_code == 1
    assert "types.yaml entry 2 (bad code): code = 'bad code'" in result.stderr
    assert "types.yaml entry 3 (GOV): id_mask = 'GOV-'" in result.stderr
    assert Catalogue.load(store).types == {}


def test_a_missing_or_broken_file_is_reported_without_traceback(cli, tmp_path):
    result = cli("category", "add", "--file", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 3
    assert "missing.yaml: no such file" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [unclosed\n")
    result = cli("category", "add", "--file", str(broken))
    assert result.exit_code == 3
    assert "broken.yaml: not valid YAML at line 2" in result.stderr
    empty = tmp_path / "empty.yaml"
    empty.write_text("[]\n")
    result = cli("category", "add", "--file", str(empty))
    assert result.exit_code == 1
    assert "must hold a category" in result.stderr
    assert "Traceback" not in result.output


def test_file_and_options_together_are_a_usage_error(cli, tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("code: X\nname: X\n")
    result = cli("category", "add", "Y", "--name", "Y", "--file", str(path))
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_list_yaml_can_be_added_back_into_another_database(cli, catalogue, runner, tmp_path):
    from clientreg.commands.app import app

    exported = cli("company-type", "list", "--format", "yaml")
    assert exported.exit_code == 0 and exported.stderr == ""
    path = tmp_path / "types.yaml"
    path.write_text(exported.stdout)
    other = tmp_path / "other.db"
    result = runner.invoke(app, ["--db", str(other), "company-type", "add", "--file", str(path)])
    assert result.exit_code == 0, result.stderr
    again = runner.invoke(app, ["--db", str(other), "company-type", "list", "--format", "yaml"])
    assert yaml.safe_load(again.stdout) == yaml.safe_load(exported.stdout)


def test_list_table_hides_inactive_entries_unless_all(cli, catalogue):
    assert cli("category", "deactivate", "wholesale").exit_code == 0
    listed = cli("category", "list")
    assert "RETAIL" in listed.stdout and "WHOLESALE" not in listed.stdout
    assert listed.stderr.strip() == "1 category"
    everything = json.loads(cli("category", "list", "--all", "--format", "json").stdout)
    assert [(e["code"], e.get("active", True)) for e in everything] == \
        [("RETAIL", True), ("WHOLESALE", False)]


def test_show_an_entry(cli, catalogue):
    result = cli("category", "show", "retail")
    assert result.exit_code == 0
    assert "RETAIL  Retail  (active)" in result.stdout
    assert "Sales region" in result.stdout and "north, south" in result.stdout
    document = json.loads(cli("company-type", "show", "LEGAL", "--format", "json").stdout)
    assert document["id_mask"] == "CLI-{seq:05}"
    missing = cli("category", "show", "VIP")
    assert missing.exit_code == 1
    assert "no category has the code 'VIP'" in missing.stderr


def test_edit_name_parent_and_mask(cli, catalogue, store):
    result = cli("company-type", "edit", "person", "--name", "Private person", "--parent",
                 "LEGAL", "--id-mask", "P-{seq:04}", "--forbid-id-change")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Updated company type PERSON."
    entry = Catalogue.load(store).types["PERSON"]
    assert (entry.name, entry.parent, entry.id_mask, entry.allow_id_change) == \
        ("Private person", "LEGAL", "P-{seq:04}", False)
    assert "nothing changed" in cli("company-type", "edit", "PERSON", "--name",
                                    "Private person").stdout
    cli("company-type", "edit", "PERSON", "--parent", "", "--id-mask", "")
    entry = Catalogue.load(store).types["PERSON"]
    assert (entry.parent, entry.id_mask) == (None, None)


def test_edit_attributes_from_a_file(cli, catalogue, store, tmp_path):
    path = tmp_path / "attributes.yaml"
    path.write_text(yaml.safe_dump([{"key": "tier", "type": "list", "values": ["a", "b"]}]))
    result = cli("category", "edit", "WHOLESALE", "--attributes-file", str(path))
    assert result.exit_code == 0, result.stderr
    assert [d.key for d in Catalogue.load(store).categories["WHOLESALE"].attributes] == ["tier"]


def test_edit_without_options_is_a_usage_error(cli, catalogue):
    result = cli("category", "edit", "RETAIL")
    assert result.exit_code == 2
    assert "Nothing to change" in result.stderr


def test_edit_refuses_a_parent_loop(cli, catalogue):
    result = cli("category", "edit", "RETAIL", "--parent", "retail")
    assert result.exit_code == 1
    assert "its own ancestor" in result.stderr


def test_deactivate_and_activate_entries(cli, catalogue):
    result = cli("company-type", "deactivate", "person")
    assert result.stdout.startswith("Deactivated company type PERSON")
    assert "already inactive" in cli("company-type", "deactivate", "PERSON").stdout
    assert cli("company-type", "activate", "PERSON").stdout.startswith("Activated company type")
    assert cli("company-type", "deactivate", "NOPE").exit_code == 1


# --- the directory: companies and external users --------------------------------------------


@pytest.fixture
def registered(catalogue):
    register(catalogue, ClientDraft(
        identifier="ACME", name="ACME Trading", company_type="PERSON", category="WHOLESALE",
        tax_id="ESB12345674", country="ES",
        contacts=[ContactDraft(name="María López", email="maria@acme.example", default=True)]),
        source="test")
    return catalogue


def test_company_list_and_show(cli, registered):
    listed = cli("company", "list", "--format", "json")
    assert [(c["identifier"], c["client"]) for c in json.loads(listed.stdout)] == \
        [("ACME", True)]
    table = cli("company", "list")
    assert "ACME Trading" in table.stdout and table.stderr.strip() == "1 company"
    shown = cli("company", "show", "acme")
    assert shown.exit_code == 0
    assert "ACME  ACME Trading  (active)" in shown.stdout
    assert "WHOLESALE (Wholesale)" in shown.stdout
    assert json.loads(cli("company", "show", "ACME", "--format", "json").stdout)["tax_id"] == \
        "ESB12345674"
    assert cli("company", "show", "NOPE").exit_code == 1


def test_external_user_list_and_show(cli, registered):
    rows = json.loads(cli("external-user", "list", "--format", "json").stdout)
    assert [(u["email"], u["company"]) for u in rows] == [("maria@acme.example", "ACME")]
    shown = cli("external-user", "show", "MARIA@acme.example")
    assert shown.exit_code == 0
    assert "María López" in shown.stdout and "ACME" in shown.stdout
    document = yaml.safe_load(cli("external-user", "show", "maria@acme.example", "--format",
                                  "yaml").stdout)
    assert document["clients"] == ["ACME"]
    missing = cli("external-user", "show", "nobody@acme.example")
    assert missing.exit_code == 1
    assert "no external user has the e-mail" in missing.stderr


def test_empty_directory_lists_explain_themselves(cli, store):
    assert "No companies found" in cli("company", "list").stderr
    assert "No external users found" in cli("external-user", "list").stderr


def test_the_example_catalogue_files_load_after_the_seed(cli, store):
    examples = Path(__file__).resolve().parent.parent / "examples"
    assert cli("import", str(examples / "seed.yaml")).exit_code == 0
    added = cli("category", "add", "--file", str(examples / "categories.yaml"))
    assert added.exit_code == 0, added.output
    assert cli("category", "add", "ONLINE", "--name", "Online shop").exit_code == 0
    edited = cli("category", "edit", "ONLINE", "--attributes-file",
                 str(examples / "online-attributes.yaml"))
    assert edited.exit_code == 0, edited.output
    categories = Catalogue.load(store).categories
    assert categories["FRANCHISE"].parent == "RETAIL"
    assert "MARKETPLACE" in categories
    assert [attribute.key for attribute in categories["ONLINE"].attributes] == [
        "channel", "store_url"]
