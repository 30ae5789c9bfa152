"""Company types and categories given by code or name, and --map-value for the other values."""

import json
from pathlib import Path

import pytest

from clientreg.catalogue import add_entry

HEADER = "identifier,name,company_type,category,country"

# Spanish names, as a Spanish company's catalogue has them; the codes stay English.
SPANISH = {
    "company_type": [{"code": "LEGAL", "name": "Empresa"},
                     {"code": "PERSON", "name": "Persona física"}],
    "category": [{"code": "RETAIL", "name": "Minorista"},
                 {"code": "WHOLESALE", "name": "Mayorista"},
                 {"code": "EXPORT", "name": "Exportación"}],
}


@pytest.fixture
def spanish(store):
    for kind, entries in SPANISH.items():
        for entry in entries:
            add_entry(store, kind, entry, source="test catalogue")
    return store


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def problems(result) -> list[tuple]:
    report = json.loads(result.stdout)
    return [(p["row"], p["column"], p["value"], p["code"], p["message"])
            for p in report["problems"]]


def test_names_in_any_case_and_accents_land_as_codes(cli, spanish, tmp_path):
    path = write(tmp_path / "clients.csv", [
        HEADER,
        "C-1,Uno S.L.,Empresa,minorista,ES",
        "C-2,Dos S.L.,EMPRESA,MAYORISTA,ES",
        "C-3,Ana Ruiz,persona fisica,Exportacion,ES",
        "C-4,Bo Berg,PERSONA FÍSICA,  exportación ,ES",
        "C-5,Cinco S.L.,legal,Retail,ES",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    landed = {ident: (show(cli, ident)["company_type"], show(cli, ident)["category"])
              for ident in ("C-1", "C-2", "C-3", "C-4", "C-5")}
    assert landed == {"C-1": ("LEGAL", "RETAIL"), "C-2": ("LEGAL", "WHOLESALE"),
                      "C-3": ("PERSON", "EXPORT"), "C-4": ("PERSON", "EXPORT"),
                      "C-5": ("LEGAL", "RETAIL")}
    # Imported again to update: the names give the codes the clients have, nothing changes.
    again = cli("import", str(path), "--on-conflict", "update")
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 0 skipped, 5 unchanged" in again.output


def test_yaml_entries_take_names_too(cli, spanish, tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text("- {identifier: Y-1, name: Yaml S.A., company_type: empresa,"
                    " category: MAYORISTA}\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    client = show(cli, "Y-1")
    assert (client["company_type"], client["category"]) == ("LEGAL", "WHOLESALE")


def test_new_without_prompts_takes_a_category_by_name(cli, spanish):
    result = cli("new", "--no-input", "--type", "persona física", "--category", "Minorista",
                 "--identifier", "P-1", "--name", "Ana Ruiz")
    assert result.exit_code == 0, result.stderr
    client = show(cli, "P-1")
    assert (client["company_type"], client["category"]) == ("PERSON", "RETAIL")


def test_a_code_wins_over_the_name_of_another_entry(cli, store, tmp_path):
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="test")
    add_entry(store, "category", {"code": "VIP", "name": "Key account"}, source="test")
    add_entry(store, "category", {"code": "GOLD", "name": "vip"}, source="test")
    path = write(tmp_path / "vip.csv", [HEADER, "V-1,Vip Ltd,PERSON,Vip,", "V-2,Gold Ltd,PERSON,"
                                        "key account,"])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert show(cli, "V-1")["category"] == "VIP"
    assert show(cli, "V-2")["category"] == "VIP"


def test_a_name_two_entries_share_is_refused_naming_both(cli, store, tmp_path):
    add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="test")
    add_entry(store, "category", {"code": "WHOLESALE", "name": "Mayorista"}, source="test")
    add_entry(store, "category", {"code": "WHS_OLD", "name": "MAYORÍSTA"}, source="test")
    path = write(tmp_path / "twice.csv", [HEADER, "T-1,Twice Ltd,PERSON,mayorista,"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    assert problems(result) == [(2, "category", "mayorista", "ambiguous-category",
                                 "is the name of more than one category (WHOLESALE, WHS_OLD);"
                                 " give the code of the one meant")]
    assert cli("show", "T-1").exit_code == 1
    # The code itself is never ambiguous.
    path = write(tmp_path / "code.csv", [HEADER, "T-1,Twice Ltd,PERSON,whs_old,"])
    assert cli("import", str(path)).exit_code == 0
    assert show(cli, "T-1")["category"] == "WHS_OLD"


def test_an_unknown_name_is_refused_as_before(cli, spanish, tmp_path):
    path = write(tmp_path / "unknown.csv", [HEADER, "U-1,Uno S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    assert problems(result) == [
        (2, "category", "Distribuidor", "unknown-category",
         "is not a known category (active: EXPORT, RETAIL, WHOLESALE)")]


def test_a_later_row_may_repeat_a_name_in_another_case(cli, spanish, tmp_path):
    path = write(tmp_path / "rows.csv", [
        HEADER + ",contact_name,contact_email",
        "R-1,Uno S.L.,Empresa,Mayorista,España,Ana,ana@uno.example",
        "R-1,,EMPRESA,MAYORÍSTA,españa,Bo,bo@uno.example",
        "R-1,,,Minorista,,Cy,cy@uno.example",
    ])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    assert [(p[0], p[1], p[2], p[3]) for p in problems(result)] == [
        (4, "category", "Minorista", "conflicting-value")]


# -- --map-value ------------------------------------------------------------------------------

def test_map_value_reads_a_file_s_own_values_as_codes(cli, spanish, tmp_path):
    path = write(tmp_path / "erp.csv", [
        HEADER + ",contact_name,contact_email",
        "E-1,Uno S.L.,Sociedad Limitada,Distribuidor,Alemanha,Ana,ana@uno.example",
        "E-1,,,DISTRIBUÍDOR,,Bo,bo@uno.example",
        "E-2,Dos S.L.,sociedad limitada,Mayorista,Deutschland,,",
    ])
    result = cli("import", str(path), "--map-value", "category:distribuidor=wholesale",
                 "--map-value", "company_type:Sociedad Limitada=LEGAL",
                 "--map-value", "country:Alemanha=DEU")
    assert result.exit_code == 0, result.output
    first, second = show(cli, "E-1"), show(cli, "E-2")
    assert (first["company_type"], first["category"], first["country"]) == (
        "LEGAL", "WHOLESALE", "DE")
    assert [c["email"] for c in first["contacts"]] == ["ana@uno.example", "bo@uno.example"]
    assert (second["company_type"], second["category"], second["country"]) == (
        "LEGAL", "WHOLESALE", "DE")


def test_map_value_applies_to_yaml_entries(cli, spanish, tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text("- {identifier: Y-1, name: Yaml S.A., company_type: SL,"
                    " category: Distribuidor, country: Narnia}\n", encoding="utf-8")
    result = cli("import", str(path), "--map-value", "company_type:sl=LEGAL",
                 "--map-value", "category:Distribuidor=WHOLESALE",
                 "--map-value", "country:narnia=ES")
    assert result.exit_code == 0, result.output
    client = show(cli, "Y-1")
    assert (client["company_type"], client["category"], client["country"]) == (
        "LEGAL", "WHOLESALE", "ES")


def test_a_value_no_mapping_names_goes_to_the_checks_as_it_is(cli, spanish, tmp_path):
    path = write(tmp_path / "other.csv", [HEADER, "O-1,Uno S.L.,Empresa,Mayorista2,ES"])
    result = cli("import", str(path), "--map-value", "category:Distribuidor=WHOLESALE",
                 "--format", "json")
    assert result.exit_code == 1
    assert [(p[1], p[2], p[3]) for p in problems(result)] == [
        ("category", "Mayorista2", "unknown-category")]


def test_map_value_may_name_a_code_a_seed_of_the_same_import_declares(cli, store, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("company_types: [{code: LEGAL, name: Empresa}]\n"
                    "categories: [{code: EXPORT, name: Exportación}]\n", encoding="utf-8")
    path = write(tmp_path / "clients.csv", [HEADER, "S-1,Uno S.L.,LEGAL,Ultramar,PT"])
    result = cli("import", str(seed), str(path), "--map-value", "category:Ultramar=EXPORT")
    assert result.exit_code == 0, result.output
    assert show(cli, "S-1")["category"] == "EXPORT"


@pytest.mark.parametrize(("spec", "said"), [
    ("category:Distribuidor=WHOLESAL",
     "'category:Distribuidor=WHOLESAL' maps to 'WHOLESAL', but no category has that code"
     " (codes: EXPORT, RETAIL, WHOLESALE)"),
    ("company_type:SL=SL",
     "'company_type:SL=SL' maps to 'SL', but no company type has that code"
     " (codes: LEGAL, PERSON)"),
    ("country:Alemanha=Germany",
     "'country:Alemanha=Germany' maps to 'Germany', which is not an ISO 3166 country code"
     " such as ES, DE or BR"),
    ("colour:red=RED",
     "'colour:red=RED' maps values of 'colour', which cannot be mapped: the fields are"
     " category, company_type, country"),
    ("category=WHOLESALE",
     "'category=WHOLESALE' is not FIELD:VALUE=CODE, as in 'category:Mayorista=WHOLESALE'"),
])
def test_a_mapping_to_an_unknown_field_or_code_is_a_usage_error(cli, spanish, tmp_path,
                                                                 db_path, spec, said):
    path = write(tmp_path / "clients.csv", [HEADER, "U-1,Uno S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--map-value", spec)
    assert result.exit_code == 2, result.output
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "Invalid value for '--map-value': " + said in text
    assert cli("show", "U-1").exit_code == 1


def test_one_value_mapped_to_two_codes_is_a_usage_error(cli, spanish, tmp_path):
    path = write(tmp_path / "clients.csv", [HEADER, "U-1,Uno S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--map-value", "category:Distribuidor=WHOLESALE",
                 "--map-value", "category:DISTRIBUIDOR=RETAIL")
    assert result.exit_code == 2
    assert "maps a value that is mapped to WHOLESALE already" in result.stderr


class Enter:
    """A prompter that takes every default (Enter), but for the answers it is given by key."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, object]] = []

    def select(self, key, message, options, *, default=None, back=True):
        self.asked.append((key, default))
        values = [value for value, _title in options]
        if key in self.answers:
            return self.answers[key]
        return "done" if key == "contacts" else default if default in values else values[0]

    def text(self, key, message, *, default="", validate=None, back=True):
        self.asked.append((key, default))
        return self.answers.get(key, default)

    def say(self, message):
        pass

    def warn(self, message):
        pass


def test_the_wizard_takes_a_prefilled_type_and_category_by_name(catalogue, cli):
    from clientreg.commands.wizard_steps import Wizard
    from clientreg.model import ClientDraft
    from clientreg.registration import register

    # Started as `clientreg new --type individual --category retail`: the first step shows the
    # entries those names give, and the category's attributes are asked for.
    prompter = Enter({"identifier": "W-1", "name": "Ana Ruiz", "client_attr.region": "north"})
    draft = ClientDraft(company_type="individual", category="retail")
    wizard = Wizard(catalogue, prompter, draft=draft)
    wizard.run(lambda ready: register(catalogue, ready, source="wizard"))
    assert prompter.asked[:3] == [("company_type", "PERSON"), ("category", "RETAIL"),
                                  ("client_attr.region", "")]
    client = show(cli, "W-1")
    assert (client["company_type"], client["category"]) == ("PERSON", "RETAIL")
    assert client["client_attributes"] == {"region": "north"}


# -- a mapping file's values: -------------------------------------------------------------------

def test_a_mapping_file_s_values_and_map_value_over_them(cli, spanish, tmp_path):
    mapping = tmp_path / "erp.mapping.yaml"
    mapping.write_text("values:\n  category: {Distribuidor: RETAIL}\n"
                       "  country: {Alemanha: DE, Ultramar: PRT}\n", encoding="utf-8")
    path = write(tmp_path / "erp.csv", [HEADER, "F-1,Uno S.L.,Empresa,distribuidor,ultramar",
                                        "F-2,Dos S.L.,Empresa,Mayorista,ALEMANHA"])
    result = cli("import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert (show(cli, "F-1")["category"], show(cli, "F-1")["country"]) == ("RETAIL", "PT")
    assert show(cli, "F-2")["country"] == "DE"
    # --map-value decides where both map a value.
    path = write(tmp_path / "more.csv", [HEADER, "F-3,Tres S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--mapping", str(mapping),
                 "--map-value", "category:DISTRIBUIDOR=WHOLESALE")
    assert result.exit_code == 0, result.output
    assert show(cli, "F-3")["category"] == "WHOLESALE"


def test_a_mapping_file_naming_an_unknown_code_is_a_usage_error(cli, spanish, tmp_path):
    mapping = tmp_path / "wrong.mapping.yaml"
    mapping.write_text("values:\n  category: {Distribuidor: DISTRIBUTOR}\n", encoding="utf-8")
    path = write(tmp_path / "erp.csv", [HEADER, "F-1,Uno S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 2, result.output
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "Invalid value for '--mapping': " in text
    assert ("wrong.mapping.yaml: 'category:Distribuidor=DISTRIBUTOR' maps to 'DISTRIBUTOR', but"
            " no category has that code (codes: EXPORT, RETAIL, WHOLESALE)") in text
    assert cli("show", "F-1").exit_code == 1


def test_a_mapping_file_s_values_of_the_wrong_shape_are_a_usage_error(cli, spanish, tmp_path):
    mapping = tmp_path / "shape.mapping.yaml"
    mapping.write_text("values:\n  category: [Distribuidor, RETAIL]\n", encoding="utf-8")
    path = write(tmp_path / "erp.csv", [HEADER, "F-1,Uno S.L.,Empresa,Distribuidor,ES"])
    result = cli("import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 2, result.output
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "values: must give each field (category, company_type, country) its values" in text


def test_a_workbook_saved_by_libreoffice_names_types_categories_and_countries(cli, spanish):
    # names.xlsx: LibreOffice's conversion of a CSV whose cells name the entries (any case,
    # with and without accents) and the countries (Spanish, Portuguese, German).
    path = Path(__file__).resolve().parent / "fixtures" / "catalogue_values" / "names.xlsx"
    result = cli("import", str(path), "--map-value", "category:distribuidor=WHOLESALE")
    assert result.exit_code == 0, result.output
    landed = {ident: tuple(show(cli, ident)[key] for key in ("company_type", "category",
                                                             "country"))
              for ident in ("X-1", "X-2", "X-3")}
    assert landed == {"X-1": ("LEGAL", "RETAIL", "ES"), "X-2": ("PERSON", "WHOLESALE", "BR"),
                      "X-3": ("LEGAL", "WHOLESALE", "DE")}
