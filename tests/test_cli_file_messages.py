"""The command line's own file errors: a --save-as seed file, a catalogue --file, as shown.

Files are named relative to the test's folder: an error repeats a long value only by its start.
"""

from pathlib import Path

import pytest

NEW = ("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE", "--identifier", "P-1",
       "--name", "Ana")


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_a_save_as_file_in_a_missing_folder_is_refused_before_registering(cli, catalogue):
    seed = Path("missing") / "seed.yaml"
    result = cli(*NEW, "--save-as", str(seed))
    assert result.exit_code == 3
    assert result.stderr.strip() == (f"Error: --save-as = {str(seed)!r}: the folder of {seed} "
                                      "does not exist [unwritable-file]")
    assert catalogue.conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


@pytest.mark.parametrize(("text", "says"), [
    ("clients: 3\n", "{path}: clients: is not a list [unreadable-file]"),
    ("clients: [a\n", "{path} cannot be read as a YAML seed file: while parsing a flow sequence"),
])
def test_a_save_as_file_that_cannot_take_a_client_says_why(cli, catalogue, text, says):
    seed = Path("seed.yaml")
    seed.write_text(text, encoding="utf-8")
    result = cli(*NEW, "--save-as", str(seed))
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: --save-as = {str(seed)!r}: "
                                    + says.format(path=seed))
    assert seed.read_text(encoding="utf-8") == text


def test_a_catalogue_file_of_the_wrong_shape_names_the_kind_it_should_hold(cli):
    entries = Path("types.yaml")
    entries.write_text("clients: 3\n", encoding="utf-8")
    result = cli("company-type", "add", "--file", str(entries))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {entries}: must hold a company type (a mapping with code and name), a list of "
        "them, or a seed document with company_types: [invalid-file]")


def test_problems_in_a_catalogue_file_name_their_entry(cli):
    entries = Path("categories.yaml")
    entries.write_text("- {code: RETAIL, name: Retail}\n- {code: 'BAD CODE', name: Bad}\n",
                       encoding="utf-8")
    result = cli("category", "add", "--file", str(entries))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Rejected, nothing was written:"
    assert lines[1].startswith("  categories.yaml entry 2 (BAD CODE): code = 'BAD CODE': ")
    assert lines[1].endswith("]")
    assert cli("category", "list", "--format", "json").stdout.strip() == "[]"


def test_counts_have_their_singular(cli):
    assert cli("company-type", "add", "PERSON", "--name", "Individual", "--attribute",
               "employees:number").stdout.strip() == (
        "Added company type PERSON with 1 attribute.")
    listed = cli("company-type", "list")
    assert listed.stderr.strip().splitlines()[-1] == "1 company type"
