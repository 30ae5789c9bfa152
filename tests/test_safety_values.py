"""Value rules every entry point meets: checkable tax ids, no invisible formatting characters,
e-mail keys that keep ß apart from ss, and messages that never repeat a huge value in full."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from clientreg import rules
from clientreg.model import ClientDraft, ContactDraft
from clientreg.registration import register
from clientreg.storage import Store
from clientreg.storage.schema import migrations

PERSON = ("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE")
HEADER = ["identifier", "name", "company_type", "category", "country", "tax_id"]


def write_csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def problems(result) -> list[tuple[str, str, str]]:
    return [(p["column"], p["code"], p["message"]) for p in json.loads(result.stdout)["problems"]]


def shown(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- one tax id, one company ----------------------------------------------------------------

NEEDS_COUNTRY = ("give the company's country (or a VAT prefix such as ES…) so the tax id can "
                 "be checked")


def test_a_tax_id_without_a_country_or_prefix_is_refused_saying_to_give_the_country(
        cli, catalogue):
    result = cli(*PERSON, "--identifier", "P-1", "--name", "Ana", "--tax-id", "B12345674")
    assert result.exit_code == 1
    assert result.stderr == ("Rejected, nothing was written:\n"
                             f"  tax_id = 'B12345674': {NEEDS_COUNTRY} [tax-id-needs-country]\n")
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_a_tax_id_is_one_company_whether_typed_with_a_prefix_or_with_the_country(
        cli, catalogue, tmp_path):
    first = write_csv(tmp_path / "first.csv", HEADER,
                      ["P-1", "Andaluza", "PERSON", "WHOLESALE", "ES", "ESB12345674"])
    assert cli("import", str(first)).exit_code == 0
    again = write_csv(tmp_path / "again.csv", HEADER,
                      ["P-2", "Bare", "PERSON", "WHOLESALE", "", "B12345674"],
                      ["P-3", "Spanish", "PERSON", "WHOLESALE", "ES", "B-12345674"])
    result = cli("import", str(again), "--format", "json")
    assert result.exit_code == 1
    assert problems(result) == [
        ("tax_id", "tax-id-needs-country", NEEDS_COUNTRY),
        ("tax_id", "duplicate-tax-id", "tax id ESB12345674 already belongs to company P-1")]


def test_edit_sets_a_tax_id_only_with_its_country(cli, catalogue):
    assert cli(*PERSON, "--identifier", "P-1", "--name", "Ana").exit_code == 0
    result = cli("edit", "P-1", "--set", "tax_id=B12345674")
    assert result.exit_code == 1
    assert f"tax_id = 'B12345674': {NEEDS_COUNTRY} [tax-id-needs-country]" in result.stderr
    result = cli("edit", "P-1", "--set", "country=ES", "--set", "tax_id=B12345674")
    assert result.exit_code == 0, result.stderr
    assert shown(cli, "P-1")["tax_id"] == "ESB12345674"


@pytest.mark.parametrize(("country", "typed", "stored"), [
    ("", "EL094259216", "EL094259216"),      # Greece's VAT prefix is EL, not GR
    ("GR", "094259216", "EL094259216"),
    ("", "PT501964843", "PT501964843"),
    ("BR", "11.222.333/0001-81", "11222333000181"),
])
def test_a_tax_id_takes_its_country_from_the_company_or_its_vat_prefix(cli, catalogue, country,
                                                                      typed, stored):
    options = ("--country", country) if country else ()
    result = cli(*PERSON, "--identifier", "P-1", "--name", "Ana", *options, "--tax-id", typed)
    assert result.exit_code == 0, result.stderr
    assert shown(cli, "P-1")["tax_id"] == stored


def test_a_cnpj_needs_the_country_br(cli, catalogue):
    result = cli(*PERSON, "--identifier", "P-1", "--name", "Ana", "--tax-id",
                 "11.222.333/0001-81")
    assert result.exit_code == 1
    assert "[tax-id-needs-country]" in result.stderr


def test_the_search_keys_of_a_tax_id_are_the_forms_it_can_be_stored_in():
    assert rules.tax_id_search_keys("B-12345674") == ["ESB12345674", "B12345674"]
    assert rules.tax_id_search_keys("es b12345674") == ["ESB12345674"]
    assert rules.tax_id_search_keys("094259216")[0] == "EL094259216"
    assert "11222333000181" in rules.tax_id_search_keys("11.222.333/0001-81")
    assert rules.tax_id_search_keys("Ferretería Ibáñez") == []
    for not_a_tax_id in ("x" * 10_000, "1" * 60, "B1234\u202e5674", "B1234\x075674", "", " "):
        assert rules.tax_id_search_keys(not_a_tax_id) == []


# --- Unicode format characters --------------------------------------------------------------

FORMAT_CHARACTERS = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING", "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING", "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE", "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE", "\u200b": "ZERO WIDTH SPACE",
    "\u2060": "WORD JOINER", "\ufeff": "ZERO WIDTH NO-BREAK SPACE", "\u00ad": "SOFT HYPHEN",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK", "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}


@pytest.mark.parametrize("char", FORMAT_CHARACTERS)
def test_an_import_refuses_a_format_character_naming_the_field_and_the_character(
        cli, catalogue, tmp_path, char):
    path = write_csv(tmp_path / "in.csv", [*HEADER, "contact_name", "contact_email"],
                     ["P-1", f"Acme{char}Ltd", "PERSON", "WHOLESALE", "ES", "",
                      f"Ana{char}", "ana@acme.example"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    reason = (f"contains U+{ord(char):04X} {FORMAT_CHARACTERS[char]}, an invisible formatting "
              "character")
    assert problems(result) == [("name", "invalid-character", reason),
                                ("contact_name", "invalid-character", reason)]


def test_attribute_values_and_catalogue_names_refuse_format_characters_too(cli, catalogue,
                                                                           tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump({
        "company_types": [{"code": "OTHER", "name": "Oth\u200ber"}],
        "categories": [{"code": "NOTED", "name": "Noted",
                        "attributes": [{"key": "notes", "type": "memo"}]}],
        "clients": [{"identifier": "P-1", "name": "Ana", "company_type": "PERSON",
                     "category": "NOTED", "client_attributes": {"notes": "a\n\u202eb"}}],
    }, allow_unicode=True), encoding="utf-8")
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    assert [(column, code) for column, code, _ in problems(result)] == [
        ("company_types[0].name", "invalid-character"),
        ("clients[0].client_attr.notes", "invalid-character")]


@pytest.mark.parametrize("name", [
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 Family Shop",        # ZWJ emoji sequence
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",              # Persian, with a ZWNJ
    "\u0915\u094d\u200d\u0937 Traders",                              # Devanagari, with a ZWJ
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f Pub",  # England
    "\u05e9\u05dc\u05d5\u05dd Ltd",                                  # Hebrew without marks
])
def test_joiners_that_real_names_need_are_stored_unchanged(cli, catalogue, name):
    result = cli(*PERSON, "--identifier", "P-1", "--name", name)
    assert result.exit_code == 0, result.stderr
    assert shown(cli, "P-1")["name"] == name


def test_a_joiner_between_latin_letters_is_refused(cli, catalogue):
    result = cli(*PERSON, "--identifier", "P-1", "--name", "Ac\u200dme")
    assert result.exit_code == 1
    assert result.stderr == (
        "Rejected, nothing was written:\n  name = 'Ac\\u200dme': contains U+200D ZERO WIDTH "
        "JOINER, an invisible formatting character [invalid-character]\n")


# --- e-mail keys ----------------------------------------------------------------------------

def test_strasse_and_strasse_with_eszett_are_two_external_users(cli, catalogue):
    result = cli(*PERSON, "--identifier", "P-1", "--name", "Ana",
                 "--contact", "Ana <strasse@example.com>", "--contact", "Bo <straße@example.com>")
    assert result.exit_code == 0, result.stderr
    assert [c["email"] for c in shown(cli, "P-1")["contacts"]] == [
        "strasse@example.com", "straße@example.com"]
    keys = [k for (k,) in catalogue.conn.execute(
        "SELECT email_key FROM external_users ORDER BY id")]
    assert keys == ["strasse@example.com", "straße@example.com"]
    assert cli("external-user", "show", "STRASSE@example.com").exit_code == 0


def test_a_database_with_case_folded_keys_is_migrated_to_lower_cased_ones(cli, db_path):
    db = Database(db_path)
    migrations.apply(db, stop_before="0003_email_lower")
    old = Store(db=db, path=db_path)
    from clientreg.catalogue import add_entry

    add_entry(old, "company_type", {"code": "PERSON", "name": "Individual"}, source="seed")
    add_entry(old, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="seed")
    register(old, ClientDraft(identifier="P-1", name="Ana", company_type="PERSON",
                              category="WHOLESALE",
                              contacts=[ContactDraft(name="Jo", email="Straße@Example.com")]),
             source="test")
    # As the earlier release keyed it: the address case-folded.
    old.conn.execute("UPDATE external_users SET email_key = 'strasse@example.com'")
    old.conn.execute("UPDATE history SET entity_key = 'strasse@example.com' "
                     "WHERE entity = 'external_user'")
    old.close()
    result = cli("external-user", "show", "STRAßE@example.com", "--format", "json")
    assert result.exit_code == 0, result.stderr
    user = json.loads(result.stdout)
    assert user["email"] == "Straße@example.com"
    assert [entry["action"] for entry in user["history"]] == ["created"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT email_key FROM external_users").fetchall() == [
            ("straße@example.com",)]
    conn.close()
    assert cli("external-user", "show", "strasse@example.com").exit_code == 1


# --- short messages -------------------------------------------------------------------------

LONG_NAME = "N" * 99_000      # a CSV cell holds at most 100,000 characters
LONG_EMAIL = "a" * 99_000 + "@@example.com"


def big_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "big.csv", ["identifier", "name", "company_type", "category",
                                            "contact_name", "contact_email"],
                     ["P-1", LONG_NAME, "PERSON", "WHOLESALE", "Ana", "ana@example.com"],
                     ["P-2", "Bo", "PERSON", "WHOLESALE", "Bo", LONG_EMAIL])


def test_an_import_report_shows_the_start_of_a_huge_value_and_its_length(cli, catalogue,
                                                                         tmp_path):
    path = big_csv(tmp_path)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert len(result.output) < 2_000
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{path}:2: column name = '{'N' * 50}… (99,000 characters)': is 99000 characters "
        "long; at most 255 are allowed [too-long]",
        f"{path}:3: column contact_email = '{'a' * 50}… (99,013 characters)': is 99013 "
        "characters long; at most 254 are allowed [too-long]"]


def test_a_json_report_and_a_rejects_file_keep_messages_short_and_cells_whole(
        cli, catalogue, tmp_path):
    path = big_csv(tmp_path)
    rejects = tmp_path / "rejected.csv"
    result = cli("import", str(path), "--format", "json", "--errors", str(rejects))
    assert result.exit_code == 1
    assert len(result.stdout) < 2_000 and len(result.stderr) < 2_000
    values = [p["value"] for p in json.loads(result.stdout)["problems"]]
    assert values == [f"{'N' * 50}… (99,000 characters)", f"{'a' * 50}… (99,013 characters)"]
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["name"], row["contact_email"]) for row in rows] == [
        (LONG_NAME, "ana@example.com"), ("Bo", LONG_EMAIL)]
    assert all(len(row["error_message"]) < 200 for row in rows)


def test_a_megabyte_value_in_a_document_or_an_option_gives_a_short_message(cli, catalogue,
                                                                          tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump([{
        "identifier": "P-1", "name": "N" * 1_000_000, "company_type": "PERSON",
        "category": "WHOLESALE",
        "contacts": [{"name": "Ana", "email": "x" * 1_000_000 + "@"}]}]), encoding="utf-8")
    result = cli("import", str(path), "--format", "json", "--errors",
                 str(tmp_path / "rejected.yaml"))
    assert result.exit_code == 1
    assert len(result.stdout) < 2_000 and len(result.stderr) < 2_000
    assert sorted(p["value"] for p in json.loads(result.stdout)["problems"]) == [
        f"{'N' * 50}… (1,000,000 characters)", f"{'x' * 50}… (1,000,001 characters)"]
    rejected = yaml.safe_load((tmp_path / "rejected.yaml").read_text(encoding="utf-8"))
    assert rejected[0]["name"] == "N" * 1_000_000
    assert len(rejected[0]["error_message"]) < 200
    result = cli(*PERSON, "--identifier", "P-1", "--name", "N" * 1_000_000)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Rejected, nothing was written:\n  name = '{'N' * 50}… (1,000,000 characters)': is "
        "1000000 characters long; at most 255 are allowed [too-long]\n")


def test_an_edit_with_a_huge_value_gives_a_short_message(cli, catalogue):
    assert cli(*PERSON, "--identifier", "P-1", "--name", "Ana").exit_code == 0
    result = cli("edit", "P-1", "--set", "city=" + "C" * 1_000_000)
    assert result.exit_code == 1
    assert len(result.stderr) < 300
    assert f"city = '{'C' * 50}… (1,000,000 characters)'" in result.stderr



class Prompter:
    """Answers the wizard's questions in order; Enter (None) keeps what a question shows."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.refused: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def select(self, key, message, options, *, default=None, back=True):
        return self.answers.pop(0)

    def text(self, key, message, *, default="", validate=None, back=True):
        self.asked.append(message.split(" (")[0])
        while True:
            answer = self.answers.pop(0)
            answer = default if answer is None else answer
            reason = validate(answer) if validate else None
            if reason is None:
                return answer
            self.refused.setdefault(self.asked[-1], []).append(reason)

    def say(self, message: str) -> None:
        pass

    warn = say


def test_the_wizard_asks_the_country_first_and_refuses_a_bare_tax_id_without_it(tmp_path):
    from clientreg.catalogue import add_entry
    from clientreg.commands.wizard_steps import FINISH, Wizard
    from clientreg.records import client_data
    from clientreg.storage import open_database

    store = open_database(tmp_path / "wizard.db")
    try:
        add_entry(store, "company_type", {"code": "PERSON", "name": "Individual"}, source="t")
        add_entry(store, "category", {"code": "WHOLESALE", "name": "Wholesale"}, source="t")
        prompter = Prompter("PERSON", "WHOLESALE", "P-1", "ACME", None, "", "B12345674",
                            "ESB12345674", *[None] * 7, "done", FINISH)
        Wizard(store, prompter).run(lambda draft: register(store, draft, source="wizard"))
        assert prompter.asked.index("Country") < prompter.asked.index("Tax id")
        assert prompter.refused == {"Tax id": [NEEDS_COUNTRY]}
        assert client_data(store, "P-1")["tax_id"] == "ESB12345674"
    finally:
        store.close()


def test_a_huge_identifier_searched_or_a_huge_header_gives_a_short_message(cli, catalogue,
                                                                         tmp_path):
    result = cli("show", "Q" * 1_000_000)
    assert result.exit_code == 1
    assert len(result.stderr) < 300
    assert f"'{'Q' * 50}… (1,000,000 characters)'" in result.stderr
    header = ["identifier", "name", "company_type", "category", "company_attr." + "k" * 99_000]
    path = write_csv(tmp_path / "header.csv", header, ["P-1", "Ana", "PERSON", "WHOLESALE", "1"])
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert len(result.output) < 1_000


def test_rows_of_one_client_that_differ_say_so_briefly(cli, catalogue, tmp_path):
    path = write_csv(tmp_path / "rows.csv", ["identifier", "name", "company_type", "category",
                                             "contact_name", "contact_email"],
                     ["P-1", "A" * 99_000, "PERSON", "WHOLESALE", "Ana", "ana@example.com"],
                     ["P-1", "B" * 99_000, "PERSON", "WHOLESALE", "Bo", "bo@example.com"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    assert len(result.stdout) < 2_000
    assert (f"differs from '{'A' * 50}… (99,000 characters)' on row 2, a row of the same client; "
            "leave it blank or repeat the value") in [
        p["message"] for p in json.loads(result.stdout)["problems"]]
