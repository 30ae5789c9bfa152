"""Help and usage read as other command-line tools read: values named, usage errors that say
what to do, and a --db that cannot be a typo."""

import re

import pytest
from typer.testing import CliRunner

from clientreg.commands.app import app
from tests.test_help import command_tree

# What Python's types and pydantic's wording look like when they leak into help and errors.
LEAKS = re.compile(r"<bool>|<str>|<int>|<float>|<path>|<file>|<list|Value error")
PATHS = [" ".join(path) for path, _ in command_tree()]


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120", **(env or {})})


@pytest.mark.parametrize("path", PATHS)
def test_help_names_values_and_no_python_types(path):
    result = run(*path.split(), "--help")
    assert result.exit_code == 0, result.output
    assert LEAKS.findall(result.stdout) == [], result.stdout


def test_flags_show_no_value_and_options_name_theirs():
    result = run("list", "--help")
    flag_line = next(line for line in result.stdout.splitlines() if "--all" in line)
    assert re.search(r"--all\s+Include inactive", flag_line), flag_line
    assert re.search(r"--category\s+CODE\s", result.stdout)
    assert re.search(r"--search\s+WORDS\s", result.stdout)
    assert re.search(r"--format\s+table\|json\|csv\s", result.stdout)


def test_new_names_the_codes_and_identifier_its_options_take():
    result = run("new", "--help")
    for option, value in [("--type", "CODE"), ("--category", "CODE"), ("--identifier", "ID"),
                          ("--country", "COUNTRY"), ("--from-company", "ID")]:
        assert re.search(rf"{option}\s+{value}\s", result.stdout), (option, result.stdout)


def test_arguments_are_named_once():
    result = run("import", "--help")
    assert re.search(r"PATH\.\.\.\s+CSV, TSV", result.stdout), result.stdout
    result = run("show", "--help")
    assert re.search(r"identifier\s+The client's identifier", result.stdout), result.stdout


def test_a_choice_not_offered_lists_the_choices_without_a_prefix(tmp_path):
    result = run("--db", str(tmp_path / "x.db"), "list", "--format", "bogus")
    assert result.exit_code == 2
    assert "'bogus' is not one of 'table', 'json', 'csv'." in result.output
    assert "Value error" not in result.output
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("args", [
    ("list", "--db", "{db}"),
    ("list", "--db={db}"),
    ("company-type", "list", "--db", "{db}"),
    ("import", "--db", "{db}", "clients.csv"),
])
def test_a_global_option_after_the_command_says_where_it_goes(tmp_path, args):
    db = tmp_path / "x.db"
    result = run(*(arg.format(db=db) for arg in args))
    assert result.exit_code == 2, result.output
    assert "--db is a global option: put it before the command" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()


def test_version_after_the_command_is_a_global_option_too(tmp_path):
    result = run("--db", str(tmp_path / "x.db"), "list", "--version")
    assert result.exit_code == 2
    assert "--version is a global option: put it before the command" in result.output


def test_an_option_no_command_has_is_still_click_s_error(tmp_path):
    result = run("--db", str(tmp_path / "x.db"), "list", "--colour")
    assert result.exit_code == 2
    assert "No such option: --colour" in result.output


def test_the_same_option_before_the_command_works(tmp_path):
    db = tmp_path / "x.db"
    result = run("--db", str(db), "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert db.exists()


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_database_in_a_folder_that_does_not_exist_is_refused(tmp_path, how):
    db = tmp_path / "typo" / "clients.db"
    if how == "option":
        result = run("--db", str(db), "list")
    else:
        result = run("list", env={"CLIENTREG_DB": str(db)})
    assert result.exit_code == 2, result.output
    assert f"the folder {db.parent} does not exist" in result.output
    assert "Traceback" not in result.output
    assert not db.parent.exists()


def test_the_default_data_folder_is_still_created(tmp_path):
    data = tmp_path / "data"
    result = run("list", "--format", "json",
                 env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(data)})
    assert result.exit_code == 0, result.output
    assert (data / "clientreg" / "clientreg.db").is_file()
