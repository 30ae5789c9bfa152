"""`clientreg new` in Spanish, typed into a real pseudo-terminal (pexpect), with LANG alone
choosing the language, as a Spanish user's terminal does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect

from tests.test_wizard_pty import DOWN, answer

# The program's entry point, which chooses the language before the commands (and their help)
# load, started by this interpreter; -P keeps the repository's folders off sys.path.
CLIENTREG = [sys.executable, "-P", "-c", "from clientreg.commands.cli import main; main()"]
UP = "\x1b[A"
# Only LANG says Spanish: what a Spanish user's terminal sets.
LANGUAGE_VARIABLES = ("CLIENTREG_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def spanish_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in LANGUAGE_VARIABLES and name != "CLIENTREG_DB"}
    return {**env, "LANG": "es_ES.UTF-8", "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}


def spawn(*args: str, rows: int = 40, columns: int = 120) -> pexpect.spawn:
    return pexpect.spawn(CLIENTREG[0], [*CLIENTREG[1:], *args], env=spanish_environment(),
                         encoding="utf-8", timeout=20, dimensions=(rows, columns))


def test_new_in_spanish_registers_a_client_that_show_then_finds(catalogue, db_path):
    child = spawn("--db", str(db_path), "new")
    child.expect_exact("Paso 1 de 6 · Tipo de empresa y categoría")
    answer(child, "Tipo de empresa", DOWN + "\r")                 # PERSON
    answer(child, "Categoría del cliente", DOWN + "\r")           # WHOLESALE
    child.expect_exact("Paso 2 de 4 · Datos de la empresa")
    answer(child, "Identificador", "P-100\r")
    answer(child, "Nombre", "Ferretería Prueba S.L.\r")
    answer(child, "Nombre comercial", "\r")
    answer(child, "País (código ISO, o su nombre en inglés, español, portugués o alemán)",
           "Alemania\r")
    answer(child, "Identificación fiscal", "\r")
    answer(child, "Correo electrónico", "ventas@@prueba.example\r")  # refused, in Spanish:
    child.expect_exact("ventas@@prueba.example: La parte posterior a la arroba contiene")
    child.send("\x15ventas@prueba.example\r")                       # Ctrl-U, then corrected
    for label in ("Teléfono", "Sitio web", "Calle", "Ciudad", "Estado/provincia"):
        answer(child, label, "\r")
    answer(child, "Código postal", "123\r")                         # Germany's have 5 digits
    child.expect_exact("un código postal de Alemania (DE) tiene 5 dígitos")
    child.send("\x15" + "10115\r")
    child.expect_exact("Paso 3 de 4 · Contactos de la empresa")
    answer(child, "Contactos de la empresa (0)", "\r")              # Agregar contacto
    answer(child, "Correo electrónico del contacto", "eva@prueba.example\r")
    answer(child, "Nombre del contacto", "Eva\r")
    for label in ("Teléfono del contacto", "Cargo del contacto", "Departamento del contacto",
                  "Idioma del contacto"):
        answer(child, label, "\r")
    answer(child, "¿Es este el contacto predeterminado de la empresa?", "\r")  # Sí
    answer(child, "Contactos de la empresa (1)", "\r")              # Continuar al resumen
    child.expect_exact("Paso 4 de 4 · Resumen")
    child.expect_exact("País: DE")
    answer(child, "Finalizar: registrar el cliente", "\r")
    child.expect_exact("Se registró el cliente P-100.")
    answer(child, "Datos del cliente: ¿desea editarlos ahora?", "\r")  # No, finalizar
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    shown = subprocess.run([*CLIENTREG, "--db", str(db_path), "show", "P-100", "--format",
                            "json"], capture_output=True, text=True, timeout=30,
                           env=spanish_environment())
    assert shown.returncode == 0, shown.stderr
    client = json.loads(shown.stdout)
    assert (client["name"], client["company_type"], client["category"]) == (
        "Ferretería Prueba S.L.", "PERSON", "WHOLESALE")
    assert (client["country"], client["email"], client["postal_code"]) == (
        "DE", "ventas@prueba.example", "10115")
    assert client["contacts"] == [{"name": "Eva", "email": "eva@prueba.example",
                                   "default": True}]
    assert [entry["source"] for entry in client["history"]] == ["wizard", "wizard", "wizard"]


def test_cancelar_in_spanish_saves_nothing(catalogue, db_path):
    before = list(catalogue.conn.iterdump())
    child = spawn("--db", str(db_path), "new", rows=24, columns=80)
    answer(child, "x  Cancelar", UP + "\r")                         # the last choice
    child.expect_exact("Cancelado: no se guardó nada.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(catalogue.conn.iterdump()) == before


def test_ctrl_c_in_spanish_saves_nothing(catalogue, db_path):
    before = list(catalogue.conn.iterdump())
    child = spawn("--db", str(db_path), "new", rows=24, columns=80)
    answer(child, "Tipo de empresa", "\r")                          # LEGAL
    answer(child, "Categoría del cliente", "\r")                    # RETAIL
    child.expect_exact("Paso 2 de 6 · Atributos de la empresa")
    answer(child, "Number of employees (un número, como mínimo 0, opcional)", "\x03")
    child.expect_exact("Cancelado: no se guardó nada.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(catalogue.conn.iterdump()) == before
