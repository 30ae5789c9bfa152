"""clientreg import in Spanish: each problem named in Spanish at its file, row, column and value;
the summary of a good import in Spanish, with Spanish numbers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPANISH = {"CLIENTREG_LANG": "es"}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def seeded(cli, db_path):
    """The example seed file's catalogue (a date attribute founded, a required region)."""
    result = cli("import", str(EXAMPLES / "seed.yaml"))
    assert result.exit_code == 0, result.output
    return db_path


def test_an_import_with_mistakes_names_each_in_spanish_and_writes_nothing(cli, seeded,
                                                                          tmp_path):
    clients, runs = count(seeded, "clients"), count(seeded, "runs")
    columns = write(tmp_path / "columnas.csv",
                    "identifier,name,company_type,category,client_attr.region,Notas",
                    "A-1,Uno S.L.,PERSON,RETAIL,north,llamar")
    rows = write(tmp_path / "filas.csv",
                 "identifier,name,company_type,category,email,company_attr.founded,"
                 "client_attr.region",
                 "B-1,Correo S.L.,LEGAL,RETAIL,ana@@correo.example,1990-01-01,north",
                 "B-2,,LEGAL,RETAIL,,1990-01-01,north",
                 "B-3,Fecha S.L.,LEGAL,RETAIL,,1990-13-01,north")
    result = cli("import", str(columns), str(rows), env=SPANISH)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert (f"{columns}:1: columna Notas = 'Notas': no es una columna que clientreg conozca "
            "(consulte las columnas con 'clientreg template'): use --map 'Notas=COLUMN' "
            "indicando su columna, o --ignore-column 'Notas' [unknown-column]") in lines
    assert (f"{rows}:2: columna email = 'ana@@correo.example': La parte posterior a la arroba "
            "contiene caracteres no válidos: '@'. [invalid-email]") in lines
    assert f"{rows}:3: columna name = '': es obligatorio [missing-value]" in lines
    assert (f"{rows}:4: columna company_attr.founded = '1990-13-01': no existe el mes 13: una "
            "fecha se escribe YYYY-MM-DD, con meses del 01 al 12 [invalid-attribute]") in lines
    assert f"{columns}: 1 fila" in lines
    assert f"{rows}: 3 filas" in lines
    assert any(line.startswith("Importación rechazada: 4 problemas en 3 de 4 clientes; no se "
                               "escribió nada (") and line.endswith(" s).")
               for line in lines), lines
    assert "Traceback" not in result.output, lines
    assert (count(seeded, "clients"), count(seeded, "runs")) == (clients, runs)


def test_a_postal_code_names_its_country_in_spanish(cli, seeded, tmp_path):
    path = write(tmp_path / "postal.csv",
                 "identifier,name,company_type,category,client_attr.region,postal_code,country",
                 "Z-1,Cero S.L.,LEGAL,RETAIL,north,123,ES")
    result = cli("import", str(path), env=SPANISH)
    assert result.exit_code == 1, result.output
    assert (f"{path}:2: columna postal_code = '123': un código postal de España (ES) tiene 5 "
            "dígitos, como 28039") in result.output
    # Machine output keeps the English text (and the country's English name).
    report = json.loads(cli("import", str(path), "--format", "json", env=SPANISH).stdout)
    assert report["problems"][0]["message"].startswith(
        "a postal code of Spain (ES) has 5 digits, like 28039")


def test_a_tax_id_refused_by_its_checksum_says_so_in_spanish(cli, seeded, tmp_path):
    path = write(tmp_path / "nif.csv",
                 "identifier,name,company_type,category,client_attr.region,tax_id,country",
                 "N-1,Nif S.L.,LEGAL,RETAIL,north,B12345678,ES")
    result = cli("import", str(path), env=SPANISH)
    assert result.exit_code == 1, result.output
    assert (f"{path}:2: columna tax_id = 'B12345678': no es una identificación fiscal válida "
            "(ES NIF: La suma de control o el dígito de control del número no es válido.) "
            "[invalid-tax-id]") in result.output


def test_a_good_import_is_summed_up_in_spanish(cli, seeded, tmp_path):
    path = write(tmp_path / "buenos.csv",
                 "identifier,name,company_type,category,client_attr.region,"
                 "client_attr.credit_limit",
                 "G-1,Bueno S.L.,LEGAL,RETAIL,north,",
                 "G-2,Mayorista S.L.,PERSON,WHOLESALE,,5000")
    result = cli("import", str(path), env=SPANISH)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"{path}: 2 filas" in lines
    assert lines[-1].startswith("Clientes — creados: 2, actualizados: 0, omitidos: 0, sin "
                                "cambios: 0, rechazados: 0 (")
    assert lines[-1].endswith(" s)") and "," in lines[-1].rsplit("(", 1)[1]  # 0,01 s
    again = cli("import", str(path), "--on-conflict", "skip", env=SPANISH)
    assert again.exit_code == 0, again.output
    assert ("No cambió nada: todo lo que contienen los archivos ya está registrado."
            in again.output.splitlines())
    shown = json.loads(cli("show", "G-2", "--format", "json").stdout)
    assert shown["client_attributes"] == {"credit_limit": 5000}


def test_every_sentence_email_validator_writes_is_translated_and_kept_in_english(cli):
    from email_validator import EmailNotValidError, validate_email

    from clientreg import messages
    from clientreg.library_reasons import reason
    from clientreg.messages import Message

    addresses = ["ana", "@correo.example", "ana@", "Ana <ana@correo.example>", ".ana@x.es",
                 "ana.@x.es", "ana@.x.es", "ana@-x.es", "ana@x.es.", "ana@x-.es", "a..b@x.es",
                 "ana@x", "ana@x.invalid", "ana@[1.2.3.4]", '"a b"@x.es', "ana\u200b@x.es",
                 "ana\uff20x.es", "ana@x_y.es", "a,b@x.es", "ana@ab--cd.es",
                 "ana@" + "b" * 70 + ".es"]
    for address in addresses:
        with pytest.raises(EmailNotValidError) as refused:
            validate_email(address, check_deliverability=False)
        given = reason(str(refused.value))
        assert isinstance(given, Message), str(refused.value)
        assert messages.render(given, source=True) == str(refused.value)


def asked(cli, *keys: str, args: tuple[str, ...]):
    """The command with its questions answered by these keystrokes (prompt_toolkit's pipe
    input, as a terminal types them), in Spanish."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from clientreg.commands.wizard_command import FORCE_INTERACTIVE_ENV

    with create_pipe_input() as pipe:
        pipe.send_text("".join(keys))
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            return cli(*args, env={**SPANISH, FORCE_INTERACTIVE_ENV: "1"})


@pytest.mark.parametrize(("key", "saved"), [("s", True), ("S", True), ("y", True),
                                            ("n", False)])
def test_a_yes_or_no_question_takes_the_spanish_keys(cli, catalogue, tmp_path, monkeypatch,
                                                     key, saved):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "crm.csv", "identifier,name,company_type,category,Notas",
                 "Q-1,Preguntado S.L.,PERSON,WHOLESALE,llamar")
    keys = ["Ignorar", "\r", key] + (["\r"] if saved else [])  # Notas: ignored; save it?
    result = asked(cli, *keys, args=("import", str(path)))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "crm.mapping.yaml").exists() is saved
    assert json.loads(cli("show", "Q-1", "--format", "json").stdout)["name"] == "Preguntado S.L."


def test_the_yes_or_no_keys_follow_the_language():
    from clientreg.commands import i18n
    from clientreg.commands.yes_no import answer_keys

    try:
        i18n.use_language("es")
        assert answer_keys() == ({"s", "S", "y", "Y"}, {"n", "N"})
        i18n.use_language("en")
        assert answer_keys() == ({"y", "Y"}, {"n", "N"})
    finally:
        i18n.use_language("en")


def test_a_value_too_long_to_repeat_is_cut_in_spanish_and_in_english_in_json(cli, seeded,
                                                                             tmp_path):
    path = write(tmp_path / "larga.csv", "identifier,name,company_type,category",
                 "L-1,Larga S.L.,PERSON," + "X" * 100)
    result = cli("import", str(path), env=SPANISH)
    assert result.exit_code == 1, result.output
    assert f"columna category = '{'X' * 50}… (100 caracteres)': " in result.output
    report = json.loads(cli("import", str(path), "--format", "json", env=SPANISH).stdout)
    assert report["problems"][0]["value"] == "X" * 50 + "… (100 characters)"
