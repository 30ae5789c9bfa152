"""Postal codes in their country's format, and leading zeros a spreadsheet dropped put back.

tests/fixtures/postal_codes/numeric_postal_codes.xlsx is what LibreOffice makes of a CSV holding
08001, 00144 and the Italian VAT number 00743110157: number cells 8001, 144 and 743110157
(soffice --infilter=CSV:44,34,76 --convert-to xlsx).
"""

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "postal_codes"
HEADER = "identifier,name,company_type,category,country,postal_code,contact_name,contact_email"


def csv_file(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def row(identifier: str, country: str, postal_code: str) -> str:
    return (f"{identifier},Client {identifier},PERSON,WHOLESALE,{country},{postal_code},"
            f"Ana,{identifier.lower()}@clients.example")


def client(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def problems(cli, path: Path) -> list[tuple]:
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 1, result.output
    return [(p["row"], p["column"], p["value"], p["code"], p["message"])
            for p in json.loads(result.stdout)["problems"]]


VALID = [("ES", "08001"), ("ES", "28039"), ("FR", "75001"), ("FR", "75 008"), ("DE", "10115"),
         ("DE", "01067"), ("PT", "1000-001"), ("US", "95014"), ("US", "02134-1234")]


@pytest.mark.parametrize(("country", "postal_code"), VALID)
def test_a_postal_code_of_its_country_lands_as_written(cli, catalogue, tmp_path, country,
                                                       postal_code):
    path = csv_file(tmp_path / "ok.csv", row("P-1", country, postal_code))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert client(cli, "P-1")["postal_code"] == postal_code


@pytest.mark.parametrize(("country", "postal_code", "message"), [
    ("ES", "280390", "a postal code of Spain (ES) has 5 digits, like 28039"),
    ("ES", "2803A", "a postal code of Spain (ES) has 5 digits, like 28039"),
    ("FR", "750010", "is not a postal code of France (FR), which are written like 33380"),
    ("DE", "101155", "a postal code of Germany (DE) has 5 digits, like 26133"),
    ("PT", "1000", "is not a postal code of Portugal (PT), which are written like 2725-079"),
    ("PT", "1000001", "is not a postal code of Portugal (PT), which are written like 2725-079"),
    ("US", "9501", "is not a postal code of United States (US), which are written like 95014;"
     " if a spreadsheet dropped a leading zero, format the column as text and type 09501"),
    ("US", "SW1A 1AA", "is not a postal code of United States (US), which are written like"
     " 95014"),
])
def test_a_postal_code_not_of_its_country_is_refused_with_the_format(cli, catalogue, tmp_path,
                                                                     country, postal_code,
                                                                     message):
    path = csv_file(tmp_path / "bad.csv", row("P-1", country, postal_code))
    assert problems(cli, path) == [(2, "postal_code", postal_code, "invalid-postal-code",
                                    message)]
    assert cli("show", "P-1").exit_code != 0


def test_without_a_country_a_postal_code_is_text_as_before(cli, catalogue, tmp_path):
    path = csv_file(tmp_path / "free.csv", row("F-1", "", "8001"), row("F-2", "", "ABC 12-3"),
                    row("F-3", "AE", "anything"))  # the Emirates have no postal codes
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert [client(cli, f"F-{n}")["postal_code"] for n in (1, 2, 3)] == [
        "8001", "ABC 12-3", "anything"]
    too_long = csv_file(tmp_path / "long.csv", row("F-4", "", "1" * 21))
    assert [p[3] for p in problems(cli, too_long)] == ["too-long"]


def test_a_text_cell_that_lost_its_zero_is_refused_with_the_hint(cli, catalogue, tmp_path):
    path = csv_file(tmp_path / "text.csv", row("T-1", "ES", "8001"))
    assert problems(cli, path) == [(
        2, "postal_code", "8001", "invalid-postal-code",
        "a postal code of Spain (ES) has 5 digits, like 28039; if a spreadsheet dropped a"
        " leading zero, format the column as text and type 08001")]


def test_a_text_cell_of_a_workbook_is_never_padded(cli, catalogue, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["T-1", "Text Cell S.L.", "PERSON", "WHOLESALE", "ES", "8001", "Ana",
                        "ana@text.example"])
    book.save(tmp_path / "text.xlsx")
    result = cli("import", str(tmp_path / "text.xlsx"))
    assert result.exit_code == 1
    assert ("text.xlsx:2: column postal_code = '8001': a postal code of Spain (ES) has 5 digits,"
            " like 28039; if a spreadsheet dropped a leading zero, format the column as text and"
            " type 08001 [invalid-postal-code]") in result.output


def test_country_names_and_codes_give_the_format(cli, catalogue, tmp_path):
    path = csv_file(tmp_path / "named.csv", row("N-1", "España", "08001"),
                    row("N-2", "ESP", "8001"))
    assert [(p[0], p[3]) for p in problems(cli, path)] == [(3, "invalid-postal-code")]


# Number cells of a workbook


def fixture(tmp_path: Path) -> Path:
    copy = tmp_path / "numeric_postal_codes.xlsx"
    shutil.copy(FIXTURES / copy.name, copy)
    return copy


def test_number_cells_get_their_leading_zeros_back_and_the_report_says_so(cli, catalogue,
                                                                          tmp_path):
    path = fixture(tmp_path)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert client(cli, "Z-1")["postal_code"] == "08001"
    assert client(cli, "Z-2")["postal_code"] == "00144"
    assert client(cli, "Z-2")["tax_id"] == "IT00743110157"
    assert client(cli, "Z-3")["postal_code"] == "28039"
    assert (f"{path.name}:2: column postal_code = '8001': the sheet holds the postal code as a"
            " number, which drops leading zeros: stored as 08001, as postal codes of Spain (ES)"
            " are written [restored-leading-zero]") in result.output
    assert (f"{path.name}:3: column tax_id = '743110157': the sheet holds the tax id as a"
            " number, which drops leading zeros: stored as 00743110157, the valid tax id of"
            " Italy (IT) it is with them [restored-leading-zero]") in result.output
    assert "28039" not in result.output


def test_the_json_report_lists_each_restored_cell(cli, catalogue, tmp_path):
    path = fixture(tmp_path)
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    notices = json.loads(result.stdout)["notices"]
    assert [(n["file"].endswith(path.name), n["row"], n["column"], n["value"], n["stored"],
             n["code"]) for n in notices] == [
        (True, 2, "postal_code", "8001", "08001", "restored-leading-zero"),
        (True, 3, "postal_code", "144", "00144", "restored-leading-zero"),
        (True, 3, "tax_id", "743110157", "00743110157", "restored-leading-zero"),
    ]
    assert json.loads(result.stdout)["notices_left_off"] == 0


def test_github_annotations_give_a_notice_per_restored_cell(cli, catalogue, tmp_path):
    path = fixture(tmp_path)
    result = cli("import", str(path), "--format", "github")
    assert result.exit_code == 0, result.output
    notices = [line for line in result.stdout.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 3
    assert notices[0].startswith("::notice file=")
    assert ",line=2,title=restored-leading-zero::" in notices[0]
    assert "column postal_code = '8001': the sheet holds the postal code as a number" in (
        notices[0])


def test_notices_are_capped_like_problems(cli, catalogue, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(","))
    for n in range(5):
        book.active.append([f"C-{n}", f"Client {n}", "PERSON", "WHOLESALE", "ES", 8001 + n,
                            "Ana", f"c{n}@clients.example"])
    book.save(tmp_path / "many.xlsx")
    result = cli("import", str(tmp_path / "many.xlsx"), "--max-errors", "2")
    assert result.exit_code == 0, result.output
    assert result.output.count("[restored-leading-zero]") == 2
    assert "... and 3 more values changed the same way, not listed." in result.output
    assert [client(cli, f"C-{n}")["postal_code"] for n in range(5)] == [
        "08001", "08002", "08003", "08004", "08005"]


def test_a_number_cell_is_padded_only_to_what_its_country_accepts(cli, catalogue, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["W-1", "Wrong S.L.", "PERSON", "WHOLESALE", "ES", 123456, "Ana",
                        "ana@wrong.example"])
    book.active.append(["W-2", "Nowhere S.L.", "PERSON", "WHOLESALE", None, 8001, "Luis",
                        "luis@nowhere.example"])
    book.active.append(["W-3", "Lisboa Lda", "PERSON", "WHOLESALE", "PT", 1000, "Rui",
                        "rui@lisboa.example"])
    book.save(tmp_path / "numbers.xlsx")
    result = cli("import", str(tmp_path / "numbers.xlsx"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(p["row"], p["value"], p["code"]) for p in report["problems"]] == [
        (2, "123456", "invalid-postal-code"), (4, "1000", "invalid-postal-code")]
    assert report["notices"] == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_an_ods_saved_by_libreoffice_gets_its_zeros_back(cli, catalogue, tmp_path):
    import subprocess

    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(fixture(tmp_path))], check=True, capture_output=True, timeout=120)
    result = cli("import", str(tmp_path / "numeric_postal_codes.ods"))
    assert result.exit_code == 0, result.output
    assert "[restored-leading-zero]" in result.output
    assert client(cli, "Z-1")["postal_code"] == "08001"


# The same rule where a person types the value


def test_new_refuses_a_postal_code_not_of_the_companys_country(cli, catalogue):
    args = ("new", "--no-input", "--type", "PERSON", "--category", "WHOLESALE",
            "--identifier", "W-1", "--name", "Wizard S.L.", "--country", "ES")
    result = cli(*args, "--postal-code", "8001")
    assert result.exit_code == 1
    assert "postal_code" in result.stderr
    assert "type 08001" in result.stderr
    result = cli(*args, "--postal-code", "08001")
    assert result.exit_code == 0, result.stderr
    assert client(cli, "W-1")["postal_code"] == "08001"
