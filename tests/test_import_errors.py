"""What import says about mistakes: every problem at its file, row and column, nothing written."""

import csv
import json
import sqlite3
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TABLES = ("companies", "clients", "external_users", "client_contacts", "history")
HEADER = ("identifier,name,company_type,category,country,phone,client_attr.region,"
          "contact_name,contact_email")


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def located(output: str) -> list[tuple[str, str, str]]:
    """(row, column, code) of each problem line of a text report."""
    found = []
    for line in output.splitlines():
        if ": column " in line and line.endswith("]"):
            where, rest = line.split(": column ", 1)
            found.append((where.rsplit(":", 1)[1], rest.split(" = ", 1)[0],
                          rest.rsplit("[", 1)[1][:-1]))
    return found


def expected(path: Path) -> list[tuple[str, str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(row, column, code) for row, column, _, code in
            (line.split("\t") for line in lines if line.strip())]


def test_every_mistake_is_reported_at_its_row_and_column(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "mistakes.csv", [
        HEADER,
        "M-1,Good One S.L.,LEGAL,RETAIL,ES,954 000 111,north,Ana,ana@good.example",
        "M-2,Bad Mail S.L.,LEGAL,RETAIL,ES,,north,Bea,bea@@bad.example",
        "M-3,,LEGAL,RETAIL,ES,,south,,",
        "M-4,Bad Phone S.L.,LEGAL,RETAIL,ES,12,south,,",
        "M-5,Bad Category S.L.,LEGAL,RETIAL,ES,,,,",
        "M-6,Two Mistakes S.L.,NOPE,RETAIL,ZZ,,east,,",
    ])
    before = counts(db_path)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert located(result.output) == [
        ("3", "contact_email", "invalid-email"),
        ("4", "name", "missing-value"),
        ("5", "phone", "invalid-phone"),
        ("6", "category", "unknown-category"),
        ("7", "country", "invalid-country"),
        ("7", "company_type", "unknown-company-type"),
        ("7", "client_attr.region", "invalid-attribute"),
    ]
    assert "mistakes.csv:5: column phone = '12': is not a valid phone number for country ES " \
           "[invalid-phone]" in result.output
    assert "nothing was written" in result.output
    assert counts(db_path) == before


def test_an_unknown_header_names_the_nearest_column(cli, catalogue, tmp_path):
    path = write(tmp_path / "typo.csv", [
        "identifier,name,company_type,category,client_attr.region,contact_emial,company_attr.staff",
        "T-1,Typo S.L.,LEGAL,RETAIL,north,a@typo.example,4",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "typo.csv:1: column contact_emial = 'contact_emial': is not a column clientreg " \
           "knows; did you mean 'contact_email'? [unknown-column]" in result.output
    assert "no company type declares the attribute 'staff'" in result.output


def test_a_missing_required_column_is_a_header_problem(cli, catalogue, tmp_path):
    path = write(tmp_path / "short.csv", ["identifier,name,company_type", "S-1,Short,LEGAL"])
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "short.csv:1: column category = '': the header has no 'category' column" \
        in result.output


def test_a_later_row_of_a_client_may_not_change_its_values(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "conflict.csv", [
        HEADER,
        "K-1,Konflikt S.L.,LEGAL,RETAIL,ES,,north,Uno,uno@konflikt.example",
        "K-2,Other S.L.,LEGAL,RETAIL,ES,,north,,",
        "K-1,Konflikt S.L.,LEGAL,RETAIL,PT,,,Dos,dos@konflikt.example",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert located(result.output) == [("4", "country", "conflicting-value")]
    assert "differs from 'ES' on row 2" in result.output
    assert counts(db_path)["companies"] == 0


def test_the_rejects_file_imports_once_fixed(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", [
        HEADER,
        "R-1,Right S.L.,LEGAL,RETAIL,ES,,north,Rita,rita@right.example",
        "R-2,Wrong S.L.,LEGAL,RETAIL,ES,,west,Walter,walter@wrong.example",
        "R-3,Also Right S.L.,LEGAL,RETAIL,ES,,south,,",
        "R-2,,,,,,,Wanda,wanda@wrong@example",
    ])
    rejects = tmp_path / "rejected.csv"
    result = cli("import", str(path), "--errors", str(rejects))
    assert result.exit_code == 1
    assert "Rejected rows written to" in result.output
    with rejects.open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["identifier"], r["error_code"]) for r in rejected] == [
        ("R-2", "invalid-attribute"), ("R-2", "invalid-email")]
    assert rejected[0]["error_message"].startswith("client_attr.region: must be one of")

    rejected[0]["client_attr.region"] = "north"
    rejected[1]["contact_email"] = "wanda@wrong.example"
    with rejects.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rejected[0]))
        writer.writeheader()
        writer.writerows(rejected)
    again = cli("import", str(rejects))
    assert again.exit_code == 0, again.output
    assert counts(db_path)["external_users"] == 2


def test_the_json_report_lists_the_problems(cli, catalogue, tmp_path):
    path = write(tmp_path / "bad.csv", [HEADER, "B-1,Bad,LEGAL,RETAIL,ES,,,,"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["written"] is False
    assert report["problems"] == [{
        "file": str(path), "row": 2, "column": "client_attr.region", "value": None,
        "code": "missing-value", "message": "is required (Sales region)"}]
    assert report["clients"]["rejected"] == 1


def test_github_annotations(cli, catalogue, tmp_path):
    path = write(tmp_path / "bad.csv", [HEADER, "B-1,Bad,LEGAL,RETAIL,ES,,,,"])
    result = cli("import", str(path), "--format", "github")
    assert result.exit_code == 1
    assert f"::error file={path},line=2,title=missing-value::column client_attr.region: " \
           "is required (Sales region)" in result.stdout.splitlines()


def test_max_errors_stops_the_report(cli, catalogue, tmp_path):
    lines = [HEADER] + [f"E-{i},Err {i},LEGAL,RETAIL,ES,,,," for i in range(50)]
    result = cli("import", str(write(tmp_path / "many.csv", lines)), "--max-errors", "5",
                 "--format", "json")
    report = json.loads(result.stdout)
    assert len(report["problems"]) == 5
    assert report["problems_truncated"] is True


def test_stopping_at_max_errors_half_way_through_a_long_file_is_clean(cli, catalogue, tmp_path,
                                                                      db_path):
    # Far more rows than one chunk of grouping, with scattered rows of one client, so the import
    # stops while it is still reading the staged rows.
    lines = [HEADER, "S-1,Scattered,LEGAL,RETAIL,ES,,north,Ana,ana@s.example"]
    lines += [f"E-{i},Err {i},LEGAL,RETAIL,ES,,,," for i in range(4500)]
    lines += ["S-1,,,,,,,Bea,bea@s.example"]
    result = cli("import", str(write(tmp_path / "long.csv", lines)), "--max-errors", "3")
    assert result.exit_code == 1
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Stopped at 3 problems (--max-errors)" in result.output
    assert counts(db_path)["clients"] == 0


def test_a_missing_file_is_an_environment_problem(cli, catalogue, tmp_path):
    result = cli("import", str(tmp_path / "nowhere.csv"))
    assert result.exit_code == 3
    assert "nowhere.csv: no such file" in result.output
    assert "Traceback" not in result.output


def test_a_row_with_more_cells_than_headers(cli, catalogue, tmp_path):
    path = write(tmp_path / "wide.csv", [HEADER, "W-1,Wide,LEGAL,RETAIL,ES,,north,,,surplus"])
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "wide.csv:2: column J = 'surplus'" in result.output


@pytest.mark.parametrize("name", ["mistakes.csv", "mistakes.yaml"])
def test_the_example_mistakes_say_what_their_expected_file_says(cli, db_path, name):
    assert cli("import", str(EXAMPLES / "seed.yaml")).exit_code == 0
    before = counts(db_path)
    result = cli("import", str(EXAMPLES / name))
    assert result.exit_code == 1
    expected_file = EXAMPLES / ("mistakes.expected.txt" if name == "mistakes.csv"
                                else "mistakes.yaml.expected.txt")
    assert located(result.output) == expected(expected_file)
    assert counts(db_path) == before


def test_a_file_with_nothing_to_import_is_rejected(cli, catalogue, tmp_path):
    header_only = write(tmp_path / "header.csv", [HEADER])
    empty_list = tmp_path / "empty.yaml"
    empty_list.write_text("[]\n", encoding="utf-8")
    for path in (header_only, empty_list):
        result = cli("import", str(path))
        assert result.exit_code == 1, result.output
        assert f"{path}: holds" in result.output
        assert "nothing to import" in result.output
        assert "already registered" not in result.output


def test_a_header_that_stops_the_rows_does_not_count_them_as_none(cli, catalogue, tmp_path):
    path = tmp_path / "no-category.csv"
    path.write_text("identifier,name,company_type\nP-1,Ana Ruiz,PERSON\nP-2,Luis Gil,PERSON\n",
                    encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert f"{path}: rows not read, as the header's problems above stop them" in result.output
    assert "0 rows" not in result.output
