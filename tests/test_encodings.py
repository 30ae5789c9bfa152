"""CSV files in the encodings spreadsheet programs write: detected, or refused naming the choices.

The fixtures hold the same Spanish clients as LibreOffice and Excel save them: Mac Roman with
CR line ends (Excel for Mac's "CSV (Macintosh)"), cp1252 with semicolons (Spanish-locale
Windows), UTF-16 little- and big-endian without a byte-order mark ("Unicode Text"), and a file
whose one accented letter reads as sensible text in two encodings (Martínez in Mac Roman is
Mart’nez in cp1252, an apostrophe as in O’Brien).
"""

import json
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "encodings"
EXIT_ENVIRONMENT = 3

SPANISH = {
    "M-1": ("Café Martín", "Cádiz", "José Muñoz"),
    "M-2": ("Peñalver e Ibáñez «Ñandú»", "Logroño", "Ana Peñalver"),
    "M-3": ("Ibáñez Muñoz S.L. (€ 1.000)", "A Coruña", "María Ibáñez"),
}


def fixture(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copy(FIXTURES / name, copy)
    return copy


def client(cli, identifier: str) -> dict:
    result = cli("show", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_spanish_clients_landed(cli) -> None:
    for identifier, (name, city, contact) in SPANISH.items():
        data = client(cli, identifier)
        assert (data["name"], data["city"], data["contacts"][0]["name"]) == (name, city, contact)


@pytest.mark.parametrize(("name", "encoding"), [
    ("mac_roman.csv", "mac-roman"),
    ("cp1252.csv", "cp1252"),
    ("utf16le.txt", "utf-16-le"),
    ("utf16be.csv", "utf-16-be"),
])
def test_each_encoding_is_detected_and_every_letter_lands(cli, catalogue, tmp_path, name,
                                                          encoding):
    path = fixture(tmp_path, name)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert f"read as {encoding}" in result.output
    assert "3 created" in result.output
    assert_spanish_clients_landed(cli)


def test_the_json_report_names_the_detected_encoding(cli, catalogue, tmp_path):
    path = fixture(tmp_path, "mac_roman.csv")
    result = cli("import", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)["files"]
    assert summary["encoding"] == "mac-roman"
    assert client(cli, "M-1")["name"] == "Café Martín"


def test_mac_roman_is_not_read_as_cp1252(cli, catalogue, tmp_path):
    path = fixture(tmp_path, "mac_roman.csv")
    assert cli("import", str(path)).exit_code == 0
    name = client(cli, "M-1")["name"]
    assert name != "Caf\u017d Mart\u2019n"  # what cp1252 makes of the Mac Roman bytes
    assert name == "Café Martín"


def test_a_file_that_reads_in_two_encodings_is_refused_naming_both(cli, catalogue, tmp_path,
                                                                  db_path):
    path = fixture(tmp_path, "ambiguous.csv")
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (
        f"Error: {path}: reads as sensible text in cp1252 and in mac-roman, but not as the same"
        " text; give the one it is in with --encoding cp1252 or --encoding mac-roman"
        " [unreadable-file]\n")
    assert cli("show", "A-1", "--format", "json").exit_code != 0


def test_encoding_given_settles_an_ambiguous_file(cli, catalogue, tmp_path):
    path = fixture(tmp_path, "ambiguous.csv")
    result = cli("import", str(path), "--encoding", "mac-roman")
    assert result.exit_code == 0, result.output
    data = client(cli, "A-1")
    assert (data["name"], data["contacts"][0]["name"]) == ("Martínez", "Ana Martínez")


def test_encoding_given_overrides_detection(cli, catalogue, tmp_path):
    path = fixture(tmp_path, "mac_roman.csv")
    result = cli("import", str(path), "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert client(cli, "M-1")["name"] == "Caf\u017d Mart\u2019n"


def test_a_utf8_file_is_read_as_utf8_unchanged(cli, catalogue, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_bytes((FIXTURES / "utf16be.csv").read_bytes().decode("utf-16-be").encode())
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "read as" not in result.output
    assert_spanish_clients_landed(cli)


def test_the_encoding_is_told_by_the_lines_that_need_it_far_into_a_file(cli, catalogue,
                                                                        tmp_path):
    # Half a megabyte of plain ASCII rows, then the accented ones: the sample reads on to them.
    text = (FIXTURES / "mac_roman.csv").read_bytes().decode("mac_roman")
    header, *rows = text.split("\r")
    plain = [f"P-{n},Plain {n},PERSON,WHOLESALE,Madrid,ES,Ana,a{n}@plain.example"
             for n in range(12_000)]
    path = tmp_path / "late.csv"
    path.write_bytes("\r".join([header, *plain, *rows]).encode("mac_roman"))
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "read as mac-roman" in result.output
    assert client(cli, "M-2")["name"] == "Peñalver e Ibáñez «Ñandú»"


def test_an_undecodable_character_after_the_detected_start_is_reported_with_its_line(
        cli, catalogue, tmp_path):
    text = (FIXTURES / "utf16le.txt").read_bytes()
    lone_surrogate = "X-1\tAna".encode("utf-16-le") + b"\x00\xd8" + "\r\n".encode("utf-16-le")
    path = tmp_path / "broken.txt"
    path.write_bytes(text + lone_surrogate)
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr == (f"Error: {path}: line 5 cannot be read as utf-16-le (byte 0x00);"
                             " give the file's encoding [unreadable-file]\n")


def test_binary_with_nul_bytes_is_still_not_text(cli, catalogue, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"identifier,name\nC1,An\x00a\n")
    result = cli("import", str(path))
    assert result.exit_code == EXIT_ENVIRONMENT
    assert "NUL byte on line 2" in result.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
def test_a_large_file_of_many_names_is_read_in_its_encoding(cli, catalogue, tmp_path,
                                                            encoding):
    names = ["Café Martín", "Muñoz", "Peñalver", "Ibáñez", "Ñandú", "Logroño", "Cádiz",
             "José", "María", "Müller", "Straße", "Köln"]
    lines = ["identifier,name,company_type,category,contact_name,contact_email"]
    lines += [f"L-{n},{names[n % 12]} {names[n * 7 % 12]},PERSON,WHOLESALE,Ana,a{n}@l.example"
              for n in range(3000)]
    path = tmp_path / "large.csv"
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert f"read as {encoding.replace('_', '-')}" in result.output
    assert client(cli, "L-3")["name"] == "Ibáñez Müller"
