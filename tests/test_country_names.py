"""Countries by name (English, Spanish, Portuguese, German) or by ISO code, stored as alpha-2."""

import json
from pathlib import Path

import pytest

from clientreg import rules
from clientreg.errors import InvalidValue
from clientreg.territories import countries_named

HEADER = "identifier,name,company_type,category,country"

NAMES = [
    ("C-1", "España", "ES"), ("C-2", "Alemania", "DE"), ("C-3", "Brasil", "BR"),
    ("C-4", "Deutschland", "DE"), ("C-5", "spain", "ES"), ("C-6", "ESP", "ES"),
    ("C-7", "es", "ES"), ("C-8", "Estados Unidos", "US"), ("C-9", "Reino Unido", "GB"),
    ("C-10", "ESPAÑA", "ES"), ("C-11", "espana", "ES"), ("C-12", "Brazil", "BR"),
    ("C-13", "Irão", "IR"), ("C-14", "Côte d'Ivoire", "CI"), ("C-15", "Alemanha", "DE"),
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def show(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_names_in_four_languages_and_codes_land_as_alpha_2(cli, catalogue, tmp_path):
    path = write(tmp_path / "countries.csv",
                 [HEADER, *(f"{ident},Company {ident},PERSON,WHOLESALE,{country}"
                            for ident, country, _ in NAMES)])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    for identifier, given, code in NAMES:
        assert show(cli, identifier)["country"] == code, given


def test_a_made_up_country_is_refused_at_its_cell(cli, catalogue, tmp_path):
    path = write(tmp_path / "narnia.csv", [HEADER, "N-1,Narnia Ltd,PERSON,WHOLESALE,Narnia"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["problems"] == [{
        "file": str(path), "row": 2, "column": "country", "value": "Narnia",
        "code": "invalid-country",
        "message": "is not a country: use an ISO 3166 code such as ES, GB or BR"}]
    assert cli("show", "N-1").exit_code == 1


def test_a_yaml_entry_and_new_without_prompts_take_names_too(cli, catalogue, tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text("- {identifier: Y-1, name: Yaml Lda, company_type: PERSON,"
                    " category: WHOLESALE, country: Portugal}\n", encoding="utf-8")
    assert cli("import", str(path)).exit_code == 0
    assert show(cli, "Y-1")["country"] == "PT"
    result = cli("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
                 "--identifier", "N-1", "--name", "Ana", "--country", "Alemania")
    assert result.exit_code == 0, result.output
    assert show(cli, "N-1")["country"] == "DE"


def test_the_phone_is_read_with_the_country_a_name_gave(cli, catalogue, tmp_path):
    path = write(tmp_path / "phone.csv", ["identifier,name,company_type,category,country,phone",
                                          "P-1,Tel S.L.,PERSON,WHOLESALE,España,954 123 456"])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert show(cli, "P-1")["phone"] == "+34954123456"


def test_only_iso_countries_have_names():
    assert countries_named("Mundo") == ()  # CLDR 001, World
    assert countries_named("Unión Europea") == ()  # CLDR EU
    assert countries_named("Kosovo") == ()  # CLDR XK, no ISO 3166-1 code
    with pytest.raises(InvalidValue) as raised:
        rules.country("Europa")
    assert raised.value.code == "invalid-country"


def test_no_name_names_two_countries():
    # A name shared by two countries would be refused (invalid-country, naming both codes);
    # CLDR's names in these languages have none, and every name gives one country.
    from clientreg.territories import _index

    assert all(len(codes) == 1 for codes in _index().values())
    assert len({codes[0] for codes in _index().values()}) == 249
