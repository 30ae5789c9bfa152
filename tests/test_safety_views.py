"""The reading commands are safe and mean what they say: list, show and search.

Bytes that are not UTF-8 in an argument, formulas in CSV lists, LIKE wildcards, FTS5 syntax,
tax ids written in any of their usual forms, and searches too long to be real.
"""

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

# -P: the installed clientreg, never the clientreg/ folder of the directory a test runs in.
CLI = [sys.executable, "-P", "-c", "from clientreg.commands.app import main; main()"]

FORMULA_NAME = '=HYPERLINK("http://x","y")'
FORMULA_CONTACT = "@SUM(1)"
PHONE = "+34954123456"

SEED = f"""
company_types:
  - {{code: LEGAL, name: Legal entity}}
categories:
  - {{code: PLAIN, name: Plain}}
clients:
  - identifier: C-0001
    name: '{FORMULA_NAME}'
    company_type: LEGAL
    category: PLAIN
    tax_id: B-41954256
    country: ES
    phone: "{PHONE}"
    contacts:
      - {{name: "{FORMULA_CONTACT}", email: sum@formula.example, phone: "{PHONE}"}}
  - identifier: C-0002
    name: Farmácia Boa Saúde Ltda.
    company_type: LEGAL
    category: PLAIN
    tax_id: 00.362.417/0001-02
    country: BR
    contacts:
      - {{name: Ana Lima, email: ana@boasaude.example}}
      - {{name: Pagamentos, email: pay_ments@boasaude.example}}
  - identifier: C-0003
    name: Ferretería Ibáñez S.L.
    company_type: LEGAL
    category: PLAIN
    tax_id: ESB50550342
    country: ES
    contacts:
      - {{name: Luis Ibáñez, email: luis@ibanez.example}}
"""


@pytest.fixture
def seeded(cli, tmp_path: Path) -> Path:
    """The test's database holding three clients and four external users, through import."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    result = cli("import", str(seed))
    assert result.exit_code == 0, result.output
    return tmp_path / "clientreg.db"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- bytes that are not UTF-8 --------------------------------------------------------------

def run_bytes(db: Path, *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """clientreg in a real process, so Python decodes argv itself (surrogateescape)."""
    env = {**os.environ, "PYTHONUTF8": "1", "TERMINAL_WIDTH": "3000", "COLUMNS": "3000"}
    return subprocess.run([*CLI, "--db", str(db), *args], capture_output=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120)


NON_UTF8 = [
    (["show", b"C-0001\xff"], "identifier", r"'C-0001\xff'"),
    (["list", "--search", b"abc\xff"], "--search", r"'abc\xff'"),
    (["list", "--category", b"PLAIN\xff"], "--category", r"'PLAIN\xff'"),
    (["list", "--type", b"LEGAL\xfe"], "--type", r"'LEGAL\xfe'"),
    (["export", "--search", b"abc\xff"], "--search", r"'abc\xff'"),
    (["company", "show", b"C-0001\xff"], "identifier", r"'C-0001\xff'"),
    (["company", "list", "--search", b"\xe9t\xe9"], "--search", r"'\xe9t\xe9'"),
    (["external-user", "show", b"ana\xff@boasaude.example"], "email",
     r"'ana\xff@boasaude.example'"),
    (["external-user", "list", "--search", b"ana\xff"], "--search", r"'ana\xff'"),
    (["category", "show", b"PLAIN\xff"], "code", r"'PLAIN\xff'"),
    (["company-type", "show", b"LEGAL\xff"], "code", r"'LEGAL\xff'"),
    (["edit", b"C-0001\xff", "--set", "city=Sevilla"], "identifier", r"'C-0001\xff'"),
    (["edit", "C-0001", "--set", b"city=Sevilla\xff"], "--set", r"'city=Sevilla\xff'"),
    (["activate", b"C-0001\xff"], "identifier", r"'C-0001\xff'"),
    (["deactivate", b"C-0001\xff"], "identifier", r"'C-0001\xff'"),
]


@pytest.mark.parametrize(("args", "param", "shown"), NON_UTF8,
                         ids=[" ".join(a if isinstance(a, str) else "BYTES" for a in args[0])
                              for args in NON_UTF8])
def test_bytes_that_are_not_utf8_in_an_argument_are_a_usage_error(seeded, args, param, shown):
    done = run_bytes(seeded, *args)
    stderr = done.stderr.decode("utf-8")  # strict: nothing undecodable reaches the terminal
    assert "Traceback" not in stderr
    assert done.returncode == 2, stderr
    assert (f"Invalid value for '{param}': {shown} is not valid text (the terminal sent bytes "
            "that are not UTF-8)") in stderr
    assert done.stdout == b""


def test_bytes_that_are_not_utf8_change_nothing(seeded):
    before = run_bytes(seeded, "show", "C-0001", "--format", "json")
    assert run_bytes(seeded, "deactivate", b"C-0001\xff").returncode == 2
    assert run_bytes(seeded, "show", "C-0001", "--format", "json").stdout == before.stdout


# --- CSV injection -------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "column", "formula"), [
    (["list"], "name", FORMULA_NAME),
    (["company", "list"], "name", FORMULA_NAME),
    (["external-user", "list"], "name", FORMULA_CONTACT),
])
def test_csv_lists_neutralise_formulas_as_export_does(cli, seeded, command, column, formula):
    result = cli(*command, "--format", "csv")
    assert result.exit_code == 0, result.output
    cells = [row[column] for row in csv_rows(result.stdout)]
    assert "'" + formula in cells
    assert formula not in cells
    assert not [cell for cell in cells if cell.startswith(("=", "@"))]


def test_csv_lists_leave_plain_phone_numbers_alone(cli, seeded):
    result = cli("external-user", "list", "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = [row for row in csv_rows(result.stdout) if row["email"] == "sum@formula.example"]
    assert row["phone"] == PHONE


def test_csv_list_cells_read_back_as_stored(cli, seeded):
    from clientreg.schemas.writers import restore_cell

    listed = csv_rows(cli("list", "--format", "csv").stdout)
    stored = json.loads(cli("list", "--format", "json").stdout)
    assert [restore_cell(row["name"]) for row in listed] == [row["name"] for row in stored]


# --- search means what it says -------------------------------------------------------------

def user_emails(cli, *args: str) -> list[str]:
    result = cli("external-user", "list", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [row["email"] for row in json.loads(result.stdout)]


def test_like_wildcards_in_an_external_user_search_are_themselves(cli, seeded):
    assert user_emails(cli, "--search", "%") == []
    assert user_emails(cli, "--search", "_") == ["pay_ments@boasaude.example"]
    assert user_emails(cli, "--search", "pay_m") == ["pay_ments@boasaude.example"]
    assert user_emails(cli, "--search", "a%a") == []
    assert user_emails(cli, "--search", "\\") == []


def test_an_external_user_search_finds_the_text_in_any_case_and_spacing(cli, seeded):
    assert user_emails(cli, "--search", "ANA@BOA") == ["ana@boasaude.example"]
    assert user_emails(cli, "--search", "  ana   lima ") == ["ana@boasaude.example"]


def client_ids(cli, *args: str) -> list[str]:
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [row["identifier"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize(("text", "found"), [
    ("%", []), ("_", []), ("'", []), ('"', []), ("*", []), ("NEAR", []), ("NEAR(a b)", []),
    ("-", []), ("Boa OR", []), ("Boa AND", []), ("name:Boa", []), ("{name}:Boa", []), ("(", []),
    # As FTS5 syntax these would be NOT Boa, Boa as a column's first word, any word after Boa.
    ("-Boa", ["C-0002"]), ("^Boa", ["C-0002"]), ('Boa"*', ["C-0002"]),
])
def test_a_client_search_takes_query_syntax_as_words(cli, seeded, text, found):
    assert client_ids(cli, "list", "--search", text) == found


@pytest.mark.parametrize("text", ["B-41954256", "B41954256", "ESB41954256", "b 41954256",
                                  "es-b-41954256", " ESB 4195 4256 "])
@pytest.mark.parametrize("command", [["list"], ["company", "list"]])
def test_a_spanish_tax_id_is_found_however_it_is_written(cli, seeded, command, text):
    assert client_ids(cli, *command, "--search", text) == ["C-0001"]


@pytest.mark.parametrize("text", ["00.362.417/0001-02", "00362417000102", "00 362 417 0001 02"])
@pytest.mark.parametrize("command", [["list"], ["company", "list"]])
def test_a_brazilian_cnpj_is_found_however_it_is_written(cli, seeded, command, text):
    assert client_ids(cli, *command, "--search", text) == ["C-0002"]


def test_export_finds_a_tax_id_however_it_is_written(cli, seeded):
    result = cli("export", "--search", "b 41954256", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [c["identifier"] for c in json.loads(result.stdout)["clients"]] == ["C-0001"]


def test_words_still_find_clients_beside_tax_ids(cli, seeded):
    assert client_ids(cli, "list", "--search", "boa sa") == ["C-0002"]
    assert client_ids(cli, "list", "--search", "esb5055") == ["C-0003"]
    assert client_ids(cli, "list", "--search", "Ferreteria ibanez") == ["C-0003"]


# --- searches too long or full of operators -------------------------------------------------

def test_a_search_of_a_megabyte_is_refused_at_once(cli, seeded):
    started = time.monotonic()
    result = cli("list", "--search", "a " * 500_000, "--format", "csv")
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("Error: search: is longer than 1000 characters (1000000) "
                             "[search-too-long]\n")


@pytest.mark.parametrize("command", [["company", "list"], ["external-user", "list"],
                                     ["export"]])
def test_every_search_has_the_same_limit(cli, seeded, command):
    result = cli(*command, "--search", "x" * 1001, "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "search: is longer than 1000 characters (1001) [search-too-long]" in result.stderr


@pytest.mark.parametrize("text", [
    " ".join(["NEAR(a b) OR * -x AND ^y"] * 40)[:1000],
    ("Boa " * 250)[:1000],
    "-".join(["c"] * 500)[:1000],
])
def test_a_search_at_the_limit_full_of_operators_answers_promptly(cli, seeded, text):
    started = time.monotonic()
    found = client_ids(cli, "list", "--search", text)
    assert time.monotonic() - started < 10
    assert found == ([] if "NEAR" in text or "-" in text else ["C-0002"])


@pytest.mark.parametrize(("command", "message"), [
    (["company", "list"], "No companies match this search.\n"),
    (["external-user", "list"], "No external users match this search.\n"),
])
def test_a_directory_search_that_finds_nothing_says_so(cli, seeded, command, message):
    result = cli(*command, "--search", "%")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == message
