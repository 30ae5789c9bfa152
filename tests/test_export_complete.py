"""export gives back everything: companies that are not clients too, and the same bytes again."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from clientreg.commands.app import app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(db: Path, *args: str):
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result


def companies(db: Path) -> dict[str, bool]:
    """Identifier -> whether the company is a client."""
    listed = json.loads(run(db, "company", "list", "--all", "--format", "json").stdout)
    return {row["identifier"]: row["client"] for row in listed}


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "seed.db"
    run(db, "import", str(EXAMPLES / "seed.yaml"))
    return db


def test_the_seed_has_a_company_that_is_not_a_client(seeded):
    assert companies(seeded)["PENALARA"] is False


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_seed_export_round_trip_keeps_every_company(seeded, tmp_path, suffix):
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    result = run(seeded, "export", "-o", str(first))
    assert "Exported 1 company that is not a client (companies:)." in result.output
    document = yaml.safe_load(first.read_text(encoding="utf-8"))
    assert list(document) == ["company_types", "categories", "companies", "clients"]
    assert [c["identifier"] for c in document["companies"]] == ["PENALARA"]
    assert document["companies"][0]["company_attributes"]["employees"] == 140
    target = tmp_path / f"target{suffix}.db"
    report = run(target, "import", str(first))
    assert "Companies: 1 created" in report.output
    run(target, "export", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()
    assert companies(target) == companies(seeded)
    penalara = json.loads(run(target, "company", "show", "PENALARA", "--format", "json").stdout)
    assert (penalara["client"], penalara["name"]) == (False, "Construcciones Peñalara S.A.")
    # The company can still be registered as a client, as the seed intends.
    later = tmp_path / f"later{suffix}.yaml"
    later.write_text("- {from_company: PENALARA, category: PUBLIC_SECTOR}\n", encoding="utf-8")
    run(target, "import", str(later))
    assert companies(target)["PENALARA"] is True


def test_a_csv_round_trip_gives_the_same_bytes_and_names_what_it_leaves_out(seeded, tmp_path):
    catalogue, first, second = (tmp_path / n for n in ("cat.yaml", "first.csv", "second.csv"))
    run(seeded, "export", "-o", str(catalogue))
    result = run(seeded, "export", "-o", str(first))
    assert ("Note: 1 company is not a client and is not in the file: a csv file holds clients "
            "only. Export to YAML or JSON to keep it.") in result.output
    target = tmp_path / "target.db"
    # The catalogue comes first, from the YAML export's sections, as a table holds none.
    document = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    sections = tmp_path / "catalogue.yaml"
    sections.write_text(yaml.safe_dump({k: document[k] for k in ("company_types", "categories")},
                                       allow_unicode=True), encoding="utf-8")
    run(target, "import", str(sections))
    run(target, "import", str(first))
    run(target, "export", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()
    assert "PENALARA" not in companies(target)


def test_a_register_without_such_companies_exports_no_companies_section(tmp_path):
    db = tmp_path / "clients.db"
    seed = tmp_path / "one.yaml"
    seed.write_text("company_types: [{code: PERSON, name: Individual}]\n"
                    "categories: [{code: RETAIL, name: Retail}]\n"
                    "clients: [{identifier: C-1, name: Ana Ruiz, company_type: PERSON,"
                    " category: RETAIL}]\n", encoding="utf-8")
    run(db, "import", str(seed))
    for file_format in ("yaml", "json"):
        result = run(db, "export", "--format", file_format)
        assert "companies" not in result.stdout
        assert "company that is not" not in result.output


def test_filters_apply_to_the_companies_too(seeded):
    by_type = yaml.safe_load(run(seeded, "export", "--type", "PUBLIC").stdout)
    assert "companies" not in by_type  # PENALARA is LEGAL
    by_search = yaml.safe_load(run(seeded, "export", "--search", "Peñalara").stdout)
    assert [c["identifier"] for c in by_search["companies"]] == ["PENALARA"]
    assert by_search["clients"] == []
    by_category = yaml.safe_load(run(seeded, "export", "--category", "RETAIL").stdout)
    assert "companies" not in by_category  # a company that is not a client has no category


def test_help_says_which_output_is_the_import_format(seeded):
    export_help = run(seeded, "export", "--help").output
    assert "for 'clientreg import' to read back" in " ".join(export_help.split())
    list_help = " ".join(run(seeded, "list", "--help").output.split())
    assert "not for re-import" in list_help
