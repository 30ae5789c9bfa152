"""Machine output does not change with the language: every --format json gives the same bytes in
English and in Spanish on the same database, with the same codes and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LANGUAGES = ("en", "es")
_SECONDS = re.compile(r'"seconds": [0-9.]+')


@pytest.fixture
def registered(cli, db_path):
    """The example seed and clients, imported (two runs), so every view has something."""
    for name in ("seed.yaml", "clients.csv"):
        result = cli("import", str(EXAMPLES / name))
        assert result.exit_code == 0, result.output
    return db_path


def in_each_language(cli, *args: str) -> dict[str, tuple[int, str]]:
    """Exit code and stdout of the same command in English and in Spanish; an import's time
    taken (seconds) is the one thing two runs cannot share."""
    runs = {}
    for language in LANGUAGES:
        result = cli(*args, env={"CLIENTREG_LANG": language})
        runs[language] = (result.exit_code, _SECONDS.sub('"seconds": 0', result.stdout))
    return runs


def assert_same(cli, *args: str, exit_code: int = 0) -> object:
    runs = in_each_language(cli, *args)
    assert runs["en"][0] == exit_code, runs["en"]
    assert runs["es"] == runs["en"], f"clientreg {' '.join(args)} differs in Spanish"
    return json.loads(runs["en"][1])


def test_the_views_of_records_are_the_same_in_both_languages(cli, registered):
    client = assert_same(cli, "show", "CSV-0001", "--format", "json")
    assert client["identifier"] == "CSV-0001"
    assert assert_same(cli, "list", "--format", "json")
    company = next(row["identifier"] for row in assert_same(cli, "company", "list", "--format",
                                                             "json"))
    assert_same(cli, "company", "show", company, "--format", "json")
    user = next(row["email"] for row in assert_same(cli, "external-user", "list", "--format",
                                                    "json"))
    assert_same(cli, "external-user", "show", user, "--format", "json")
    for kind, code in (("company-type", "LEGAL"), ("category", "RETAIL")):
        assert assert_same(cli, kind, "list", "--format", "json")
        assert_same(cli, kind, "show", code, "--format", "json")


def test_export_template_and_schema_are_the_same_in_both_languages(cli, registered):
    assert assert_same(cli, "export", "--format", "json")["clients"]
    assert_same(cli, "template", "--format", "json")
    assert_same(cli, "schema")


def test_the_run_ledger_is_the_same_in_both_languages(cli, registered):
    runs = assert_same(cli, "runs", "list", "--format", "json")
    assert len(runs) == 2
    assert_same(cli, "runs", "show", str(runs[0]["id"]), "--format", "json")


def test_an_import_report_is_the_same_in_both_languages(cli, registered):
    good = assert_same(cli, "import", str(EXAMPLES / "clients.csv"), "--format", "json",
                       "--dry-run", "--on-conflict", "update")
    assert good["ok"] is True
    bad = assert_same(cli, "import", str(EXAMPLES / "mistakes.csv"), "--format", "json",
                      "--dry-run", exit_code=1)
    # The problems' messages are the English text in both languages; codes are stable.
    assert [problem["code"] for problem in bad["problems"]] == [
        "invalid-email", "unknown-category", "missing-value", "invalid-phone"]
    assert bad["problems"][2]["message"] == "is required"
    assert_same(cli, "import", str(EXAMPLES / "mistakes.yaml"), "--format", "json",
                "--dry-run", exit_code=1)


def test_an_import_diff_and_verify_are_the_same_in_both_languages(cli, registered, tmp_path):
    changed = tmp_path / "changed.csv"
    lines = (EXAMPLES / "clients.csv").read_text(encoding="utf-8").splitlines()
    changed.write_text("\n".join([lines[0], lines[1].replace("Dos Hermanas", "Sevilla")])
                       + "\n", encoding="utf-8")
    diff = assert_same(cli, "import", str(changed), "--diff", "--dry-run", "--on-conflict",
                       "update", "--format", "json")
    assert diff["ok"] is True
    assert_same(cli, "verify", str(EXAMPLES / "seed.yaml"), "--format", "json")
    assert_same(cli, "verify", str(changed), "--format", "json", exit_code=1)


def test_errors_keep_their_codes_and_exit_codes_in_both_languages(cli, registered):
    for args, code in ((("show", "NOPE", "--format", "json"), 1),
                       (("list", "--format", "xml"), 2),
                       (("runs", "show", "999", "--format", "json"), 1),
                       (("import", "/nonexistent.csv", "--format", "json"), 3)):
        results = {language: cli(*args, env={"CLIENTREG_LANG": language})
                   for language in LANGUAGES}
        assert {result.exit_code for result in results.values()} == {code}, args
        assert results["es"].stdout == results["en"].stdout, args
        english, spanish = (results[language].stderr for language in LANGUAGES)
        assert re.findall(r"\[([a-z-]+)\]", spanish) == re.findall(r"\[([a-z-]+)\]", english)
        assert spanish != english, args  # the message itself is in Spanish
