"""A sheet whose rows were never split into columns (a ';' CSV converted as if its separator were
','): the one header cell holding every column name is named as such, and nothing is written."""

import shutil
import sqlite3
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "workbooks" / "joined_by_semicolons.xlsx"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "clientes_es.csv"


def clients(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM clients").fetchone()[0]


def test_a_libreoffice_workbook_of_unsplit_rows_says_what_happened(cli, db_path, tmp_path):
    # examples/clientes_es.csv (';', cp1252) converted by LibreOffice with its default filter:
    # `soffice --headless --convert-to xlsx clientes_es.csv`, every row in column A.
    path = shutil.copy(FIXTURE, tmp_path / "clientes_es.xlsx")
    result = cli("import", str(path))
    assert result.exit_code == 1, result.output
    assert ("holds 29 column names joined by ';' (identifier, name, trade_name, ...): the file's "
            "rows were not split into columns. Import the CSV file itself, or open it in a "
            "spreadsheet program with ';' as the separator before saving it [unknown-column]"
            ) in result.output
    assert "--map 'identifier;name" not in result.output
    assert "Traceback" not in result.output
    assert clients(db_path) == 0


def test_a_csv_read_with_the_wrong_delimiter_says_so(cli, db_path):
    result = cli("import", str(EXAMPLE), "--delimiter", ",", "--encoding", "cp1252")
    assert result.exit_code == 1, result.output
    assert "column names joined by ';'" in result.output
    assert clients(db_path) == 0


def test_a_header_with_a_comma_that_is_one_unknown_name_gets_the_usual_message(cli, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text('identifier,name,"Notes, misc"\nX-1,Ana,\n', encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "joined by" not in result.output
    assert "is not a column clientreg knows" in result.output
