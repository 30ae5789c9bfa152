"""clientreg import of CSV and TSV files: dialects, encodings, headers, values kept as written."""

import json
from pathlib import Path

import pytest

from clientreg.storage import open_database

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER = ("identifier,name,company_type,category,country,phone,postal_code,"
          "company_attr.employees,client_attr.region,contact_name,contact_email,contact_default")


def write(path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n",
          delimiter: str = ",") -> Path:
    text = newline.join(line.replace(",", delimiter) for line in lines) + newline
    path.write_bytes(text.encode(encoding))
    return path


def rows(db_path: Path | str, sql: str, *params: object) -> list[tuple]:
    """The rows of a query, read through clientreg's storage (a SQLite file or PostgreSQL)."""
    store = open_database(db_path)
    try:
        return [tuple(row) for row in store.conn.execute(sql, params).fetchall()]
    finally:
        store.close()


def client(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_csv_file_registers_its_clients(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", [
        HEADER,
        "C-1,Ferretería Núñez S.L.,LEGAL,RETAIL,ES,954 123 456,08001,12,north,"
        "Ana Núñez,ana@nunez.example,yes",
        "C-2,Joan Puig,PERSON,WHOLESALE,ES,,,,,Joan Puig,joan@puig.example,",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    first = client(cli, "C-1")
    assert first["name"] == "Ferretería Núñez S.L."
    assert first["phone"] == "+34954123456"
    assert first["company_attributes"] == {"employees": 12}
    assert first["client_attributes"] == {"region": "north"}
    assert first["contacts"] == [{"name": "Ana Núñez", "email": "ana@nunez.example",
                                  "default": True}]
    assert rows(db_path, "SELECT count(*) FROM clients") == [(2,)]


def test_values_are_never_coerced(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "zeros.csv", [
        HEADER,
        "00123,Leading Zeros Ltd,LEGAL,RETAIL,ES,,08001,007,south,,,",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT identifier, postal_code FROM companies") == [("00123", "08001")]
    assert client(cli, "00123")["identifier"] == "00123"


def test_a_tsv_file(cli, catalogue, tmp_path):
    path = write(tmp_path / "clients.tsv", [
        HEADER, "T-1,Tab Separated S.L.,LEGAL,RETAIL,ES,,,,south,,,",
    ], delimiter="\t")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert client(cli, "T-1")["name"] == "Tab Separated S.L."


def test_a_utf8_byte_order_mark_does_not_break_the_first_header(cli, catalogue, tmp_path):
    path = write(tmp_path / "bom.csv", [HEADER, "B-1,Añil S.A.,LEGAL,RETAIL,ES,,,,north,,,"],
                 encoding="utf-8-sig")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "read as" not in result.output
    assert client(cli, "B-1")["name"] == "Añil S.A."


def test_a_spanish_locale_spreadsheet_imports_without_flags(cli, catalogue, tmp_path):
    path = write(tmp_path / "clientes.csv", [
        HEADER,
        "ES-1,Peñafiel Ibérica S.L.,LEGAL,RETAIL,ES,983 881 234,47300,5,north,"
        "María José Gómez,mj@penafiel.example,sí",
    ], encoding="cp1252", newline="\r\n", delimiter=";")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "read as cp1252" in result.output
    data = client(cli, "ES-1")
    assert data["name"] == "Peñafiel Ibérica S.L."
    assert data["contacts"][0]["name"] == "María José Gómez"
    assert data["contacts"][0]["default"] is True


def test_headers_match_after_trimming_and_case_folding(cli, catalogue, tmp_path):
    path = write(tmp_path / "headers.csv", [
        " Identifier ,NAME,Company_Type,  category,Client_Attr.Region ,Contact_Email,CONTACT_NAME",
        "H-1,Header Case S.L.,LEGAL,RETAIL,south,h@case.example,Hilda Case",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    data = client(cli, "H-1")
    assert data["client_attributes"] == {"region": "south"}
    assert data["contacts"][0]["email"] == "h@case.example"


def test_rows_of_one_client_need_not_be_adjacent(cli, catalogue, tmp_path, db_path):
    path = write(tmp_path / "contacts.csv", [
        HEADER,
        "G-1,Grouped S.L.,LEGAL,RETAIL,ES,,,,north,First Contact,first@grouped.example,true",
        "G-2,Other S.L.,LEGAL,RETAIL,ES,,,,south,Other Contact,other@other.example,",
        "g-1,,,,,,,,,Second Contact,second@grouped.example,",
        "G-3,Third S.L.,LEGAL,RETAIL,ES,,,,south,,,",
        "G-1,Grouped S.L.,,RETAIL,,,,,,Third Contact,third@grouped.example,",
    ])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    contacts = client(cli, "G-1")["contacts"]
    assert [c["email"] for c in contacts] == [
        "first@grouped.example", "second@grouped.example", "third@grouped.example"]
    assert rows(db_path, "SELECT count(*) FROM companies") == [(3,)]


def test_a_client_may_not_have_more_rows_than_the_limit(cli, catalogue, tmp_path, db_path):
    from clientreg.schemas.grouping import MAX_ROWS_PER_CLIENT

    lines = [HEADER, "M-1,Many S.L.,LEGAL,RETAIL,ES,,,,north,,,"]
    lines += [f"M-1,,,,,,,,,Contact {n},c{n}@many.example,"
              for n in range(MAX_ROWS_PER_CLIENT + 5)]
    result = cli("import", str(write(tmp_path / "many.csv", lines)))
    assert result.exit_code == 1
    first_extra = MAX_ROWS_PER_CLIENT + 2  # header is row 1, the client's first row is row 2
    assert f"many.csv:{first_extra}: column identifier = 'M-1'" in result.output
    assert "[too-many-rows]" in result.output
    assert rows(db_path, "SELECT count(*) FROM external_users") == [(0,)]


def test_standard_input(cli, catalogue):
    text = HEADER + "\nS-1,From Stdin S.L.,LEGAL,RETAIL,ES,,,,north,,,\n"
    result = cli("import", "-", "--input-format", "csv", input=text)
    assert result.exit_code == 0, result.output
    assert "<stdin>" in result.output
    assert client(cli, "S-1")["name"] == "From Stdin S.L."


def test_a_row_may_register_an_existing_company(cli, catalogue, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("companies:\n  - {identifier: ACME, name: ACME Ltd, company_type: LEGAL}\n",
                    encoding="utf-8")
    assert cli("import", str(seed)).exit_code == 0
    path = write(tmp_path / "from.csv", ["from_company,category,client_attr.region",
                                         "ACME,RETAIL,south"])
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    data = client(cli, "ACME")
    assert (data["name"], data["category"]) == ("ACME Ltd", "RETAIL")


def test_the_json_report_is_the_only_thing_on_stdout(cli, catalogue, tmp_path):
    path = write(tmp_path / "clients.csv", [HEADER, "J-1,Json S.L.,LEGAL,RETAIL,ES,,,,north,,,"])
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["clients"]["created"] == 1
    assert report["written"] is True
    assert report["files"][0]["rows"] == 1


@pytest.mark.parametrize("name", ["clients.csv", "clientes_es.csv"])
def test_the_example_files_import_after_the_seed(cli, tmp_path, db_path, name):
    assert cli("import", str(EXAMPLES / "seed.yaml")).exit_code == 0
    before = rows(db_path, "SELECT count(*) FROM clients")[0][0]
    result = cli("import", str(EXAMPLES / name))
    assert result.exit_code == 0, result.output
    after = rows(db_path, "SELECT count(*) FROM clients")[0][0]
    assert after - before == (28 if name == "clients.csv" else 9)
