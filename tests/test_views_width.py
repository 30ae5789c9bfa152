"""Every list and show view fits 80 and 120 columns without breaking a word or an e-mail."""

import re

import pytest
from typer.testing import CliRunner

from clientreg.commands.app import app

EMAIL = "mariajose.fernandez-cordoba@construcciones-andaluzas-guadalquivir.example"
SEED = f"""\
company_types:
- code: CORP
  name: Sociedad mercantil de responsabilidad limitada
  attributes:
  - {{key: capital, label: Capital social suscrito y desembolsado, type: currency}}
categories:
- {{code: GOLD, name: Oro}}
clients:
- identifier: CONSTR-ANDALUZAS-001
  name: Construcciones y Rehabilitaciones Andaluzas del Guadalquivir Sociedad Limitada
  company_type: CORP
  category: GOLD
  email: administracion@construcciones-andaluzas-guadalquivir.example
  phone: "954 12 34 56"
  country: ES
  city: Alcalá de Guadaíra
  company_attributes: {{capital: "1850000"}}
  contacts:
  - {{name: María José Fernández de Córdoba y Villalobos, email: {EMAIL},
     phone: "600 123 456", position: Directora de Administración y Finanzas,
     department: Administración, language: es}}
"""
VIEWS = [("show", "CONSTR-ANDALUZAS-001"), ("list",), ("company", "list"),
         ("company", "show", "CONSTR-ANDALUZAS-001"), ("external-user", "list"),
         ("external-user", "show", EMAIL), ("company-type", "list"), ("category", "list"),
         ("company-type", "show", "CORP")]
WORDS = set(re.findall(r"[^\s,()]+", SEED))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("views")
    seed = folder / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    path = folder / "x.db"
    result = CliRunner().invoke(app, ["--db", str(path), "import", str(seed)])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("view", VIEWS, ids=" ".join)
def test_no_line_is_wider_than_the_terminal_and_no_word_is_split(db, view, width):
    result = CliRunner().invoke(app, ["--db", str(db), *view], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        assert len(line) <= width, line
        for token in re.findall(r"[^\s│┃,()]+", line):
            # a data word is whole, or cut with an ellipsis on its own line, never continued
            if token.endswith("…"):
                assert any(word.startswith(token[:-1]) for word in WORDS), token
            elif "@" in token or len(token) > 12:
                assert token in WORDS or not any(w.startswith(token) and w != token
                                                 for w in WORDS), token


def test_show_has_no_legend_for_a_default_marker_no_contact_uses(db):
    result = CliRunner().invoke(app, ["--db", str(db), "show", "CONSTR-ANDALUZAS-001"])
    assert "default contact" not in result.stdout


@pytest.mark.parametrize("width", [80, 120])
def test_a_long_e_mail_is_shown_whole(db, width):
    result = CliRunner().invoke(app, ["--db", str(db), "show", "CONSTR-ANDALUZAS-001"],
                                env={"COLUMNS": str(width)})
    assert EMAIL in result.stdout
