"""clientreg import --locale: numbers, dates and yes/no cells as a locale writes them.

Without --locale values stay strict, and a number or date refused says how a likely locale
would read it. tests/fixtures/locale/clientes_es.xlsx and .ods were made by LibreOffice from
SPANISH_CSV, read with the Spanish locale so that its numbers, dates and booleans are number,
date and boolean cells:
``soffice --headless --infilter="CSV:59,34,76,1,,3082" --convert-to xlsx clientes_es.csv``
(and ``--convert-to ods``).
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from clientreg import fast
from clientreg.attributes import AttributeDef, check_value
from clientreg.catalogue import add_entry
from clientreg.errors import InvalidValue
from clientreg.fast.check_workers import WORKERS_ENV
from clientreg.locale_values import FLAG_WORDS, STRICT, ValueLocale, read_flag
from clientreg.rules import flag

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "locale"
HEADER = ("identifier;name;company_type;category;country;company_attr.founded;"
          "client_attr.credit;client_attr.discount;client_attr.since;contact_name;"
          "contact_email;contact_default")
SPANISH_CSV = [
    HEADER,
    "L-1;Ferretería Núñez;LEGAL;RETAIL;ES;27/02/1956;1.580.240,46;1,234;3/4/2020;Ana Núñez;"
    "ana@nunez.example;VERDADERO",
    "L-2;Bodegas Peñalver;LEGAL;RETAIL;ES;01/12/1999;-12,5;7;31/12/2021;Luis Peñalver;"
    "luis@penalver.example;FALSO",
]
CATALOGUE = {
    "company_type": [{"code": "LEGAL", "name": "Legal entity", "attributes": [
        {"key": "founded", "label": "Founded", "type": "date"}]}],
    "category": [{"code": "RETAIL", "name": "Retail", "attributes": [
        {"key": "credit", "label": "Credit limit", "type": "currency", "decimals": 2},
        {"key": "discount", "label": "Discount", "type": "number"},
        {"key": "since", "label": "Client since", "type": "date"}]}],
}


@pytest.fixture
def local_catalogue(store):
    for kind, entries in CATALOGUE.items():
        for entry in entries:
            add_entry(store, kind, entry, source="test catalogue")
    return store


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def client(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def stored_attributes(db_path: Path, identifier: str) -> tuple[str, str]:
    """The attributes as stored: the text of each value, as the core wrote it."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT companies.attributes, clients.attributes FROM clients JOIN companies "
            "ON companies.id = clients.company_id WHERE companies.identifier = ?",
            [identifier]).fetchone()


def assert_spanish_file_landed(cli, db_path: Path) -> None:
    first, second = client(cli, "L-1"), client(cli, "L-2")
    assert first["company_attributes"] == {"founded": "1956-02-27"}
    assert first["client_attributes"] == {"credit": 1580240.46, "discount": 1.234,
                                          "since": "2020-04-03"}
    assert first["contacts"][0]["default"] is True
    assert second["company_attributes"] == {"founded": "1999-12-01"}
    assert second["client_attributes"] == {"credit": -12.5, "discount": 7,
                                           "since": "2021-12-31"}
    assert second["contacts"][0].get("default", False) is False
    company, category = stored_attributes(db_path, "L-2")
    assert json.loads(category)["credit"] == "-12.50"  # a currency keeps its two decimals


def test_a_spanish_csv_lands_with_locale_es(cli, local_catalogue, tmp_path, db_path):
    path = write(tmp_path / "clientes.csv", SPANISH_CSV)
    result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert_spanish_file_landed(cli, db_path)


def test_without_locale_the_same_file_is_refused_naming_the_locale(cli, local_catalogue,
                                                                     tmp_path, db_path):
    path = write(tmp_path / "clientes.csv", SPANISH_CSV)
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    problems = {(p["row"], p["column"]): p["message"] for p in json.loads(result.stdout)
                ["problems"]}
    assert problems[(2, "client_attr.credit")] == (
        "must be a number with a dot decimal, such as 1250.50 (reads as 1580240.46 with "
        "--locale es)")
    assert problems[(2, "company_attr.founded")] == (
        "must be a date written YYYY-MM-DD (reads as 1956-02-27 with --locale es)")
    # A day and a month that could be either way round: both readings are named.
    assert problems[(2, "client_attr.since")] == (
        "must be a date written YYYY-MM-DD (reads as 2020-04-03 with --locale es, or as "
        "2020-03-04 with --locale en_US)")
    # So is a number whose comma groups in one locale and is the decimal in another.
    assert problems[(2, "client_attr.discount")] == (
        "must be a number with a dot decimal, such as 1250.50 (reads as 1.234 with --locale es, "
        "or as 1234 with --locale en_US)")
    assert problems[(3, "client_attr.credit")].endswith("(reads as -12.5 with --locale es)")
    # VERDADERO and FALSO need no locale: the yes/no cells are no problem.
    assert not any(column == "contact_default" for _, column in problems)
    assert count(db_path, "clients") == 0


def test_english_numbers_name_an_english_locale(cli, local_catalogue, tmp_path):
    path = write(tmp_path / "clients.csv", [
        HEADER, 'L-1;Hardware Inc;LEGAL;RETAIL;US;02/27/1956;1,580,240.46;;;;;'])
    result = cli("import", str(path))
    assert result.exit_code == 1, result.output
    assert ("'1,580,240.46': must be a number with a dot decimal, such as 1250.50 (reads as "
            "1580240.46 with --locale en_US)") in result.output
    assert ("'02/27/1956': must be a date written YYYY-MM-DD (reads as 1956-02-27 with "
            "--locale en_US)") in result.output


def test_other_locales_read_their_own_formats(cli, local_catalogue, tmp_path, db_path):
    path = write(tmp_path / "kunden.csv", [
        HEADER,
        "D-1;Müller GmbH;LEGAL;RETAIL;DE;27.02.1956;1.580.240,46;0,5;27.02.56;Jan Müller;"
        "jan@mueller.example;ja",
    ])
    result = cli("import", str(path), "--locale", "de")
    assert result.exit_code == 0, result.output
    german = client(cli, "D-1")
    assert german["company_attributes"] == {"founded": "1956-02-27"}
    assert german["client_attributes"] == {"credit": 1580240.46, "discount": 0.5,
                                           "since": "1956-02-27"}
    assert german["contacts"][0]["default"] is True
    american = write(tmp_path / "clients.csv", [
        HEADER, "U-1;Hardware Inc;LEGAL;RETAIL;US;02/27/1956;1,580,240.46;;Feb 27, 2020;;;"])
    result = cli("import", str(american), "--locale", "en-US")
    assert result.exit_code == 0, result.output
    assert client(cli, "U-1")["client_attributes"] == {"credit": 1580240.46,
                                                       "since": "2020-02-27"}
    brazilian = write(tmp_path / "clientes_br.csv", [
        HEADER, "B-1;Padaria São João;LEGAL;RETAIL;BR;27/02/1956;1.580.240,46;;"
        "27 de fev. de 2020;Maria;maria@sao-joao.example;sim"])
    result = cli("import", str(brazilian), "--locale", "pt_BR")
    assert result.exit_code == 0, result.output
    assert client(cli, "B-1")["client_attributes"] == {"credit": 1580240.46,
                                                       "since": "2020-02-27"}
    assert client(cli, "B-1")["contacts"][0]["default"] is True


@pytest.mark.parametrize("name", ["clientes_es.xlsx", "clientes_es.ods"])
def test_a_libreoffice_workbook_with_spanish_numbers_and_dates(cli, local_catalogue, tmp_path,
                                                                db_path, name):
    # Its numbers and dates are number and date cells: they mean the same with or without
    # --locale. Under es, the number cell 1.234 is one point two three four, not 1234.
    path = shutil.copy(FIXTURES / name, tmp_path / name)
    result = cli("import", str(path), "--locale", "es", "--dry-run")
    assert result.exit_code == 0, result.output
    result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    assert_spanish_file_landed(cli, db_path)


@pytest.mark.parametrize("name", ["clientes_es.xlsx", "clientes_es.ods"])
def test_the_libreoffice_workbook_needs_no_locale(cli, local_catalogue, tmp_path, db_path,
                                                  name):
    path = shutil.copy(FIXTURES / name, tmp_path / name)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert_spanish_file_landed(cli, db_path)


def _text_workbook(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in [HEADER.split(";"), *rows]:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"  # text cells, as a sheet typed by hand in a text column
    book.save(path)
    return path


def test_a_workbook_of_text_cells_is_read_with_the_locale(cli, local_catalogue, tmp_path,
                                                          db_path):
    path = _text_workbook(tmp_path / "texto.xlsx", [line.split(";") for line in SPANISH_CSV[1:]])
    refused = cli("import", str(path))
    assert refused.exit_code == 1, refused.output
    assert "(reads as 1580240.46 with --locale es)" in refused.output
    assert count(db_path, "clients") == 0
    result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    assert_spanish_file_landed(cli, db_path)


def test_groups_in_the_wrong_places_are_refused(cli, local_catalogue, tmp_path, db_path):
    path = write(tmp_path / "clientes.csv", [
        HEADER,
        "L-1;Ferretería Núñez;LEGAL;RETAIL;ES;;1.58.0240,46;;;;;",
        "L-2;Bodegas Peñalver;LEGAL;RETAIL;ES;;1580240.46;;;;;",
    ])
    result = cli("import", str(path), "--locale", "es", "--format", "json")
    assert result.exit_code == 1, result.output
    problems = [(p["row"], p["column"], p["value"], p["code"], p["message"])
                for p in json.loads(result.stdout)["problems"]]
    expected = "must be a number as locale es writes it, such as 1.234.567,89"
    assert problems == [
        (2, "client_attr.credit", "1.58.0240,46", "invalid-attribute", expected),
        # Under es the dot groups digits: a dot decimal in a text cell is no number of es.
        (3, "client_attr.credit", "1580240.46", "invalid-attribute", expected),
    ]
    assert count(db_path, "clients") == 0


def test_a_day_that_does_not_exist_is_refused_at_its_cell(cli, local_catalogue, tmp_path,
                                                          db_path):
    path = write(tmp_path / "clientes.csv", [
        HEADER,
        "L-1;Ferretería Núñez;LEGAL;RETAIL;ES;30/02/2024;;;29/02/2024;;;",
        "L-2;Bodegas Peñalver;LEGAL;RETAIL;ES;2024-02-30;;;31/13/2024;;;",
    ])
    result = cli("import", str(path), "--locale", "es", "--format", "json")
    assert result.exit_code == 1, result.output
    problems = [(p["row"], p["column"], p["value"], p["message"])
                for p in json.loads(result.stdout)["problems"]]
    assert problems == [
        (2, "company_attr.founded", "30/02/2024",
         "is written as a date, but no such day exists (day 30 of month 2, 2024)"),
        (3, "company_attr.founded", "2024-02-30", "February 2024 has 29 days"),
        (3, "client_attr.since", "31/13/2024",
         "is written as a date, but no such day exists (day 31 of month 13, 2024)"),
    ]
    assert count(db_path, "clients") == 0


def test_yes_and_no_in_the_locales_language(cli, local_catalogue, tmp_path, db_path):
    lines = [HEADER,
             "S-1;Uno;LEGAL;RETAIL;ES;;;;;Ana;ana@uno.example;sí",
             "S-2;Dos;LEGAL;RETAIL;ES;;;;;Eva;eva@dos.example;No",
             "S-3;Tres;LEGAL;RETAIL;ES;;;;;Pau;pau@tres.example;Verdadero"]
    result = cli("import", str(write(tmp_path / "si.csv", lines)), "--locale", "es")
    assert result.exit_code == 0, result.output
    assert [client(cli, f"S-{n}")["contacts"][0].get("default", False) for n in (1, 2, 3)] == [
        True, False, True]
    german = write(tmp_path / "ja.csv", [
        HEADER, "J-1;Eins;LEGAL;RETAIL;DE;;;;;Jan;jan@eins.example;ja"])
    refused = cli("import", str(german))
    assert refused.exit_code == 1
    assert "'ja': must be true or false (reads as true with --locale de)" in refused.output
    refused = cli("import", str(german), "--locale", "es")
    assert refused.exit_code == 1
    assert ("'ja': must be true or false, or in locale es: sí, no, verdadero, falso"
            in refused.output)
    result = cli("import", str(german), "--locale", "de_DE")
    assert result.exit_code == 0, result.output
    assert client(cli, "J-1")["contacts"][0]["default"] is True


def test_verdadero_and_falso_are_read_without_a_locale():
    assert flag("VERDADERO", field="f") is True
    assert flag("falso", field="f") is False
    assert flag("Verdadero", field="f", locale=ValueLocale("de")) is True
    assert flag("NÃO", field="f", locale=ValueLocale("pt_BR")) is False
    assert flag("nao", field="f", locale=ValueLocale("pt")) is False


def test_the_wizard_is_not_told_of_an_option_it_lacks():
    # Without any locale (the wizard, new --no-input), a refused value names no --locale.
    with pytest.raises(InvalidValue) as refused:
        flag("ja", field="default")
    assert refused.value.reason == "must be true or false"
    date = AttributeDef("since", "Since", "date")
    with pytest.raises(InvalidValue) as refused:
        check_value(date, "27/02/1956", field="since")
    assert refused.value.reason == "must be a date written YYYY-MM-DD"
    with pytest.raises(InvalidValue) as refused:
        check_value(date, "27/02/1956", field="since", locale=STRICT)
    assert refused.value.reason.endswith("(reads as 1956-02-27 with --locale es)")


def test_numbers_keep_their_plain_form():
    number = AttributeDef("n", "N", "number")
    assert check_value(number, "1000.0", field="n") == "1000"  # not 1E+3
    assert check_value(number, "1.000,0", field="n", locale=ValueLocale("es")) == "1000"
    assert check_value(number, "0.0000001", field="n") == "0.0000001"
    assert check_value(number, "007", field="n") == "7"
    assert check_value(number, 1.25, field="n", locale=ValueLocale("es")) == "1.25"
    # French groups with a narrow no-break space; a person types a plain one.
    assert check_value(number, "1 580 240,46", field="n", locale=ValueLocale("fr")) == (
        "1580240.46")


def test_no_language_says_yes_with_a_word_that_means_no_elsewhere():
    # A locale's words come on top of the words read always: none may contradict them.
    always = {"": False, "0": False, "false": False, "no": False, "n": False, "f": False,
              "falso": False, "1": True, "true": True, "yes": True, "y": True, "t": True,
              "x": True, "si": True, "sí": True, "verdadero": True}
    for language in FLAG_WORDS:
        for word, meaning in always.items():
            read = read_flag(word, language)
            assert read is None or read is meaning, (language, word)


def test_an_unknown_locale_is_a_usage_error(cli, local_catalogue, tmp_path, db_path):
    path = write(tmp_path / "clientes.csv", SPANISH_CSV)
    result = cli("import", str(path), "--locale", "xx_YY")
    assert result.exit_code == 2
    assert "'xx_YY' is not a locale Babel knows" in result.output
    assert count(db_path, "clients") == 0


def test_yaml_text_values_are_read_with_the_locale(cli, local_catalogue, tmp_path, db_path):
    # YAML numbers are numbers already; a quoted number or a date written as text is read
    # as the locale writes it, and so is a yes/no written as a word.
    path = tmp_path / "clientes.yaml"
    path.write_text(
        "- identifier: Y-1\n  name: Ferretería Núñez\n  company_type: LEGAL\n"
        "  category: RETAIL\n  country: ES\n  active: 'no'\n"
        "  company_attributes: {founded: 27/02/1956}\n"
        "  client_attributes: {credit: '1.234,5', discount: 1.234, since: 2020-04-03}\n"
        "  contacts:\n    - {name: Ana, email: ana@nunez.example, default: sí}\n",
        encoding="utf-8")
    refused = cli("import", str(path))
    assert refused.exit_code == 1
    assert "(reads as 1234.5 with --locale es)" in refused.output
    result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    entry = client(cli, "Y-1")
    assert entry["company_attributes"] == {"founded": "1956-02-27"}
    assert entry["client_attributes"] == {"credit": 1234.5, "discount": 1.234,
                                          "since": "2020-04-03"}
    assert entry["contacts"][0]["default"] is True
    assert entry["active"] is False


def test_a_seeds_companies_are_read_with_the_locale(cli, local_catalogue, tmp_path, db_path):
    path = tmp_path / "semilla.yaml"
    path.write_text(
        "companies:\n  - {identifier: ACME, name: ACME S.A., company_type: LEGAL, country: ES,"
        " company_attributes: {founded: 31/12/1999}}\n", encoding="utf-8")
    refused = cli("import", str(path))
    assert refused.exit_code == 1
    assert "(reads as 1999-12-31 with --locale es)" in refused.output
    result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT attributes FROM companies WHERE identifier = 'ACME'")
        assert json.loads(stored.fetchone()[0]) == {"founded": "1999-12-31"}


def test_the_locale_reaches_the_worker_processes(cli, local_catalogue, tmp_path, db_path,
                                                 monkeypatch):
    # Enough clients for several chunks: all but the first are checked in a worker.
    lines = [HEADER] + [f"W-{n:05d};Tienda {n};LEGAL;RETAIL;ES;27/02/1956;1.234,5{n % 10};"
                        f"{n},5;3/4/2020;;;" for n in range(1, 2600)]
    path = write(tmp_path / "muchos.csv", lines)
    monkeypatch.setenv(WORKERS_ENV, "1")
    with fast.switched(True):
        result = cli("import", str(path), "--locale", "es")
    assert result.exit_code == 0, result.output
    assert count(db_path, "clients") == 2599
    assert client(cli, "W-02599")["client_attributes"] == {"credit": 1234.59,
                                                           "discount": 2599.5,
                                                           "since": "2020-04-03"}
