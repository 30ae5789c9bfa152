"""Number and currency attributes keep their declared decimals in every view; phones read as
international numbers in text views and stay E.164 in JSON."""

import json

import yaml
from typer.testing import CliRunner

from clientreg.commands.app import app

SEED = """\
company_types:
- code: CORP
  name: Sociedad mercantil
  attributes:
  - {key: capital, label: Capital social, type: currency}
  - {key: ratio, label: Ratio, type: number, decimals: 3}
categories:
- {code: GOLD, name: Oro}
clients:
- identifier: ACME
  name: Aceitunas del Sur S.L.
  company_type: CORP
  category: GOLD
  phone: "954 12 34 56"
  country: ES
  company_attributes: {capital: "1850000", ratio: "1234.5"}
"""


def run(db, *args):
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def registered(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    db = tmp_path / "x.db"
    run(db, "import", str(seed))
    return db


def test_show_text_keeps_the_declared_decimals_and_an_international_phone(tmp_path):
    text = run(registered(tmp_path), "show", "ACME")
    assert "1850000.00" in text and "1234.500" in text
    assert "+34 954 12 34 56" in text


def test_json_writes_the_declared_decimals_as_numbers_and_the_phone_as_e164(tmp_path):
    output = run(registered(tmp_path), "show", "ACME", "--format", "json")
    assert '"capital": 1850000.00' in output and '"ratio": 1234.500' in output
    document = json.loads(output)
    assert document["company_attributes"] == {"capital": 1850000, "ratio": 1234.5}
    assert document["phone"] == "+34954123456"


def test_a_yaml_export_re_imports_to_the_same_values(tmp_path):
    db = registered(tmp_path)
    exported = tmp_path / "all.yaml"
    run(db, "export", "--format", "yaml", "-o", str(exported))
    assert "capital: 1850000.00" in exported.read_text(encoding="utf-8")
    assert yaml.safe_load(exported.read_text(encoding="utf-8"))["clients"][0]
    again = tmp_path / "again.db"
    run(again, "import", str(exported))
    assert '"capital": 1850000.00' in run(again, "show", "ACME", "--format", "json")


def test_csv_export_keeps_the_declared_decimals(tmp_path):
    db = registered(tmp_path)
    exported = tmp_path / "all.csv"
    run(db, "export", "--format", "csv", "-o", str(exported))
    assert "1850000.00" in exported.read_text(encoding="utf-8")
